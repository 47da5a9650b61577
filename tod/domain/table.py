"""One sub-domain's database, pre-normalised and indexed, and the matching of constraints against it.

Every database value is normalised once at load time, by the slot's kind and synonyms: text to a
comparison key, numbers to floats, times to minutes, lists to sets of keys. Equality and
list-membership constraints are answered from per-slot indexes (value -> row numbers); the others
(``ge``, ``between``, ``substring``, ...) filter the rows the indexes leave.

Exclusions (slot -> values the user ruled out) are the opposite test: an entity is left out when it
would meet the constraint ``slot = value`` for any excluded value (a list slot: when its list holds
the value); an entity the database knows nothing about for that slot is kept.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from tod._schema import FrozenMap
from tod.belief import DONTCARE
from tod.domain.normalise import name_key, norm_text, parse_number, parse_time
from tod.domain.ontology import Schema, Slot
from tod.errors import QueryError

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "ge": operator.ge,
    "le": operator.le,
    "gt": operator.gt,
    "lt": operator.lt,
}


@dataclass(frozen=True)
class Entity:
    """One database entry: its sub-domain, name, row number (database order) and read-only fields."""

    domain: str
    name: str
    fields: FrozenMap[str, Any]
    index: int

    def get(self, field: str, default: Any = None) -> Any:
        """The raw value of ``field`` (lists are tuples), or ``default``."""
        return self.fields.get(field, default)


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return FrozenMap({k: _freeze(v) for k, v in value.items()})
    return value


def slot_key(slot: Slot, value: Any) -> Any:
    """The normalised form of one value of ``slot`` (database or constraint side); ``None`` if it has none."""
    if slot.kind == "number":
        return parse_number(value)
    if slot.kind == "time":
        return parse_time(value)
    if slot.kind == "name":
        return name_key(value) or None
    if slot.kind in ("list", "relation"):
        items = value if isinstance(value, (list, tuple)) else ([] if value is None else [value])
        if slot.items is not None and isinstance(value, str):
            items = value.split()  # item lists are written space-separated (CrossWOZ 酒店设施 states)
        return frozenset(k for k in (norm_text(v, slot.synonyms) for v in items) if k)
    key = norm_text(value, slot.synonyms)
    return key or None


class Table:
    """The rows of one sub-domain with normalised columns and equality indexes."""

    def __init__(self, schema: Schema, records: list[tuple[str, dict[str, Any]]]) -> None:
        self.schema = schema
        self.entities: tuple[Entity, ...] = tuple(
            Entity(schema.name, name, FrozenMap({k: _freeze(v) for k, v in fields.items()}), i)
            for i, (name, fields) in enumerate(records)
        )
        self.columns: dict[str, list[Any]] = {}
        self.indexes: dict[str, dict[Any, frozenset[int]]] = {}
        for slot in schema.slots.values():
            if slot.field is None:
                continue
            column = [slot_key(slot, e.fields.get(slot.field)) for e in self.entities]
            self.columns[slot.name] = column
            if slot.kind not in ("number", "time"):
                index: dict[Any, set[int]] = {}
                for row, key in enumerate(column):
                    for k in key if isinstance(key, frozenset) else ([] if key is None else [key]):
                        index.setdefault(k, set()).add(row)
                self.indexes[slot.name] = {k: frozenset(v) for k, v in index.items()}
        self.names: dict[str, int] = {}
        for entity in self.entities:
            self.names.setdefault(name_key(entity.name), entity.index)

    def query(
        self,
        constraints: Mapping[str, Any],
        top_k: int | None = None,
        excluded: Mapping[str, Sequence[Any]] | None = None,
    ) -> list[Entity]:
        """The entities meeting every constraint and no exclusion, in database order, at most ``top_k`` of them."""
        sets: list[frozenset[int]] = []
        tests: list[Callable[[int], bool]] = []
        for slot_name, value in constraints.items():
            self._compile(slot_name, value, sets, tests)
        tests.extend(self._exclusions(excluded))
        if sets:
            sets.sort(key=len)
            rows = sorted(sets[0].intersection(*sets[1:])) if len(sets) > 1 else sorted(sets[0])
        else:
            rows = range(len(self.entities))  # type: ignore[assignment]
        out: list[Entity] = []
        if top_k == 0:
            return out
        for row in rows:
            if all(test(row) for test in tests):
                out.append(self.entities[row])
                if top_k is not None and len(out) >= top_k:
                    break
        return out

    def meets(self, row: int, constraints: Mapping[str, Any], excluded: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """Whether the entity in row ``row`` meets every constraint and no exclusion (without scanning the table)."""
        sets: list[frozenset[int]] = []
        tests: list[Callable[[int], bool]] = []
        for slot_name, value in constraints.items():
            self._compile(slot_name, value, sets, tests)
        tests.extend(self._exclusions(excluded))
        return all(row in rows for rows in sets) and all(test(row) for test in tests)

    def _exclusions(self, excluded: Mapping[str, Sequence[Any]] | None) -> list[Callable[[int], bool]]:
        """One test per excluded value: the row does not meet ``slot = value`` (see the module docstring).

        A value that would match everything (``dontcare``, empty) or a slot the database does not hold
        excludes nothing; a value the slot cannot read raises QueryError as a constraint would.
        """
        if excluded is None:
            return []
        if not isinstance(excluded, Mapping):
            raise QueryError(f"exclusions of {self.schema.name}: expected slot -> values, found {excluded!r:.60}")
        tests: list[Callable[[int], bool]] = []
        for slot_name, values in excluded.items():
            if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple, frozenset, set)):
                raise QueryError(
                    f"exclusions of slot {slot_name!r:.60} of {self.schema.name}: expected a list of values, "
                    f"found {values!r:.60}"
                )
            for value in values:
                sets: list[frozenset[int]] = []
                checks: list[Callable[[int], bool]] = []
                self._compile(slot_name, value, sets, checks)
                if not sets and not checks:
                    continue  # dontcare or a slot the database does not hold: nothing to leave out
                tests.append(_not_meeting(sets, checks))
        return tests

    def resolve(self, slot_name: str) -> tuple[Slot, str | None]:
        """The slot a constraint names and, for an item slot (``酒店设施-中式餐厅``), the item
        (:meth:`Schema.resolve`); a ``QueryError`` naming the known slots otherwise."""
        if not isinstance(slot_name, str):
            raise QueryError(f"a slot of {self.schema.name} is named by a string, found {slot_name!r:.60}")
        found = self.schema.resolve(slot_name)
        if found is not None:
            return found.slot, found.item
        raise QueryError(
            f"unknown slot {slot_name!r} of {self.schema.name}: expected one of {list(self.schema.slots)}"
            + "".join(f" or {s.item_slot('<item>')}" for s in self.schema.slots.values() if s.items)
        )

    def _compile(
        self, slot_name: str, value: Any, sets: list[frozenset[int]], tests: list[Callable[[int], bool]]
    ) -> None:
        slot, item = self.resolve(slot_name)
        try:
            text = "" if value is None else str(value).strip()
        except ValueError as error:  # an integer of more than 4,300 digits
            raise QueryError(f"slot {slot_name!r} of {self.schema.name}: expected a value, found {error}") from None
        if not text or norm_text(text, slot.synonyms) == DONTCARE or slot.field is None:
            return  # dontcare matches everything; slots the database does not hold do not filter
        column = self.columns[slot.name]
        index = self.indexes.get(slot.name)
        if item is not None:
            assert slot.items is not None and index is not None
            if text not in slot.items.yes and text not in slot.items.no:
                expected = [*slot.items.yes, *slot.items.no]
                raise QueryError(
                    f"slot {slot_name!r} of {self.schema.name}: expected one of {expected}, found {text!r}"
                )
            rows = index.get(norm_text(item, slot.synonyms), frozenset())
            if text in slot.items.yes:
                sets.append(rows)
            else:
                tests.append(lambda row: row not in rows)
            return
        if slot.kind in ("number", "time"):
            tests.extend(self._comparison(slot, text, column))
            return
        key = slot_key(slot, text)
        if slot.kind in ("list", "relation"):
            key = next(iter(key), None) if isinstance(key, frozenset) and len(key) == 1 else key
        if slot.op in ("eq", "contains") and index is not None and not isinstance(key, frozenset):
            sets.append(index.get(key, frozenset()))
        elif slot.op == "ne":
            tests.append(lambda row: column[row] != key)
        elif slot.op == "substring":
            tests.append(lambda row: column[row] is not None and str(key) in str(column[row]))
        elif isinstance(key, frozenset):  # several items: the list must contain all of them
            tests.append(lambda row: column[row] is not None and key <= column[row])
        else:
            raise QueryError(f"slot {slot_name!r} of {self.schema.name} ({slot.kind}) cannot compare with {slot.op!r}")

    def _comparison(self, slot: Slot, text: str, column: list[Any]) -> list[Callable[[int], bool]]:
        for form in slot.forms:
            match = form.pattern.match(text) or form.pattern.match(norm_text(text, slot.synonyms))
            if match is None:
                continue
            groups = match.groupdict()
            if form.op == "between":
                low, high = float(groups["low"]), float(groups["high"])
                return [lambda row: column[row] is not None and low <= column[row] <= high]
            bound = form.value if form.value is not None else float(groups["value"])
            return [_test(column, form.op, bound)]
        bound = slot_key(slot, norm_text(text, slot.synonyms))
        if bound is None:
            forms = [f.pattern.pattern for f in slot.forms]
            what = "a time like 9:15, 09:15 or 21.15" if slot.kind == "time" else "a number"
            raise QueryError(
                f"slot {slot.name!r} of {self.schema.name}: expected {what}"
                + (f" or a value matching one of {forms}" if forms else "")
                + f", found {text!r}"
            )
        return [_test(column, slot.op, bound)]


def _not_meeting(sets: list[frozenset[int]], checks: list[Callable[[int], bool]]) -> Callable[[int], bool]:
    """The test "the row does not meet the constraint compiled into ``sets`` and ``checks``"."""
    return lambda row: not (all(row in rows for rows in sets) and all(check(row) for check in checks))


def _test(column: list[Any], op: str, bound: Any) -> Callable[[int], bool]:
    if op not in _COMPARE:
        raise QueryError(f"a number or time cannot be compared with {op!r}: expected one of {sorted(_COMPARE)}")
    compare = _COMPARE[op]
    return lambda row: column[row] is not None and compare(column[row], bound)
