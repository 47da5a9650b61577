"""The two small languages of a template file: act patterns (the keys) and templates (the texts).

An **act pattern** says which acts a template expresses::

    inform(restaurant, phone)          one act: intent, sub-domain, slot
    inform(*, phone)                   any sub-domain
    inform(*, *)                       any slot (the generic fallback of an intent)
    inform(酒店, 酒店设施-*=是)         a slot glob ({item} is what * matched) and a value condition
    inform(hotel, parking=yes|free)    value alternatives (compared in lower case)
    recommend(restaurant, name+food+area)   several acts of one intent and sub-domain at once
    nooffer(*, **)                     every remaining slot act of the group, each as a phrase
    recommend(*, name+**)              a name and the rest as phrases
    offerbook(*)                       an act without a slot

A **template** is text with ``{placeholder}`` fields (``{a:placeholder}`` adds "a"/"an" in English);
``{{`` and ``}}`` are literal braces. It is
parsed once into literal and field segments, and filled by concatenation, so a value holding
braces is never read as a field (no ``str.format`` on user text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

#: The slot spec that consumes every remaining slot act of a group, each rendered as a phrase.
REST = "**"
#: The slot spec that matches any one slot.
ANY = "*"
#: Fields every template may use: the sub-domain's readable name, with an indefinite article, in the plural.
DOMAIN_FIELDS = frozenset({"domain", "a_domain", "domains"})

#: ``{a:food}``: the field with its indefinite article ("an italian").
ARTICLE_PREFIX = "a:"

_KEY = re.compile(r"^\s*(?P<intent>[a-z_]+)\s*\(\s*(?P<domain>[^,()]+?)\s*(?:,\s*(?P<slots>[^()]*?)\s*)?\)\s*$")
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def norm_value(value: str) -> str:
    """A value as conditions compare it: stripped, lower case, single spaces."""
    return " ".join(value.lower().split())


@dataclass(frozen=True)
class SlotSpec:
    """One slot of a pattern: a name (``*`` globs allowed alone) and optional value alternatives."""

    name: str
    values: frozenset[str] | None = None

    @property
    def is_any(self) -> bool:
        return self.name == ANY

    @property
    def is_glob(self) -> bool:
        return ANY in self.name and not self.is_any

    @cached_property
    def _name_pattern(self) -> re.Pattern[str]:
        parts = [re.escape(p) for p in self.name.split(ANY)]
        return re.compile("(.+)".join(parts) if len(parts) > 1 else parts[0] + "()")

    def match_slot(self, slot: str) -> re.Match[str] | None:
        """The match of ``slot`` against this spec's name (group 1: what the first ``*`` covered)."""
        return self._name_pattern.fullmatch(slot) if slot else None

    def match_values(self, values: Sequence[str], conditional: frozenset[str] = frozenset()) -> bool:
        """Whether ``values`` meet the condition. Without one, a named slot or glob does not take the
        ``conditional`` values (``dontcare``: only patterns that name it write it); ``*`` takes anything."""
        if self.values is not None:
            return all(norm_value(v) in self.values for v in values)
        return self.is_any or not any(norm_value(v) in conditional for v in values)


@dataclass(frozen=True)
class ActPattern:
    """A parsed template key. ``slots`` empty and ``rest`` false: an act without a slot."""

    key: str
    intent: str
    domain: str
    slots: tuple[SlotSpec, ...] = ()
    rest: bool = False

    @property
    def slotless(self) -> bool:
        return not self.slots and not self.rest

    @property
    def named(self) -> tuple[str, ...]:
        """The slot names the pattern requires by name (not ``*``)."""
        return tuple(s.name for s in self.slots if not s.is_any)

    def placeholders(self) -> frozenset[str]:
        """The fields a template of this pattern may use."""
        allowed = set(DOMAIN_FIELDS)
        if self.rest:
            allowed |= {"phrases", "slots"}
        if len(self.slots) == 1 and not self.rest:
            allowed |= {"value", "slot"}
            if self.slots[0].is_any or self.slots[0].is_glob:
                allowed.add("item")
        elif self.slots:
            allowed |= set(self.named)
        return frozenset(allowed)


def parse_key(key: str) -> ActPattern:
    """The pattern written as ``key``; ValueError saying what is wrong otherwise."""
    match = _KEY.match(key)
    if match is None:
        raise ValueError("expected intent(domain) or intent(domain, slot[+slot...]) with a lower-case intent")
    specs: list[SlotSpec] = []
    rest = False
    raw = match["slots"]
    if raw is not None:
        parts = [p.strip() for p in raw.split("+")]
        for part in parts:
            if not part:
                raise ValueError("empty slot in the slot list")
            if part == REST:
                if rest:
                    raise ValueError(f"{REST} may appear once")
                rest = True
                continue
            name, sep, alternatives = part.partition("=")
            name = name.strip()
            if not name or REST in name:
                raise ValueError(f"bad slot {part!r}")
            values = None
            if sep:
                options = [norm_value(v) for v in alternatives.split("|")]
                if not all(options):
                    raise ValueError(f"empty value alternative in {part!r}")
                values = frozenset(options)
            specs.append(SlotSpec(name, values))
        if len(parts) > 1 and any(s.is_any or s.is_glob for s in specs):
            raise ValueError("a pattern of several slots names each slot (no * or globs)")
        if len({s.name for s in specs}) != len(specs):
            raise ValueError("a slot appears twice")
    return ActPattern(key, match["intent"], match["domain"], tuple(specs), rest)


@dataclass(frozen=True)
class Template:
    """A template text parsed into segments: ``str`` literals and :class:`Field` placeholders."""

    text: str
    segments: tuple[str | Field, ...]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(s.name for s in self.segments if isinstance(s, Field))


@dataclass(frozen=True)
class Field:
    """A placeholder; ``article``: written ``{a:name}``, the text gets "a " or "an " in front (English)."""

    name: str
    article: bool = False


def parse_template(text: str) -> Template:
    """Split ``text`` into literals and fields; ValueError on an unmatched brace or an empty field."""
    segments: list[str | Field] = []
    literal: list[str] = []
    position = 0
    for match in _FIELD.finditer(text):
        literal.append(text[position : match.start()])
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif match.group(1) is not None:
            name = match.group(1).strip()
            article = name.startswith(ARTICLE_PREFIX)
            name = name[len(ARTICLE_PREFIX) :].strip() if article else name
            if not name:
                raise ValueError(f"empty placeholder in {text!r}")
            if literal:
                segments.append("".join(literal))
                literal = []
            segments.append(Field(name, article))
        else:
            raise ValueError(f"unmatched {token!r} in {text!r} (write {token * 2} for a literal brace)")
        position = match.end()
    literal.append(text[position:])
    if "".join(literal):
        segments.append("".join(literal))
    return Template(text, tuple(s for s in segments if s != ""))
