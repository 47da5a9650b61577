"""Fuzz and property tests (hypothesis): what tod does with input it did not expect.

Every target either returns its normal value or raises one of tod's specific errors (a
:class:`~tod.errors.TodError` subclass with a message); anything else (``KeyError``,
``TypeError``, ``RecursionError``, ``UnicodeDecodeError``, ...) is a crash and fails the test.

The settings are fixed here, not loaded as a global profile, so the rest of the suite keeps its
own: ``derandomize=True`` (the same examples on every run, so CI is reproducible), no deadline
(the 2-core CI machine is shared), no example database. Each test takes its example count from
:data:`EXAMPLES`; ``test_budget.py`` checks that every count is used and that they add up to at
least :data:`MIN_TOTAL`.

Examples per test (total 5,950):

==============================  ======  ==========================================================
test                            count   target
==============================  ======  ==========================================================
respond_text                    400     ``Pipeline.respond`` on arbitrary unicode text
respond_conversation            100     sequences of 1-6 turns of arbitrary text
step_acts                       300     ``Pipeline.step_acts`` on ontology acts mixed with garbage
multiwoz                        300     MultiWOZ 2.1 split files, mutated JSON
crosswoz                        300     CrossWOZ split files, mutated JSON
unified                         300     CamRest / WOZ ``data.zip``, mutated JSON
json_bytes                      400     JSON corpus and database files damaged as bytes, zipped or not
uss                             300     USS rating files, mutated lines
mwz22_text                      150     MultiWOZ 2.2 text files, mutated lines
seqio                           200     ATIS-style ``seq.in``/``seq.out``/``label`` splits
dialogue_files                  300     tod's own ``.jsonl``/``.json`` dialogue files
config_document                 300     pipeline YAML documents, mutated
config_text                     200     pipeline YAML files of arbitrary text
config_overrides                300     ``stage.param=value`` overrides
query_garbage                   400     ``Database.query`` with unknown slots, odd values and types
meets_agrees                    300     ``Database.meets`` / ``Table.meets`` agree with the query scan
domain_files                    300     domain directories: ``ontology.yaml`` and database files, mutated
domain_yaml                     100     ``ontology.yaml`` of arbitrary text
rasa_mutated                    500     Rasa action calls, mutated
rasa_arbitrary                  200     arbitrary JSON values as action calls and trackers
rasa_server                     300     mutated action calls posted to ``tod serve-actions --acts-only``
==============================  ======  ==========================================================
"""

from __future__ import annotations

import os
from typing import Any, Callable, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tod.errors import TodError

T = TypeVar("T")

#: Examples per fuzz test: the one place the counts are set (see the module docstring).
EXAMPLES: dict[str, int] = {
    "respond_text": 400,
    "respond_conversation": 100,
    "step_acts": 300,
    "multiwoz": 300,
    "crosswoz": 300,
    "unified": 300,
    "json_bytes": 400,
    "uss": 300,
    "mwz22_text": 150,
    "seqio": 200,
    "dialogue_files": 300,
    "config_document": 300,
    "config_text": 200,
    "config_overrides": 300,
    "query_garbage": 400,
    "meets_agrees": 300,
    "domain_files": 300,
    "domain_yaml": 100,
    "rasa_mutated": 500,
    "rasa_arbitrary": 200,
    "rasa_server": 300,
}
#: The least number of generated cases the fuzz tests must run together (issue HARDEN).
MIN_TOTAL = 2000

#: The names :func:`fuzz` was asked for, checked against :data:`EXAMPLES` by ``test_budget.py``.
USED: set[str] = set()

BASE = settings(
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)


#: ``TOD_FUZZ_SCALE=20`` multiplies every count and draws new random examples on each run: a deeper
#: search by hand. CI leaves it unset: the fixed counts, the same examples every time.
SCALE = float(os.environ.get("TOD_FUZZ_SCALE", "1"))


def fuzz(name: str) -> Callable[[Any], Any]:
    """The settings decorator of the fuzz test ``name``: :data:`BASE` with its count from :data:`EXAMPLES`."""
    USED.add(name)
    if SCALE != 1:
        return settings(BASE, max_examples=max(1, int(EXAMPLES[name] * SCALE)), derandomize=False)
    return settings(BASE, max_examples=EXAMPLES[name])


def outcome(call: Callable[[], T]) -> tuple[T | None, TodError | None]:
    """``(result, None)`` or ``(None, error)`` for one of tod's specific errors, which must have a
    message. Any other exception is a crash: it propagates and hypothesis reports the example."""
    try:
        return call(), None
    except TodError as error:
        assert str(error).strip(), f"{type(error).__name__} without a message"
        return None, error


# ---------------------------------------------------------------- hostile values

#: Text a file, a payload or a user may hold: control characters, lone surrogates, bidirectional
#: overrides, emoji, CJK and right-to-left scripts, and plain words.
HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", " ", "\x00", "\ud800", "\udfff x", "\u202e\u2066abc", "\ufeff", "👩‍👩‍👧‍👦🇬🇧", "مرحبا", "你好"]
    ),
    st.text(st.characters(codec=None, categories=["Cc", "Cs", "Zs", "Zl", "Zp", "Cf"]), max_size=10),
)
#: Numbers at the edges: huge integers (a float cannot hold 10**400), NaN and infinities.
ODD_NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**63, 10**400, -(10**400)]),
    st.floats(),
)
SCALARS = st.one_of(st.none(), st.booleans(), ODD_NUMBERS, HOSTILE_TEXT)
#: Any JSON-shaped value (JSON objects have string keys).
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE_TEXT, inner, max_size=3),
    max_leaves=8,
)


def nested(depth: int) -> Any:
    """A list nested ``depth`` deep: more than ``repr`` or a recursive parser can take."""
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def _changed(draw: st.DrawFn, value: Any) -> Any:
    """``value`` replaced or edited in one way its consumer may not expect."""
    choices = ["garbage", "null", "empty"]
    if isinstance(value, dict) and value:
        choices += ["drop key", "extra key", "list of it"]
    if isinstance(value, list) and value:
        choices += ["drop item", "duplicate item", "extra item", "reverse", "object of it"]
    if isinstance(value, str):
        choices += ["other text", "huge text"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        choices += ["odd number", "number as text"]
    how = draw(st.sampled_from(choices))
    if how == "garbage":
        return draw(JSON)
    if how == "null":
        return None
    if how == "empty":
        return draw(st.sampled_from([{}, [], "", 0]))
    if how == "drop key":
        key = draw(st.sampled_from(sorted(value)))
        return {k: v for k, v in value.items() if k != key}
    if how == "extra key":
        return {**value, draw(HOSTILE_TEXT): draw(JSON)}
    if how == "list of it":
        return [value]
    if how == "drop item":
        index = draw(st.integers(0, len(value) - 1))
        return value[:index] + value[index + 1 :]
    if how == "duplicate item":
        index = draw(st.integers(0, len(value) - 1))
        return [*value[: index + 1], value[index], *value[index + 1 :]]
    if how == "extra item":
        return [*value, draw(JSON)]
    if how == "reverse":
        return value[::-1]
    if how == "object of it":
        return {str(i): v for i, v in enumerate(value)}
    if how == "other text":
        return draw(HOSTILE_TEXT)
    if how == "huge text":
        return value[:20] * 2000 + "x" * 50_000
    if how == "odd number":
        return draw(ODD_NUMBERS)
    return str(value)  # number as text


def _mutate_once(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with one change at a random place inside it (the deeper, the less likely)."""
    if isinstance(value, (dict, list)) and value and draw(st.integers(0, 7)) > 0:
        if isinstance(value, dict):
            key = draw(st.sampled_from(list(value)))
            return {**value, key: _mutate_once(draw, value[key])}
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], _mutate_once(draw, value[index]), *value[index + 1 :]]
    return _changed(draw, value)


@st.composite
def mutated(draw: st.DrawFn, document: Any, max_changes: int = 4) -> Any:
    """``document`` (JSON-shaped) with 1 to ``max_changes`` changes anywhere inside it: keys dropped or
    added, values of other types, huge numbers and texts, lists shortened or repeated."""
    for _ in range(draw(st.integers(1, max_changes))):
        document = _mutate_once(draw, document)
    return document
