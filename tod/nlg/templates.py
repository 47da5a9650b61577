"""Template files: ``domains/<name>/templates/system.yaml`` and ``user.yaml``, loaded and checked.

The format (every key is checked; problems are :class:`~tod.errors.NLGError` naming the file and key)::

    language: en                     # en | zh; must match the domain's language
    side: system                     # system | user
    extra_intents: [offerbooked]     # intents beyond the side's inventory (corpus acts)
    extra_domains: [booking]         # act domains beyond the ontology's sub-domains and general
    order: [greet, nooffer, inform, request, reqmore, bye]   # sentence order by intent
    sentence_separator: " "          # between the sentences of one turn ("" in Chinese)
    lists: {separator: ", ", and: " and ", or: " or ", or_intents: [select], phrases: " "}
    domain_names: {restaurant: restaurant, police: {name: police station, plural: police stations}}
    slot_names: {pricerange: price range, hotel.type: type of place}
    values: {dontcare: any}          # how a value is written (keys compared in lower case)
    conditional_values: [dontcare]   # only patterns naming these values (area=dontcare) or * write them
    names: title                     # entity names stored in lower case written "Trattoria Lucca" (English;
                                     # default: title for system templates, as-is for user templates)
    capitalise: true                 # each sentence starts with a capital (default: English system templates)
    phrases:                         # one slot act as part of a sentence, for ** templates
      area: in the {value}
      hotel.parking=yes: with free parking
      "*": with {slot} {value}
    templates:                       # act pattern -> list of templates (see tod.nlg.patterns)
      "inform(*, phone)": ["The phone number is {value}.", "You can call them on {value}."]
      "inform(*, *)": ["The {slot} is {value}."]

Fields: ``{domain}``, ``{a_domain}`` and ``{domains}`` everywhere (the readable name, with its article,
in the plural; English defaults add a/an and -s, a mapping gives others); one-slot patterns
``{value}``, ``{slot}`` (the slot's readable name) and, for ``*`` and globs, ``{item}`` (what the
``*`` matched); several-slot patterns one field per named slot (``{name}``, ``{food}``); ``**``
patterns ``{phrases}`` and ``{slots}``; phrases ``{value}``, ``{slot}``, ``{item}`` and the domain
fields. ``{a:field}`` writes a field with "a"/"an" in front.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from tod._schema import FrozenMap
from tod.acts import GENERAL, SYSTEM_INTENTS, USER_GENERAL_INTENTS
from tod.domain.ontology import Domain
from tod.errors import NLGError
from tod.files import FileChecker, read_yaml
from tod.nlg.patterns import ANY, DOMAIN_FIELDS, ActPattern, SlotSpec, Template, norm_value, parse_key, parse_template

SIDES = ("system", "user")
LANGUAGES = ("en", "zh")
#: The intents a template file of each side may use without declaring them in ``extra_intents``.
SIDE_INTENTS: dict[str, tuple[str, ...]] = {
    "system": SYSTEM_INTENTS,
    "user": (*USER_GENERAL_INTENTS, "inform", "request", "reqalts"),
}
TOP_KEYS = (
    "language", "side", "description", "conditional_values", "extra_intents", "extra_domains", "order",
    "sentence_separator", "lists", "domain_names", "slot_names", "values", "phrases", "templates", "names",
    "capitalise",
)
#: How entity names (values of the ontology's ``name`` slots) are written: ``title``: a name stored all in
#: lower case is written in title case ("trattoria lucca" -> "Trattoria Lucca", English only); ``as-is``.
NAME_CASES = ("title", "as-is")
LIST_KEYS = ("separator", "and", "or", "or_intents", "phrases")
PHRASE_FIELDS = frozenset({"value", "slot", "item"}) | DOMAIN_FIELDS
DOMAIN_FORM_KEYS = ("name", "a", "plural")


@dataclass(frozen=True)
class Entry:
    """A pattern with its templates; ``index`` is its position in the file (ties go to the earlier)."""

    pattern: ActPattern
    templates: tuple[Template, ...]
    index: int


@dataclass(frozen=True)
class Phrase:
    """How one slot act reads inside a ``**`` template; ``domain`` is a sub-domain or ``*``."""

    key: str
    domain: str
    slot: SlotSpec
    templates: tuple[Template, ...]
    index: int


@dataclass(frozen=True)
class TemplateSet:
    """A checked template file."""

    source: str
    side: str
    language: str
    entries: tuple[Entry, ...]
    phrases: tuple[Phrase, ...] = ()
    order: tuple[str, ...] = ()
    sentence_separator: str = " "
    list_separator: str = ", "
    conjunction: str = " and "
    alternative: str = " or "
    or_intents: frozenset[str] = frozenset({"select"})
    #: Between the phrases of a ``**`` template ("for 4 people on friday"); ``None``: as a list. The
    #: ``or_intents`` always list their phrases as alternatives.
    phrase_separator: str | None = None
    #: sub-domain -> (name, name with its indefinite article, plural)
    domain_names: FrozenMap[str, tuple[str, str, str]] = FrozenMap()
    slot_names: FrozenMap[str, str] = FrozenMap()
    values: FrozenMap[str, str] = FrozenMap()
    #: Values only a pattern or phrase that names them in a condition writes (``*`` excepted).
    conditional_values: frozenset[str] = frozenset({"dontcare"})
    #: How entity names are written (:data:`NAME_CASES`); English system templates default to ``title``.
    names: str = "as-is"
    #: Whether each sentence starts with a capital letter ("Trattoria Lucca is booked"; English system
    #: templates default to it, user templates write what people type).
    capitalise: bool = False


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys (PyYAML keeps the last one silently)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def default_template_path(domain: Domain, side: str) -> Path:
    """Where a domain keeps its templates for ``side``: ``<domain dir>/templates/<side>.yaml``."""
    return domain.directory / "templates" / f"{side}.yaml"


def load_templates(path: str | os.PathLike[str], side: str, domain: Domain | None = None) -> TemplateSet:
    """Read and check the template file ``path`` for ``side``; ``domain`` (when given) checks domains and language."""
    source = Path(path)
    if not source.is_file():
        raise NLGError(f"{source}: template file not found; expected a YAML file of {side} templates")
    raw = read_yaml(source, error=NLGError, what=f"the {side} templates", loader=_UniqueKeyLoader)
    return parse_templates(raw, str(source), side, domain)


class _Checker(FileChecker):
    """Checked access to the parsed templates, raising NLGError with file and key path."""

    def __init__(self, source: str) -> None:
        super().__init__(source, NLGError)

    def mapping(self, data: Any, where: str) -> Mapping[Any, Any]:
        self.no_boolean_keys(super().mapping(data, where), where)
        return data

    def text(self, data: Any, where: str, empty: bool = False) -> str:
        if isinstance(data, bool) or not isinstance(data, (str, int, float)) or (not empty and str(data) == ""):
            hint = " (quote yes/no/on/off: YAML reads them as booleans)" if isinstance(data, bool) else ""
            raise self.fail(where, f"expected a {'' if empty else 'non-empty '}string, found {data!r:.60}{hint}")
        return str(data)

    def strings(self, data: Any, where: str) -> tuple[str, ...]:
        if not isinstance(data, list):
            raise self.fail(where, f"expected a list of strings, found {type(data).__name__} {data!r:.60}")
        return tuple(self.text(item, f"{where}[{i}]") for i, item in enumerate(data))

    def string_map(self, data: Any, where: str) -> dict[str, str]:
        table = self.mapping(data, where)
        return {self.text(k, where): self.text(v, f"{where}.{k}") for k, v in table.items()}

    def templates(self, data: Any, where: str, allowed: frozenset[str]) -> tuple[Template, ...]:
        texts = (self.text(data, where),) if isinstance(data, str) else self.strings(data, where)
        if not texts:
            raise self.fail(where, "expected at least one template, found an empty list")
        parsed = []
        for i, text in enumerate(texts):
            try:
                template = parse_template(text)
            except ValueError as error:
                raise self.fail(f"{where}[{i}]", str(error)) from None
            extra = sorted(template.fields - allowed)
            if extra:
                raise self.fail(
                    f"{where}[{i}]", f"placeholder {{{extra[0]}}} not allowed here; expected some of {sorted(allowed)}"
                )
            parsed.append(template)
        return tuple(parsed)


def parse_templates(raw: Any, source: str, side: str, domain: Domain | None = None) -> TemplateSet:
    """Check parsed YAML ``raw`` (read from ``source``) as a template file for ``side``."""
    c = _Checker(source)
    top = c.mapping(raw, "")
    unknown = [k for k in top if k not in TOP_KEYS]
    if unknown:
        raise c.fail("", f"unknown key(s) {unknown}: expected some of {list(TOP_KEYS)}")
    language = c.text(top.get("language", domain.language if domain else "en"), "language")
    if language not in LANGUAGES or (domain is not None and language != domain.language):
        expected = [domain.language] if domain is not None else list(LANGUAGES)
        raise c.fail("language", f"expected one of {expected}, found {language!r}")
    file_side = c.text(top.get("side", side), "side")
    if file_side != side:
        raise c.fail("side", f"expected {side!r} templates, found a file of {file_side!r} templates")
    intents = {*SIDE_INTENTS[side], *c.strings(top.get("extra_intents", []), "extra_intents")}
    domains: set[str] | None = None
    if domain is not None:
        domains = {ANY, GENERAL, *domain.schemas, *c.strings(top.get("extra_domains", []), "extra_domains")}
    lists = c.mapping(top.get("lists", {}), "lists")
    bad = [k for k in lists if k not in LIST_KEYS]
    if bad:
        raise c.fail("lists", f"unknown key(s) {bad}: expected some of {list(LIST_KEYS)}")

    def check_pattern(pattern: ActPattern, where: str) -> None:
        if pattern.intent not in intents:
            raise c.fail(where, f"unknown intent {pattern.intent!r}: expected one of {sorted(intents)} "
                         "(declare others in extra_intents)")
        if domains is not None and pattern.domain not in domains:
            raise c.fail(where, f"unknown domain {pattern.domain!r}: expected one of {sorted(domains)} "
                         "(declare others in extra_domains)")

    entries: list[Entry] = []
    body = c.mapping(top.get("templates"), "templates") if "templates" in top else {}
    if not body:
        raise c.fail("templates", "expected a mapping of act patterns to template lists, found none")
    for index, (key, texts) in enumerate(body.items()):
        where = f"templates.{key}"
        try:
            pattern = parse_key(c.text(key, "templates"))
        except ValueError as error:
            raise c.fail(where, f"bad act pattern: {error}") from None
        check_pattern(pattern, where)
        entries.append(Entry(pattern, c.templates(texts, where, pattern.placeholders()), index))

    phrases: list[Phrase] = []
    for index, (key, texts) in enumerate(c.mapping(top.get("phrases", {}), "phrases").items()):
        where = f"phrases.{key}"
        text = c.text(key, "phrases")
        left, eq, condition = text.partition("=")
        owner, dot, slot = left.partition(".")
        owner, slot = (owner.strip(), slot.strip()) if dot else (ANY, owner.strip())
        try:
            spec = parse_key(f"inform({owner}, {slot}{eq}{condition})").slots
        except ValueError as error:
            raise c.fail(where, f"bad phrase key (expected slot, domain.slot or slot=value): {error}") from None
        if len(spec) != 1:
            raise c.fail(where, "a phrase is for one slot")
        if domains is not None and owner not in domains:
            raise c.fail(where, f"unknown domain {owner!r}: expected one of {sorted(domains)}")
        phrases.append(Phrase(text, owner, spec[0], c.templates(texts, where, PHRASE_FIELDS), index))

    polished = side == "system" and language == "en"
    names = c.text(top.get("names", "title" if polished else "as-is"), "names")
    if names not in NAME_CASES or (names == "title" and language != "en"):
        expected = list(NAME_CASES) if language == "en" else ["as-is"]
        raise c.fail("names", f"expected one of {expected} (title case is written for English only), found {names!r}")
    capitalise = top.get("capitalise", polished)
    if not isinstance(capitalise, bool):
        raise c.fail("capitalise", f"expected true or false, found {capitalise!r:.60}")
    order = c.strings(top.get("order", []), "order")
    for i, intent in enumerate(order):
        if intent not in intents:
            raise c.fail(f"order[{i}]", f"unknown intent {intent!r}: expected one of {sorted(intents)}")
    return TemplateSet(
        source=source,
        side=side,
        language=language,
        entries=tuple(entries),
        phrases=tuple(phrases),
        order=order,
        sentence_separator=c.text(top.get("sentence_separator", " " if language == "en" else ""),
                                  "sentence_separator", empty=True),
        list_separator=c.text(lists.get("separator", ", " if language == "en" else "、"), "lists.separator"),
        conjunction=c.text(lists.get("and", " and " if language == "en" else "和"), "lists.and"),
        alternative=c.text(lists.get("or", " or " if language == "en" else "还是"), "lists.or"),
        or_intents=frozenset(c.strings(lists.get("or_intents", ["select"]), "lists.or_intents")),
        phrase_separator=c.text(lists["phrases"], "lists.phrases", empty=True) if "phrases" in lists else None,
        domain_names=FrozenMap(_domain_names(c, top.get("domain_names", {}), language)),
        slot_names=FrozenMap(c.string_map(top.get("slot_names", {}), "slot_names")),
        values=FrozenMap({norm_value(k): v for k, v in c.string_map(top.get("values", {}), "values").items()}),
        conditional_values=frozenset(
            norm_value(v) for v in c.strings(top.get("conditional_values", ["dontcare"]), "conditional_values")
        ),
        names=names,
        capitalise=capitalise,
    )


def domain_forms(name: str, language: str) -> tuple[str, str, str]:
    """Default (name, with article, plural) of a sub-domain name: English a/an and -s; other languages unchanged."""
    if language != "en" or not name:
        return name, name, name
    article = "an" if name[0].lower() in "aeiou" else "a"
    return name, f"{article} {name}", name + ("es" if name.endswith(("s", "x", "ch", "sh")) else "s")


def _domain_names(c: _Checker, raw: Any, language: str) -> dict[str, tuple[str, str, str]]:
    out: dict[str, tuple[str, str, str]] = {}
    for key, value in c.mapping(raw, "domain_names").items():
        where = f"domain_names.{key}"
        if isinstance(value, Mapping):
            bad = [k for k in value if k not in DOMAIN_FORM_KEYS]
            if bad or "name" not in value:
                raise c.fail(where, f"expected a name or a mapping with name (and a, plural), found keys {list(value)}")
            name = c.text(value["name"], f"{where}.name")
            default = domain_forms(name, language)
            out[c.text(key, "domain_names")] = (
                name,
                c.text(value.get("a", default[1]), f"{where}.a"),
                c.text(value.get("plural", default[2]), f"{where}.plural"),
            )
        else:
            out[c.text(key, "domain_names")] = domain_forms(c.text(value, where), language)
    return out


def ontology_only(name_or_path: str | os.PathLike[str]) -> Domain:
    """A domain's ontology without opening its databases (which may live in a corpus folder not at hand)."""
    from tod.domain.loader import parse_ontology, read_ontology
    from tod.domain.paths import domain_dir

    directory = domain_dir(name_or_path)
    source, raw = read_ontology(directory)
    return parse_ontology(raw, source, directory)
