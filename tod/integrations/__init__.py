"""tod inside other systems: each integration in its own sub-package, its dependencies imported there only."""
