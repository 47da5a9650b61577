"""Carrying annotated human user turns onto another domain: delexicalise, relexicalise, keep the annotation.

People do not speak a domain's templates. Corpora whose users were people (MultiWOZ, CamRest676,
WOZ 2.0) hold thousands of annotated user turns about sub-domains that many domains share
(restaurants, hotels, attractions). A domain's ``corpora.yaml`` says which of them correspond
(:class:`CorpusMapping`, format below); :func:`carry` turns each source user turn whose every act
maps into a short dialogue of the target domain, in the shape the act NLU trains on (the system
turn before it, then the user turn with its acts and value spans):

* acts: the source sub-domain and slot become the target's through the mapping; an act of another
  sub-domain, slot or intent leaves the turn behind (counted in :attr:`Carried.left`);
* values written in the text: the annotated span, or, where the corpus gives none (CamRest's and
  WOZ's categorical values), the first place the value or one of the target ontology's synonyms
  for it is written (word-bounded, ignoring case). A value the target knows (``north``,
  ``moderate``, ``friday``, ``4``, ``19:00``) keeps the words the person wrote; a name, or a value
  outside the target slot's value set (a food, an attraction type), is replaced in the text by a
  target value (a database name of the sub-domain, a value of the slot), cased as the replaced
  words were: relexicalisation. A value neither written nor known to the target leaves the turn
  behind; a known one not written (``parking=yes`` from "free parking") stays an act without a span;
* words of the source's world (``cambridge``) become the target's (``words``), and a pre-tokenised
  source text is written as people type it (``detokenise``: "do n't ." -> "don't.");
* the system turn keeps its text (a model trained on the previous turns' acts reads only its acts)
  and its acts that map, through ``system_intents``; a source's booking pseudo-domain takes the
  sub-domain of the user turn;
* turns without any act are left behind: an unannotated "thank you" would teach that thanks mean nothing.

Every choice is seeded by the seed, the source, the dialogue ID and the turn, so the same corpus
gives the same turns whatever order it is read in. Pure Python, no model here.

``corpora.yaml``::

    sources:
      multiwoz-val:
        corpus: multiwoz             # a registered corpus loader (tod.data.corpus)
        path: multiwoz/val.json.zip  # the file, under the data directory
        split: val                   # the split read from it
        holdout: {dev_fraction: 0.2, seed: 13}   # optional: only the training part of the split
        words: {cambridge: harbourton}            # optional: source word -> target word
        detokenise: [" n't", " ,"]                # optional: written without the space before them
        subdomains:
          hotel: {to: hotel, slots: {pricerange: pricerange, parking: parking, ...}}
    user_intents: [inform, request, greet, thank, bye]
    system_intents: {inform: inform, offerbooked: book, ...}
    general: general                 # the domain of acts without a sub-domain (both sides)
    booking: booking                 # optional: the source's booking pseudo-domain
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from tod._schema import FrozenMap
from tod.acts import CHOICE, REFERENCE, REQUESTED, DialogueAct
from tod.belief import DONTCARE
from tod.dialogue import SYSTEM, USER, ActSpan, Dialogue, Turn
from tod.domain.database import Database
from tod.domain.normalise import name_key, norm_text
from tod.domain.ontology import Domain, Schema
from tod.errors import ConfigError
from tod.files import FileChecker, read_yaml

#: The mapping file of a domain directory.
MAPPING_FILE = "corpora.yaml"
_TOP_KEYS = ("sources", "user_intents", "system_intents", "general", "booking")
_SOURCE_KEYS = ("corpus", "path", "split", "holdout", "words", "detokenise", "subdomains")
#: Slots a system act may name that no sub-domain declares (how many match, a booking reference).
_SYSTEM_SLOTS = (CHOICE, REFERENCE)


@dataclass(frozen=True)
class SubdomainMap:
    """A source sub-domain: the target sub-domain it becomes and its slots' names there."""

    target: str
    slots: FrozenMap[str, str]


@dataclass(frozen=True)
class SourceMapping:
    """One corpus that carries onto the domain (see the module docstring for the fields)."""

    name: str
    corpus: str
    path: str
    split: str
    subdomains: FrozenMap[str, SubdomainMap]
    words: FrozenMap[str, str] = field(default_factory=FrozenMap)
    #: pieces whose leading space the source's tokeniser added (" n't", " ,"): written without it
    detokenise: tuple[str, ...] = ()
    #: (dev fraction, seed): keep only the training part of ``split`` (tod.data.split.train_dev_parts)
    holdout: tuple[float, int] | None = None


@dataclass(frozen=True)
class CorpusMapping:
    """A domain's ``corpora.yaml``, checked against the domain's ontology."""

    source: str
    sources: FrozenMap[str, SourceMapping]
    user_intents: frozenset[str]
    system_intents: FrozenMap[str, str]
    general: str
    booking: str = ""

    def source_named(self, name: str) -> SourceMapping:
        if name not in self.sources:
            raise ConfigError(f"{self.source}: no source {name!r}; the sources are {sorted(self.sources)}")
        return self.sources[name]


def mapping_path(domain: Domain) -> Path:
    return domain.directory / MAPPING_FILE


def load_mapping(path: str | Path, domain: Domain) -> CorpusMapping:
    """The mapping in ``path``, checked: known keys, strings where names are expected, every target
    sub-domain and slot declared by ``domain``. A :class:`ConfigError` names the file and the key."""
    data = read_yaml(path, error=ConfigError, what="a corpus mapping", top=dict, shape="a mapping with 'sources'")
    c = FileChecker(str(path), ConfigError)
    c.keys(data, "", _TOP_KEYS)
    if "sources" not in data:
        raise c.fail("", "missing key 'sources' (which corpora carry onto the domain)")
    sources = {}
    for name, raw in c.mapping(data["sources"], "sources").items():
        where = f"sources.{name}"
        if not isinstance(name, str) or not name:
            raise c.fail("sources", f"expected source names, found {name!r}")
        sources[name] = _source(c, name, c.mapping(raw, where), where, domain)
    if not sources:
        raise c.fail("sources", "expected at least one source")
    user_intents = _strings(c, data.get("user_intents"), "user_intents")
    system_intents = _string_map(c, data.get("system_intents", {}), "system_intents")
    general = _name(c, data.get("general"), "general")
    booking = data.get("booking", "")
    if not isinstance(booking, str):
        raise c.fail("booking", f"expected the source's booking pseudo-domain name, found {booking!r:.60}")
    return CorpusMapping(
        str(path), FrozenMap(sources), frozenset(user_intents), FrozenMap(system_intents), general, booking
    )


def domain_mapping(domain: Domain) -> CorpusMapping | None:
    """The domain's own mapping file, or ``None`` when it has none."""
    path = mapping_path(domain)
    return load_mapping(path, domain) if path.is_file() else None


def _source(c: FileChecker, name: str, raw: Mapping[Any, Any], where: str, domain: Domain) -> SourceMapping:
    c.keys(raw, where, _SOURCE_KEYS)
    missing = [k for k in ("corpus", "path", "split", "subdomains") if k not in raw]
    if missing:
        raise c.fail(where, f"missing key(s) {missing}")
    subdomains = {}
    for source, body in c.mapping(raw["subdomains"], f"{where}.subdomains").items():
        at = f"{where}.subdomains.{source}"
        body = c.mapping(body, at)
        c.keys(body, at, ("to", "slots"))
        target = _name(c, body.get("to"), f"{at}.to")
        if target not in domain.schemas:
            raise c.fail(f"{at}.to", f"unknown sub-domain {target!r}; {domain.name} has {sorted(domain.schemas)}")
        schema = domain.schemas[target]
        slots = _string_map(c, body.get("slots", {}), f"{at}.slots")
        for slot in slots.values():
            if schema.slot(slot) is None:
                raise c.fail(f"{at}.slots", f"unknown slot {slot!r} of {target}; it has {sorted(schema.slots)}")
        subdomains[str(source)] = SubdomainMap(target, FrozenMap(slots))
    holdout = None
    if "holdout" in raw:
        body = c.mapping(raw["holdout"], f"{where}.holdout")
        c.keys(body, f"{where}.holdout", ("dev_fraction", "seed"))
        fraction, seed = body.get("dev_fraction"), body.get("seed")
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
            raise c.fail(f"{where}.holdout.dev_fraction", f"expected a number in (0, 1), found {fraction!r:.40}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise c.fail(f"{where}.holdout.seed", f"expected an integer seed, found {seed!r:.40}")
        holdout = (float(fraction), seed)
    words = {norm_text(k): v for k, v in _string_map(c, raw.get("words", {}), f"{where}.words").items()}
    detokenise = _strings(c, raw["detokenise"], f"{where}.detokenise") if "detokenise" in raw else []
    if not all(p.startswith(" ") and p.strip() for p in detokenise):
        raise c.fail(f"{where}.detokenise", f"expected pieces starting with one space, found {detokenise!r:.80}")
    return SourceMapping(
        name,
        _name(c, raw["corpus"], f"{where}.corpus"),
        _name(c, raw["path"], f"{where}.path"),
        _name(c, raw["split"], f"{where}.split"),
        FrozenMap(subdomains),
        FrozenMap(words),
        tuple(detokenise),
        holdout,
    )


def _name(c: FileChecker, value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise c.fail(where, f"expected a non-empty name, found {value!r:.60}")
    return value


def _strings(c: FileChecker, value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise c.fail(where, f"expected a non-empty list of names, found {value!r:.60}")
    return value


def _string_map(c: FileChecker, value: Any, where: str) -> dict[str, str]:
    body = c.mapping(value, where)
    c.no_boolean_keys(body, where)
    if not all(isinstance(k, str) and k and isinstance(v, str) and v for k, v in body.items()):
        raise c.fail(where, f"expected names mapped to names, found {dict(body)!r:.80}")
    return dict(body)


# ---------------------------------------------------------------------------------------- carrying
@dataclass(frozen=True)
class Carried:
    """What :func:`carry` made: the target dialogues, and how many source user turns stayed behind, by reason."""

    dialogues: tuple[Dialogue, ...]
    user_turns: int
    left: FrozenMap[str, int]

    def summary(self) -> str:
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.left.items(), key=lambda x: -x[1]))
        return f"{len(self.dialogues)} of {self.user_turns} user turns carried" + (f"; left: {reasons}" if reasons else "")


class _Left(Exception):
    """A turn that cannot be carried, and why (a counted reason, not an error)."""


_WORD_EDGE = r"(?<![\w]){}(?![\w])"


class Relexicaliser:
    """Carries one source's user turns onto ``database``'s domain (see the module docstring)."""

    def __init__(self, mapping: CorpusMapping, source: SourceMapping, database: Database, seed: int = 0) -> None:
        self.mapping = mapping
        self.source = source
        self.database = database
        self.domain = database.domain
        self.seed = seed
        self._words = [(re.compile(_WORD_EDGE.format(re.escape(w)), re.IGNORECASE), t) for w, t in source.words.items()]
        # per target slot: every written form of each value, longest first (for finding unmarked values)
        self._forms: dict[tuple[str, str], dict[str, list[str]]] = {}

    # -------------------------------------------------------------- acts
    def _act(self, act: DialogueAct, user: bool, focus: str) -> DialogueAct:
        """``act`` in the target's names; :class:`_Left` with the reason when it does not map."""
        if user and act.intent not in self.mapping.user_intents:
            raise _Left(f"intent {act.intent}")
        intent = act.intent if user else self.mapping.system_intents.get(act.intent, "")
        if not intent:
            raise _Left(f"system intent {act.intent}")
        if act.domain == self.mapping.general:
            if act.slot:
                raise _Left(f"slot {act.domain}.{act.slot}")
            return DialogueAct(intent, self.mapping.general, "", act.value)
        if not user and self.mapping.booking and act.domain == self.mapping.booking and focus:
            sub = next((s for s, m in self.source.subdomains.items() if m.target == focus), None)
            if sub is None:
                raise _Left(f"domain {act.domain}")
            source_domain = sub
        else:
            source_domain = act.domain
        target = self.source.subdomains.get(source_domain)
        if target is None:
            raise _Left(f"domain {act.domain}")
        slot = ""
        if act.slot:
            slot = target.slots.get(act.slot, "")
            if not slot and not user and act.slot in _SYSTEM_SLOTS:
                slot = act.slot
            if not slot:
                raise _Left(f"slot {act.domain}.{act.slot}")
        return DialogueAct(intent, target.target, slot, act.value)

    def _system_acts(self, turn: Turn | None, focus: str) -> tuple[DialogueAct, ...]:
        if turn is None:
            return ()
        out = []
        for act in turn.acts:
            try:
                out.append(self._act(act, False, focus))
            except _Left:
                continue  # a system act about something else: the context keeps what maps
        return tuple(dict.fromkeys(out))

    # -------------------------------------------------------------- values
    def _value_forms(self, schema: Schema, slot: str) -> dict[str, list[str]]:
        """Target value -> the ways it is written (the value, and every synonym that means it), longest first."""
        key = (schema.name, slot)
        if key not in self._forms:
            spec = schema.slots[slot]
            forms: dict[str, list[str]] = {v: [v] for v in spec.values}
            for variant, canonical in spec.synonyms.items():
                if canonical in forms and variant not in forms[canonical]:
                    forms[canonical].append(variant)
            self._forms[key] = {v: sorted(f, key=len, reverse=True) for v, f in forms.items()}
        return self._forms[key]

    def _known(self, schema: Schema, slot: str, value: str) -> str:
        """The target value that ``value`` is (after the slot's synonyms), or ``""`` where it is none."""
        spec = schema.slots[slot]
        normal = norm_text(value, spec.synonyms)
        if spec.kind in ("number", "time"):
            return value  # the person's number or time stands as written
        if spec.values:
            return normal if normal in spec.values else ""
        return ""  # a name or free text: the source's own, never the target's

    def _locate(self, text: str, forms: Sequence[str], taken: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
        for form in forms:
            for match in re.finditer(_WORD_EDGE.format(re.escape(form)), text, re.IGNORECASE):
                start, end = match.span()
                if not any(start < b and a < end for a, b in taken):
                    return start, end
        return None

    def _replacement(self, schema: Schema, slot: str, rng: random.Random) -> str:
        spec = schema.slots[slot]
        if spec.kind == "name":
            names = [e.name for e in self.database.entities(schema.name) if e.name]
            if names:
                return rng.choice(names)
        elif spec.values:
            return rng.choice(spec.values)
        raise _Left(f"no {schema.name}.{slot} value to write")

    # -------------------------------------------------------------- turns
    def turn(self, dialogue_id: str, index: int, user: Turn, system: Turn | None, focus: str = "") -> Dialogue:
        """The target dialogue made of ``user`` (turn ``index`` of ``dialogue_id``) and the ``system``
        turn before it (``focus``: the target sub-domain the conversation was about before it);
        :class:`_Left` when the turn cannot be carried."""
        if not user.acts:
            raise _Left("no acts")
        acts = [self._act(a, True, "") for a in user.acts]
        user = self._detokenised(user)
        rng = random.Random(f"{self.seed}\x1f{self.source.name}\x1f{dialogue_id}\x1f{index}")
        text = user.text
        edits: list[tuple[int, int, str]] = []  # (start, end, new words) in the source text
        spans: list[tuple[DialogueAct, int, int]] = []  # target act, source offsets
        chosen: dict[tuple[str, str, str], str] = {}  # the same source value is replaced the same way
        out_acts = []
        for source_act, act in zip(user.acts, acts):
            if act.intent != "inform" or not act.slot or act.value in ("", DONTCARE, REQUESTED):
                out_acts.append(act)
                continue
            schema = self.domain.schemas[act.domain]
            known = self._known(schema, act.slot, act.value)
            marked = [s for s in user.spans if s.act == source_act]
            taken = [(a, b) for _, a, b in spans]
            where = (marked[0].start, marked[0].end) if marked else None
            if where is not None and any(where[0] < b and a < where[1] for a, b in taken):
                where = None  # the same words annotated twice: found again below or left as a label
            forms = [act.value] + (self._value_forms(schema, act.slot).get(known, []) if known else [])
            if where is not None and known and schema.slots[act.slot].values:
                words = text[where[0] : where[1]].lower()
                if not any(norm_text(f) in words for f in forms):
                    where = None  # "same area" annotated as south: a reference, not the value's words
            if where is None:
                where = self._locate(text, list(dict.fromkeys(f for f in forms if f)), taken)
                if where is None and known and marked:
                    raise _Left(f"{act.domain}.{act.slot} value written as a reference")
            if known:
                value = known if schema.slots[act.slot].kind not in ("number", "time") else act.value
                target = DialogueAct("inform", act.domain, act.slot, value)
                if where is not None:
                    spans.append((target, *where))
                out_acts.append(target)
                continue
            if where is None:
                raise _Left(f"{act.domain}.{act.slot} value not written")
            key = (act.domain, act.slot, norm_text(act.value))
            if key not in chosen:
                chosen[key] = self._replacement(schema, act.slot, rng)
            new = chosen[key]
            target = DialogueAct("inform", act.domain, act.slot, new)
            written = new
            article = _leading_article(new)
            if article and text[: where[0]].rstrip().lower().endswith(article.strip()):
                written = new[len(article) :]  # "the the lighthouse": the person already wrote "the"
            edits.append((*where, _cased(written, text[where[0] : where[1]])))
            spans.append((target, *where))
            out_acts.append(target)
        new_text, moved = _apply(text, edits, [(a, b) for _, a, b in spans])
        new_text, moved = self._replace_words(new_text, moved)
        out_spans = tuple(ActSpan(act, a, b) for (act, _, _), (a, b) in zip(spans, moved))
        turns = []
        context = self._system_acts(system, focus)
        if system is not None and context:
            turns.append(Turn(SYSTEM, system.text, context))
        turns.append(Turn(USER, new_text, tuple(out_acts), out_spans))
        return Dialogue(
            f"{self.source.name}-{dialogue_id}-{index}",
            tuple(turns),
            corpus=f"{self.domain.name}-from-{self.source.name}",
        )

    def _detokenised(self, turn: Turn) -> Turn:
        if not self.source.detokenise:
            return turn
        edits = []
        for piece in self.source.detokenise:
            start = turn.text.find(piece)
            while start >= 0:
                edits.append((start, start + len(piece), piece[1:]))
                start = turn.text.find(piece, start + len(piece))
        if not edits:
            return turn
        text, moved = _apply(turn.text, edits, [(s.start, s.end) for s in turn.spans])
        spans = tuple(ActSpan(s.act, a, b) for s, (a, b) in zip(turn.spans, moved))
        return Turn(turn.speaker, text, turn.acts, spans)

    def _replace_words(self, text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
        for pattern, target in self._words:
            edits = [
                (m.start(), m.end(), _cased(target, m.group()))
                for m in pattern.finditer(text)
                if not any(m.start() < b and a < m.end() for a, b in spans)
            ]
            if edits:
                text, spans = _apply(text, edits, spans)
        return text, spans

    def dialogues(self, dialogues: Iterable[Dialogue]) -> Carried:
        out: list[Dialogue] = []
        left: Counter[str] = Counter()
        total = 0
        for dialogue in dialogues:
            previous: Turn | None = None
            focus = ""
            for index, turn in enumerate(dialogue.turns):
                if turn.speaker != USER:
                    previous = turn
                    continue
                total += 1
                try:
                    out.append(self.turn(dialogue.id, index, turn, previous, focus))
                except _Left as why:
                    left[str(why)] += 1
                said = [a.domain for a in turn.acts if a.domain != self.mapping.general]
                if said:  # a sub-domain the target lacks (a train) is no focus for a later booking
                    mapped = self.source.subdomains.get(said[-1])
                    focus = mapped.target if mapped is not None else ""
        return Carried(tuple(out), total, FrozenMap(dict(left)))


def _leading_article(name: str) -> str:
    """The leading article of ``name`` with its space ("the "), or ``""``: the part that names are
    looked up without (:func:`tod.domain.normalise.name_key`)."""
    written = norm_text(name)
    return written[: len(written) - len(name_key(name))]


def _cased(new: str, old: str) -> str:
    """``new`` written as ``old`` was: all capitals, each word capitalised, first letter capital, or as is."""
    if old.isupper() and len(old) > 1:
        return new.upper()
    words = old.split()
    if words and all(w[:1].isupper() for w in words):
        return " ".join(w[:1].upper() + w[1:] for w in new.split())
    if old[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


def _apply(
    text: str, edits: Sequence[tuple[int, int, str]], spans: Sequence[tuple[int, int]]
) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with each ``(start, end, words)`` edit made, and ``spans`` moved to match (a span equal
    to an edited stretch becomes the new words)."""
    ordered = sorted(edits)
    for (_, end, _), (start, _, _) in zip(ordered, ordered[1:]):
        if start < end:
            raise _Left("overlapping value spans")
    pieces, cursor, shifts = [], 0, []
    for start, end, words in ordered:
        pieces.append(text[cursor:start])
        pieces.append(words)
        shifts.append((start, end, len(words) - (end - start)))
        cursor = end
    pieces.append(text[cursor:])

    out = []
    for a, b in spans:
        new_a = a + sum(change for _, e, change in shifts if e <= a)
        new_b = b + sum(change for _, e, change in shifts if e <= b)
        out.append((new_a, new_b))
    return "".join(pieces), out


def source_file(data_dir: Path, source: SourceMapping) -> Path:
    return data_dir / source.path


def carry(
    mapping: CorpusMapping, name: str, database: Database, data_dir: str | Path, *, seed: int = 0
) -> Carried:
    """The user turns of source ``name`` (read from under ``data_dir``), carried onto ``database``'s domain."""
    from tod.data.corpus import load_corpus
    from tod.data.split import train_dev_parts

    source = mapping.source_named(name)
    path = source_file(Path(data_dir), source)
    if not path.exists():
        raise ConfigError(f"source {name!r} of {mapping.source}: {path} not found (expected the {source.corpus} file)")
    dialogues: Sequence[Dialogue] = load_corpus(source.corpus, path, splits=[source.split])[source.split]
    if source.holdout is not None:
        dialogues, _ = train_dev_parts(dialogues, *source.holdout)
    return Relexicaliser(mapping, source, database, seed).dialogues(dialogues)
