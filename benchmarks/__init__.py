"""Reproducible quality and speed measurements; ``python -m benchmarks`` runs them all (benchmarks/runner.py).

Each ``benchmarks/<name>.py`` is also a script of its own (``python benchmarks/<name>.py``), importing
``benchlib`` from beside it.
"""
