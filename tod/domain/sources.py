"""The files a domain is made of, as a content key (:func:`tod.cache.content_key`) reads them."""

from __future__ import annotations

from pathlib import Path

from tod.domain.ontology import Domain


def source_files(domain: Domain) -> list[tuple[str, Path]]:
    """Every file of ``domain``'s directory (sorted), then each database file kept elsewhere (in a corpus
    folder), each with the name a key knows it by: its path inside the domain directory, or the bare
    file name of an outside database. Where the repository or the corpus lives does not change what is
    built from them, so it is not part of the names."""
    files = sorted(p for p in domain.directory.rglob("*") if p.is_file())
    for name in domain.subdomains:
        path = domain.database_path(name)
        if path is not None and path.is_file() and path not in files:
            files.append(path)
    return [(_name(path, domain.directory), path) for path in files]


def _name(path: Path, directory: Path) -> str:
    return str(path.relative_to(directory)) if path.is_relative_to(directory) else path.name
