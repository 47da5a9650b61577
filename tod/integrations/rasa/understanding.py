"""Rasa's intent and entities as tod dialogue acts.

When Rasa's NLU has understood the latest message, tod uses that understanding instead of running
its own NLU. The convention (``docs/rasa.md``), changeable with a mapping file:

* **Intents.** A Rasa intent stands for a tod user intent: ``inform``, ``request``, ``reqalts`` and
  the general ``greet``, ``thank``, ``bye``, ``affirm``, ``negate``; Rasa's usual names are
  understood too (``goodbye`` -> ``bye``, ``thankyou`` -> ``thank``, ``deny`` -> ``negate``,
  see :data:`DEFAULT_INTENTS`). Any other intent (``nlu_fallback`` included), a message without
  one, and ``chitchat``/``out_of_scope`` leave the text to tod's own NLU and routing.
* **Entities** name the slot they fill: ``restaurant-food`` (sub-domain, hyphen, slot) or
  ``food`` alone; a slot named alone takes its sub-domain from the entity's Rasa ``role`` when
  that names one, else from a ``domain`` entity in the same message, else the pipeline's focus
  step gives it (the sub-domain being talked about). Under ``request`` a slot entity asks for the
  slot; under any other intent it informs the entity's value. A ``requested_slot`` entity whose
  value names a slot (``phone`` or ``restaurant-phone``) always asks for it. A ``domain`` entity
  (value ``restaurant``) names the sub-domain: ``inform`` with only that means "I am looking for
  a restaurant". Entities naming no slot of the domain are ignored.
* **Values** are checked against the ontology (:mod:`.values`): an entity whose value does not fit its
  slot (people=2018, area=true, markup as a cuisine) gives no act and is logged.

Mapping file (YAML)::

    intents: {book_table: inform, ask_info: request}      # Rasa intent -> tod intent
    entities: {cuisine: restaurant-food, where: area}      # Rasa entity -> slot, "domain" or "requested_slot"
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from tod._schema import FrozenMap
from tod.acts import CHITCHAT, GENERAL, REQUESTED, USER_GENERAL_INTENTS, DialogueAct
from tod.domain.ontology import Domain
from tod.errors import ConfigError
from tod.files import read_yaml
from tod.integrations.rasa.payloads import RasaEntity, UserMessage
from tod.integrations.rasa.values import ValueCheck

log = logging.getLogger("tod.rasa")

#: The tod user intents a Rasa intent may stand for.
TOD_INTENTS = ("inform", "request", "reqalts", *USER_GENERAL_INTENTS)

#: Rasa intent -> tod intent, before a mapping file adds to it.
DEFAULT_INTENTS: Mapping[str, str] = FrozenMap(
    {
        **{intent: intent for intent in TOD_INTENTS},
        "goodbye": "bye",
        "thankyou": "thank",
        "thanks": "thank",
        "deny": "negate",
        "hello": "greet",
        "out_of_scope": CHITCHAT,
    }
)

#: An entity whose value names a sub-domain (``restaurant``).
DOMAIN_ENTITY = "domain"
#: An entity whose value names a slot the user asks for (``phone``, ``restaurant-phone``).
REQUESTED_ENTITY = "requested_slot"
#: The separator of sub-domain and slot in an entity name (``restaurant-food``).
SEPARATOR = "-"


@dataclass(frozen=True)
class RasaMapping:
    """How Rasa's intents and entities map onto tod's (see the module docstring)."""

    intents: Mapping[str, str] = field(default_factory=lambda: DEFAULT_INTENTS)
    entities: Mapping[str, str] = field(default_factory=FrozenMap)
    source: str = "<default>"

    def intent(self, rasa_intent: str) -> str | None:
        """The tod intent Rasa's ``rasa_intent`` stands for, or ``None`` (tod's NLU reads the text)."""
        return self.intents.get(rasa_intent)

    def target(self, entity: str) -> str:
        """What the Rasa entity ``entity`` names: a slot (``restaurant-food``, ``food``), ``domain`` or
        ``requested_slot``."""
        return self.entities.get(entity, entity)


def load_mapping(path: str | os.PathLike[str]) -> RasaMapping:
    """A :class:`RasaMapping`: the defaults plus the YAML file at ``path`` (keys ``intents``, ``entities``)."""
    source = str(path)
    raw = read_yaml(path, error=ConfigError, what="the Rasa mapping file") or {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source}: expected a mapping with 'intents' and/or 'entities', found {type(raw).__name__}")
    unknown = sorted(set(raw) - {"intents", "entities"})
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {unknown}; expected 'intents' and/or 'entities'")
    intents = _string_map(raw.get("intents") or {}, f"{source}: intents")
    for rasa_intent, tod_intent in intents.items():
        if tod_intent not in TOD_INTENTS:
            raise ConfigError(
                f"{source}: intents: {rasa_intent!r} maps to {tod_intent!r}; expected one of {list(TOD_INTENTS)}"
            )
    entities = _string_map(raw.get("entities") or {}, f"{source}: entities")
    return RasaMapping(FrozenMap({**DEFAULT_INTENTS, **intents}), FrozenMap(entities), source)


def _string_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ConfigError(f"{where}: expected a mapping of names to names, found {value!r:.80}")
    return dict(value)


def entity_text(value: Any) -> str | None:
    """An entity value as slot text: strings stripped, whole numbers without ``.0``, booleans as yes/no;
    ``None`` for values that are no text (structures from extractors such as Duckling)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _slot(domain: Domain, name: str) -> tuple[str, str] | None:
    """``restaurant-food`` -> ("restaurant", "food"); ``food`` -> ("", "food"); ``None`` when no sub-domain has it."""
    head, sep, rest = name.partition(SEPARATOR)
    if sep and head in domain.schemas:
        return (head, rest) if domain.schemas[head].slot(rest) is not None else None
    if any(schema.slot(name) is not None for schema in domain.schemas.values()):
        return "", name
    return None


def acts_from_message(
    message: UserMessage, domain: Domain, mapping: RasaMapping = RasaMapping(), check: ValueCheck | None = None
) -> tuple[DialogueAct, ...]:
    """The dialogue acts Rasa's intent and entities say, or ``()`` when tod's own NLU should read the text.

    With ``check`` (the domain's :class:`~tod.integrations.rasa.values.ValueCheck`), an entity whose value
    does not fit its slot gives no act and is logged: a message whose every entity is refused and that
    says nothing else is one Rasa did not understand."""
    intent = mapping.intent(message.intent) if message.intent else None
    if intent is None or intent == CHITCHAT:
        return ()
    named = [entity_text(e.value) for e in message.entities if mapping.target(e.entity) == DOMAIN_ENTITY]
    scope = next((d for d in reversed(named) if d in domain.schemas), "")
    acts: list[DialogueAct] = []
    if intent in USER_GENERAL_INTENTS:
        acts.append(DialogueAct(intent, GENERAL))
    for entity in message.entities:
        act = _entity_act(entity, intent, scope, domain, mapping, check, message.text)
        if act is not None:
            acts.append(act)
    if intent == "inform" and not acts and scope:
        acts.append(DialogueAct("inform", scope))
    elif intent == "reqalts":
        acts.append(DialogueAct("reqalts", scope))
    return tuple(dict.fromkeys(acts))


def _entity_act(
    entity: RasaEntity,
    intent: str,
    scope: str,
    domain: Domain,
    mapping: RasaMapping,
    check: ValueCheck | None,
    text_said: str = "",
) -> DialogueAct | None:
    target = mapping.target(entity.entity)
    if target == DOMAIN_ENTITY:
        return None
    text = entity_text(entity.value)
    if text is None:
        log.debug("Rasa entity %s=%r has no text value; ignored", entity.entity, entity.value)
        return None
    requested = target == REQUESTED_ENTITY
    found = _slot(domain, text if requested else target)
    if found is None:
        log.debug("Rasa entity %s names no slot of %s; ignored", entity.entity, domain.name)
        return None
    sub, slot = found
    slot = _by_unit(domain, sub, slot, entity, text_said)
    if not sub:
        sub = entity.role if entity.role in domain.schemas else scope
        if sub and domain.schemas[sub].slot(slot) is None:
            sub = ""
    if requested or intent == "request":
        return DialogueAct("request", sub, slot, REQUESTED)
    if check is not None:
        checked = check.value(sub, slot, text)
        if not checked.ok:
            why = checked.problem
            log.warning("Rasa entity %s=%r refused, read as not understood: %s", entity.entity, text[:80], why)
            return None
    return DialogueAct("inform", sub, slot, text)


def _by_unit(domain: Domain, sub: str, slot: str, entity: RasaEntity, text: str) -> str:
    """The number slot the words right after the entity name by their unit ("2 nights": the slot whose
    ``units`` has "nights", a stay), when that is another number slot than ``slot`` and the unit is not
    also ``slot``'s; else ``slot``. Rasa's tagger tells "2 people" from "2 nights" by context it may not
    have learnt; the ontology says which slot a unit belongs to."""
    if entity.end is None or entity.end > len(text):
        return slot
    after = " ".join(text[entity.end :].casefold().split())
    schemas = [domain.schemas[sub]] if sub else list(domain.schemas.values())

    def units_of(name: str) -> tuple[str, ...]:
        specs = [s.slot(name) for s in schemas]
        return tuple(u for spec in specs if spec is not None and spec.kind == "number" for u in spec.units)

    def written(unit: str) -> bool:
        return after == unit or after.startswith(unit + " ") or after.startswith(unit + ",")

    if not units_of(slot) and all(s.slot(slot) is None or s.slot(slot).kind != "number" for s in schemas):
        return slot  # not a number slot
    if any(written(u) for u in units_of(slot)):
        return slot
    others = {name for s in schemas for name, spec in s.slots.items() if spec.kind == "number" and name != slot}
    named = sorted(name for name in others if any(written(u) for u in units_of(name)))
    if len(named) == 1:
        log.info("Rasa entity %s=%r is followed by a unit of %s: read as it", entity.entity, entity.value, named[0])
        return named[0]
    return slot
