"""Values from Rasa checked against the ontology before they reach tod's tracker.

Rasa's entities, and tod's own slots as the tracker sends them back (``tod_belief``, ``tod_acts``), come
from outside: an entity extractor that tagged "2018" of "who won the world cup in 2018?" as a number of
people, ``true`` as an area, markup as a cuisine. :class:`ValueCheck` judges each value by its slot, the
way the booking judges its details (:func:`tod.domain.booking.value_problem`), after reading it as people
write it (:class:`tod.dst.values.ValueNormaliser`: synonyms, "four" -> 4, "7pm" -> 19:00, close spellings):

* a categorical slot's value must be in the slot's value set (``dontcare`` is always a value);
* a number must be a positive whole number within the slot's ``range`` when it declares one (people 1 to
  20: 2018 is not a party size), a time a clock time within the slot's ``range``;
* every value, free-text slots' (names) included, must be plain text: at most :data:`MAX_VALUE`
  characters, no control characters and none of ``<>{}`` and the backquote, which no name, address or
  phone number of a domain needs and markup does.

A bad entity is dropped and logged (the turn is then read as if Rasa had not understood that part); a
bad value in ``tod_belief`` is dropped and logged, and a sub-domain or slot there that the ontology does
not have refuses the call (:class:`~tod.errors.RasaPayloadError`, HTTP 400): tod never writes one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Iterable

from tod.acts import GENERAL, REFERENCE, DialogueAct
from tod.belief import DONTCARE, BeliefState, DomainBelief
from tod.domain.booking import value_problem
from tod.domain.ontology import Domain, Schema, Slot
from tod.dst.values import ValueNormaliser
from tod.errors import RasaPayloadError

log = logging.getLogger("tod.rasa")

#: The longest value accepted from Rasa (the longest name or address of a domain is far shorter).
MAX_VALUE = 200
#: Characters no value of a domain needs and markup, templates and scripts do.
_UNSAFE = re.compile(r"[<>{}`\x00-\x1f\x7f]")


def text_problem(value: str) -> str | None:
    """What makes ``value`` no plain text (too long, control characters, markup), or ``None``."""
    if len(value) > MAX_VALUE:
        return f"expected at most {MAX_VALUE} characters, found {len(value)}"
    bad = _UNSAFE.search(value)
    if bad is not None:
        return f"expected plain text, found {bad.group()!r} in {value[:60]!r}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"expected text, found a lone surrogate in {value[:60]!r}"
    return None


@dataclass(frozen=True)
class Checked:
    """A value judged: ``value`` in the form tod keeps it, or ``problem`` saying why it was refused."""

    value: str = ""
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class ValueCheck:
    """Judges values from Rasa by the slots of ``domain`` (see the module docstring)."""

    domain: Domain
    _normaliser: ValueNormaliser = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_normaliser", ValueNormaliser(self.domain))

    def value(self, subdomain: str, slot: str, value: str) -> Checked:
        """``value`` of ``subdomain``'s ``slot`` normalised and judged; with ``subdomain`` empty (not known
        yet), it fits when it fits the slot of any sub-domain that has one."""
        problem = text_problem(value)
        if problem is not None:
            return Checked(problem=problem)
        schemas = [self.domain.schemas[subdomain]] if subdomain else list(self.domain.schemas.values())
        candidates = [(s.name, s.slot(slot)) for s in schemas if s.slot(slot) is not None]
        if not candidates:
            where = f"{subdomain}.{slot}" if subdomain else slot
            return Checked(problem=f"{where} is no slot of {self.domain.name}")
        problems = []
        for name, spec in candidates:
            checked = self._judge(name, spec, value)
            if checked.ok:
                return checked
            problems.append(checked.problem)
        return Checked(problem=problems[0])

    def _judge(self, subdomain: str, slot: Slot, value: str) -> Checked:
        normalised = self._normaliser.normalise(subdomain, slot.name, value)
        if not normalised:
            return Checked(problem=f"{slot.name}: expected a value, found {value!r}")
        if normalised == DONTCARE:
            return Checked(DONTCARE)
        problem = value_problem(slot, normalised)
        return Checked(normalised) if problem is None else Checked(problem=problem)

    def names(self, belief: BeliefState, where: str) -> None:
        """A :class:`~tod.errors.RasaPayloadError` for a sub-domain or slot of ``belief`` (from ``tod_belief``
        at ``where``) that the ontology does not have, or a booking record that is no plain text."""
        for name, part in belief.domains.items():
            schema = self.domain.schemas.get(name)
            if schema is None:
                raise RasaPayloadError(
                    f"unknown sub-domain {name[:60]!r}; expected some of {sorted(self.domain.schemas)}", where
                )
            _known_slots(schema, part, f"{where}.{name}")

    def belief(self, belief: BeliefState, where: str, source: str) -> BeliefState:
        """``belief`` (from ``tod_belief`` at ``where``) with every bad value dropped and logged (``source``
        names the conversation); its names checked first (:meth:`names`)."""
        self.names(belief, where)
        return BeliefState(
            {
                name: self._values(self.domain.schemas[name], part, f"{where}.{name}", source)
                for name, part in belief.domains.items()
            }
        )

    def _values(self, schema: Schema, part: DomainBelief, where: str, source: str) -> DomainBelief:
        def good(slot: str, value: str, at: str) -> bool:
            checked = self.value(schema.name, slot, value)
            if not checked.ok:
                log.warning("%s: %s %s=%r dropped: %s", source, at, slot, value[:80], checked.problem)
            return checked.ok

        return DomainBelief(
            constraints={s: v for s, v in part.constraints.items() if good(s, v, f"{where}.constraints")},
            requested=part.requested,
            booking={s: v for s, v in part.booking.items() if good(s, v, f"{where}.booking")},
            booked=part.booked,
            excluded={s: [v for v in values if good(s, v, f"{where}.excluded")] for s, values in part.excluded.items()},
        )

    def system_acts(self, acts: Iterable[DialogueAct], where: str, source: str) -> tuple[DialogueAct, ...]:
        """The system acts of ``tod_acts`` whose sub-domain and slot the ontology has and whose value is
        plain text (system acts carry database values: names, phone numbers, addresses); others are
        dropped and logged."""
        kept = []
        for act in acts:
            schema = self.domain.schemas.get(act.domain)
            known = act.domain in ("", GENERAL) or (
                schema is not None and (not act.slot or act.slot == REFERENCE or schema.slot(act.slot) is not None)
            )
            problem = None if known else f"{act.domain}.{act.slot} is no slot of {self.domain.name}"
            problem = problem or text_problem(act.value) or text_problem(act.slot)
            if problem is not None:
                log.warning("%s: %s: act %s dropped: %s", source, where, act.intent, problem)
                continue
            kept.append(act)
        return tuple(kept)


def _known_slots(schema: Schema, part: DomainBelief, where: str) -> None:
    def known(slot: str, kind: tuple[str, ...], what: str, at: str) -> None:
        if slot not in kind:
            raise RasaPayloadError(
                f"{slot[:60]!r} is no {what} slot of {schema.name}; expected some of {list(kind)}", at
            )

    for slot in part.constraints:
        known(slot, schema.informable, "informable", f"{where}.constraints")
    for slot in part.excluded:
        known(slot, schema.informable, "informable", f"{where}.excluded")
    for slot in part.booking:
        known(slot, schema.bookable, "bookable", f"{where}.booking")
    for slot in part.requested:
        known(slot, schema.requestable, "requestable", f"{where}.requested")
    for index, record in enumerate(part.booked):
        for key, value in record.items():
            problem = text_problem(key) or text_problem(value)
            if problem is not None:
                raise RasaPayloadError(f"a booking record holds no such value: {problem}", f"{where}.booked[{index}]")
