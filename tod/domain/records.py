"""Reading a sub-domain's database file into ``(name, fields)`` records, whatever its layout.

The layouts are declared in the ontology (:class:`~tod.domain.ontology.DatabaseSpec`): ``records``
(a JSON list of objects), ``pairs`` (a list of ``[name, {fields}]``) and ``generated`` (a JSON
object of choice lists; the entities are every combination of choices, in file order). A generated
field takes its values from the file's list under the ontology's key, or, where the ontology gives
a pattern itself (``phone: "^07[0-9]{9}$"``), follows that pattern instead of the file's.
"""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path
from typing import Any

from tod.domain.ontology import DatabaseSpec
from tod.errors import DomainError
from tod.files import read_json

Record = tuple[str, dict[str, Any]]
# The regular expressions generated values may follow: literal letters and digits, then one
# character class with a fixed count.
_GENERABLE = re.compile(r"^\^?(?P<prefix>[0-9A-Za-z]{0,20})\[(?P<cls>[^\]]+)\]\{(?P<n>\d{1,3})\}\$?$")  # at most 999


def read_records(path: Path, spec: DatabaseSpec) -> list[Record]:
    """The records of the database file ``path`` laid out as ``spec`` says."""
    if not path.exists():
        raise DomainError(f"database file {path} does not exist")
    data = read_json(path, error=DomainError, what="a JSON database file")
    if spec.format == "generated":
        return _generated(data, path, spec)
    if not isinstance(data, list):
        raise DomainError(f"{path}: expected a JSON list of {spec.format}, found {type(data).__name__}")
    records: list[Record] = []
    for i, item in enumerate(data):
        if spec.format == "pairs":
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], dict)):
                raise DomainError(f"{path}: entry {i}: expected [name, {{fields}}], found {str(item)[:80]}")
            fields = dict(item[1])
            fields.setdefault(spec.name_field, item[0])
            records.append((str(item[0]), fields))
        else:
            if not isinstance(item, dict):
                raise DomainError(f"{path}: entry {i}: expected a JSON object, found {type(item).__name__}")
            if spec.name_field not in item:
                raise DomainError(
                    f"{path}: entry {i}: expected the name field {spec.name_field!r}, found {sorted(item)}"
                )
            records.append((str(item[spec.name_field]), dict(item)))
    return records


def _generated(data: Any, path: Path, spec: DatabaseSpec) -> list[Record]:
    if not isinstance(data, dict):
        raise DomainError(f"{path}: expected a JSON object of choice lists, found {type(data).__name__}")
    choices: dict[str, list[Any]] = {}
    patterns: dict[str, str] = {}
    for field, key in spec.generate.items():
        if key.startswith("^"):  # the ontology's own pattern, in place of the file's
            if not _GENERABLE.match(key):
                raise DomainError(f"{path}: generate.{field}: expected a pattern like ^07[0-9]{{9}}$, found {key!r}")
            patterns[field] = key
            continue
        values = data.get(key)
        if not isinstance(values, list) or not values:
            raise DomainError(
                f"{path}: expected a non-empty list under {key!r} (for field {field!r}), found {values!r:.60}"
            )
        if all(isinstance(v, str) and v.startswith("^") for v in values):
            patterns[field] = values[0]
            if not _GENERABLE.match(values[0]):
                raise DomainError(f"{path}: {key}: expected a pattern like ^[0-9]{{10}}$, found {values[0]!r}")
        else:
            choices[field] = values
    records: list[Record] = []
    # A fixed seed per database, so generated values (phone numbers) are the same on every load.
    rng = random.Random(f"{path.name}:{sorted(spec.generate.items())}")
    for combo in itertools.product(*choices.values()):
        fields: dict[str, Any] = dict(zip(choices, combo))
        for field, pattern in patterns.items():
            fields[field] = generate_from(pattern, rng)
        name = " ".join(str(v) for v in combo)
        fields.setdefault(spec.name_field, name)
        records.append((str(fields[spec.name_field]), fields))
    return records


def generate_from(pattern: str, rng: random.Random) -> str:
    """A string matching ``pattern`` of the form ``^prefix[class]{n}$`` (``^[0-9]{10}$``, ``^07[0-9]{9}$``,
    ``^[A-Z0-9]{8}$``)."""
    match = _GENERABLE.match(pattern)
    if match is None:
        raise DomainError(f"cannot generate a value for pattern {pattern!r}: expected ^[class]{{n}}$")
    alphabet = _expand(match["cls"])
    if not alphabet:  # a reversed range such as [z-a]
        raise DomainError(
            f"cannot generate a value for pattern {pattern!r}: expected a class of characters, found none"
        )
    return match["prefix"] + "".join(rng.choice(alphabet) for _ in range(int(match["n"])))


def _expand(cls: str) -> str:
    chars: list[str] = []
    i = 0
    while i < len(cls):
        if i + 2 < len(cls) and cls[i + 1] == "-":
            chars.extend(chr(c) for c in range(ord(cls[i]), ord(cls[i + 2]) + 1))
            i += 3
        else:
            chars.append(cls[i])
            i += 1
    return "".join(chars)
