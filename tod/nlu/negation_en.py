"""English negation cues: language data for :mod:`tod.nlu.negation` (no domain words here).

Each phrase is a tuple of lower-case words as :func:`tod.nlu.negation.words` splits them
(apostrophes kept inside a word: ``don't``; curly apostrophes read as straight ones).
"""

from __future__ import annotations

#: Phrases that rule out the value after them, with how many words may stand between the cue and
#: the value ("not in the north": 2; "I don't want to stay in a guesthouse": 5). ``no`` and
#: ``nothing`` take the value right after them (or after :data:`FILLERS`): "no indian", "nothing
#: fancy", but not the answer "no the north".
CUES: dict[tuple[str, ...], int] = {
    ("not",): 5,
    ("never",): 5,
    ("nor",): 2,
    ("neither",): 2,
    ("no",): 0,
    ("nothing",): 0,
    ("none",): 2,
    ("anything", "but"): 3,
    ("anywhere", "but"): 3,
    ("everything", "but"): 3,
    ("any", "but"): 3,
    ("other", "than"): 3,
    ("rather", "than"): 3,
    ("instead", "of"): 3,
    ("apart", "from"): 3,
    ("except",): 3,
    ("except", "for"): 3,
    ("excluding",): 3,
    ("avoid",): 3,
    ("avoiding",): 3,
    ("hate",): 3,
    ("dislike",): 3,
    ("can't", "stand"): 3,
    ("sick", "of"): 3,
    ("fed", "up", "with"): 3,
}

#: A word ending in this is a cue like ``not`` ("don't", "doesn't", "isn't", "won't").
CUE_SUFFIX = "n't"
#: The same words typed without the apostrophe, and ``cannot``.
CUE_WORDS: frozenset[str] = frozenset(
    {
        "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "wont", "wouldnt", "cant", "cannot",
        "shouldnt", "hasnt", "havent", "aint", "couldnt", "mustnt",
    }
)
#: How many words a ``n't`` cue word may stand from the value.
CUE_WORD_GAP = 5

#: Phrases that begin with a cue but do not negate what follows: uncertainty ("I'm not sure, maybe
#: chinese"), indifference ("I don't mind" stays dontcare, as the NLU reads it), questions ("isn't
#: there a cheap one?") and "not only". The cue word written without its apostrophe matches too.
NEUTRAL: tuple[tuple[str, ...], ...] = (
    ("not", "sure"), ("not", "too", "sure"), ("not", "really", "sure"), ("not", "certain"),
    ("not", "bothered"), ("not", "really", "bothered"), ("not", "fussy"), ("not", "fussed"), ("not", "picky"),
    ("not", "important"), ("not", "a", "problem"), ("no", "problem"), ("no", "worries"), ("no", "preference"),
    ("no", "matter"), ("no", "idea"), ("not", "only"), ("not", "just"), ("never", "mind"), ("why", "not"),
    ("if", "not"), ("or", "not"), ("not", "yet"),
    ("don't", "mind"), ("don't", "really", "mind"), ("don't", "care"), ("don't", "really", "care"),
    ("don't", "know"), ("doesn't", "matter"), ("doesn't", "really", "matter"), ("do", "not", "mind"),
    ("do", "not", "care"), ("do", "not", "know"), ("does", "not", "matter"), ("wouldn't", "mind"),
    ("isn't", "there"), ("aren't", "there"), ("is", "there", "not"), ("are", "there", "not"), ("don't", "you"),
    ("do", "you", "not"), ("doesn't", "it"), ("does", "it", "not"), ("isn't", "it"), ("can't", "you"),
    ("couldn't", "you"), ("won't", "you"), ("wouldn't", "it"), ("not", "that", "i"),
)

#: Phrases that begin with a cue and make the value optional rather than unwanted: "I don't need
#: parking", "it doesn't have to be in the centre" read as dontcare.
RELAXING: tuple[tuple[str, ...], ...] = (
    ("don't", "need"), ("don't", "really", "need"), ("do", "not", "need"), ("doesn't", "need"),
    ("does", "not", "need"), ("no", "need"), ("don't", "have", "to"), ("doesn't", "have", "to"),
    ("do", "not", "have", "to"), ("does", "not", "have", "to"), ("not", "necessarily"), ("not", "required"),
    ("don't", "require"), ("doesn't", "require"), ("not", "needed"), ("needn't",), ("not", "essential"),
    ("don't", "mind", "if"), ("doesn't", "matter", "if"),
)

#: Words that end a cue's reach when met between the cue and the value: "not in the north and
#: cheap", "not chinese but thai". Punctuation (, . ; : ! ? and dashes) ends it too.
BOUNDARIES: frozenset[str] = frozenset(
    {
        "but", "and", "though", "tho", "although", "however", "because", "cause", "cos", "so", "while", "whereas",
        "then", "also", "plus", "yet", "instead", "preferably", "ideally", "maybe", "perhaps", "rather",
    }
)

#: Words that do not count towards a cue's gap ("nothing too expensive", "no more chinese").
FILLERS: frozenset[str] = frozenset({"too", "very", "really", "overly", "particularly", "more", "real", "super"})

#: Values that already say no: an NLU that reads "no parking needed" as ``parking = no`` has read the
#: negation itself, so the cue before it is not applied again.
NEGATIVE_VALUES: frozenset[str] = frozenset({"no", "none", "not", "false", "without"})
