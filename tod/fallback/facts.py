"""Short texts about a domain for the fallback: one fact per database entity, and the steer-back line.

Nothing here names a domain or a slot: a fact lists the entity's sub-domain and the values of the
schema's slots that the database holds, in ontology order (``casa ferro (restaurant): area north,
food italian, pricerange moderate, address 43 harbour road, phone 01632960237, postcode hb2 5ze``);
the steer-back line is built from the sub-domains' descriptions (English) or names (Chinese).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Mapping

from tod.acts import DialogueAct
from tod.domain.database import Database
from tod.domain.normalise import name_key, norm_text
from tod.domain.ontology import Domain, Schema
from tod.errors import NLGError
from tod.nlg.render import slot_name
from tod.nlg.template import TemplateNLG

LOG = logging.getLogger("tod.fallback")

#: The longest fact text; long database fields (descriptions, lists of dishes) are cut.
MAX_FACT_CHARS = 300
#: At most this many items of a list field go into a fact.
MAX_LIST_ITEMS = 3
#: Entity names shorter than this are not looked for in the user's text (too many false hits).
MIN_NAME_CHARS = {"zh": 2}
_DEFAULT_MIN_NAME_CHARS = 4

#: What the fallback says when nothing else fits, for domains without an ontology or FAQ line.
GENERIC_STEER_BACK = {
    "en": "Sorry, I can't help with that. Is there anything else I can help you with?",
    "zh": "抱歉，这个问题我帮不上忙。请问还有什么可以帮您？",
}


def chinese(language: str) -> bool:
    return language.lower().startswith("zh")


@dataclass(frozen=True)
class Fact:
    """What the database says about one entity: its sub-domain, name, its slot values as one line
    (``details``) and the whole fact as one text (``text``, what is embedded and given to an LLM)."""

    domain: str
    name: str
    details: str
    text: str
    #: (slot, value as told) in the order of ``details``: what :func:`fact_answer` says in sentences
    values: tuple[tuple[str, str], ...] = ()
    #: how many of ``values`` describe what the entity is (informable slots), before how to reach it
    describing: int = 0


#: Database values that mean "not known" (MultiWOZ writes ``?``).
_UNKNOWN = ("", "?")


def _value_text(value: Any, separator: str) -> str:
    if isinstance(value, (list, tuple)):
        return separator.join(str(v) for v in value[:MAX_LIST_ITEMS] if v is not None and str(v) not in _UNKNOWN)
    if isinstance(value, Mapping):  # e.g. MultiWOZ hotel prices per room type
        items = list(value.items())[:MAX_LIST_ITEMS]
        return separator.join(f"{k} {v}" for k, v in items if v is not None and str(v) not in _UNKNOWN)
    if value is None or str(value).strip() in _UNKNOWN:
        return ""
    return str(value)


def _fact(schema: Schema, name: str, fields: Any, zh: bool) -> Fact:
    pair, separator, joiner = ("：", "、", "，") if zh else (" ", ", ", ", ")
    parts = []
    values: list[tuple[str, str]] = []
    describing = 0
    # what the entity is (informable slots) before how to reach it (address, phone, ...)
    for slot in sorted(schema.slots.values(), key=lambda s: not s.informable):
        if slot.field is None or slot.kind == "name":
            continue
        value = _value_text(fields.get(slot.field), separator)
        if value:
            parts.append(f"{slot.name}{pair}{value}")
            values.append((slot.name, value))
            describing += slot.informable
    details = joiner.join(parts)
    if len(details) > MAX_FACT_CHARS:
        details = details[: MAX_FACT_CHARS - 1] + "…"
    text = f"{name}（{schema.name}）：{details}" if zh else f"{name} ({schema.name}): {details}"
    return Fact(schema.name, name, details, text, tuple(values), describing)


def entity_facts(domain: Domain, database: Database, max_per_domain: int = 1000) -> tuple[Fact, ...]:
    """One fact per entity of every sub-domain with a stored database (generated ones, such as
    MultiWOZ's taxi, describe no real entity and are left out), at most ``max_per_domain`` each."""
    zh = chinese(domain.language)
    facts: list[Fact] = []
    for name in database.subdomains:
        schema = domain.schema(name)
        if schema.database is None or schema.database.format == "generated":
            continue
        entities = database.entities(name)
        if len(entities) > max_per_domain:
            LOG.info("fallback facts: keeping the first %d of %d %s entities", max_per_domain, len(entities), name)
        facts += [_fact(schema, e.name, e.fields, zh) for e in entities[:max_per_domain]]
    return tuple(facts)


#: How many describing values (what the entity is) a fact sentence tells besides the ones asked about.
DESCRIBING_VALUES = 2


def fact_answer(fact: Fact, language: str, nlg: TemplateNLG | None = None, question: str = "") -> str:
    """A reply that tells ``fact`` in sentences, as the system's templates (``nlg``) write them: what the
    entity is ("Quayside Lido is an attraction that is a swimmingpool in the east.") and the values the
    ``question`` names by their slot ("... the phone number is 01632960570."), never the record as a
    list. Without templates, or where they cannot say it, the values as one line."""
    if nlg is not None and fact.values:
        name_slot = next(iter(nlg.name_slots.get(fact.domain, ())), None)
        asked = [(s, v) for s, v in fact.values if _names_slot(question, s, nlg, fact.domain)]
        told = [pair for pair in fact.values[: fact.describing] if pair not in asked][:DESCRIBING_VALUES]
        if name_slot is not None:
            try:
                what = nlg.generate(
                    [DialogueAct("inform", fact.domain, name_slot, fact.name)]
                    + [DialogueAct("inform", fact.domain, s, v) for s, v in told]
                )
                answers = nlg.generate([DialogueAct("inform", fact.domain, s, v) for s, v in asked]) if asked else ""
            except NLGError as error:  # templates without an inform for this sub-domain: the line below
                LOG.debug("fallback facts: the templates cannot write %s: %s", fact.name, error)
            else:
                return nlg.templates.sentence_separator.join(t for t in (what, answers) if t)
    if chinese(language):
        return f"关于{fact.name}（{fact.domain}），我知道这些：{fact.details}。"
    return f"Here is what I know about {fact.name} ({fact.domain}): {fact.details}."


def _names_slot(question: str, slot: str, nlg: TemplateNLG, subdomain: str) -> bool:
    """Whether ``question`` names ``slot`` (its name or its readable name, as whole words)."""
    text = _words(question)
    names = {slot, slot_name(subdomain, slot, nlg.templates)}
    return bool(text.strip()) and any(_words(n) in text for n in names if n.strip())


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", text.casefold())) + " "


def _capability(schema: Schema) -> str:
    text = re.split(r";| - ", schema.description, maxsplit=1)[0].strip().rstrip(".")
    if not text:
        return schema.name
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _join(items: list[str], final: str, separator: str = ", ") -> str:
    return items[0] if len(items) == 1 else separator.join(items[:-1]) + final + items[-1]


def offers_text(domain: Domain) -> str:
    """What the domain offers, as a phrase in its language ("places to eat, places to stay and ...")."""
    schemas = list(domain.schemas.values())
    if not schemas:
        return ""
    if chinese(domain.language):
        return _join([s.name for s in schemas], "和", "、")
    return _join([_capability(s) for s in schemas], " and ")


def steer_back_text(domain: Domain) -> str:
    """A polite line that steers the user back to what the domain offers, in the domain's language."""
    offers = offers_text(domain)
    if not offers:
        return GENERIC_STEER_BACK["zh" if chinese(domain.language) else "en"]
    if chinese(domain.language):
        return f"抱歉，这个问题我帮不上忙。我可以帮您查询{offers}的信息，请问您需要什么？"
    return f"Sorry, I can't help with that. I can help you with {offers}. What are you looking for?"


class NameIndex:
    """Finds the entities whose names occur in a text (whole words; any substring for Chinese)."""

    def __init__(self, facts: tuple[Fact, ...], language: str) -> None:
        self.zh = chinese(language)
        shortest = MIN_NAME_CHARS.get(language[:2].lower(), _DEFAULT_MIN_NAME_CHARS)
        keys: dict[str, int] = {}
        for i, fact in enumerate(facts):
            key = self._key(name_key(fact.name))
            if len(key.strip()) >= shortest:
                keys.setdefault(key, i)
        # longest first, so "the harbour view hotel" wins over "harbour"
        self._keys = sorted(keys.items(), key=lambda kv: -len(kv[0]))

    def _key(self, text: str) -> str:
        text = norm_text(text)
        return text if self.zh else " " + " ".join(re.findall(r"[\w']+", text)) + " "

    def find(self, text: str) -> int | None:
        """The index of the fact whose entity name occurs in ``text`` (the longest name), or ``None``."""
        key = self._key(text)
        for name, index in self._keys:
            if name in key:
                return index
        return None
