"""Slot values normalised to the ontology, for the tracker and the DST metrics.

A value said by the user (``"Center"``, ``"5pm"``, ``"don't care"``) and a value in a gold state
(``"centre"``, ``"17:00"``, ``"dontcare"``) are compared in one canonical form: stripped, lower case,
single spaces, mapped by the slot's synonyms (which include the domain-wide ones), the ``dontcare``
spellings mapped to :data:`~tod.belief.DONTCARE`, times as ``HH:MM``, numbers as digits, and
categorical values in the spelling of the ontology's value set. Values are read as people write them
(:mod:`tod.domain.value_reading`, with the words of the ontology's language): "half past seven" is a
time, moved into the slot's ``likely`` hours when no am/pm fixes it ("at 8" for a dinner is 20:00);
"four of us" is 4; "this saturday" and "saturdy" are saturday. A value outside a categorical value
set, or one no reader reads ("25 o'clock", "a few"), is kept as said (normalised text): the tracker
never drops what the user said because the ontology lacks it, and the booking refuses it with a
question. Nothing here knows a domain: every variant comes from the ontology.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tod.belief import DONTCARE, BeliefState
from tod.domain.normalise import format_time, name_key, norm_text
from tod.domain.ontology import Domain, Slot
from tod.domain.value_reading import likely_time, read_choice, read_number, read_time
from tod.domain.value_words import ValueWords, value_words

#: Spellings of "any value is fine" understood in every domain, besides the ontology's synonyms
#: that map to ``dontcare``. They are spellings of the DONTCARE token itself, not domain values.
DONTCARE_SPELLINGS: frozenset[str] = frozenset({DONTCARE, "dont care", "don't care", "do n't care", "do not care"})


@dataclass(frozen=True)
class ValueNormaliser:
    """Maps ``(sub-domain, slot, value)`` to the canonical value the ontology gives it.

    Slots the ontology does not declare (or sub-domains it lacks) get text normalisation and the
    domain-wide synonyms only.
    """

    domain: Domain
    _shared: dict[str, str] = field(init=False, repr=False, compare=False)
    _words: ValueWords = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Domain-wide synonyms are the ones every slot shares (the loader merges them into each slot).
        schemas = list(self.domain.schemas.values())
        slots = [slot for schema in schemas for slot in schema.slots.values()]
        shared = dict(slots[0].synonyms) if slots else {}
        for slot in slots[1:]:
            shared = {k: v for k, v in shared.items() if slot.synonyms.get(k) == v}
        object.__setattr__(self, "_shared", shared)
        object.__setattr__(self, "_words", value_words(self.domain.language))

    def slot(self, subdomain: str, slot: str) -> Slot | None:
        """The ontology's slot, or ``None`` when the sub-domain or slot is not declared."""
        schema = self.domain.schemas.get(subdomain)
        return None if schema is None else schema.slot(slot)

    def normalise(self, subdomain: str, slot: str, value: str) -> str:
        """The canonical form of ``value`` for ``subdomain.slot`` (``""`` for an empty value)."""
        spec = self.slot(subdomain, slot)
        synonyms = spec.synonyms if spec is not None else self._shared
        text = norm_text(value, synonyms)
        if not text:
            return ""
        if text in DONTCARE_SPELLINGS:
            return DONTCARE
        if spec is None:
            return text
        if spec.kind == "time":
            minutes = likely_time(read_time(text, self._words), spec.likely)
            return format_time(minutes) if minutes is not None else text
        if spec.kind == "number":
            number = read_number(text, self._words).value
            if number is None:
                return text
            return str(int(number)) if number == int(number) else str(number)
        if spec.kind == "categorical" and spec.values:
            for canonical in spec.values:
                if norm_text(canonical, synonyms) == text:
                    return canonical
            chosen = read_choice(text, spec.values, dict(synonyms), self._words)
            if chosen is not None:
                return chosen
        return text

    def comparable(self, subdomain: str, slot: str, value: str) -> str:
        """:meth:`normalise`, then names without a leading article and list items in sorted order.

        This is the form two beliefs are compared in: "The Copper Kettle" is "copper kettle", and the
        order of a list value's items means nothing.
        """
        text = self.normalise(subdomain, slot, value)
        spec = self.slot(subdomain, slot)
        if spec is None or text == DONTCARE:
            return text
        if spec.kind == "name":
            return name_key(text)
        if spec.kind == "list":
            return " ".join(sorted(dict.fromkeys(text.split(" "))))
        return text

    def triples(self, state: BeliefState) -> frozenset[tuple[str, str, str]]:
        """The (domain, slot, value) triples of ``state``'s constraints and booking details, comparable.

        Requested slots and booked entities are not part of it: they are not goal constraints.
        """
        found = set()
        for name, belief in state.domains.items():
            for mapping in (belief.constraints, belief.booking):
                for slot, value in mapping.items():
                    text = self.comparable(name, slot, value)
                    if text:
                        found.add((name, slot, text))
        return frozenset(found)
