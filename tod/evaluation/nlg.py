"""NLG evaluation on a corpus: corpus BLEU against the reference texts and the slot error rate.

For every turn of one side (system or user) that has acts, the NLG writes the turn from the gold
acts; the output is compared with the turn's text. Definitions (also in ``docs/nlg.md``):

* **BLEU**: sacrebleu's corpus BLEU, lower-cased, one reference per turn; tokeniser ``13a``
  (English) or ``zh`` (Chinese).
* **Values** of a turn: the distinct (sub-domain, slot, value) of its acts whose value is not
  empty, ``?``, ``none``, ``dontcare`` or a yes/no answer (:data:`SKIPPED_VALUES`); each such value
  should be written in the text.
* **Missing**: a value not found in the text. Text and value are compared after NFKC, lower case,
  and (English) punctuation turned into spaces, as whole words; Chinese ignores white space.
* **Redundant**: a value that is not one of the turn's values but is found in the text, among the
  values of the same sub-domains in the database (every entity field and ontology value set; without
  a database: the acts' values in the evaluated turns, ``choice`` counts left out), at least 4
  characters long in English, 3 in Chinese (shorter ones are mostly common words), after the
  turn's own values and slot names (an item slot's item too: 酒店设施-早餐服务) are taken out of the
  text; a value that is the name of one of the turn's sub-domains or slots (as written or as the
  templates write them: "hotel", "hotels") is not counted.
* **SER** = (missing + redundant) / values. The same numbers are given for the reference texts,
  which shows how often annotators' values are not written verbatim.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from tod.acts import CHOICE, REQUESTED, DialogueAct
from tod.dialogue import Dialogue
from tod.domain.database import Database
from tod.nlg.render import domain_fields, slot_name
from tod.nlg.template import TemplateNLG

#: Values that are not looked for in the text: no value, a request, "no value", dontcare, yes/no answers.
SKIPPED_VALUES = frozenset({"", REQUESTED, "none", "dontcare", "yes", "no", "是", "否", "无"})
_NOT_WORD = re.compile(r"[^\w]+")


def _shortest(language: str) -> int:
    """The shortest value looked for as redundant: shorter ones are mostly common words ("no", "其他")."""
    return 4 if language == "en" else 3


def normalise(text: str, language: str) -> str:
    """The form text and values are compared in (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).lower()
    if language == "zh":
        return "".join(text.split())
    return " " + " ".join(_NOT_WORD.sub(" ", text).split()) + " "


def _contains(text: str, value: str, language: str) -> bool:
    return value in text if language == "zh" else f" {value.strip()} " in text


def _remove(text: str, value: str, language: str) -> str:
    if language == "zh":
        return text.replace(value, "|")
    return text.replace(f" {value.strip()} ", " | ")


def turn_values(acts: Iterable[DialogueAct], language: str) -> dict[tuple[str, str, str], str]:
    """(sub-domain, slot, normalised value) -> the value, for the acts' values that count."""
    found: dict[tuple[str, str, str], str] = {}
    for act in acts:
        if act.value.strip().lower() in SKIPPED_VALUES:
            continue
        norm = normalise(act.value, language)
        if norm.strip():
            found.setdefault((act.domain, act.slot, norm), act.value)
    return found


@dataclass(frozen=True)
class SlotErrors:
    """Missing and redundant values of one text."""

    missing: tuple[str, ...] = ()
    redundant: tuple[str, ...] = ()


def slot_errors(
    text: str,
    acts: Sequence[DialogueAct],
    vocabulary: dict[str, set[str]],
    language: str,
    names: Iterable[str] = (),
) -> SlotErrors:
    """The values of ``acts`` missing from ``text``, and the ``vocabulary`` values it writes besides them.

    ``names`` are words never counted as redundant values, besides the acts' sub-domain and slot names
    (the NLG's readable names of them: "hotels", "price range"; a hotel ``type`` value "hotel" is not
    a hallucination in "a hotel in the north").
    """
    norm = normalise(text, language)
    values = turn_values(acts, language)
    missing = tuple(raw for (_, _, v), raw in values.items() if not _contains(norm, v, language))
    rest = norm
    for _, _, value in sorted(values, key=lambda k: -len(k[2])):
        rest = _remove(rest, value, language)
    slots = {a.slot for a in acts} | {part for a in acts for part in _NOT_WORD.split(a.slot)}  # 酒店设施-会议室
    for slot in sorted((s for s in slots if s.strip()), key=len, reverse=True):
        rest = _remove(rest, normalise(slot, language), language)
    ignored = {normalise(w, language) for w in {a.domain for a in acts} | slots | set(names) if w.strip()}
    candidates = set().union(*(vocabulary.get(a.domain, set()) for a in acts)) if acts else set()
    redundant = tuple(sorted(v.strip() for v in candidates - ignored if _contains(rest, v, language)))
    return SlotErrors(missing, redundant)


def build_vocabulary(turns: Iterable[Sequence[DialogueAct]], language: str) -> dict[str, set[str]]:
    """Sub-domain -> the normalised values of its acts in ``turns`` long enough to look for as redundant.

    ``choice`` values (how many entities match: "several", "there") describe no entity and are left out.
    """
    shortest = _shortest(language)
    vocabulary: dict[str, set[str]] = {}
    for acts in turns:
        for (domain, slot, value) in turn_values(acts, language):
            if slot != CHOICE and len(value.strip()) >= shortest:
                vocabulary.setdefault(domain, set()).add(value)
    return vocabulary


def database_vocabulary(database: Database, language: str) -> dict[str, set[str]]:
    """Sub-domain -> the normalised values of its database entities and value sets (as :func:`build_vocabulary`)."""
    shortest = _shortest(language)
    vocabulary: dict[str, set[str]] = {}
    for domain in database.subdomains:
        found = vocabulary.setdefault(domain, set())
        raw: list[Any] = [v for slot in database.table(domain).schema.slots.values() for v in slot.values]
        for entity in database.entities(domain):
            raw.append(entity.name)
            for value in entity.fields.values():
                raw.extend(value if isinstance(value, (list, tuple)) else [value])
        for value in raw:
            if isinstance(value, str) and value.strip().lower() not in SKIPPED_VALUES:
                norm = normalise(value, language)
                if len(norm.strip()) >= shortest:
                    found.add(norm)
    return vocabulary


@dataclass(frozen=True)
class NLGTurn:
    """One evaluated turn: where it is, its acts, the reference and generated texts and their errors."""

    dialogue: str
    index: int
    acts: tuple[DialogueAct, ...]
    reference: str
    generated: str
    errors: SlotErrors
    reference_errors: SlotErrors
    generic: tuple[DialogueAct, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "dialogue": self.dialogue,
            "turn": self.index,
            "acts": [str(a) for a in self.acts],
            "reference": self.reference,
            "generated": self.generated,
            "missing": list(self.errors.missing),
            "redundant": list(self.errors.redundant),
            "generic": [str(a) for a in self.generic],
        }


@dataclass(frozen=True)
class NLGScores:
    """Corpus-level NLG scores (rates as fractions, BLEU on sacrebleu's 0-100 scale)."""

    bleu: float
    slot_error_rate: float
    missing: int
    redundant: int
    values: int
    turns: int
    acts: int
    generic_acts: int
    reference_slot_error_rate: float
    generic_by_act: dict[str, int] = field(default_factory=dict)

    @property
    def generic_share(self) -> float:
        return self.generic_acts / self.acts if self.acts else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "bleu": self.bleu,
            "slot_error_rate": self.slot_error_rate,
            "turns": self.turns,
            "missing": self.missing,
            "redundant": self.redundant,
            "values": self.values,
            "acts": self.acts,
            "generic_acts": self.generic_acts,
            "generic_share": self.generic_share,
            "reference_slot_error_rate": self.reference_slot_error_rate,
            "generic_by_act": self.generic_by_act,
        }


def evaluate_nlg(
    nlg: TemplateNLG, dialogues: Sequence[Dialogue], vocabulary: dict[str, set[str]] | None = None
) -> tuple[NLGScores, tuple[NLGTurn, ...]]:
    """Write every turn of ``nlg``'s side that has acts, and score it against the turn's text.

    ``vocabulary`` (sub-domain -> normalised values) is what redundant values are looked for among:
    best the database's (:func:`database_vocabulary`); by default the acts' values in ``dialogues``.
    """
    import sacrebleu

    language = nlg.language
    picked = [(d.id, i, t) for d in dialogues for i, t in enumerate(d.turns) if t.speaker == nlg.side and t.acts]
    if vocabulary is None:
        vocabulary = build_vocabulary((t.acts for _, _, t in picked), language)
    turns: list[NLGTurn] = []
    generic: Counter[str] = Counter()
    for dialogue, index, turn in picked:
        result = nlg.realise(turn.acts, variant=index)
        names = [p.text for a in turn.acts for p in domain_fields(a.domain, nlg.templates).values()]
        names += [slot_name(a.domain, a.slot, nlg.templates) for a in turn.acts if a.slot]
        for act in result.generic_acts:
            generic[f"{act.intent}({act.domain}, {act.slot})"] += 1
        turns.append(
            NLGTurn(
                dialogue, index, turn.acts, turn.text, result.text,
                slot_errors(result.text, turn.acts, vocabulary, language, names),
                slot_errors(turn.text, turn.acts, vocabulary, language, names),
                result.generic_acts,
            )
        )
    values = sum(len(turn_values(t.acts, language)) for t in turns)
    missing = sum(len(t.errors.missing) for t in turns)
    redundant = sum(len(t.errors.redundant) for t in turns)
    reference = sum(len(t.reference_errors.missing) + len(t.reference_errors.redundant) for t in turns)
    bleu = 0.0
    if turns:
        tokenize = "zh" if language == "zh" else "13a"
        bleu = sacrebleu.corpus_bleu(
            [t.generated for t in turns], [[t.reference for t in turns]], lowercase=True, tokenize=tokenize
        ).score
    scores = NLGScores(
        bleu=bleu,
        slot_error_rate=(missing + redundant) / values if values else 0.0,
        missing=missing,
        redundant=redundant,
        values=values,
        turns=len(turns),
        acts=sum(len(set(t.acts)) for t in turns),
        generic_acts=sum(len(t.generic) for t in turns),
        reference_slot_error_rate=reference / values if values else 0.0,
        generic_by_act=dict(generic.most_common()),
    )
    return scores, tuple(turns)
