"""tod: a task-oriented dialogue framework (NLU -> DST -> policy -> NLG).

Importing ``tod`` is cheap: heavy dependencies (torch, transformers, datasets) are imported only
by the modules that need them.
"""

__version__ = "0.1.0"
