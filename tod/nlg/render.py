"""Filling templates safely: values as written, lists, readable names, and where each value lands.

A :class:`Piece` is text with the character spans of the act values it contains; pieces are joined
and substituted by concatenation, so offsets stay exact and a value is never parsed as a template.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Mapping, Sequence

from tod.acts import DialogueAct
from tod.nlg.english import title_case
from tod.nlg.patterns import Field, Template, norm_value
from tod.nlg.templates import TemplateSet, domain_forms

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True)
class Piece:
    """Text and the spans ``(act, start, end)`` of the act values written in it."""

    text: str
    spans: tuple[tuple[DialogueAct, int, int], ...] = ()

    def shifted(self, offset: int) -> tuple[tuple[DialogueAct, int, int], ...]:
        return tuple((act, start + offset, end + offset) for act, start, end in self.spans)


def sanitise(text: str) -> str:
    """``text`` with control and line/paragraph separator characters replaced by spaces, trimmed."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return cleaned.strip()


def surface(value: str, templates: TemplateSet) -> str:
    """How ``value`` is written: the file's ``values`` table (``dontcare`` -> ``any``), else the value itself."""
    clean = sanitise(value)
    return templates.values.get(norm_value(clean), clean)


def value_piece(act: DialogueAct, templates: TemplateSet, *, name: bool = False) -> Piece:
    """An act's value as text, with its span (none for an empty surface or a request's ``?``); ``name``:
    the value names an entity, written as the templates' ``names`` option says (title case)."""
    text = surface(act.value, templates)
    if name and templates.names == "title":
        text = title_case(text)
    if not text or act.value == "?":
        return Piece(text)
    return Piece(text, ((act, 0, len(text)),))


def join(pieces: Sequence[Piece], separator: str, last: str) -> Piece:
    """``a, b and c``: pieces joined by ``separator``, the last two by ``last``."""
    parts = [p for p in pieces if p.text]
    text, spans = "", []
    for i, piece in enumerate(parts):
        if i:
            text += last if i == len(parts) - 1 else separator
        spans.extend(piece.shifted(len(text)))
        text += piece.text
    return Piece(text, tuple(spans))


def article(word: str) -> str:
    """The English indefinite article for ``word`` (by its first letter: "an italian", "a cheap")."""
    return "an " if word[:1].lower() in ("a", "e", "i", "o", "u") else "a "


def fill(template: Template, fields: Mapping[str, Piece]) -> Piece:
    """``template`` with each field replaced by its piece (every field must be given)."""
    text, spans = "", []
    for segment in template.segments:
        if isinstance(segment, Field):
            piece = fields[segment.name]
            if segment.article and piece.text:
                text += article(piece.text)
            spans.extend(piece.shifted(len(text)))
            text += piece.text
        else:
            text += segment
    return Piece(text, tuple(spans))


def slot_name(domain: str, slot: str, templates: TemplateSet) -> str:
    """A slot's readable name: ``slot_names`` (``domain.slot`` first), else ``leaveAt`` -> ``leave at``."""
    for key in (f"{domain}.{slot}", slot):
        if key in templates.slot_names:
            return templates.slot_names[key]
    clean = sanitise(slot)
    return _CAMEL.sub(" ", clean).lower().replace("_", " ") if templates.language == "en" else clean


def domain_fields(domain: str, templates: TemplateSet) -> dict[str, Piece]:
    """The fields ``domain``, ``a_domain`` and ``domains``: from ``domain_names``, else derived from the name."""
    forms = templates.domain_names.get(domain) or domain_forms(sanitise(domain), templates.language)
    return {"domain": Piece(forms[0]), "a_domain": Piece(forms[1]), "domains": Piece(forms[2])}
