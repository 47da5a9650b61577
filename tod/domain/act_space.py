"""The act space of a domain: every (intent, sub-domain, slot) the system and the user may use in it.

This is the contract between policies, NLG and NLU synthesis: a policy emits nothing outside the
system act space and a system NLG must express every element of it; user NLG templates cover the
user act space and the NLU synthesiser writes from it (tests check each).
"""

from __future__ import annotations

from tod.acts import CHOICE, GENERAL, REFERENCE, USER_GENERAL_INTENTS
from tod.domain.ontology import Domain


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
        name_slots = list(schema.name_slots)
        askable = list(dict.fromkeys(informable + booking))
        tellable = list(dict.fromkeys(name_slots + list(schema.requestable) + informable))
        space += [("request", name, s) for s in askable]
        space += [("inform", name, s) for s in [*tellable, CHOICE]]
        space += [("recommend", name, s) for s in tellable]
        space += [("select", name, s) for s in informable]
        space += [("nooffer", name, s) for s in ["", *informable]]
        space += [("suggest", name, s) for s in informable]
        space += [("confirm", name, s) for s in askable]
        space += [(answer, name, s) for answer in ("affirm", "negate") for s in informable if s not in name_slots]
        space += [("exclude", name, s) for s in informable]  # "noted: nothing in the north"
        if schema.booking is not None:
            space += [("offerbook", name, "")]
            space += [("book", name, s) for s in dict.fromkeys([REFERENCE, *name_slots, *booking])]
            space += [("nobook", name, s) for s in ["", *booking]]
    return tuple(dict.fromkeys(space))


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
