"""One sub-domain's constraints against its database, as the rule policy needs them for one turn.

``db_results[d]`` (from :func:`tod.domain.matches.query_belief`) gives the count and the first
matches; a :class:`Search` queries the database itself only for what those do not hold: every
match (to measure slots, rank by time, skip entities already offered), the relaxations of a failed
query, and the search without the name constraint (a named entity is looked up by name instead).

* **Exclusions.** The belief's exclusions (``not in the north``) apply to every query the search makes
  (matches, relaxations, the offered entity still matching); a relaxation never drops one.
* **Unreadable values.** A constraint whose value the database cannot read (``stars = lots``) is
  left out of the search and reported in :attr:`Search.unreadable`, so the policy asks for it again.
* **Order.** A comparison constraint on a time slot (train ``leaveAt`` is ``ge``) orders the matches:
  earliest first after a lower bound, latest first before an upper bound; otherwise database order.
* **Relaxation** (:meth:`Search.relaxation`): for each constraint, the matches of all the others; a
  constraint whose removal gives matches can be changed to the most common value among those matches
  (categorical and text slots), to the closest value (numbers and times), or dropped (``dontcare``:
  lists, relations, value forms such as ``4.5分以上``). The constraint chosen is the one whose
  removal gives the most matches, then the one the user gave earliest: on MultiWOZ 2.1 val, when more
  than one single relaxation would match, the slot users changed after a ``nooffer`` was the one with
  the most matches without it in 76 of 91 cases (CrossWOZ's scripted users: 39 of 132).
"""

from __future__ import annotations

import difflib
from collections import Counter
from functools import cached_property
from typing import Any, Mapping, Sequence

from tod.belief import DONTCARE, DomainBelief
from tod.domain.database import Database
from tod.domain.matches import query_constraints, query_exclusions
from tod.domain.normalise import name_key, norm_text
from tod.domain.table import Entity, slot_key
from tod.errors import QueryError
from tod.policy.rule_slots import Row, SlotRoles, entity_value
from tod.state import DomainResults

#: The closest database name must be at least this similar (difflib ratio) to be suggested for an unknown name.
NAME_SIMILARITY = 0.6


class Search:
    """The constraints of one sub-domain (its name aside) and what the database says about them."""

    def __init__(
        self,
        database: Database,
        roles: SlotRoles,
        belief: DomainBelief,
        results: DomainResults | None,
        mentioned: Mapping[str, int],
        list_items: int,
        separator: str,
    ) -> None:
        self.database = database
        self.roles = roles
        self.table = database.table(roles.domain)
        self.schema = self.table.schema
        self.list_items, self.separator = list_items, separator
        named = roles.name is not None and belief.constraints.get(roles.name, DONTCARE) != DONTCARE
        wanted = {s: v for s, v in belief.constraints.items() if s != roles.name}
        filterable = query_constraints(database, roles.domain, wanted)
        #: The exclusions the database can apply (slot -> values the user ruled out).
        self.excluded = query_exclusions(database, roles.domain, belief.excluded) if belief.excluded else {}
        self.dontcare = frozenset(s for s, v in belief.constraints.items() if norm_text(v) == DONTCARE)
        wanted_now = {s: v for s, v in filterable.items() if s not in self.dontcare}
        #: List constraints holding several items (the tracker joins them with spaces): all must be in the list.
        self._items: dict[str, frozenset[str]] = {}
        for slot_name, value in list(wanted_now.items()):
            items = self._several_items(slot_name, value)
            if items:
                self._items[slot_name] = items
                wanted_now[slot_name] = sorted(items)[0]
        self.unreadable: tuple[str, ...] = ()
        if not self._readable(wanted_now):  # find the culprits only when the whole query fails
            self.unreadable = tuple(s for s, v in wanted_now.items() if not self._readable({s: v}))
        #: The constraints the search uses, in the order the belief holds them (dontcare left out).
        self.active = {s: v for s, v in filterable.items() if s not in self.dontcare and s not in self.unreadable}
        # the pipeline's results hold for exactly these constraints unless something was left out or split
        exact = not named and not self.unreadable and not self._items
        exact = exact and results is not None and (results.count == 0 or bool(results.matches))
        self._results = results if results is not None and exact else None
        self._mentioned = mentioned

    def _several_items(self, slot_name: str, value: str) -> frozenset[str] | None:
        slot = self.schema.slot(slot_name)
        index = self.table.indexes.get(slot_name)
        if slot is None or slot.kind != "list" or index is None or len(value.split()) < 2:
            return None
        if norm_text(value, slot.synonyms) in index:
            return None  # one item that contains a space
        return frozenset(norm_text(v, slot.synonyms) for v in value.split())

    def query(self, constraints: Mapping[str, str], top_k: int | None = None) -> list[Entity]:
        """The table's matches for ``constraints``, list constraints of several items applied in full."""
        several = {s: items for s, items in self._items.items() if s in constraints}
        base = {s: (sorted(several[s])[0] if s in several else v) for s, v in constraints.items()}
        if not several:
            return self.table.query(base, top_k, self.excluded)
        rows = self.table.query(base, None, self.excluded)
        for slot_name, items in several.items():
            column = self.table.columns[slot_name]
            rows = [e for e in rows if column[e.index] is not None and items <= column[e.index]]
        return rows if top_k is None else rows[:top_k]

    def _readable(self, constraints: Mapping[str, str]) -> bool:
        try:
            self.table.query(constraints, top_k=0)
        except QueryError:
            return False
        return True

    # -- matches ------------------------------------------------------------------------------------

    @cached_property
    def rows(self) -> list[Entity]:
        """Every match, in the search's order (see the module docstring)."""
        found = self.query(self.active)
        ordered = self.ordered_slot
        if ordered is not None:
            slot = self.schema.slots[ordered]
            column = self.table.columns[ordered]
            descending = slot.op in ("le", "lt")
            known = [e for e in found if column[e.index] is not None]
            known.sort(key=lambda e: column[e.index], reverse=descending)
            found = known + [e for e in found if column[e.index] is None]
        return found

    @property
    def count(self) -> int:
        return self._results.count if self._results is not None else len(self.rows)

    def first(self, k: int) -> list[Row]:
        """The first ``k`` matches in the search's order."""
        if self._results is not None and self.ordered_slot is None and len(self._results.matches) >= min(k, self.count):
            return list(self._results.matches[:k])
        return list(self.rows[:k])

    def best(self) -> Row | None:
        """The first match in the search's order, or ``None``."""
        first = self.first(1)
        return first[0] if first else None

    def best_for(self, slots: Sequence[str]) -> Row | None:
        """The first match whose values of ``slots`` the database knows (the user asked for them), else :meth:`best`."""
        if slots:
            for row in self.rows:
                if all(s == self.roles.name or self.value(row, s) for s in slots):
                    return row
        return self.best()

    @cached_property
    def ordered_slot(self) -> str | None:
        """The time slot whose comparison constraint orders the matches (the one mentioned first), if any."""
        candidates = [
            s
            for s in self.active
            if (slot := self.schema.slot(s)) is not None and slot.kind == "time" and slot.op in ("ge", "gt", "le", "lt")
        ]
        return min(candidates, key=self._given_at) if candidates else None

    def _given_at(self, slot: str) -> tuple[int, int]:
        """When the user gave ``slot``: the turn of its latest mention, then its place in the belief."""
        position = list(self.active).index(slot) if slot in self.active else len(self.active)
        return (self._mentioned.get(slot, -1), position)

    def constrained(self) -> frozenset[str]:
        """Every slot with a constraint, dontcare and unreadable ones included, and every slot with an
        exclusion ("anything but chinese" answers the question of the food)."""
        return frozenset([*self.active, *self.dontcare, *self.unreadable, *self.excluded])

    # -- relaxations --------------------------------------------------------------------------------

    def relaxation(self) -> tuple[str, str] | None:
        """The single-constraint change that gives matches (slot, new value or ``dontcare``), or ``None``."""
        best: tuple[tuple[int, int, int], str, str] | None = None
        for slot, value in self.active.items():
            others = {k: v for k, v in self.active.items() if k != slot}
            rows = self.query(others)
            if not rows:
                continue
            mention, position = self._given_at(slot)
            key = (len(rows), -mention, -position)
            if best is None or key > best[0]:
                best = (key, slot, self._alternative(slot, value, rows))
        return None if best is None else (best[1], best[2])

    def _alternative(self, slot_name: str, value: str, rows: Sequence[Entity]) -> str:
        slot = self.schema.slot(slot_name)
        if slot is None or slot.kind in ("list", "relation") or slot_name not in self.table.columns:
            return DONTCARE
        column = self.table.columns[slot_name]
        if slot.kind in ("number", "time"):
            bound = slot_key(slot, value)
            known = [e for e in rows if column[e.index] is not None]
            if bound is None or not known:
                return DONTCARE
            chosen: Row = min(known, key=lambda e: abs(column[e.index] - bound))
        else:
            counts = Counter(column[e.index] for e in rows if column[e.index] is not None)
            if not counts:
                return DONTCARE
            top = max(counts.values())
            chosen = next(e for e in rows if counts.get(column[e.index]) == top)
        return entity_value(chosen, slot, self.list_items, self.separator) or DONTCARE

    def closest_name(self, name: str) -> str | None:
        """The name of the match most like ``name`` (a misspelt or unknown name), or ``None``."""
        candidates = {name_key(e.name): e.name for e in self.rows}
        found = difflib.get_close_matches(name_key(name), list(candidates), n=1, cutoff=NAME_SIMILARITY)
        return candidates[found[0]] if found else None

    # -- what to show -------------------------------------------------------------------------------

    def distinguishing_slot(self, options: Sequence[Row]) -> str | None:
        """A search slot whose values differ between every two ``options`` (ask slots first), or ``None``."""
        for slot_name in dict.fromkeys([*self.roles.ask, *self.roles.search]):
            values = [entity_value(o, self.schema.slots[slot_name], self.list_items, self.separator) for o in options]
            if all(values) and len(set(values)) == len(values):
                return slot_name
        return None

    def describing_slots(self, k: int, *, named: bool = False) -> list[str]:
        """Up to ``k`` slots worth telling with an offer: the ordering slot (the time that ranked it), then
        the slots the user constrained, as an implicit confirmation; slots the user did not ask about
        would lengthen the answer and tell nothing wanted. An entity the user ``named`` is described
        instead: its unconstrained slots are what the user does not know yet."""
        slots = [self.ordered_slot] if self.ordered_slot else []
        if named:
            constrained = self.constrained()
            slots += [s for s in self.roles.ask if s not in constrained and s not in slots]
        else:
            slots += [s for s in self.active if s in self.roles.ask and s not in slots]
        return slots[:k]

    def value(self, row: Row, slot_name: str) -> Any:
        slot = self.schema.slots.get(slot_name)
        return None if slot is None else entity_value(row, slot, self.list_items, self.separator)
