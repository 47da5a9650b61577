"""The dialogue act, the unit of meaning every stage speaks, and the act inventory.

System acts (``general`` is the domain of acts that belong to no sub-domain):

======================  ===========================================================
``welcome(general)``    opening line
``greet(general)``      answer to a greeting
``reqmore(general)``    "anything else?"
``bye(general)``        closing line; the dialogue is over
``request(d, s, ?)``    ask for the informable or booking slot ``s`` of ``d``
``inform(d, s, v)``     tell a slot of the entity under discussion; ``inform(d, choice, N)``: N match
``recommend(d, s, v)``  offer an entity (``s`` its name slot) or one of its slots
``select(d, s, v)``     offer a choice: one act per option, ``s`` the distinguishing slot
``nooffer(d, s, v)``    nothing matches; one act per constraint (``nooffer(d)`` without any)
``suggest(d, s, v)``    a relaxation that would match: change ``s`` to ``v`` (``dontcare``: drop it)
``offerbook(d)``        offer to book the entity under discussion
``book(d, s, v)``       a booking made: ``s`` is ``ref`` (the reference), the name slot, or a detail
``nobook(d, s, v)``     a booking failed; ``s``/``v`` the detail at fault (empty when none)
``confirm(d, s, v)``    check an uncertain understanding ("a cheap place, right?")
``affirm(d, s, v)``     yes: the entity under discussion has ``s = v`` (answers a user ``confirm``)
``negate(d, s, v)``     no: it does not have ``s = v`` (its value follows as an ``inform``)
``exclude(d, s, v)``    the search leaves out ``v`` of ``s``, as the user asked ("not in the north")
======================  ===========================================================

User acts: ``inform``, ``request``, ``reqalts`` and ``exclude`` (``exclude(d, s, v)``: "anything but ``v``",
read from the text by :mod:`tod.nlu.negation`) in a sub-domain (and ``confirm(d, s, v)``, "is it v?", which
the pipeline reads from a question about an entity, :mod:`tod.pipeline.questions`); ``greet``, ``thank``, ``bye``, ``affirm``,
``negate`` and ``chitchat`` in ``general`` (:data:`USER_GENERAL_INTENTS`). Which (intent, sub-domain, slot)
triples a domain allows is :mod:`tod.domain.act_space`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from tod._schema import FrozenMap
from tod._schema import require as _require
from tod.errors import SchemaError

#: The value of a request act (``request(hotel, phone, ?)``): the slot is asked for, not given.
REQUESTED = "?"
#: The value of a system ``inform(d, s, ?)``: the database does not say (MultiWOZ's entrance fee ``?``);
#: the system tells the user it is not listed, as MultiWOZ's and ConvLab's systems do.
UNKNOWN = "?"

#: The domain of acts that belong to no sub-domain.
GENERAL = "general"
#: The slot of ``inform(d, choice, N)``: how many entities match.
CHOICE = "choice"
#: The slot of ``book(d, ref, REF)``: the booking's reference number.
REFERENCE = "ref"

SYSTEM_INTENTS = (
    "welcome",
    "greet",
    "reqmore",
    "bye",
    "request",
    "inform",
    "recommend",
    "select",
    "nooffer",
    "suggest",
    "offerbook",
    "book",
    "nobook",
    "confirm",
    "affirm",
    "negate",
    "exclude",
)

#: The user act that marks an utterance as out of the task (small talk, open questions): the
#: pipeline hands such a turn to the fallback instead of the task stages.
CHITCHAT = "chitchat"

#: User intents without a sub-domain (domain ``general``, no slot).
USER_GENERAL_INTENTS = ("greet", "thank", "bye", "affirm", "negate", CHITCHAT)

# -- act classes: which intents do what (the tracker, both policies and the pipeline read these) --------

#: User intents that give a slot a value.
INFORM_INTENTS = frozenset({"inform"})
#: User intents that take a value away (``deny(d, s, v)``: MultiWOZ's "not v") or say no.
NEGATE_INTENTS = frozenset({"negate", "deny"})
#: The intent of ``exclude(d, s, v)``: the user does not want ``v`` for ``s`` ("not in the north", "anything
#: but chinese"); a belief keeps it apart from its constraints (:attr:`tod.belief.DomainBelief.excluded`).
EXCLUDE = "exclude"
#: User intents that rule a value out of the search (the tracker keeps them as exclusions).
EXCLUDE_INTENTS = frozenset({EXCLUDE})
#: User intents that say yes.
AFFIRM_INTENTS = frozenset({"affirm"})
#: User intents that ask for a slot of the entity under discussion.
REQUEST_INTENTS = frozenset({"request"})
#: User intents that ask whether the entity under discussion has a value ("is it cheap?": ``confirm(d, s, v)``,
#: Young et al. 2010's user confirm), always with a ``request(d, s, ?)`` of the same slot.
CHECK_INTENTS = frozenset({"confirm"})
#: System intents that restate what the acts beside them carry ("Yes," / "No," before the fact told;
#: "Noted: nothing in the north" before the search's answer). A domain whose system templates were
#: written before they existed may leave them out: the template NLG then leaves them unsaid
#: (:func:`tod.nlg.plan.plan`) instead of failing mid-conversation.
RESTATING_INTENTS = frozenset({"affirm", "negate", EXCLUDE})
#: User intents that ask for another entity than the one offered.
REQALTS_INTENTS = frozenset({"reqalts"})
#: ``select(d, <source slot>, <source domain>)``: the user wants a ``d`` near an entity of the source domain
#: (CrossWOZ); as a system intent, an offer of a choice.
SELECT_INTENTS = frozenset({"select"})
#: User intents that speak about a slot of a sub-domain (a domain-less one gets the sub-domain in focus).
SLOT_INTENTS = INFORM_INTENTS | REQUEST_INTENTS | REQALTS_INTENTS | NEGATE_INTENTS | EXCLUDE_INTENTS
#: System intents that ask a yes/no question, and the user intents that answer one.
YES_NO_QUESTIONS = frozenset({"confirm", "offerbook"})
YES_NO_ANSWERS = frozenset({"affirm", "negate"})

#: Corpus system intents outside :data:`SYSTEM_INTENTS`, and the system intent each stands for:
#: MultiWOZ's ``offerbooked(d, s, v)`` (booked, and more offered) is a ``book``.
CORPUS_SYSTEM_INTENTS: FrozenMap[str, str] = FrozenMap({"offerbooked": "book"})
#: System intents that name an entity they offer (an act on a name slot: ``recommend(d, name, v)``), as the
#: system's own acts (:data:`SYSTEM_INTENTS`) do.
OFFER_INTENTS = frozenset({"inform", "recommend", "select", "book"})
#: :data:`OFFER_INTENTS` and the corpus intents that name an offered entity too: MultiWOZ's wizards write
#: ``offerbook(train, trainID, v)`` ("shall I book TR1234?") and ``offerbooked``. In a tod conversation both
#: sets read the same (the system's ``offerbook(d)`` names no entity, ``offerbooked`` is no system intent);
#: on corpus histories they differ (see :func:`tod.domain.memory.remember`).
CORPUS_OFFER_INTENTS = OFFER_INTENTS | {"offerbook", *CORPUS_SYSTEM_INTENTS}


@dataclass(frozen=True)
class DialogueAct:
    """One unit of meaning, e.g. ``inform(restaurant, food, italian)`` or ``request(hotel, phone, ?)``.

    ``domain``, ``slot`` and ``value`` are empty strings where an act has none (``bye()``).
    """

    intent: str
    domain: str = ""
    slot: str = ""
    value: str = ""

    def __post_init__(self) -> None:
        for name in ("intent", "domain", "slot", "value"):
            if not isinstance(getattr(self, name), str):
                raise SchemaError(f"DialogueAct.{name} must be a string, found {getattr(self, name)!r}")
        if not self.intent:
            raise SchemaError("DialogueAct.intent must be a non-empty string")

    def __str__(self) -> str:
        args = ", ".join(part for part in (self.domain, self.slot, self.value) if part)
        return f"{self.intent}({args})"

    def to_dict(self) -> dict[str, str]:
        return {"intent": self.intent, "domain": self.domain, "slot": self.slot, "value": self.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DialogueAct:
        what = "DialogueAct"
        return cls(
            intent=_require(data, "intent", str, what),
            domain=data.get("domain", "") if isinstance(data, Mapping) else "",
            slot=data.get("slot", "") if isinstance(data, Mapping) else "",
            value=data.get("value", "") if isinstance(data, Mapping) else "",
        )
