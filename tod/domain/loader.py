"""Loading and checking ``ontology.yaml``.

The format, in brief (every key is checked; an unknown key is an error, to catch typos)::

    name: multiwoz                 # defaults to the directory name
    language: en                   # en | zh
    description: ...
    synonyms: {center: centre}     # domain-wide value synonyms (variant: canonical)
    domains:
      train:
        description: ...
        database: {file: db/train_db.json, root: data_dir, format: records, name_field: trainID}
        booking: {required: [people], optional: [], one_of: [[leaveAt, arriveBy]]}
        slots:
          leaveAt: {kind: time, op: ge, informable: true, requestable: true}
          people: {kind: number, bookable: true, field: null, range: [1, 20], party: true, units: [people]}
          time: {kind: time, bookable: true, range: ["10:00", "23:30"], likely: ["11:00", "23:00"]}
          day: {kind: categorical, values: [monday, ...], synonyms: {mon: monday}, informable: true}
          价格: {kind: number, forms: [{pattern: '^(?P<low>\\d+)-(?P<high>\\d+)元$', op: between}]}
          周边酒店: {kind: relation, target: 酒店, op: contains}
          酒店设施: {kind: list, items: {separator: '-', yes: [是], no: [否]}}

A sub-domain or slot may list ``words``: what people call it ("somewhere to stay", "phone number", "part
of town"), which the pipeline reads a turn's words with (:mod:`tod.pipeline.reading`); its name counts too.

A slot's ``field`` defaults to its name; ``field: null`` marks a slot the database does not hold.
``range`` (number and time slots) bounds the values a booking takes, ``null`` for an open end;
``likely`` (time slots) is the plausible span a time written without am/pm is read into;
``units`` (number slots) the words written after the number ("nights"), ``party: true`` a number
of people (the language's "just me", "me and my wife" fill it); ``marked_by`` the words written right
before a value of the slot ("from" of a departure, "to" of a destination), which tell two values of one
turn apart.
Every problem raises :class:`DomainError` naming the file, the key path and what was expected.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Mapping

from tod._schema import FrozenMap
from tod.domain.normalise import norm_text, parse_time
from tod.domain.ontology import (
    DATABASE_FORMATS,
    OPS,
    SLOT_KINDS,
    BookingSpec,
    DatabaseSpec,
    Domain,
    ItemSlots,
    Schema,
    Slot,
    ValueForm,
    ValueRange,
)
from tod.domain.paths import domain_dir
from tod.errors import DomainError
from tod.files import FileChecker, read_yaml

ONTOLOGY_FILE = "ontology.yaml"
LANGUAGES = ("en", "zh")
TOP_KEYS = ("name", "language", "description", "synonyms", "domains")
_DEFAULT_OPS = {"list": "contains", "relation": "contains"}


class _Reader(FileChecker):
    """Checked access to the parsed YAML, raising DomainError with file and key path."""

    def __init__(self, source: Path) -> None:
        super().__init__(source, DomainError)

    def get(self, data: Mapping[str, Any], key: str, path: str, kind: type | tuple[type, ...], default: Any) -> Any:
        where = f"{path}.{key}" if path else key
        if key not in data:
            if default is _REQUIRED:
                raise self.fail(where, "missing required key")
            return default
        value = data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise self.fail(where, f"expected {names}, found {type(value).__name__} {value!r:.60}")
        return value

    def strings(self, data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        items = self.get(data, key, path, list, [])
        for i, item in enumerate(items):
            if not isinstance(item, (str, int, float)) or isinstance(item, bool):
                hint = " (quote yes/no/on/off: YAML reads them as booleans)" if isinstance(item, bool) else ""
                raise self.fail(f"{path}.{key}[{i}]", f"expected a string, found {type(item).__name__} {item!r}{hint}")
        return tuple(str(item) for item in items)

    def words(self, data: Mapping[str, Any], path: str, key: str = "words") -> tuple[str, ...]:
        """The ``words`` people use for a sub-domain or slot (or another list of words, ``key``),
        normalised, each once; none may be empty."""
        out = []
        for i, item in enumerate(self.strings(data, key, path)):
            word = norm_text(item)
            if not word:
                raise self.fail(f"{path}.{key}[{i}]", f"expected a word or phrase, found {item!r}")
            out.append(word)
        return tuple(dict.fromkeys(out))

    def synonyms(self, data: Mapping[str, Any], key: str, path: str) -> dict[str, str]:
        table = self.mapping(self.get(data, key, path, dict, {}), f"{path}.{key}" if path else key)
        out: dict[str, str] = {}
        for variant, canonical in table.items():
            if not isinstance(canonical, (str, int)) or isinstance(canonical, bool):
                raise self.fail(f"{path}.{key}.{variant}", f"expected a canonical value string, found {canonical!r}")
            out[norm_text(variant)] = norm_text(canonical)
        return out


_REQUIRED = object()


def load_domain(name_or_path: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None) -> Domain:
    """Load and check the domain ``name_or_path`` (a name on the domain search path, or a directory).

    ``data_dir`` is the corpus folder databases with ``root: data_dir`` are read from (e.g.
    ``../shared/data/multiwoz``); such databases must exist there, or a DomainError says which file
    is missing and that ``data_dir`` should point at the corpus folder.
    """
    directory = domain_dir(name_or_path)
    source, raw = read_ontology(directory)
    domain = parse_ontology(raw, source, directory, Path(data_dir) if data_dir is not None else None)
    _check_database_files(domain)
    return domain


def read_ontology(directory: Path) -> tuple[Path, Any]:
    """The ontology file of the domain directory ``directory`` and its parsed YAML (DomainError when it is
    missing or cannot be read as YAML)."""
    source = directory / ONTOLOGY_FILE
    if not source.is_file():
        raise DomainError(f"{directory}: expected an {ONTOLOGY_FILE} file defining the domain, found none")
    return source, read_yaml(source, error=DomainError, what="the domain's ontology")


def parse_ontology(raw: Any, source: Path, directory: Path, data_dir: Path | None = None) -> Domain:
    """Build a :class:`Domain` from parsed YAML ``raw`` read from ``source``."""
    r = _Reader(source)
    top = r.mapping(raw, "")
    # Keys starting with "x-" hold YAML anchors shared by several slots (value sets, synonyms).
    r.keys({k: v for k, v in top.items() if not str(k).startswith("x-")}, "", TOP_KEYS)
    language = r.get(top, "language", "", str, _REQUIRED)
    if language not in LANGUAGES:
        raise r.fail("language", f"expected one of {list(LANGUAGES)}, found {language!r}")
    shared = r.synonyms(top, "synonyms", "")
    subs = r.mapping(r.get(top, "domains", "", dict, _REQUIRED), "domains")
    if not subs:
        raise r.fail("domains", "expected at least one sub-domain, found none")
    schemas = {
        str(name): _schema(r, str(name), r.mapping(body, f"domains.{name}"), shared) for name, body in subs.items()
    }
    for schema in schemas.values():
        for slot in schema.slots.values():
            if slot.target is not None and slot.target not in schemas:
                path = f"domains.{schema.name}.slots.{slot.name}.target"
                raise r.fail(path, f"expected one of the sub-domains {list(schemas)}, found {slot.target!r}")
    return Domain(
        name=r.get(top, "name", "", str, directory.name),
        language=language,
        description=r.get(top, "description", "", str, ""),
        schemas=FrozenMap(schemas),
        directory=directory,
        data_dir=data_dir,
        source=source,
    )


def _schema(r: _Reader, name: str, body: Mapping[str, Any], shared: dict[str, str]) -> Schema:
    path = f"domains.{name}"
    r.keys(body, path, ("description", "words", "database", "booking", "slots"))
    raw_slots = r.mapping(r.get(body, "slots", path, dict, _REQUIRED), f"{path}.slots")
    slots = {
        str(s): _slot(r, str(s), r.mapping(v or {}, f"{path}.slots.{s}"), f"{path}.slots.{s}", shared)
        for s, v in raw_slots.items()
    }
    database = _database(r, body["database"], f"{path}.database") if "database" in body else None
    booking = _booking(r, body["booking"], f"{path}.booking", slots) if "booking" in body else None
    description = r.get(body, "description", path, str, "")
    return Schema(name, FrozenMap(slots), database, booking, description, r.words(body, path))


def _slot(r: _Reader, name: str, body: Mapping[str, Any], path: str, shared: dict[str, str]) -> Slot:
    allowed = ("kind", "informable", "requestable", "bookable", "field", "op", "values", "synonyms", "forms")
    more = ("target", "items", "description", "words", "marked_by", "range", "likely", "units", "party")
    r.keys(body, path, (*allowed, *more))
    kind = r.get(body, "kind", path, str, "text")
    if kind not in SLOT_KINDS:
        raise r.fail(f"{path}.kind", f"expected one of {list(SLOT_KINDS)}, found {kind!r}")
    op = r.get(body, "op", path, str, _DEFAULT_OPS.get(kind, "eq"))
    if op not in OPS:
        raise r.fail(f"{path}.op", f"expected one of {list(OPS)}, found {op!r}")
    field = body.get("field", name)
    if field is not None and not isinstance(field, str):
        raise r.fail(f"{path}.field", f"expected a database field name or null, found {field!r}")
    target = r.get(body, "target", path, str, None)
    if (kind == "relation") != (target is not None):
        raise r.fail(f"{path}.target", "expected a target sub-domain exactly when kind is relation")
    forms = tuple(_form(r, f, f"{path}.forms[{i}]") for i, f in enumerate(r.get(body, "forms", path, list, [])))
    items = None
    if "items" in body:
        raw = r.mapping(body["items"], f"{path}.items")
        r.keys(raw, f"{path}.items", ("separator", "yes", "no"))
        sep = r.get(raw, "separator", f"{path}.items", str, _REQUIRED)
        items = ItemSlots(sep, r.strings(raw, "yes", f"{path}.items"), r.strings(raw, "no", f"{path}.items"))
        if not sep or not items.yes:
            raise r.fail(f"{path}.items", "expected a non-empty separator and at least one 'yes' value")
    synonyms = {**shared, **r.synonyms(body, "synonyms", path)}
    return Slot(
        name=name,
        kind=kind,
        informable=r.get(body, "informable", path, bool, False),
        requestable=r.get(body, "requestable", path, bool, False),
        bookable=r.get(body, "bookable", path, bool, False),
        field=field,
        op=op,
        values=tuple(norm_text(v, synonyms) for v in r.strings(body, "values", path)),
        synonyms=FrozenMap(synonyms),
        forms=forms,
        target=target,
        items=items,
        description=r.get(body, "description", path, str, ""),
        words=r.words(body, path),
        marked_by=r.words(body, path, "marked_by"),
        range=_range(r, body, path, kind),
        likely=_likely(r, body, path, kind),
        units=_units(r, body, path, kind),
        party=_party(r, body, path, kind),
    )


def _units(r: _Reader, body: Mapping[str, Any], path: str, kind: str) -> tuple[str, ...]:
    units = r.strings(body, "units", path)
    if units and kind != "number":
        raise r.fail(f"{path}.units", f"expected units only on number slots, found them on a {kind} slot")
    if any(not norm_text(u) for u in units):
        raise r.fail(f"{path}.units", f"expected non-empty words, found {list(units)!r:.60}")
    return tuple(norm_text(u) for u in units)


def _party(r: _Reader, body: Mapping[str, Any], path: str, kind: str) -> bool:
    party = r.get(body, "party", path, bool, False)
    if party and kind != "number":
        raise r.fail(f"{path}.party", f"expected party only on number slots, found it on a {kind} slot")
    return bool(party)


def _bound(r: _Reader, raw: Any, where: str, kind: str) -> float | None:
    """One end of a ``range``: a number (number slots) or an ``HH:MM`` time (time slots), or null."""
    if raw is None:
        return None
    if kind == "time":
        minutes = parse_time(raw) if isinstance(raw, str) else None
        if minutes is None:
            raise r.fail(where, f"expected a time like '19:30' (quoted) or null, found {raw!r}")
        return float(minutes)
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != raw:
        raise r.fail(where, f"expected a number or null, found {raw!r}")
    try:
        return float(raw)
    except OverflowError:
        raise r.fail(where, f"expected a number a float can hold, found {len(str(raw))} digits") from None


def _range(r: _Reader, body: Mapping[str, Any], path: str, kind: str) -> ValueRange | None:
    if "range" not in body:
        return None
    where = f"{path}.range"
    if kind not in ("number", "time"):
        raise r.fail(where, f"expected a range only on number or time slots, found one on a {kind} slot")
    raw = body["range"]
    if not isinstance(raw, list) or len(raw) != 2:
        raise r.fail(where, f"expected [low, high] (null for an open end), found {raw!r:.60}")
    low, high = (_bound(r, v, f"{where}[{i}]", kind) for i, v in enumerate(raw))
    if low is not None and high is not None and low > high:
        raise r.fail(where, f"expected low <= high, found {raw!r}")
    return ValueRange(low, high)


def _likely(r: _Reader, body: Mapping[str, Any], path: str, kind: str) -> tuple[int, int] | None:
    if "likely" not in body:
        return None
    where = f"{path}.likely"
    raw = body["likely"]
    if kind != "time":
        raise r.fail(where, f"expected likely hours only on time slots, found them on a {kind} slot")
    if not isinstance(raw, list) or len(raw) != 2 or not all(isinstance(v, str) for v in raw):
        raise r.fail(where, f"expected two quoted times ['11:00', '23:00'], found {raw!r:.60}")
    low, high = (parse_time(v) for v in raw)
    if low is None or high is None or low > high:
        raise r.fail(where, f"expected two times like '11:00', the first not after the second, found {raw!r}")
    return low, high


def _form(r: _Reader, raw: Any, path: str) -> ValueForm:
    body = r.mapping(raw, path)
    r.keys(body, path, ("pattern", "op", "value"))
    pattern = r.get(body, "pattern", path, str, _REQUIRED)
    try:
        compiled = re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as error:  # a{99999999999}, ((((...
        raise r.fail(f"{path}.pattern", f"expected a regular expression, found {pattern!r} ({error})") from error
    op = r.get(body, "op", path, str, "eq")
    if op not in OPS:
        raise r.fail(f"{path}.op", f"expected one of {list(OPS)}, found {op!r}")
    value = r.get(body, "value", path, (int, float), None)
    groups = set(compiled.groupindex)
    needed = {"low", "high"} if op == "between" else {"value"}
    if value is None and not needed <= groups:
        raise r.fail(
            path, f"expected named groups {sorted(needed)} in the pattern or a fixed value, found {sorted(groups)}"
        )
    try:
        fixed = None if value is None else float(value)
    except OverflowError:  # an integer beyond a float's range
        raise r.fail(f"{path}.value", f"expected a number a float can hold, found {len(str(value))} digits") from None
    return ValueForm(compiled, op, fixed)


def _database(r: _Reader, raw: Any, path: str) -> DatabaseSpec:
    body = r.mapping(raw, path)
    r.keys(body, path, ("file", "root", "format", "name_field", "generate"))
    root = r.get(body, "root", path, str, "domain")
    if root not in ("domain", "data_dir"):
        raise r.fail(f"{path}.root", f"expected 'domain' or 'data_dir', found {root!r}")
    fmt = r.get(body, "format", path, str, "records")
    if fmt not in DATABASE_FORMATS:
        raise r.fail(f"{path}.format", f"expected one of {list(DATABASE_FORMATS)}, found {fmt!r}")
    generate = r.mapping(r.get(body, "generate", path, dict, {}), f"{path}.generate")
    if (fmt == "generated") != bool(generate):
        raise r.fail(f"{path}.generate", "expected a field -> choice-list mapping exactly when format is generated")
    return DatabaseSpec(
        file=r.get(body, "file", path, str, _REQUIRED),
        root=root,
        format=fmt,
        name_field=r.get(body, "name_field", path, str, "name"),
        generate=FrozenMap({str(k): str(v) for k, v in generate.items()}),
    )


def _booking(r: _Reader, raw: Any, path: str, slots: Mapping[str, Slot]) -> BookingSpec:
    body = r.mapping(raw, path)
    r.keys(body, path, ("required", "optional", "one_of"))
    groups = r.get(body, "one_of", path, list, [])
    one_of = tuple(r.strings({"g": g}, "g", f"{path}.one_of[{i}]") for i, g in enumerate(groups))
    spec = BookingSpec(r.strings(body, "required", path), r.strings(body, "optional", path), one_of)
    for slot in spec.slots:
        if slot not in slots or not slots[slot].bookable:
            bookable = [n for n, s in slots.items() if s.bookable]
            raise r.fail(path, f"booking slot {slot!r} must be a declared bookable slot, one of {bookable}")
    return spec


def _check_database_files(domain: Domain) -> None:
    for name, schema in domain.schemas.items():
        if schema.database is None:
            continue
        if schema.database.root == "data_dir" and domain.data_dir is None:
            raise DomainError(
                f"{domain.source}: domains.{name}.database: the {domain.name} database {schema.database.file} is read "
                "from the corpus folder, but no data_dir was given: pass data_dir pointing at the corpus folder "
                f"(the one holding {schema.database.file})"
            )
        path = domain.database_path(name)
        try:
            found = path is not None and path.is_file()
        except OSError as error:  # a name too long for the file system
            raise DomainError(f"{domain.source}: domains.{name}.database: cannot use file {path}: {error}") from None
        if not found:
            hint = (
                "data_dir should point at the corpus folder holding it"
                if schema.database.root == "data_dir"
                else "it belongs in the domain directory"
            )
            raise DomainError(f"{domain.source}: domains.{name}.database: database file {path} does not exist ({hint})")
