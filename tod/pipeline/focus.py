"""Giving a sub-domain to user acts that name none.

"What's the phone number?" or "for 4 people" says which slot, not which sub-domain: the
conversation does. An NLU may therefore return such acts without a domain (the synthetic NLU of a
domain is trained to, because the words carry no domain); before tracking, each gets the
sub-domain in focus: the last sub-domain named in the same turn, else in the system's last acts,
else in the earlier turns. When none of those has the slot, the only sub-domain that has it is
taken; when several have it and none is in focus, the act is left as it is (the tracker ignores it).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from tod.acts import DialogueAct
from tod.domain.ontology import Domain
from tod.state import DialogueState

#: Intents that speak about a slot of a sub-domain (a domain-less act of another intent is left alone).
SLOT_INTENTS = frozenset({"inform", "request", "reqalts", "negate", "deny"})


def _has(domain: Domain, subdomain: str, slot: str) -> bool:
    return not slot or domain.schemas[subdomain].slot(slot) is not None


def focus_order(acts: Sequence[DialogueAct], state: DialogueState, domain: Domain) -> list[str]:
    """Sub-domains from the most to the least recently talked about."""
    order: list[str] = []
    sources = [acts, state.system_acts, *(t.acts for t in reversed(state.history))]
    for source in sources:
        for act in reversed(list(source)):
            if act.domain in domain.schemas and act.domain not in order:
                order.append(act.domain)
    return order


def resolve_domains(acts: Sequence[DialogueAct], state: DialogueState, domain: Domain) -> tuple[DialogueAct, ...]:
    """``acts`` with the domain-less slot acts given the sub-domain in focus (see the module docstring)."""
    loose = [
        a for a in acts if a.domain not in domain.schemas and a.intent in SLOT_INTENTS and a.domain in ("", "general")
    ]
    if not loose:
        return tuple(acts)
    order = focus_order(acts, state, domain)
    out = []
    for act in acts:
        if act not in loose:
            out.append(act)
            continue
        target = next((d for d in order if _has(domain, d, act.slot)), None)
        if target is None:
            having = [d for d in domain.schemas if act.slot and _has(domain, d, act.slot)]
            target = having[0] if len(having) == 1 else None
        out.append(replace(act, domain=target) if target else act)
    return tuple(out)
