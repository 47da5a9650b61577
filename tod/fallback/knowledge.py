"""What the fallbacks know about a domain: its FAQ, one fact per database entity, a steer-back line.

:meth:`Knowledge.lookup` answers a user text without any LLM (the FAQ answer most similar to it
above ``faq_threshold``; else a fact about an entity whose name it contains, or whose fact is
similar above ``fact_threshold``; else the steer-back line) and also returns the few FAQ answers and
facts most related to it, which the LLM back ends put into their prompts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal, Sequence

from tod.domain.database import Database
from tod.domain.ontology import Domain
from tod.fallback.facts import (
    GENERIC_STEER_BACK,
    Fact,
    NameIndex,
    chinese,
    entity_facts,
    fact_answer,
    offers_text,
    steer_back_text,
)
from tod.fallback.faq import Faq, domain_faq
from tod.fallback.guard import clean_text
from tod.fallback.retrieve import Retriever, SentenceEncoder, top_hits
from tod.nlg.template import TemplateNLG
from tod.nlg.templates import default_template_path
from tod.nlu.encoders import DEFAULT_ENCODER

#: Defaults chosen on the cityguide FAQ with the packaged MiniLM (see docs/fallback.md): paraphrases
#: of an FAQ question score about 0.6-0.9, unrelated small talk below 0.4.
FAQ_THRESHOLD = 0.6
FACT_THRESHOLD = 0.55
#: FAQ answers and facts at least this similar may go into an LLM prompt.
CONTEXT_THRESHOLD = 0.3


@dataclass(frozen=True)
class Answer:
    """A reply and where it came from: an FAQ entry, an entity fact, or the steer-back line."""

    text: str
    kind: Literal["faq", "fact", "steer"]
    score: float = 0.0


@dataclass(frozen=True)
class Lookup:
    """The retrieval answer for a text, and the texts (FAQ answers, facts) most related to it, best first."""

    answer: Answer
    context: tuple[str, ...] = ()


class Knowledge:
    """A domain's FAQ and entity facts, searchable by sentence embeddings; empty by default.

    ``description`` (what the system is) and ``offers`` (what it can help with, a phrase) go into
    LLM prompts; ``steer_back`` is the reply when nothing matches (the FAQ's, else a generic line).
    """

    def __init__(
        self,
        faq: Faq | None = None,
        facts: Sequence[Fact] = (),
        *,
        language: str = "en",
        description: str = "",
        offers: str = "",
        steer_back: str | None = None,
        encoder: SentenceEncoder | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        faq_threshold: float = FAQ_THRESHOLD,
        fact_threshold: float = FACT_THRESHOLD,
        nlg: TemplateNLG | None = None,
    ) -> None:
        self.nlg = nlg
        self.faq = faq if faq is not None else Faq()
        self.facts = tuple(facts)
        self.language = language
        self.description = description
        self.offers = offers
        generic = GENERIC_STEER_BACK["zh" if chinese(language) else "en"]
        self.steer_back = clean_text(steer_back or self.faq.steer_back or generic) or generic
        self.faq_threshold = faq_threshold
        self.fact_threshold = fact_threshold
        self._question_entry = [i for i, e in enumerate(self.faq.entries) for _ in e.questions]
        texts = [q for e in self.faq.entries for q in e.questions] + [f.text for f in self.facts]
        self.retriever = Retriever(texts, encoder, cache_dir) if encoder is not None and texts else None
        self.names = NameIndex(self.facts, language)

    @classmethod
    def for_domain(
        cls,
        domain: Domain,
        database: Database | None = None,
        *,
        encoder: str | None = DEFAULT_ENCODER,
        faq: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        faq_threshold: float = FAQ_THRESHOLD,
        fact_threshold: float = FACT_THRESHOLD,
        max_entities: int = 1000,
    ) -> Knowledge:
        """The knowledge of ``domain``: ``faq`` (default ``<domain dir>/faq.yaml`` if present), the facts
        of ``database`` (none without it), embedded with ``encoder`` (``None``: name matching only)."""
        loaded = domain_faq(domain.directory, faq)
        facts = entity_facts(domain, database, max_entities) if database is not None else ()
        return cls(
            loaded,
            facts,
            language=domain.language,
            description=domain.description,
            offers=offers_text(domain),
            steer_back=loaded.steer_back or steer_back_text(domain),
            encoder=SentenceEncoder(encoder) if encoder else None,
            cache_dir=cache_dir,
            faq_threshold=faq_threshold,
            fact_threshold=fact_threshold,
            nlg=_system_nlg(domain),
        )

    def warm_up(self) -> None:
        """Load the sentence encoder now (otherwise the first lookup loads it); ConfigError if it cannot be."""
        if self.retriever is not None:
            self.retriever.scores("hello")

    def lookup(self, text: str, k: int = 3) -> Lookup:
        """The retrieval answer to ``text`` and up to ``k`` related FAQ answers and facts."""
        query = clean_text(text)
        if not query:
            return Lookup(Answer(self.steer_back, "steer"))
        named = self.names.find(query)
        scores = self.retriever.scores(query) if self.retriever is not None else None
        questions = len(self._question_entry)
        faq_hits = top_hits(scores[:questions], questions, CONTEXT_THRESHOLD) if scores is not None else []
        fact_hits = top_hits(scores[questions:], k, CONTEXT_THRESHOLD) if scores is not None else []
        best_faq = faq_hits[0] if faq_hits else None
        if best_faq is not None and best_faq.score >= self.faq_threshold:
            answer = Answer(self.faq.entries[self._question_entry[best_faq.index]].answer, "faq", best_faq.score)
        elif named is not None:
            answer = Answer(fact_answer(self.facts[named], self.language, self.nlg, query), "fact", 1.0)
        elif fact_hits and fact_hits[0].score >= self.fact_threshold:
            fact = self.facts[fact_hits[0].index]
            answer = Answer(fact_answer(fact, self.language, self.nlg, query), "fact", fact_hits[0].score)
        else:
            answer = Answer(self.steer_back, "steer")
        ranked = [(1.0, self.facts[named].text)] if named is not None else []
        entry_scores: dict[int, float] = {}
        for hit in faq_hits:  # best first, so each entry keeps its best phrasing's score
            entry_scores.setdefault(self._question_entry[hit.index], hit.score)
        ranked += [(score, self.faq.entries[e].answer) for e, score in entry_scores.items()]
        ranked += [(h.score, self.facts[h.index].text) for h in fact_hits]
        ranked.sort(key=lambda pair: -pair[0])
        context = tuple(dict.fromkeys(related for _, related in ranked))[:k]
        return Lookup(answer, context)


def _system_nlg(domain: Domain) -> TemplateNLG | None:
    """The domain's system templates, which write facts as sentences; ``None`` when it has none."""
    if not default_template_path(domain, "system").is_file():
        return None
    return TemplateNLG.for_domain(domain, side="system")
