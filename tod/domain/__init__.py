"""Domains as data: ontologies, databases and the one query engine."""
