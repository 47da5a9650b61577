"""What the MLE policy sees and predicts: state features, and corpus system acts as inventory labels.

**Features.** :func:`state_features` turns a dialogue state and its database results into named binary
features, all derived from the domain's ontology (no domain or slot name is written here):

* ``c|d|s`` / ``dc|d|s``: sub-domain ``d`` has a constraint on informable slot ``s`` (``dc``: it is ``dontcare``);
* ``b|d|s``: booking detail ``s`` of ``d`` is given; ``booked|d``: something of ``d`` was booked;
* ``n|d|B``: the number of matches of ``d`` falls in bucket ``B`` (``0``, ``1``, ``2-3``, ``4-10``, ``>10``),
  for every ``d`` in the database results; ``fn|B`` the same for the sub-domain in focus;
* ``u|i|d|s``: a user act ``(intent, domain, slot)`` of the latest turn; ``p|i|d|s``: a system act of the
  previous turn (``p|none`` when there was none); ``focus|d``: the sub-domain in focus;
* ``offered|d``: the system has said a name of ``d`` (the conversation's memory,
  :mod:`tod.domain.memory`: its ``focus`` and each sub-domain's ``last_named``).

Slots and sub-domains the ontology does not know produce no feature, so a state with an unseen slot
vectorises exactly like the state without it; a :class:`FeatureIndex` drops features absent from training.

**Labels.** Corpus system acts become ``(intent, domain, slot)`` triples of the system act inventory in
:mod:`tod.policy.base` (values dropped, as ConvLab's MLE policy delexicalises them). Corpus acts outside the
inventory are mapped by :func:`canonical_system_acts`:

* ``offerbooked(d, s, v)`` (booked, and more offered) -> ``book(d, s, v)``;
* acts of the pseudo-domain ``booking`` -> the bookable sub-domain in focus (the latest bookable sub-domain
  of the same system turn, else of the user's acts, else of the previous system acts, else of the belief):
  ``inform(booking, ref, v)`` and ``book(booking, "", "")`` -> ``book(d, ref, v)``; every other
  ``inform(booking, ...)`` ("shall I book it for 2 people?") -> ``offerbook(d)``; ``request``/``book``/``nobook``
  keep their slot where ``d``'s inventory has it (``nobook`` otherwise loses its slot);
* ``inform(d, ref, v)`` -> ``book(d, ref, v)``; CrossWOZ item slots (``酒店设施-吹风机``) are kept: they belong to
  the inventory through their list slot (``酒店设施``).

An act still outside the inventory (or of a sub-domain the ontology lacks) is dropped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from tod.acts import CORPUS_SYSTEM_INTENTS, GENERAL, REFERENCE, REQUESTED, DialogueAct
from tod.belief import DONTCARE, BeliefState
from tod.domain.act_space import system_act_space
from tod.domain.memory import remember
from tod.domain.ontology import BookingSpec, Domain
from tod.errors import SchemaError
from tod.state import DBResults, DialogueState

#: An act without its value: ``(intent, domain, slot)``.
Triple = tuple[str, str, str]

#: The corpus pseudo-domain of MultiWOZ's booking acts.
BOOKING_DOMAIN = "booking"
#: Upper bounds (inclusive) of the match-count buckets, and their names; above the last: ``>10``.
BUCKETS = ((0, "0"), (1, "1"), (3, "2-3"), (10, "4-10"))
OVER = ">10"
SEP = "|"


def count_bucket(count: int) -> str:
    """The bucket of a number of matches: ``0``, ``1``, ``2-3``, ``4-10`` or ``>10``."""
    for bound, name in BUCKETS:
        if count <= bound:
            return name
    return OVER


def triple(act: DialogueAct) -> Triple:
    return (act.intent, act.domain, act.slot)


class ActSpace:
    """The system act inventory of one domain, with CrossWOZ item slots resolved to their list slot."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self.triples: frozenset[Triple] = frozenset(system_act_space(domain))
        self.bookable = tuple(n for n, s in domain.schemas.items() if s.booking is not None)

    def base_slot(self, subdomain: str, slot: str) -> str | None:
        """``slot`` when ``subdomain`` declares it; for an item slot its list slot; ``None`` when unknown."""
        schema = self.domain.schemas.get(subdomain)
        if schema is None:
            return None
        if not slot:
            return slot
        found = schema.resolve(slot)
        return None if found is None else found.base

    def __contains__(self, item: Triple) -> bool:
        if item in self.triples:
            return True
        intent, subdomain, slot = item
        base = self.base_slot(subdomain, slot) if subdomain != GENERAL else None
        return base is not None and base != slot and (intent, subdomain, base) in self.triples


def _booking_focus(
    space: ActSpace, acts: Sequence[DialogueAct], user_acts: Sequence[DialogueAct],
    previous: Sequence[DialogueAct], belief: BeliefState,
) -> str | None:
    for source in (acts, user_acts, previous):
        named = [a.domain for a in source if a.domain in space.bookable]
        if named:
            return named[-1]
    with_details = [d for d in belief if d in space.bookable and (belief[d].booking or belief[d].booked)]
    candidates = with_details or [d for d in belief if d in space.bookable]
    return candidates[-1] if candidates else None


def _map_act(act: DialogueAct, space: ActSpace, focus: str | None) -> list[DialogueAct]:
    intent = CORPUS_SYSTEM_INTENTS.get(act.intent, act.intent)
    subdomain, slot, value = act.domain, act.slot, act.value
    if subdomain == BOOKING_DOMAIN:
        if focus is None:
            return []
        subdomain = focus
        if intent == "inform":
            intent, slot, value = ("book", slot, value) if slot == REFERENCE else ("offerbook", "", "")
        elif intent == "book" and not slot:
            slot = REFERENCE
        elif intent == "nobook" and (intent, subdomain, slot) not in space:
            slot, value = "", ""
    elif intent == "inform" and slot == REFERENCE:
        intent = "book"
    if intent == "request":
        value = REQUESTED
    mapped = DialogueAct(intent, subdomain, slot, value)
    if triple(mapped) in space:
        return [mapped]
    told = DialogueAct("inform", subdomain, slot, value)
    if intent in ("book", "offerbook") and slot and triple(told) in space:
        # "booked/shall I book the train leaving at 10:00?": the slot is information about the entity
        head = DialogueAct(intent, subdomain, REFERENCE if intent == "book" else "", "")
        return [a for a in (head, told) if triple(a) in space]
    return []


def canonical_system_acts(
    acts: Sequence[DialogueAct],
    space: ActSpace,
    *,
    user_acts: Sequence[DialogueAct] = (),
    previous: Sequence[DialogueAct] = (),
    belief: BeliefState | None = None,
) -> tuple[tuple[DialogueAct, ...], tuple[DialogueAct, ...]]:
    """``(kept, dropped)``: corpus system ``acts`` mapped onto the inventory (see the module docstring).

    ``user_acts``, ``previous`` (the system acts before, already canonical) and ``belief`` decide which
    sub-domain the ``booking`` pseudo-domain means. Duplicates after mapping are kept once.
    """
    focus = None
    if any(a.domain == BOOKING_DOMAIN for a in acts):
        focus = _booking_focus(space, acts, user_acts, previous, belief or BeliefState())
    kept: dict[DialogueAct, None] = {}
    dropped: list[DialogueAct] = []
    for act in acts:
        mapped = _map_act(act, space, focus)
        if not mapped:
            dropped.append(act)
        for one in mapped:
            kept.setdefault(one, None)
    return tuple(kept), tuple(dropped)


def booking_complete(spec: BookingSpec, details: Mapping[str, str]) -> bool:
    """Whether ``details`` give every required booking detail (and one of each ``one_of`` group)."""
    given = {k for k, v in details.items() if v and v != DONTCARE}
    return all(k in given for k in spec.required) and all(any(k in given for k in g) for g in spec.one_of)


def _act_feature(prefix: str, act: DialogueAct, space: ActSpace) -> str | None:
    if act.domain == GENERAL:
        return SEP.join((prefix, act.intent, act.domain, act.slot))
    base = space.base_slot(act.domain, act.slot)
    if base is None:
        return None
    return SEP.join((prefix, act.intent, act.domain, base))


def state_features(state: DialogueState, db_results: DBResults, space: ActSpace) -> dict[str, float]:
    """The named binary features of ``state`` and ``db_results`` (see the module docstring)."""
    domain = space.domain
    features: dict[str, float] = {}
    for name in state.belief:
        schema = domain.schemas.get(name)
        if schema is None:
            continue
        belief = state.belief[name]
        for slot, value in belief.constraints.items():
            spec = schema.slot(slot)
            if spec is not None and spec.informable:
                features[SEP.join(("dc" if value == DONTCARE else "c", name, slot))] = 1.0
        for slot in belief.booking:
            spec = schema.slot(slot)
            if spec is not None and spec.bookable:
                features[SEP.join(("b", name, slot))] = 1.0
        if belief.booked:
            features[SEP.join(("booked", name))] = 1.0
        if schema.booking is not None and booking_complete(schema.booking, belief.booking):
            features[SEP.join(("ready", name))] = 1.0
    for name, results in db_results.items():
        if name in domain.schemas:
            features[SEP.join(("n", name, count_bucket(results.count)))] = 1.0
    for prefix, acts in (("u", state.user_acts), ("p", state.system_acts)):
        for act in acts:
            key = _act_feature(prefix, act, space)
            if key is not None:
                features[key] = 1.0
    if not state.system_acts:
        features["p|none"] = 1.0
    memory = remember(state, domain)
    for name, known in memory.subdomains.items():
        if known.last_named is not None:
            features[SEP.join(("offered", name))] = 1.0
    focus = memory.focus
    if focus is not None:
        features[SEP.join(("focus", focus))] = 1.0
        if focus in db_results:
            features[SEP.join(("fn", count_bucket(db_results[focus].count)))] = 1.0
    return features


@dataclass(frozen=True)
class FeatureIndex:
    """Feature names -> columns, fixed at training; features outside it are ignored, never errors."""

    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(set(self.names)) != len(self.names):
            raise SchemaError("FeatureIndex: feature names must be distinct")
        object.__setattr__(self, "_columns", {n: i for i, n in enumerate(self.names)})

    @classmethod
    def fit(cls, rows: Iterable[Mapping[str, float]]) -> FeatureIndex:
        """Every feature seen in ``rows``, sorted (so the index does not depend on example order)."""
        return cls(tuple(sorted({name for row in rows for name in row})))

    def __len__(self) -> int:
        return len(self.names)

    def transform(self, rows: Sequence[Mapping[str, float]]):  # -> scipy.sparse.csr_matrix
        """A sparse ``len(rows) x len(self)`` float32 matrix; unknown feature names are skipped."""
        import numpy as np
        from scipy.sparse import csr_matrix

        columns: dict[str, int] = self._columns  # type: ignore[attr-defined]
        indptr, indices, data = [0], [], []
        for row in rows:
            known = sorted(columns[n] for n in row if n in columns)
            indices.extend(known)
            data.extend(float(row[self.names[c]]) for c in known)
            indptr.append(len(indices))
        return csr_matrix(
            (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(rows), len(self.names)),
        )
