"""The rule-based system policy: what the system says next, for any domain, from its ontology and database.

:class:`RulePolicy` reads everything from the dialogue state and the database results; it keeps no
per-conversation state, so one instance serves any number of conversations and the same state
always gives the same acts. It emits only acts of :func:`tod.policy.base.system_act_space`. No
domain or slot is named in code: the roles of slots come from the ontology
(:mod:`tod.policy.rule_slots`).

**The turn.**

* Acts of a sub-domain the ontology lacks are ignored (``general`` acts aside).
* *Low confidence.* When ``state.nlu_confidence < confirm_below`` and the user acts inform slots,
  the system confirms them (``confirm(d, s, v)``, the value as the belief holds it) instead of
  acting on them; not when the turn also requests something (a question is answered), not a name the
  database has exactly, not a value the system asked to confirm the turn before, and only the informs
  of the first sub-domain (one confirmation per reply). Nor a booking detail the booking refuses ("25
  o'clock": it is refused and asked for again), nor a name the database does not have (it is said to
  be unknown, with "did you mean ...?" when one is close). The default, 0.3, is the pipeline's own
  routing threshold: a parse that certain
  would be sent to the fallback if it had no sub-domain act. (On MultiWOZ the act NLU reads 55% of
  turns with confidence >= 0.5, 92% of them exactly right, so roughly 60% of the turns below 0.5 are
  right (``benchmarks/results/act_nlu_exploration.md``): confirming below 0.5 would confirm almost
  half of all turns, most of them correctly understood.) States built by hand default to
  ``nlu_confidence = 0``: evaluations on gold acts should set it to 1.
* *Exclusions.* Values the user rules out (``exclude(d, s, v)``: "not in the north") are left out of
  every search of ``d``; the answer to the turn that rules one out starts with ``exclude(d, s, v)``
  for each value the belief excludes from that slot ("noted: nothing in the north"), a low-confidence
  confirmation included. Exclusions are not confirmed on their own: saying them back is the check, and
  a later ``inform`` of the value takes it back.
* *After a confirm.* ``affirm`` proceeds as if the confirmed informs were said now. ``negate``: the
  tracker has already applied the values and a bare "no" names no slot to remove, so the policy
  asks for each confirmed slot again (``request(d, s, ?)``); the user's new value replaces the old.
* *After an offer to book.* ``affirm`` books (see bookings); ``negate`` gets ``reqmore``.
* *Focus.* The sub-domains of the latest user acts (several: a multi-domain turn, each answered in
  the order first mentioned), plus one whose ``offerbook`` the user accepted or whose belief has
  requested slots. With none, the turn is general: ``bye`` → ``bye``; ``greet`` → ``welcome`` on
  the first turn, ``greet`` later; ``thank`` or ``negate`` → ``reqmore``, but ``thank`` right after
  the system's ``reqmore`` → ``bye`` (the user declined more help: MultiWOZ val wizards said goodbye
  to 83% of such turns, against 59% of other thank-only turns); anything else (nothing
  understood, a bare ``affirm``) continues the sub-domain last talked about (the question the search
  needs next) or says ``reqmore``. The answer is never empty.
* A booking made in the turn is followed by ``reqmore``; a ``bye`` by the user ends every answer.

**One sub-domain** (:mod:`tod.policy.rule_domain`).

* *Entity under discussion:* the one the user names (this turn, else the belief's name constraint;
  looked up by name, whatever the other constraints say);
  after ``reqalts`` the first match not offered yet; else the one the system offered last (the first
  name in the latest system turn that offered one), if it still meets the constraints; else the
  first match.
* *Unreadable values* (a number or time the database cannot read) are asked for again.
* *Checks* (a question about the entity, ``confirm(d, s, v)`` with ``request(d, s, ?)``, read by
  :mod:`tod.pipeline.questions`) → ``affirm(d, s, v)`` or ``negate(d, s, v)``, the entity's name and its
  value of ``s``; never a constraint, never a confirmation (a turn that asks is not confirmed, and a name
  the database knows is not confirmed either).
* *Requests* ``request(d, s, ?)`` → ``inform(d, s, v)`` about that entity (``recommend`` of its name
  first when the user has not heard of it). List values give their first ``list_items`` items.
  Derived slots (CrossWOZ's ``出发地附近地铁站``) are looked up (:func:`~tod.policy.rule_slots.derived_value`).
* *Search* (the user informed search slots, or nothing was offered yet), by the number of matches:
  none → ``nooffer(d, s, v)`` per constraint + ``suggest(d, s, v)``, the single-constraint relaxation
  of :mod:`tod.policy.rule_search`; one → ``recommend`` its name and two describing slots (+
  ``offerbook(d)`` when the sub-domain takes bookings and this entity is not booked); more than
  ``max_options`` → ``inform(d, choice, N)`` + ``request`` of the most useful missing slot (entropy
  of its values over the matches, dontcare slots not asked; see :mod:`tod.policy.rule_slots`); 2 to
  ``max_options`` → ``inform(d, choice, N)`` + ``select(d, name, v)`` per option, their names listed
  (so that "the second one" can pick one: :mod:`tod.pipeline.references`), or, where users cannot give
  names (the name slot is not informable), ``select(d, s, v)`` by a slot that tells them apart; when no slot is worth asking, or a time bound orders the matches (earliest train
  after ``leaveAt``), ``inform(d, choice, N)`` + the first one recommended.
* *An unknown name* → ``nooffer(d, name, v)`` ("I don't know a restaurant called v"), + ``confirm(d, name,
  n)`` ("did you mean n?") when a database name is close enough (:mod:`tod.domain.name_match`); the
  pipeline drops the unknown name from the belief, and a yes to the confirm names ``n``.
* *Bookings* (:mod:`tod.policy.rule_booking`): wanted when the belief has booking details, the user
  accepted ``offerbook``, asked for the reference, or informed a sub-domain without search slots
  that takes bookings (taxi). With an entity: every detail → ``book``; missing → ``request``;
  invalid → ``nobook`` + ``request``. Without one the search goes on and the details wait. A
  booking already made (a booked entry for the entity that agrees with the details) is not made
  again; asked for its reference, the system tells it again.
* *Sub-domains without search slots* (taxi, metro, police, hospital): requests are answered from
  the one entity (or the named one), missing trip ends are asked for, and after an inform with
  nothing requested every answerable requestable slot is told.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace

from tod.acts import CHECK_INTENTS, EXCLUDE, EXCLUDE_INTENTS, GENERAL, NEGATE_INTENTS, REQUEST_INTENTS, REQUESTED, DialogueAct
from tod.dialogue import USER
from tod.domain.act_space import system_act_space
from tod.domain.context import BuildContext
from tod.domain.database import Database
from tod.domain.memory import ConversationMemory, remember
from tod.domain.ontology import Schema
from tod.errors import ConfigError
from tod.policy.rule_domain import Decision, DomainRules, DomainTurn, Options
from tod.policy.rule_slots import SlotRoles, slot_roles
from tod.registry import register_policy
from tod.state import DBResults, DialogueState

log = logging.getLogger("tod.policy.rule")


@register_policy("rule")
class RulePolicy:
    """Hand-written dialogue rules over any domain's ontology and database (the rules: module docstring).

    ``confirm_below``: NLU confidence under which informs are confirmed first; ``max_options``: the
    most matches offered as a choice (more are narrowed by a question); ``list_items``: how many items
    of a list value are told; ``seed``: booking references and generated entities.
    """

    def __init__(
        self,
        database: Database,
        *,
        seed: int = 0,
        confirm_below: float = 0.3,
        max_options: int = 3,
        list_items: int = 3,
    ) -> None:
        _check(confirm_below, max_options, list_items)
        self.database = database
        self.domain = database.domain
        self.confirm_below = float(confirm_below)
        self.max_options = max_options
        self.list_items = list_items
        self.seed = seed
        self.space = frozenset(system_act_space(self.domain))
        tables = set(database.subdomains)
        self.roles: dict[str, SlotRoles] = {
            name: slot_roles(schema, database.table(name) if name in tables else None)
            for name, schema in self.domain.schemas.items()
        }
        separator = "、" if self.domain.language.startswith("zh") else ", "
        self.rules = DomainRules(database, self.roles, Options(seed, max_options, list_items, separator))

    @classmethod
    def from_config(
        cls, context: BuildContext, *, confirm_below: float = 0.3, max_options: int = 3, list_items: int = 3
    ) -> RulePolicy:
        """The policy for ``context``'s database, seeded by ``context.seed``."""
        return cls(
            context.database,
            seed=context.seed,
            confirm_below=confirm_below,
            max_options=max_options,
            list_items=list_items,
        )

    # -- the protocol -------------------------------------------------------------------------------

    def predict(self, state: DialogueState, db_results: DBResults) -> list[DialogueAct]:
        """The system's acts for the next turn (never empty)."""
        schemas = self.domain.schemas
        acts = [a for a in state.user_acts if a.domain in schemas or a.domain in (GENERAL, "")]
        general = {a.intent for a in acts if a.domain not in schemas}
        if not acts and not any(t.speaker == USER for t in state.history):
            return [DialogueAct("welcome", GENERAL)]
        confirms = self._confirms(state, acts)
        if confirms:
            return self._checked(confirms)
        memory = remember(state, self.domain)
        confirmed = [a for a in state.system_acts if a.intent == "confirm" and a.domain in schemas and a.slot]
        out: list[DialogueAct] = []
        if confirmed and general & NEGATE_INTENTS:
            said = {(a.domain, a.slot) for a in acts if a.intent == "inform"}
            again = dict.fromkeys((a.domain, a.slot) for a in confirmed if (a.domain, a.slot) not in said)
            out += [DialogueAct("request", d, s, REQUESTED) for d, s in again]
        acts = [*memory.affirmed, *acts]  # a confirmed value the user affirms is said now
        accepted = memory.booking_accepted
        focus = list(memory.user_subdomains)
        focus += [d for d in sorted(accepted) if d not in focus]
        focus += [d for d in state.belief if d in schemas and state.belief[d].requested and d not in focus]
        booked = False
        for domain in focus:
            decision = self._decide(domain, state, db_results, acts, memory, domain in accepted)
            out += decision.acts
            booked = booked or decision.booked
        if "bye" in general:
            return self._checked([*out, DialogueAct("bye", GENERAL)])
        if booked:
            out.append(DialogueAct("reqmore", GENERAL))
        if not out:
            out = self._general_answer(state, db_results, general, memory)
        return self._checked(out)

    # -- the pieces of a turn -----------------------------------------------------------------------

    def _confirms(self, state: DialogueState, acts: list[DialogueAct]) -> list[DialogueAct]:
        """The values to confirm before acting on them: only when the NLU is unsure (``confirm_below``), and
        never a question (the turn requests something: it is answered), a name the database has exactly
        (nothing to doubt), or a value the system asked to confirm in the turn before (said again, it is
        the answer); one sub-domain at a time, so a reply holds one confirmation."""
        if state.nlu_confidence >= self.confirm_below:
            return []
        if any(a.intent in REQUEST_INTENTS | CHECK_INTENTS and a.slot for a in acts):
            return []  # a question is answered: the answer shows what was understood
        asked = {(a.domain, a.slot, a.value.casefold()) for a in state.system_acts if a.intent == "confirm"}
        out: list[DialogueAct] = []
        for act in acts:
            if act.intent != "inform" or act.domain not in self.domain.schemas or not act.slot:
                continue
            if act.slot in self.domain.schemas[act.domain].name_slots and self._known(act.domain, act.value):
                continue  # a name the database knows needs no confirming: the answer is about that entity
            if ("confirm", act.domain, act.slot) not in self.space or (out and act.domain != out[0].domain):
                continue
            belief = state.belief[act.domain]
            value = belief.constraints.get(act.slot) or belief.booking.get(act.slot) or act.value
            refused = self._unbookable(act.domain, act.slot, value) or self._unknown(act.domain, act.slot, value)
            if value and not refused and (act.domain, act.slot, value.casefold()) not in asked:
                out.append(DialogueAct("confirm", act.domain, act.slot, value))
        if out:  # the values ruled out in the same turn are said with the confirmation ("noted: not chinese")
            excluded = [a for a in acts if a.intent in EXCLUDE_INTENTS and a.domain in self.domain.schemas]
            for act in excluded:
                held = state.belief[act.domain].excluded.get(act.slot, ())
                out += [DialogueAct(EXCLUDE, act.domain, act.slot, v) for v in held]
        return out

    def _known(self, domain: str, name: str) -> bool:
        return domain in self.database.subdomains and bool(name) and self.database.lookup(domain, name) is not None

    def _unbookable(self, domain: str, slot: str, value: str) -> bool:
        """Whether ``value`` is a booking detail the booking refuses ("25 o'clock"): it is asked for again,
        never confirmed (:func:`tod.policy.rule_booking.refusal`)."""
        booking = self.domain.schemas[domain].booking
        if booking is None or slot not in booking.slots or domain not in self.database.subdomains:
            return False
        return self.rules.booker.invalid(domain, {slot: value}) is not None

    def _unknown(self, domain: str, slot: str, value: str) -> bool:
        """Whether ``value`` is a name the database does not have: the system says it does not know it
        (and asks "did you mean ...?" when one is close) rather than confirming it."""
        schema = self.domain.schemas[domain]
        if slot not in schema.name_slots or domain not in self.database.subdomains:
            return False
        return self.database.lookup(domain, value) is None

    def _decide(
        self,
        domain: str,
        state: DialogueState,
        db_results: DBResults,
        acts: list[DialogueAct],
        memory: ConversationMemory,
        accepted: bool,
    ) -> Decision:
        schema = self.domain.schemas[domain]
        known = memory.of(domain)
        if not acts:  # the general answer continues a sub-domain: what the user said now does not count
            known = replace(known, said_name=None, requested=tuple(dict.fromkeys(state.belief[domain].requested)))
        mine = [a for a in acts if a.domain == domain]
        informed = any(a.intent == "select" or a.intent == "inform" and _searchable(schema, a.slot) for a in mine)
        turn = DomainTurn(
            domain=domain,
            belief=state.belief[domain],
            results=db_results.get(domain),
            requested=known.requested,
            informed=informed,
            named=known.named,
            named_now=known.said_name is not None,
            reqalts=any(a.intent == "reqalts" for a in mine),
            affirmed_offer=accepted,
            offered=known.offered,
            last_offered=known.last_offered,
            last_listed=len(known.last_listed),
            mentioned=tuple(known.mentioned.items()),
            turn_count=state.turn_count,
            dialogue_id=state.dialogue_id,
            checks=tuple((a.slot, a.value) for a in mine if a.intent in CHECK_INTENTS and a.slot),
            excluded_now=tuple(dict.fromkeys(a.slot for a in mine if a.intent in EXCLUDE_INTENTS and a.slot)),
        )
        return self.rules.decide(turn)

    def _general_answer(
        self, state: DialogueState, db_results: DBResults, general: set[str], memory: ConversationMemory
    ) -> list[DialogueAct]:
        if "greet" in general:
            return [DialogueAct("welcome" if state.turn_count <= 1 else "greet", GENERAL)]
        if "thank" in general and any(a.intent == "reqmore" for a in state.system_acts):
            return [DialogueAct("bye", GENERAL)]  # "anything else?" - "no, thanks"
        if general & ({"thank"} | NEGATE_INTENTS):
            return [DialogueAct("reqmore", GENERAL)]
        last = memory.recency[0] if memory.recency else None
        if last is not None and self.roles[last].search:
            decision = self._decide(last, state, db_results, [], memory, False)
            asks = [a for a in decision.acts if a.intent == "request"]
            if asks:
                return list(decision.acts)
        return [DialogueAct("reqmore", GENERAL)]

    def _checked(self, acts: list[DialogueAct]) -> list[DialogueAct]:
        """``acts`` without repeats; an act outside the act space (a bug) is dropped with a warning."""
        kept = []
        for act in dict.fromkeys(acts):
            if (act.intent, act.domain, act.slot) in self.space:
                kept.append(act)
            else:
                log.warning("rule policy: dropped %s, which is outside the system act space", act)
        return kept or [DialogueAct("reqmore", GENERAL)]


def _searchable(schema: Schema, slot: str) -> bool:
    """Whether informing ``slot`` changes the search (an informable slot or an item slot), not a booking detail."""
    found = schema.resolve(slot)
    return found is not None and (found.item is not None or found.slot.informable)


def _check(confirm_below: float, max_options: int, list_items: int) -> None:
    if isinstance(confirm_below, bool) or not isinstance(confirm_below, (int, float)) or math.isnan(confirm_below):
        raise ConfigError(f"rule policy: confirm_below must be a number in [0, 1], found {confirm_below!r}")
    if not 0.0 <= confirm_below <= 1.0:
        raise ConfigError(f"rule policy: confirm_below must be a number in [0, 1], found {confirm_below!r}")
    for name, value in (("max_options", max_options), ("list_items", list_items)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"rule policy: {name} must be a whole number >= 1, found {value!r}")
