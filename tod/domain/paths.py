"""Where domain definitions live.

A domain is a directory (``domains/<name>/`` in this repository) holding its ontology, database
pointers and templates. A name is looked up in the directories listed in ``TOD_DOMAINS_PATH``
(``os.pathsep``-separated) and then among the domains shipped with tod (:mod:`tod.builtin`); a path
is used as is.
"""

from __future__ import annotations

import os
from pathlib import Path

from tod.builtin import domains_dir as builtin_domains_dir
from tod.builtin import is_plain_name
from tod.errors import DomainError

ENV_VAR = "TOD_DOMAINS_PATH"


def search_path() -> list[Path]:
    """The folders a domain name is looked up in, in order: ``TOD_DOMAINS_PATH``'s, then the built-in one."""
    extra = [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    return [*extra, builtin_domains_dir()]


def available_domains() -> list[str]:
    names: set[str] = set()
    for root in search_path():
        if root.is_dir():
            names.update(p.name for p in root.iterdir() if p.is_dir() and is_plain_name(p.name))
    return sorted(names)


def domain_dir(name_or_path: str | os.PathLike[str]) -> Path:
    """The directory of a domain given by name (``multiwoz``) or by path (``./my_domain``)."""
    text = os.fspath(name_or_path)
    candidate = Path(text)
    if os.sep in text or (os.altsep and os.altsep in text) or text.startswith("."):
        if not candidate.is_dir():
            raise DomainError(f"domain directory {candidate} does not exist")
        return candidate
    for root in search_path() if is_plain_name(text) else []:
        if (root / text).is_dir():
            return root / text
    raise DomainError(
        f"unknown domain {text!r}: expected a directory path or one of {available_domains()} "
        f"(searched {[str(p) for p in search_path()]})"
    )
