"""The built-in domains: data, not code (one folder per domain; see its README or ontology.yaml).

This file only makes the folder the package ``tod.builtin.domains`` of an installed tod, so that tod
finds its built-in domains in a wheel and in an editable install alike (``tod/builtin``, ``setup.py``).
"""
