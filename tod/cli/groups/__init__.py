"""The command groups of ``tod``, one module each.

Each module names its group (``NAME``), says in one line what it is for (``HELP``, the line
``tod --help`` shows) and adds its parser to the top-level sub-commands (``add``). A command's
parser names its handler (``handler="module:function"``), imported only when the command runs, so
that building the parsers imports nothing heavy. Options two groups share are in
:mod:`tod.cli.options`.
"""
