"""The policy contract and the system act inventory.

A policy decides what the system says next, as dialogue acts, from the dialogue state and the
database results for its belief. It never changes the state: bookings it makes are reported as
``book`` acts, which the pipeline records in the belief.

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
======================  ===========================================================
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tod.acts import DialogueAct
from tod.domain.ontology import Domain
from tod.state import DBResults, DialogueState

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
)


@runtime_checkable
class Policy(Protocol):
    """Decides the system's acts for the next turn."""

    def predict(self, state: DialogueState, db_results: DBResults) -> list[DialogueAct]: ...


def system_act_space(domain: Domain) -> tuple[tuple[str, str, str], ...]:
    """Every (intent, sub-domain, slot) a policy may emit for ``domain``, values aside.

    This is the contract between policies and NLG: a policy emits nothing outside it (tests check
    this), and a system NLG for the domain must express every element of it (tests check that too).
    ``slot`` is empty for acts without one.
    """
    space: list[tuple[str, str, str]] = [(intent, GENERAL, "") for intent in ("welcome", "greet", "reqmore", "bye")]
    for name, schema in domain.schemas.items():
        informable = list(schema.informable)
        booking = list(schema.booking.slots) if schema.booking is not None else []
        name_slots = [s for s, slot in schema.slots.items() if slot.kind == "name"]
        askable = list(dict.fromkeys(informable + booking))
        tellable = list(dict.fromkeys(name_slots + list(schema.requestable) + informable))
        space += [("request", name, s) for s in askable]
        space += [("inform", name, s) for s in [*tellable, CHOICE]]
        space += [("recommend", name, s) for s in tellable]
        space += [("select", name, s) for s in informable]
        space += [("nooffer", name, s) for s in ["", *informable]]
        space += [("suggest", name, s) for s in informable]
        space += [("confirm", name, s) for s in askable]
        if schema.booking is not None:
            space += [("offerbook", name, "")]
            space += [("book", name, s) for s in dict.fromkeys([REFERENCE, *name_slots, *booking])]
            space += [("nobook", name, s) for s in ["", *booking]]
    return tuple(dict.fromkeys(space))


#: The user act that marks an utterance as out of the task (small talk, open questions): the
#: pipeline hands such a turn to the fallback instead of the task stages.
CHITCHAT = "chitchat"

#: User intents without a sub-domain (domain ``general``, no slot).
USER_GENERAL_INTENTS = ("greet", "thank", "bye", "affirm", "negate", CHITCHAT)


def user_act_space(domain: Domain) -> tuple[tuple[str, str, str], ...]:
    """Every (intent, sub-domain, slot) a user act may have in ``domain``, values aside.

    ``inform`` gives an informable slot or a booking detail (without a slot: the user wants something
    of that sub-domain, "I'm looking for a restaurant"), ``request`` asks for a requestable
    slot (value ``?``), ``reqalts`` asks for another entity; ``affirm``/``negate`` answer an
    ``offerbook`` or a ``confirm``. User NLG templates cover all of it; the rule policy understands
    all of it; ``chitchat`` goes to the fallback.
    """
    space: list[tuple[str, str, str]] = [(intent, GENERAL, "") for intent in USER_GENERAL_INTENTS]
    for name, schema in domain.schemas.items():
        booking = list(schema.booking.slots) if schema.booking is not None else []
        space += [("inform", name, "")]  # "I'm looking for a restaurant": the sub-domain alone
        space += [("inform", name, s) for s in dict.fromkeys([*schema.informable, *booking])]
        space += [("request", name, s) for s in schema.requestable]
        space += [("reqalts", name, "")]
    return tuple(dict.fromkeys(space))
