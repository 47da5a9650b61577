"""The fallback without an LLM: an FAQ answer, a fact from the database, or a polite steer back.

This is the default fallback (registered as ``retrieval``). The user's text is embedded with a
sentence encoder (the packaged MiniLM unless configured otherwise) and compared with the domain's
FAQ questions and one fact per database entity (see :mod:`tod.fallback.knowledge`).
"""

from __future__ import annotations

from tod.domain.context import BuildContext
from tod.fallback.checks import positive, similarity, whole
from tod.fallback.guard import guarded_reply
from tod.fallback.knowledge import FACT_THRESHOLD, FAQ_THRESHOLD, Knowledge
from tod.nlu.encoders import DEFAULT_ENCODER
from tod.state import DialogueState


def knowledge_from_config(
    context: BuildContext,
    encoder: str | None,
    faq: str | None,
    faq_threshold: float = FAQ_THRESHOLD,
    fact_threshold: float = FACT_THRESHOLD,
    max_entities: int = 1000,
) -> Knowledge:
    """The domain knowledge a fallback built from a pipeline configuration uses."""
    return Knowledge.for_domain(
        context.domain,
        context.database,
        encoder=encoder or None,
        faq=faq,
        cache_dir=context.cache_dir,
        faq_threshold=similarity("faq_threshold", faq_threshold),
        fact_threshold=similarity("fact_threshold", fact_threshold),
        max_entities=whole("max_entities", max_entities),
    )


class RetrievalFallback:
    """Answers an out-of-task turn from the domain's FAQ and database, within ``timeout`` seconds.

    ``knowledge`` defaults to none at all: every answer is then the generic steer-back line.
    """

    def __init__(self, knowledge: Knowledge | None = None, *, timeout: float = 10.0) -> None:
        self.knowledge = knowledge if knowledge is not None else Knowledge()
        self.timeout = positive("timeout", timeout)

    @classmethod
    def from_config(
        cls,
        context: BuildContext,
        *,
        encoder: str = DEFAULT_ENCODER,
        faq: str | None = None,
        faq_threshold: float = FAQ_THRESHOLD,
        fact_threshold: float = FACT_THRESHOLD,
        max_entities: int = 1000,
        timeout: float = 10.0,
    ) -> RetrievalFallback:
        """``encoder``: a sentence encoder (``minilm``, or a Hugging Face path or name; empty: match
        entity names only); ``faq``: an FAQ file instead of ``<domain>/faq.yaml``; the thresholds are
        cosine similarities an FAQ question or entity fact must reach; ``max_entities``: facts per
        sub-domain; ``timeout``: seconds before the steer-back line is given instead (the first
        answer also loads the encoder)."""
        fallback = cls(timeout=timeout)  # checks the cheap parameters before anything is embedded
        fallback.knowledge = knowledge_from_config(context, encoder, faq, faq_threshold, fact_threshold, max_entities)
        fallback.knowledge.warm_up()
        return fallback

    def respond(self, text: str, state: DialogueState) -> str:
        """The FAQ answer, entity fact or steer-back line for ``text``; ``state`` is not used."""
        return guarded_reply(
            lambda: self.knowledge.lookup(text).answer.text,
            timeout=self.timeout,
            polite=self.knowledge.steer_back,
            what="retrieval fallback",
        )
