"""PARADISE (Walker, Litman, Kamm, Abella, ACL 1997): task success κ from the attribute-value
matrix, dialogue costs, and the regression of user satisfaction on their Z-scores."""
