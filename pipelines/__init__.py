"""The ready-made pipelines: data, not code (one YAML file each; format in ``tod/pipeline/config.py``).

This file only makes the folder the package ``tod.builtin.pipelines`` of an installed tod, so that tod
finds its ready-made pipelines in a wheel and in an editable install alike (``tod/builtin``, ``setup.py``).
"""
