"""Where the domains and pipelines shipped with tod are, however tod is installed.

They live at the repository's top level (``domains/``, ``pipelines/``), where a newcomer finds them.
The build maps the two folders into the package as ``tod.builtin.domains`` and
``tod.builtin.pipelines`` (``setup.py``: setuptools' ``package_dir``), and each folder holds an
``__init__.py`` that makes it that package. So :mod:`importlib.resources` finds them in a wheel (the
copies in site-packages) and in an editable install (setuptools' import hook maps the two package
names onto the repository's folders) alike. This module is the one place that knows this.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from tod.errors import ConfigError, DomainError, TodError

DOMAINS_PACKAGE = "tod.builtin.domains"
PIPELINES_PACKAGE = "tod.builtin.pipelines"


def _directory(package: str, error: type[TodError]) -> Path:
    """The folder of ``package`` on the file system; ``error`` if it is not installed or not a folder."""
    try:
        found = resources.files(package)
    except ModuleNotFoundError:
        raise error(
            f"the data package {package} is not installed: install tod (`pip install .`, or `make install` for "
            "an editable install) rather than putting the repository on PYTHONPATH"
        ) from None
    if not isinstance(found, Path) or not found.is_dir():  # e.g. tod imported from a zip archive
        raise error(f"expected the data package {package} to be a folder on the file system, found {found!r}")
    return found


def domains_dir() -> Path:
    """The folder of the built-in domains (``domains/`` in the repository), one sub-folder per domain."""
    return _directory(DOMAINS_PACKAGE, DomainError)


def pipelines_dir() -> Path:
    """The folder of the ready-made pipeline files (``pipelines/`` in the repository), one YAML file each."""
    return _directory(PIPELINES_PACKAGE, ConfigError)


def is_plain_name(text: str) -> bool:
    """Whether ``text`` can name an entry of a folder of domains or pipelines: not empty, without a path
    separator, not hidden (``.``) or private (``_``, as ``__init__.py``). A plain name never reaches
    outside the folder it is looked up in."""
    separators = [sep for sep in (os.sep, os.altsep) if sep]
    return bool(text) and not any(sep in text for sep in separators) and not text.startswith((".", "_"))
