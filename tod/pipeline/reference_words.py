"""The words people use to point at something the system just listed, per language.

Language data, not domain data: ordinal words ("the second one", "the last"), pointing words ("that
one") and the words that introduce a description ("the one in the north"). :mod:`tod.pipeline.references`
builds its patterns from these tables; a language missing here has no reference resolution.
"""

from __future__ import annotations

#: language -> ordinal word -> position in the list (1-based; -1: the last)
ORDINALS: dict[str, dict[str, int]] = {
    "en": {
        "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
        "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "last": -1, "final": -1, "latter": -1, "former": 1,
    },
    "zh": {"第一": 1, "第二": 2, "第三": 3, "第四": 4, "第五": 5, "第六": 6, "最后一": -1},
}  # fmt: skip

#: language -> number word -> value, for "number two" / "option 3"
NUMBER_WORDS: dict[str, dict[str, int]] = {
    "en": {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6},
    "zh": {},
}

#: language -> words after an ordinal that stand for a listed item ("the second one", "the first option")
ITEM_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("one", "option", "choice", "place", "of them", "of those", "on the list", "suggestion"),
    "zh": ("个", "家", "项"),
}

#: language -> words before a number that pick a listed item ("number 2", "option two")
PICK_WORDS: dict[str, tuple[str, ...]] = {"en": ("number", "option", "no.", "#"), "zh": ()}

#: language -> pointing phrases that mean the one item under discussion ("that one")
POINTING: dict[str, tuple[str, ...]] = {
    "en": ("that one", "this one", "that place", "this place", "the same one"),
    "zh": ("那个", "这个", "那家", "这家"),
}

#: language -> phrases that introduce a description of one listed item ("the one in the north")
DESCRIBING: dict[str, tuple[str, ...]] = {
    "en": ("the one", "that one"),
    "zh": (),
}

#: language -> words after :data:`DESCRIBING` that start the description
DESCRIPTION_STARTS: dict[str, tuple[str, ...]] = {
    "en": ("in", "with", "that", "which", "near", "at", "on", "serving", "by", "for", "who", "where"),
    "zh": (),
}
