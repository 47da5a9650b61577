"""TemplateNLG: dialogue acts to text with the domain's templates, for the system or the simulated user.

Templates are data (``domains/<name>/templates/{system,user}.yaml``, format in
:mod:`tod.nlg.templates`). Each act pattern has several templates; which one a turn uses is derived
from a hash of the seed, the acts, the state's turn count and a ``variant`` number, not from a shared
random generator, so one NLG serving many conversations gives the same text for the same input.
Values are the acts' own (lexicalised from the database by the policy): nothing is made up.

Written as a person would read it (English system templates; the template file's ``names`` and
``capitalise`` options): entity names, the values of the ontology's ``name`` slots, which databases
often store in lower case, are written in title case ("Trattoria Lucca"), and every sentence starts
with a capital letter; the act values themselves are unchanged (the database and the tracker keep their
own form). A reply that would repeat the previous system turn word for word (the same ``nooffer`` twice)
takes another template where the patterns have one (:data:`REPEAT_VARIANTS` tries).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from tod.acts import DialogueAct
from tod.dialogue import SYSTEM, ActSpan
from tod.domain.context import BuildContext
from tod.domain.ontology import Domain
from tod.errors import ConfigError
from tod.nlg.english import capitalise_first, one_full_stop
from tod.nlg.plan import Item, Step, plan
from tod.nlg.render import Piece, domain_fields, fill, join, sanitise, slot_name, value_piece
from tod.nlg.templates import SIDES, TemplateSet, default_template_path, load_templates, ontology_only
from tod.registry import register_nlg
from tod.state import DialogueState

#: How many other template choices a reply that repeats the previous system turn word for word tries.
REPEAT_VARIANTS = 8


@dataclass(frozen=True)
class Sentence:
    """One sentence of a realisation: the pattern key and template used, the acts it expresses, and
    those of them written only by a generic template (``intent(*, *)`` or the ``*`` phrase)."""

    key: str
    template: str
    acts: tuple[DialogueAct, ...]
    generic: tuple[DialogueAct, ...]
    text: str


@dataclass(frozen=True)
class Realisation:
    """The text for a turn's acts, where each act value is written in it, and how it was built."""

    text: str
    spans: tuple[ActSpan, ...]
    sentences: tuple[Sentence, ...]

    @property
    def generic_acts(self) -> tuple[DialogueAct, ...]:
        return tuple(a for s in self.sentences for a in s.generic)


@register_nlg("template")
class TemplateNLG:
    """Writes acts with the templates of one side (system or user) of a domain.

    ``generate(acts, state)`` is deterministic for the same seed, acts and state turn count; other
    seeds (or ``variant`` numbers) pick other templates where a pattern has several.
    """

    def __init__(
        self, templates: TemplateSet, seed: int = 0, name_slots: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError(f"TemplateNLG seed: expected an integer, found {seed!r}")
        self.templates = templates
        self.seed = seed
        #: sub-domain -> the slots whose values name an entity (the ontology's ``name`` slots)
        self.name_slots: dict[str, frozenset[str]] = {d: frozenset(s) for d, s in (name_slots or {}).items()}

    @classmethod
    def from_config(
        cls, context: BuildContext, *, side: str = "system", seed: int = 0, templates: str | None = None
    ) -> TemplateNLG:
        """The NLG of ``context``'s domain for ``side``; ``templates`` is another template file to use."""
        return cls.for_domain(context.domain, side=side, seed=seed, templates=templates)

    @classmethod
    def for_domain(
        cls,
        domain: Domain | str | os.PathLike[str],
        *,
        side: str = "system",
        seed: int = 0,
        templates: str | os.PathLike[str] | None = None,
    ) -> TemplateNLG:
        """The NLG of ``domain`` (a loaded domain, or a name/path whose ontology alone is read)."""
        if side not in SIDES:
            raise ConfigError(f"TemplateNLG side: expected one of {list(SIDES)}, found {side!r}")
        loaded = domain if isinstance(domain, Domain) else ontology_only(domain)
        path = Path(templates) if templates is not None else default_template_path(loaded, side)
        names = {d: schema.name_slots for d, schema in loaded.schemas.items()}
        return cls(load_templates(path, side, loaded), seed=seed, name_slots=names)

    @property
    def side(self) -> str:
        return self.templates.side

    @property
    def language(self) -> str:
        return self.templates.language

    def generate(self, acts: Sequence[DialogueAct], state: DialogueState | None = None, *, variant: int = 0) -> str:
        """The utterance for ``acts`` ("" for no acts); NLGError for an act no template expresses."""
        return self.realise(acts, state, variant=variant).text

    def generate_with_spans(
        self, acts: Sequence[DialogueAct], state: DialogueState | None = None, *, variant: int = 0
    ) -> tuple[str, tuple[ActSpan, ...]]:
        """The utterance and, for each act whose value it writes, the value's span (``text[start:end]``)."""
        result = self.realise(acts, state, variant=variant)
        return result.text, result.spans

    def realise(
        self, acts: Sequence[DialogueAct], state: DialogueState | None = None, *, variant: int = 0
    ) -> Realisation:
        """The utterance for ``acts`` with its spans and the sentences (patterns, templates) it is made of;
        with a ``state``, not word for word the previous system turn when another template can say it."""
        acts = tuple(acts)
        result = self._realise(acts, state, variant)
        previous = _previous_reply(state)
        if previous is not None and _same(result.text, previous):
            for other in range(variant + 1, variant + 1 + REPEAT_VARIANTS):
                again = self._realise(acts, state, other)
                if not _same(again.text, previous):
                    return again
        return result

    def _realise(self, acts: tuple[DialogueAct, ...], state: DialogueState | None, variant: int) -> Realisation:
        turn = state.turn_count if state is not None else 0
        basis = "\x1e".join([str(self.seed), str(variant), str(turn), *map(_act_key, acts)])
        separator = self.templates.sentence_separator
        text, spans, sentences = "", [], []
        for index, step in enumerate(plan(acts, self.templates)):
            piece, template = self._render(step, f"{basis}\x1d{index}")
            if not piece.text:
                continue
            if self.templates.capitalise:
                piece = Piece(capitalise_first(piece.text), piece.spans)
            if one_full_stop(piece.text) != piece.text:  # "... to sunday." + ".": one full stop
                end = len(piece.text) - 1
                piece = Piece(piece.text[:end], tuple((a, b, min(e, end)) for a, b, e in piece.spans))
            if text:
                text += separator
            spans.extend(ActSpan(act, start, end) for act, start, end in piece.shifted(len(text)))
            text += piece.text
            covered = tuple(a for item in step.items for a in item.acts)
            generic = tuple(a for item in step.items if step.generic(item) for a in item.acts)
            sentences.append(Sentence(step.entry.pattern.key, template, covered, generic, piece.text))
        return Realisation(text, tuple(spans), tuple(sentences))

    def _render(self, step: Step, basis: str) -> tuple[Piece, str]:
        t = self.templates
        pattern = step.entry.pattern
        first = step.items[0].acts[0]
        fields: dict[str, Piece] = domain_fields(first.domain, t)
        if len(pattern.slots) == 1 and not pattern.rest:
            item = step.items[0]
            match = pattern.slots[0].match_slot(item.slot)
            fields["value"] = self._values(item)
            fields["slot"] = Piece(slot_name(first.domain, item.slot, t))
            fields["item"] = Piece(sanitise(match.group(1) if match and match.group(1) else item.slot))
        else:
            for spec, item in zip(pattern.slots, step.items):
                fields[spec.name] = self._values(item)
            if pattern.rest:
                phrased = []
                for n, (item, phrase) in enumerate(step.phrases):
                    match = phrase.slot.match_slot(item.slot)
                    sub = {
                        "value": self._values(item),
                        "slot": Piece(slot_name(first.domain, item.slot, t)),
                        "item": Piece(sanitise(match.group(1) if match and match.group(1) else item.slot)),
                        **domain_fields(first.domain, t),
                    }
                    phrased.append(fill(_pick(phrase.templates, f"{basis}\x1dp{n}"), sub))
                if t.phrase_separator is not None and first.intent not in t.or_intents:
                    fields["phrases"] = join(phrased, t.phrase_separator, t.phrase_separator)
                else:
                    fields["phrases"] = join(phrased, t.list_separator, self._last(first.intent))
                names = [Piece(slot_name(first.domain, item.slot, t)) for item, _ in step.phrases]
                fields["slots"] = join(names, t.list_separator, self._last(first.intent))
        template = _pick(step.entry.templates, basis)
        return fill(template, fields), template.text

    def _values(self, item: Item) -> Piece:
        name = item.slot in self.name_slots.get(item.acts[0].domain, ())
        pieces = [value_piece(act, self.templates, name=name) for act in item.acts]
        return join(pieces, self.templates.list_separator, self._last(item.acts[0].intent))

    def _last(self, intent: str) -> str:
        t = self.templates
        return t.alternative if intent in t.or_intents else t.conjunction


def _previous_reply(state: DialogueState | None) -> str | None:
    """The text of the latest system turn of ``state``'s history, ``None`` when there is none."""
    if state is None:
        return None
    return next((t.text for t in reversed(state.history) if t.speaker == SYSTEM and t.text), None)


def _same(text: str, previous: str | None) -> bool:
    return previous is not None and " ".join(text.casefold().split()) == " ".join(previous.casefold().split())


def _act_key(act: DialogueAct) -> str:
    return "\x1f".join((act.intent, act.domain, act.slot, act.value))


def _pick(options: Sequence, basis: str):
    """One of ``options``, chosen by a hash of ``basis`` (stable across processes, unlike ``hash``)."""
    digest = hashlib.blake2b(basis.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return options[int.from_bytes(digest, "big") % len(options)]
