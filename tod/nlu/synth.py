"""Training dialogues for a domain's act NLU, synthesised from its ontology, database and user templates.

A domain without a corpus (the built-in ``cityguide``, a user's own) still needs an NLU. Each
synthetic dialogue is two turns: a system turn (what the system plausibly just said, from the
system templates) and a user turn answering it, generated from sampled user acts by the user-side
template NLG, which reports where each value is written (the spans the tagger learns from).

The user acts follow the situations of a real conversation: a sub-domain named alone ("I'm looking
for a restaurant"), constraints given unprompted or in answer to a request, booking details,
requests about an entity, asking for alternatives, yes/no after an offer, greetings and thanks,
two sub-domains at once, a whole request for a sub-domain in one turn (constraints, wanted slots
and booking details), and out-of-task small talk (``chitchat``), so that the pipeline can route
it to the fallback. A yes may go on ("yes, for 3 people"; "that sounds good - what is the
postcode?") and thanks may close ("thanks, goodbye"). Values come from the database (real entity
combinations) and from the ontology's value sets; a transport's departure and destination are the
names of places in the database (:mod:`tod.domain.roles`); the numbers and times of booking
details are drawn in plausible ranges.
Everything is seeded: the same domain, templates and seed give the same dialogues.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from tod.acts import CHITCHAT, GENERAL, REQUESTED, DialogueAct
from tod.acts import CHOICE as CHOICE_SLOT
from tod.belief import DONTCARE
from tod.dialogue import SYSTEM, USER, ActSpan, Dialogue, Turn
from tod.domain.database import Database
from tod.domain.ontology import Domain, Schema, Slot
from tod.domain.roles import is_place, place_slots

#: user acts -> (text, spans); the user-side template NLG's ``generate_with_spans``.
UserRenderer = Callable[[Sequence[DialogueAct], int], tuple[str, Sequence[ActSpan]]]
#: system acts -> text; the system-side template NLG.
SystemRenderer = Callable[[Sequence[DialogueAct], int], str]

#: Situation -> relative weight. Chosen so that every act kind is well represented.
SITUATIONS: dict[str, float] = {
    "inform": 4.0,
    "domain_only": 1.0,
    "answer": 3.0,
    "booking": 2.0,
    "request": 3.0,
    "name_request": 1.5,
    "reqalts": 0.7,
    "yes_no": 1.5,
    "general": 1.5,
    "chitchat": 2.0,
    "two_domains": 1.0,
    "search": 3.0,
}


#: How often an answer to the system's question is "any" (``dontcare``).
ANSWER_DONTCARE_RATE = 0.3
#: How often a request names its sub-domain before its constraints ("I need a hotel. Something cheap.").
DOMAIN_FIRST_RATE = 0.4
#: How often a "yes" goes on: booking details after an offer to book, a question after a confirmation.
ANSWER_MORE_RATE = 0.35


@dataclass(frozen=True)
class SynthOptions:
    dialogues: int = 3000
    seed: int = 0
    dontcare_rate: float = 0.05


def unscoped(
    domain: Domain, acts: Sequence[DialogueAct], spans: Sequence[ActSpan]
) -> tuple[list[DialogueAct], list[ActSpan]]:
    """Acts whose words do not say the sub-domain lose it: requests, ``reqalts`` and booking details
    ("what's the phone number?", "for 4 people"). The pipeline gives them the sub-domain in focus
    (:mod:`tod.pipeline.focus`); training them with one would teach the NLU to guess it. Synthesised
    and carried human turns (:mod:`tod.data.relex`) alike are trained this way."""

    def unscope(act: DialogueAct) -> DialogueAct:
        schema = domain.schemas.get(act.domain)
        if schema is None:
            return act
        booking = schema.booking.slots if schema.booking is not None else ()
        if act.intent in ("request", "reqalts") or (act.intent == "inform" and act.slot in booking):
            return DialogueAct(act.intent, "", act.slot, act.value)
        return act

    return [unscope(a) for a in acts], [ActSpan(unscope(s.act), s.start, s.end) for s in spans]


class Synthesiser:
    """Samples user acts for ``database``'s domain and renders them with the given template NLGs."""

    def __init__(self, database: Database, user: UserRenderer, system: SystemRenderer, options: SynthOptions) -> None:
        self.database = database
        self.domain = database.domain
        self.user = user
        self.system = system
        self.options = options
        self.subdomains = [d for d in database.subdomains if database.entities(d)]
        if not self.subdomains:
            raise ValueError(f"domain {self.domain.name} has no database entities to synthesise from")
        # what a transport goes between (a taxi from the hotel to the restaurant): the places' names
        self.places = [
            e.name for d in self.subdomains if is_place(self.domain.schemas[d]) for e in database.entities(d) if e.name
        ]

    def dialogues(self) -> list[Dialogue]:
        rng = random.Random(self.options.seed)
        names, weights = list(SITUATIONS), list(SITUATIONS.values())
        out = []
        for index in range(self.options.dialogues):
            situation = rng.choices(names, weights)[0]
            system_acts, user_acts = getattr(self, f"_{situation}")(rng)
            seed = rng.randrange(1 << 30)
            context = self.system(system_acts, seed) if system_acts else ""
            text, spans = self.user(user_acts, seed)
            user_acts, spans = unscoped(self.domain, user_acts, spans)
            turns = [Turn(SYSTEM, context, tuple(system_acts))] if context else []
            turns.append(Turn(USER, text, tuple(user_acts), tuple(spans)))
            out.append(Dialogue(f"synth-{index:05d}", tuple(turns), corpus=f"{self.domain.name}-synthetic"))
        return out

    # ------------------------------------------------------------------ values
    def _schema(self, rng: random.Random) -> Schema:
        return self.domain.schemas[rng.choice(self.subdomains)]

    def _entity_values(self, rng: random.Random, schema: Schema) -> dict[str, str]:
        entity = rng.choice(self.database.entities(schema.name))
        values = {}
        for name, slot in schema.slots.items():
            if not slot.informable or slot.field is None:
                continue
            raw = entity.get(slot.field)
            if isinstance(raw, (list, tuple)):
                raw = rng.choice(raw) if raw else None
            if raw is None or str(raw).strip() == "":
                continue
            values[name] = str(raw)
        if self.places:  # a transport's departure and destination: two different places
            for name, place in zip(place_slots(schema), rng.sample(self.places, min(2, len(self.places)))):
                values[name] = place
        return values

    def _booking_value(self, rng: random.Random, slot: Slot) -> str:
        if slot.kind == "text" and slot.field is None and not slot.values and self.places:
            return rng.choice(self.places)  # a taxi's departure or destination
        if slot.kind == "number":
            return str(rng.choice([1, 2, 2, 2, 3, 4, 4, 5, 6, 7, 8]))
        if slot.kind == "time":
            hour, minute = rng.randint(8, 21), rng.choice([0, 0, 15, 30, 45])
            if rng.random() < 0.4:
                suffix = "am" if hour < 12 else "pm"
                shown = hour if hour <= 12 else hour - 12
                return f"{shown}{suffix}" if minute == 0 else f"{shown}:{minute:02d}{suffix}"
            return f"{hour:02d}:{minute:02d}"
        if slot.values:
            return rng.choice(slot.values)
        return str(rng.randint(1, 5))

    def _constraints(self, rng: random.Random, schema: Schema, count: int) -> list[DialogueAct]:
        values = self._entity_values(rng, schema)
        plain = [s for s in values if schema.slots[s].kind != "name"]
        chosen = rng.sample(plain, min(count, len(plain)))
        acts = []
        for slot in chosen:
            value = DONTCARE if rng.random() < self.options.dontcare_rate else values[slot]
            acts.append(DialogueAct("inform", schema.name, slot, value))
        return acts

    def _name(self, rng: random.Random, schema: Schema) -> DialogueAct | None:
        slot = schema.name_slot
        if not slot or not schema.slots[slot].informable:
            return None
        return DialogueAct("inform", schema.name, slot, rng.choice(self.database.entities(schema.name)).name)

    def _system_turn(self, rng: random.Random) -> list[DialogueAct]:
        """A plausible system turn of any kind: what a user may answer with thanks, a goodbye or small talk."""
        schema = self._schema(rng)
        name_slot = schema.name_slot
        entity = rng.choice(self.database.entities(schema.name)).name
        asked = rng.choice(schema.informable) if schema.informable else ""
        reqmore = DialogueAct("reqmore", GENERAL)
        options: list[list[DialogueAct]] = [
            [DialogueAct("welcome", GENERAL)],
            [reqmore],
            [
                DialogueAct("inform", schema.name, CHOICE_SLOT, str(rng.randint(2, 9))),
                DialogueAct("request", schema.name, asked, REQUESTED),
            ],
            [DialogueAct("nooffer", schema.name, asked, ""), DialogueAct("suggest", schema.name, asked, DONTCARE)],
        ]
        if name_slot:
            options.append([DialogueAct("recommend", schema.name, name_slot, entity)])
            options.append([DialogueAct("inform", schema.name, rng.choice(schema.requestable), "x"), reqmore])
        if schema.booking is not None and name_slot:
            options.append(
                [DialogueAct("recommend", schema.name, name_slot, entity), DialogueAct("offerbook", schema.name)]
            )
            options.append(
                [
                    DialogueAct("book", schema.name, "ref", "ABCD1234"),
                    DialogueAct("book", schema.name, name_slot, entity),
                    *[DialogueAct("book", schema.name, b, "x") for b in schema.booking.slots[:2]],
                    reqmore,
                ]
            )
        return [a for a in rng.choice(options) if a.intent in ("welcome", "reqmore", "offerbook") or a.slot]

    # ------------------------------------------------------------------ situations
    def _inform(self, rng: random.Random) -> tuple[list[DialogueAct], list[DialogueAct]]:
        schema = self._schema(rng)
        roll = rng.random()
        opener = [] if roll < 0.4 else [DialogueAct("welcome", GENERAL)] if roll < 0.7 else self._system_turn(rng)
        acts = self._constraints(rng, schema, rng.choice([1, 1, 2, 2, 3]))
        if rng.random() < DOMAIN_FIRST_RATE:  # "I'm looking for a hotel. Something expensive."
            acts.insert(0, DialogueAct("inform", schema.name))
        return opener, acts

    def _domain_only(self, rng: random.Random) -> tuple[list[DialogueAct], list[DialogueAct]]:
        """ "I'm looking for a restaurant": the sub-domain and nothing else."""
        before = (
            []
            if rng.random() < 0.5
            else [DialogueAct("welcome", GENERAL)]
            if rng.random() < 0.5
            else self._system_turn(rng)
        )
        return before, [DialogueAct("inform", self._schema(rng).name)]

    def _answer(self, rng: random.Random) -> tuple[list[DialogueAct], list[DialogueAct]]:
        schema = self._schema(rng)
        acts = self._constraints(rng, schema, 1)
        if not acts:
            return self._inform(rng)
        if rng.random() < ANSWER_DONTCARE_RATE:  # "any price range is fine": a common answer to a question
            acts = [DialogueAct("inform", schema.name, acts[0].slot, DONTCARE)]
        asked = [DialogueAct("inform", schema.name, CHOICE_SLOT, str(rng.randint(2, 30)))] if rng.random() < 0.5 else []
        asked.append(DialogueAct("request", schema.name, acts[0].slot, REQUESTED))
        return asked, acts

    def _booking(self, rng: random.Random) -> tuple[list[DialogueAct], list[DialogueAct]]:
        bookable = [d for d in self.subdomains if self.domain.schemas[d].booking is not None]
        if not bookable:
            return self._inform(rng)
        schema = self.domain.schemas[rng.choice(bookable)]
        acts = self._booking_details(rng, schema)
        if len(acts) == 1 and rng.random() < 0.7:
            return [DialogueAct("request", schema.name, acts[0].slot, REQUESTED)], acts
        if schema.name_slot and rng.random() < 0.4:  # details right after an entity was recommended
            name = rng.choice(self.database.entities(schema.name)).name
            return [DialogueAct("recommend", schema.name, schema.name_slot, name)], acts
        return [DialogueAct("offerbook", schema.name)], acts

    def _request(self, rng: random.Random) -> tuple[list[DialogueAct], list[DialogueAct]]:
        schema = self._schema(rng)
        name = rng.choice(self.database.entities(schema.name)).name
        name_slot = schema.name_slot
        askable = [s for s in schema.requestable if s != name_slot]
        asked = rng.sample(askable, min(len(askable), rng.choice([1, 1, 2])))
        acts = [DialogueAct("request", schema.name, s, REQUESTED) for s in asked]
        transport = bool(place_slots(schema))  # a taxi is booked, not recommended by name
        offer = [DialogueAct("recommend", schema.name, name_slot, name)] if name_slot and not transport else []
        if offer and rng.random() < 0.25:  # "that sounds good - what is the postcode?"
            acts.insert(0, DialogueAct("affirm", GENERAL))
        return offer, acts

    def _requests(self, rng: random.Random, schema: Schema, count: int) -> list[DialogueAct]:
        askable = [s for s in schema.requestable if s != schema.name_slot and not schema.slots[s].bookable]
        return [DialogueAct("request", schema.name, s, REQUESTED) for s in rng.sample(askable, min(count, len(askable)))]

    def _booking_details(self, rng: random.Random, schema: Schema) -> list[DialogueAct]:
        if schema.booking is None:
            return []
        slots = list(schema.booking.slots)
        chosen = rng.sample(slots, rng.randint(1, len(slots)))
        return [DialogueAct("inform", schema.name, s, self._booking_value(rng, schema.slots[s])) for s in chosen]

    def _name_request(self, rng: random.Random) -> tuple[list[DialogueAct], list[DialogueAct]]:
        schema = self._schema(rng)
        named = self._name(rng, schema)
        offer, requests = self._request(rng)
        requests = [a for a in requests if a.domain == schema.name] or [
            DialogueAct("request", schema.name, s, REQUESTED) for s in schema.requestable[:1]
        ]
        return [], ([named] if named else []) + requests

    def _reqalts(self, rng: random.Random) -> tuple[list[DialogueAct], list[DialogueAct]]:
        offer, _ = self._request(rng)
        schema_name = offer[0].domain if offer else self._schema(rng).name
        return offer, [DialogueAct("reqalts", schema_name)]

    def _yes_no(self, rng: random.Random) -> tuple[list[DialogueAct], list[DialogueAct]]:
        schema = self._schema(rng)
        if schema.booking is not None and rng.random() < 0.5:
            asked = [DialogueAct("offerbook", schema.name)]
        else:
            asked = [DialogueAct("confirm", a.domain, a.slot, a.value) for a in self._constraints(rng, schema, 1)]
        answer = [DialogueAct(rng.choice(["affirm", "negate"]), GENERAL)]
        if asked and answer[0].intent == "affirm" and rng.random() < ANSWER_MORE_RATE:
            # "yes, for 3 people" after an offer to book; "yes - where is it?" after a confirmation
            if asked[0].intent == "offerbook":
                answer += self._booking_details(rng, schema)
            else:
                answer += self._requests(rng, schema, rng.choice([1, 1, 2]))
        return asked, answer

    def _general(self, rng: random.Random) -> tuple[list[DialogueAct], list[DialogueAct]]:
        intent = rng.choice(["greet", "thank", "bye", "thank", "bye"])
        before = [] if intent == "greet" and rng.random() < 0.7 else self._system_turn(rng)
        acts = [DialogueAct(intent, GENERAL)]
        if intent in ("thank", "bye") and rng.random() < 0.4:  # "thanks, goodbye"; "yes, thank you"
            acts = [DialogueAct("thank", GENERAL), DialogueAct(rng.choice(["bye", "bye", "affirm"]), GENERAL)]
        return before, acts

    def _chitchat(self, rng: random.Random) -> tuple[list[DialogueAct], list[DialogueAct]]:
        before = [] if rng.random() < 0.3 else self._system_turn(rng)
        return before, [DialogueAct(CHITCHAT, GENERAL)]

    def _two_domains(self, rng: random.Random) -> tuple[list[DialogueAct], list[DialogueAct]]:
        if len(self.subdomains) < 2:
            return self._inform(rng)
        first, second = rng.sample(self.subdomains, 2)
        acts = self._constraints(rng, self.domain.schemas[first], 1)
        acts += self._constraints(rng, self.domain.schemas[second], rng.choice([1, 2]))
        return [], acts


    def _search(self, rng: random.Random) -> tuple[list[DialogueAct], list[DialogueAct]]:
        """A whole request for a sub-domain in one turn, as users often make it: constraints, the
        slots wanted and maybe the booking ("a cheap italian place in the centre, what's the phone
        number? for 4 people on friday at 7"), often right after the system spoke of another one."""
        schema = self._schema(rng)
        acts = self._constraints(rng, schema, rng.choice([1, 2, 2, 3, 3, 4]))
        if not acts or rng.random() < DOMAIN_FIRST_RATE:
            acts.insert(0, DialogueAct("inform", schema.name))
        askable = [s for s in schema.requestable if not schema.slots[s].bookable]
        asked = rng.sample(askable, min(len(askable), rng.choice([0, 1, 1, 2, 3])))
        acts += [DialogueAct("request", schema.name, s, REQUESTED) for s in asked]
        if schema.booking is not None and rng.random() < 0.4:
            slots = [*schema.booking.required, *(rng.choice(group) for group in schema.booking.one_of)]
            said = {a.slot for a in acts}
            acts += [
                DialogueAct("inform", schema.name, s, self._booking_value(rng, schema.slots[s]))
                for s in slots
                if s not in said
            ]
        roll = rng.random()
        before = [] if roll < 0.2 else [DialogueAct("welcome", GENERAL)] if roll < 0.35 else self._system_turn(rng)
        return before, acts


def synthesise(database: Database, user: UserRenderer, system: SystemRenderer, **options: Any) -> list[Dialogue]:
    """``SynthOptions(**options)`` dialogues for ``database``'s domain (see the module docstring)."""
    return Synthesiser(database, user, system, SynthOptions(**options)).dialogues()
