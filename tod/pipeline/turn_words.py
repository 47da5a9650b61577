"""Language data: the function words the pipeline reads a user turn's form with, per language.

These are words of a language, not of a domain: how a question is asked ("is it ...?", "does X have
...?"), how a correction starts ("actually", "make it"), how people thank, say goodbye, refer back ("same",
"near it") or say they do not mind ("anywhere"). What people call a domain's sub-domains and slots is the
domain's own data (``words`` in ``ontology.yaml``). :func:`turn_words` gives the words of a language,
``None`` for a language without them (the readings that need them are then skipped: the NLU's acts are
used as they are). Every entry is lower case, words separated by single spaces, as :func:`tokens` writes
a text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?|\?")


def tokens(text: str) -> tuple[str, ...]:
    """The lower-case words of ``text`` (apostrophes kept inside a word: "what's", "don't") and each "?"."""
    return tuple(t.replace("’", "'") for t in _TOKEN.findall(text.lower()))


@dataclass(frozen=True)
class TurnWords:
    """The function words of one language (see the module docstring); each a tuple of phrases."""

    #: Words a turn may start with that say nothing yet ("and", "ok", "so").
    fillers: tuple[str, ...]
    #: Words that open a question about something ("what", "how").
    question_words: tuple[str, ...]
    #: Verbs that open a yes/no question by inversion ("is it", "does it").
    auxiliaries: tuple[str, ...]
    #: Words that refer to the entity under discussion ("it", "that one", "the place").
    referents: tuple[str, ...]
    #: Openings that ask for a search, not about an entity ("is there a", "do you have", "can you find").
    search_openers: tuple[str, ...]
    #: Determiners before a sub-domain's word that ask for a new one ("a hotel", "any museums").
    indefinites: tuple[str, ...]
    #: Openings that correct what was said ("actually", "make it", "no,").
    corrections: tuple[str, ...]
    #: Words that refer to a value said earlier ("same").
    same: tuple[str, ...]
    #: Words that refer to a value said earlier when a slot's word follows them at once ("from that day").
    demonstratives: tuple[str, ...]
    #: Words that relate a place to another ("near", "close to"); a slot whose ``words`` include one of
    #: them is the slot they refer to ("near it": the same area).
    relational: tuple[str, ...]
    #: Whole answers that mean "I do not mind" ("anywhere", "doesn't matter").
    indifference: tuple[str, ...]
    #: Thanks ("thx", "cheers").
    thanks: tuple[str, ...]
    #: Goodbyes and "that's all".
    goodbyes: tuple[str, ...]
    #: Short acknowledgements that may go with thanks ("ok", "k", "great").
    acknowledgements: tuple[str, ...]
    #: Words that ask for the sub-domain's slot without naming it ("please", "what about").
    asking: tuple[str, ...]

    @cached_property
    def exact_words(self) -> frozenset[str]:
        """The function words a misspelling never stands for ("there" is not "where"): question words,
        auxiliaries and referents."""
        return frozenset(w for p in (*self.question_words, *self.auxiliaries, *self.referents) for w in p.split())


ENGLISH = TurnWords(
    fillers=(
        "and", "so", "ok", "okay", "k", "oh", "ah", "well", "also", "then", "but", "right", "alright", "great",
        "cool", "hmm", "hm", "um", "uh", "sorry", "one more thing", "quick question", "btw", "by the way",
        "and also", "thanks", "thank you", "cheers", "perfect", "lovely", "nice", "hi", "hey", "hello", "please",
    ),
    question_words=(
        "what", "what's", "whats", "which", "where", "where's", "wheres", "when", "how", "how's", "who", "whose",
    ),
    auxiliaries=(
        "is", "isn't", "are", "aren't", "does", "doesn't", "do", "don't", "did", "has", "hasn't", "have", "was",
        "were", "will", "would", "can", "could", "should", "it's", "its", "they're",
    ),
    referents=(
        "it", "its", "it's", "they", "they're", "them", "their", "that", "this", "that one", "this one",
        "the place", "this place", "that place", "there",
    ),
    search_openers=(
        "is there a", "is there an", "is there any", "are there", "are there any", "do you have", "do you know",
        "have you got", "can you", "could you", "would you", "will you", "can i", "could i", "can we", "could we",
        "i need", "i want", "i'd like", "i would like", "i'm looking", "i am looking", "looking for", "find me",
        "any", "anything", "is there anything", "is there another", "are there other", "what else", "what other",
        "which other",
    ),
    indefinites=("a", "an", "any", "some", "another", "other", "more", "cheaper", "different"),
    corrections=(
        "actually", "make it", "make that", "change it to", "change that to", "change to", "change it",
        "instead", "rather", "no", "nope", "nah", "hmm", "hm", "what about", "how about", "i meant", "i mean",
        "wait", "scratch that", "on second thought", "on second thoughts", "sorry", "or", "let's say",
        "lets say", "better", "prefer",
    ),
    same=("same", "the same"),
    demonstratives=("that", "this"),
    relational=("near", "nearby", "close to", "close by", "around"),
    indifference=(
        "anywhere", "any", "anything", "whatever", "either", "either is fine", "any is fine", "anywhere is fine",
        "anything is fine", "i don't mind", "i dont mind", "don't mind", "dont mind", "i do not mind",
        "doesn't matter", "doesnt matter", "does not matter", "it doesn't matter", "it doesnt matter",
        "no preference", "i have no preference", "don't care", "dont care", "i don't care", "i dont care",
        "not fussy", "i'm not fussy", "im not fussy", "i'm easy", "im easy", "up to you", "you choose",
        "surprise me", "no matter",
    ),
    thanks=(
        "thanks", "thank you", "thank u", "thankyou", "thx", "thnx", "thanx", "tnx", "ty", "tyvm", "ta",
        "cheers", "many thanks", "thanks a lot", "much appreciated", "appreciated", "appreciate it",
    ),
    goodbyes=(
        "bye", "goodbye", "bye bye", "good bye", "see you", "see ya", "cya", "that's all", "thats all",
        "that is all", "that's everything", "thats everything", "that is everything", "nothing else",
        "no thanks", "no thank you", "i'm done", "im done", "all good", "that's it", "thats it",
    ),
    acknowledgements=(
        "ok", "okay", "k", "kk", "great", "perfect", "cool", "nice", "alright", "got it", "lovely", "brilliant",
        "super", "awesome", "good", "fine", "sure", "sounds good", "ace", "wonderful", "excellent", "fab",
    ),
    asking=("please", "pls", "plz", "what about", "how about", "and", "the", "its", "their", "what's", "whats",
            "what is", "what are", "give me", "tell me", "can i have", "can i get", "need", "also"),
)

_LANGUAGES = {"en": ENGLISH}


def turn_words(language: str) -> TurnWords | None:
    """The function words of ``language`` (``"en"``), ``None`` for a language tod has none for."""
    return _LANGUAGES.get(language)
