"""The ``rasa-booking`` policy: another policy's decisions, with the bookings made by a Rasa action server.

tod's policies book by themselves (a reference from :func:`tod.domain.booking.stable_reference`).
A bot builder whose booking system sits behind an existing Rasa action server configures::

    policy:
      name: rasa-booking
      params: {url: "http://localhost:5055/webhook", action: "action_book_{domain}"}

Whenever the inner policy (``policy``, default ``rule``) makes a *new* booking (a ``book(d, ref,
REF)`` act whose reference the belief has not recorded), the action ``action`` (``{domain}``
replaced by the sub-domain) is called once, not retried (a booking is not idempotent), with a
Rasa tracker whose slots are the booking's details (``people``, ``day``, ``time``, the entity's
name slot), ``tod_domain`` (the sub-domain), ``tod_reference`` (tod's own reference) and
``tod_belief``. Then:

* the action answered and set the slot ``reference_slot`` to text: that is the booking's reference;
  set it to null: the booking was refused; did not set it: tod's reference stands;
* the action refused (``ActionExecutionRejection``, HTTP 400) or the call failed (404, 449, 500,
  timeout, no connection): the booking is not confirmed and the system says ``nobook(d)``; failures
  other than a refusal are logged as warnings.

The conversation's id sent as ``sender_id`` is the Rasa sender when tod runs inside its action
server (:func:`~tod.integrations.rasa.webhook_client.sender_scope`), else ``sender_id``.
"""

from __future__ import annotations

import logging
from typing import Any

from tod.acts import REFERENCE, DialogueAct
from tod.dialogue import USER
from tod.domain.context import BuildContext
from tod.errors import ActionRejectedError, ActionServerError, ConfigError
from tod.integrations.rasa.webhook_client import (
    CURRENT_SENDER,
    RasaActionClient,
    domain_payload,
    tracker_payload,
)
from tod.state import DBResults, DialogueState

log = logging.getLogger("tod.rasa")

#: Slots the booking action receives beside the booking's details.
SLOT_DOMAIN, SLOT_REFERENCE, SLOT_BELIEF = "tod_domain", "tod_reference", "tod_belief"


class RasaBookingPolicy:
    """``inner``'s acts, with new bookings confirmed by the Rasa action ``action`` (see the module docstring)."""

    def __init__(
        self,
        inner: Any,
        client: RasaActionClient,
        *,
        action: str = "action_book_{domain}",
        reference_slot: str = "reference",
        sender_id: str = "tod",
    ) -> None:
        if not action:
            raise ConfigError("the booking action name must not be empty")
        self.inner = inner
        self.client = client
        self.action = action
        self.reference_slot = reference_slot
        self.sender_id = sender_id

    @classmethod
    def from_config(
        cls,
        context: BuildContext,
        *,
        url: str = "http://localhost:5055/webhook",
        policy: str = "rule",
        action: str = "action_book_{domain}",
        reference_slot: str = "reference",
        timeout: float = 5.0,
        sender_id: str = "tod",
        check_actions: bool = False,
    ) -> RasaBookingPolicy:
        """``policy`` (a registered policy, built with its defaults) with bookings made by the action
        server at ``url``; ``check_actions``: fail now unless the server lists every booking action."""
        from tod.pipeline.config import STAGES

        if policy == "rasa-booking":
            raise ConfigError("policy rasa-booking cannot wrap itself; name another policy, e.g. 'rule'")
        inner = STAGES["policy"].get(policy).from_config(context)
        client = RasaActionClient(url, timeout=timeout)
        made = cls(inner, client, action=action, reference_slot=reference_slot, sender_id=sender_id)
        if check_actions:
            available = set(client.list_actions())
            bookable = [name for name, schema in context.domain.schemas.items() if schema.booking is not None]
            missing = [made.action_for(d) for d in bookable if made.action_for(d) not in available]
            if missing:
                raise ConfigError(f"the action server at {url} lacks the booking action(s) {missing}")
        return made

    def action_for(self, domain: str) -> str:
        """The action that books in sub-domain ``domain``."""
        return self.action.replace("{domain}", domain)

    def predict(self, state: DialogueState, db_results: DBResults) -> list[DialogueAct]:
        acts = self.inner.predict(state, db_results)
        for act in [a for a in acts if a.intent == "book" and a.slot == REFERENCE and a.value]:
            booked = {b.get(REFERENCE) for b in state.belief[act.domain].booked}
            if act.value not in booked:
                acts = self._book(state, acts, act.domain, act.value)
        return acts

    def _book(self, state: DialogueState, acts: list[DialogueAct], domain: str, reference: str) -> list[DialogueAct]:
        details = {a.slot: a.value for a in acts if a.intent == "book" and a.domain == domain and a.slot != REFERENCE}
        slots = {**details, SLOT_DOMAIN: domain, SLOT_REFERENCE: reference, SLOT_BELIEF: state.belief.to_dict()}
        sender = CURRENT_SENDER.get() or self.sender_id
        user_turns = [t.text for t in state.history if t.speaker == USER]
        tracker = tracker_payload(sender, slots, text=user_turns[-1] if user_turns else "")
        name = self.action_for(domain)
        try:
            result = self.client.run(name, tracker, domain_payload(list(slots), [name]), idempotent=False)
        except ActionRejectedError as error:
            log.info("booking in %s refused by %s: %s", domain, name, error)
            return _not_booked(acts, domain)
        except ActionServerError as error:
            log.warning("booking in %s not confirmed: %s", domain, error)
            return _not_booked(acts, domain)
        answered = result.slots()
        if self.reference_slot not in answered:
            return acts
        given = answered[self.reference_slot]
        if given is None or not str(given).strip():
            return _not_booked(acts, domain)
        return [
            DialogueAct(a.intent, a.domain, a.slot, str(given).strip())
            if a.intent == "book" and a.domain == domain and a.slot == REFERENCE
            else a
            for a in acts
        ]


def _not_booked(acts: list[DialogueAct], domain: str) -> list[DialogueAct]:
    """``acts`` with ``domain``'s booking replaced by ``nobook(domain)`` where it stood."""
    out: list[DialogueAct] = []
    for act in acts:
        if act.intent == "book" and act.domain == domain:
            if DialogueAct("nobook", domain) not in out:
                out.append(DialogueAct("nobook", domain))
            continue
        out.append(act)
    return out
