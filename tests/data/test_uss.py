import json
from pathlib import Path

import pytest

from tests.conftest import require_shared
from tod.acts import DialogueAct
from tod.data.uss import RatedDialogue, load_uss
from tod.dialogue import Dialogue, Turn
from tod.errors import CorpusError, SchemaError

# Two dialogues as in the real files: a leading blank line, MultiWOZ-style then SGD-style labels.
LINES = [
    "",
    "USER\tI need a cheap hotel.\tHotel-Inform\t3,4,2",
    "SYSTEM\tNo hotels match. Anything else?\tHotel-NoOffer,general-reqmore\t",
    "USER\tThanks, bye.\tgeneral-thank\t5,5,4",
    "SYSTEM\tGoodbye!\t\t",
    "USER\tOVERALL\t\t2,3,3",
    "",
    "",
    "",
    "USER\tFind me a movie.\tINFORM_INTENT\t3,3,3,3",
    "SYSTEM\tWhere?\tREQUEST\t",
    "USER\tSomething else, in Café Noir?\tREQUEST_ALTS\t1,2,3,4",
    "SYSTEM\tSorry, that failed.\tNOTIFY_FAILURE\t",
    "USER\tOVERALL\t\t1,1,2,2",
]


def write(tmp_path: Path, content: str | bytes, name: str = "MWOZ.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def check_tiny(rated: tuple[RatedDialogue, ...], prefix: str = "MWOZ") -> None:
    assert len(rated) == 2
    first, second = rated
    assert (first.dialogue.id, second.dialogue.id) == (f"{prefix}-0001", f"{prefix}-0002")
    assert {(r.dialogue.corpus, r.dialogue.split) for r in rated} == {("uss", "MWOZ")}
    assert [t.speaker for t in first.dialogue.turns] == ["user", "system", "user", "system"]
    assert [t.text for t in second.dialogue.turns][2] == "Something else, in Café Noir?"
    assert [t.acts for t in first.dialogue.turns] == [
        (DialogueAct("inform", "hotel"),),
        (DialogueAct("nooffer", "hotel"), DialogueAct("reqmore", "general")),
        (DialogueAct("thank", "general"),),
        (),
    ]
    assert [t.acts for t in second.dialogue.turns] == [
        (DialogueAct("inform_intent"),),
        (DialogueAct("request"),),
        (DialogueAct("request_alts"),),
        (DialogueAct("notify_failure"),),
    ]
    assert first.turn_ratings == ((3, 4, 2), (), (5, 5, 4), ())
    assert first.ratings == (2, 3, 3) and second.ratings == (1, 1, 2, 2)
    assert first.satisfaction == pytest.approx(8 / 3) and second.satisfaction == 1.5
    assert first.turn_satisfaction == (pytest.approx(3.0), None, pytest.approx(14 / 3), None)
    assert second.turn_satisfaction == (3.0, None, 2.5, None)
    for r in rated:
        assert len(r.turn_ratings) == len(r.turn_satisfaction) == len(r.dialogue.turns)
        assert all(bool(ratings) == (turn.speaker == "user") for turn, ratings in zip(r.dialogue.turns, r.turn_ratings))


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("\n".join(LINES) + "\n", id="lf-trailing-newline"),
        pytest.param("\n".join(LINES), id="lf-no-trailing-newline"),
        pytest.param("\r\n".join(LINES) + "\r\n\r\n\r\n", id="crlf-several-trailing-blanks"),
        pytest.param("\r\n".join(LINES[1:]), id="crlf-no-leading-or-trailing-blank"),
        pytest.param("\ufeff" + "\n".join(LINES), id="byte-order-mark"),
    ],
)
def test_tiny_file_loads(tmp_path, content):
    check_tiny(load_uss(write(tmp_path, content)))


def test_prefix_overrides_the_id_but_not_the_split(tmp_path):
    rated = load_uss(str(write(tmp_path, "\n".join(LINES))), prefix="X")
    assert [r.dialogue.id for r in rated] == ["X-0001", "X-0002"]
    assert rated[0].dialogue.split == "MWOZ"


GOOD = "USER\tHi\tgeneral-greet\t3,4,3\nSYSTEM\tHello\tgeneral-welcome\t\nUSER\tOVERALL\t\t3,3,4\n"


@pytest.mark.parametrize(
    "content, line, phrase",
    [
        pytest.param(b"USER\tHi\t\t3\nSYSTEM\tCaf\xe9\t\t\nUSER\tOVERALL\t\t3\n", 2, "UTF-8", id="bad-utf8"),
        pytest.param("USER\tHi\t3\nUSER\tOVERALL\t\t3", 1, "RATINGS, found 3", id="three-columns"),
        pytest.param("USER\tHi\t\t3\t\nUSER\tOVERALL\t\t3", 1, "found 5", id="five-columns"),
        pytest.param(GOOD + "\nBOT\tHi\t\t3\nUSER\tOVERALL\t\t3", 5, "role USER or SYSTEM, found 'BOT'", id="role"),
        pytest.param("user\tHi\t\t3\nUSER\tOVERALL\t\t3", 1, "role USER or SYSTEM", id="lower-case-role"),
        pytest.param("USER\tHi\tINFORM\t\nUSER\tOVERALL\t\t3", 1, "ratings on a USER line", id="user-no-ratings"),
        pytest.param("USER\tHi\t\t3\nSYSTEM\tHo\t\t3\nUSER\tOVERALL\t\t3", 2, "SYSTEM line, found '3'", id="sys-rated"),
        pytest.param("USER\tHi\t\t3,0\nUSER\tOVERALL\t\t3", 1, "integers 1-5", id="rating-0"),
        pytest.param("USER\tHi\t\t3,6\nUSER\tOVERALL\t\t3", 1, "found '6'", id="rating-6"),
        pytest.param("USER\tHi\t\t3.5\nUSER\tOVERALL\t\t3", 1, "found '3.5'", id="rating-float"),
        pytest.param("USER\tHi\t\t3,,3\nUSER\tOVERALL\t\t3", 1, "integers 1-5", id="rating-empty-item"),
        pytest.param("USER\tHi\t\t3\nUSER\tOVERALL\t\tgood", 2, "found 'good'", id="overall-rating-word"),
        pytest.param("USER\tHi\t\t3\nUSER\tOVERALL\t\t", 2, "ratings on the OVERALL line", id="overall-no-ratings"),
        pytest.param("USER\tHi\t\t3\nSYSTEM\tOVERALL\t\t3", 2, "OVERALL line to be a USER line", id="overall-sys"),
        pytest.param("USER\tHi\t\t3\nUSER\tOVERALL\tINFORM\t3", 2, "empty ACTION column", id="overall-action"),
        pytest.param(GOOD + "\nUSER\tHi\t\t3\nSYSTEM\tHo\t\t\n\n", 6, "found a blank line", id="no-overall-blank"),
        pytest.param(GOOD + "\nUSER\tHi\t\t3\nSYSTEM\tHo\t\t", 6, "found the end of the file", id="no-overall-eof"),
        pytest.param("USER\tOVERALL\t\t3\n", 1, "the dialogue is empty", id="overall-first"),
        pytest.param(GOOD + "\n\nUSER\tOVERALL\t\t3\n", 6, "the dialogue is empty", id="overall-alone"),
        pytest.param(GOOD + "USER\tMore\t\t3\n", 4, "blank line after the OVERALL line", id="after-overall"),
        pytest.param(GOOD + "USER\tOVERALL\t\t3\n", 4, "blank line after the OVERALL line", id="two-overalls"),
        pytest.param("USER\tHi\tHotel Inform\t3\nUSER\tOVERALL\t\t3", 1, "found 'Hotel Inform'", id="label-space"),
        pytest.param("USER\tHi\tHotel-\t3\nUSER\tOVERALL\t\t3", 1, "dialogue-act labels", id="label-dash"),
        pytest.param("USER\tHi\ta-b-c\t3\nUSER\tOVERALL\t\t3", 1, "dialogue-act labels", id="label-two-dashes"),
        pytest.param("USER\tHi\tINFORM,\t3\nUSER\tOVERALL\t\t3", 1, "dialogue-act labels", id="label-empty"),
        pytest.param("USER\tHi\tinform(x)\t3\nUSER\tOVERALL\t\t3", 1, "dialogue-act labels", id="label-odd-chars"),
        pytest.param("", None, "the file is empty", id="empty-file"),
        pytest.param("\n\r\n \n", None, "the file is empty", id="blank-file"),
    ],
)
def test_malformed_file_raises(tmp_path, content, line, phrase):
    path = write(tmp_path, content)
    with pytest.raises(CorpusError) as info:
        load_uss(path)
    assert info.value.path == str(path) and info.value.line == line
    assert phrase in str(info.value)


def test_error_names_the_dialogue_and_quotes_truncated_content(tmp_path):
    path = write(tmp_path, GOOD + "\nUSER\t" + "x" * 200 + "\t3\n")
    with pytest.raises(CorpusError, match=r"dialogue MWOZ-0002: expected 4 .* found 3: 'USER\\txxx+'\.\.\.$") as info:
        load_uss(path)
    assert info.value.dialogue == "MWOZ-0002" and len(str(info.value)) < 250


@pytest.mark.parametrize("name", ["missing.txt", "a_directory"])
def test_missing_file_or_directory_raises(tmp_path, name):
    (tmp_path / "a_directory").mkdir()
    found = "nothing there" if name == "missing.txt" else "a directory"
    with pytest.raises(CorpusError, match=rf"{name}: expected a USS rating file \(.*\), found {found}") as info:
        load_uss(tmp_path / name)
    assert info.value.line is None


def test_json_round_trip(tmp_path):
    for rated in load_uss(write(tmp_path, "\n".join(LINES))):
        assert RatedDialogue.from_dict(json.loads(json.dumps(rated.to_dict()))) == rated
        assert RatedDialogue.from_json(rated.to_json()) == rated


def payload(**changes: object) -> dict:
    dialogue = Dialogue("D-0001", (Turn("user", "Hi"), Turn("system", "Hello")), corpus="uss", split="D")
    data = RatedDialogue(dialogue, ((3, 4), ()), (4, 4)).to_dict()
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "data",
    [
        pytest.param([], id="not-an-object"),
        pytest.param({}, id="empty-object"),
        pytest.param({k: v for k, v in payload().items() if k != "ratings"}, id="no-ratings"),
        pytest.param(payload(dialogue="D-0001"), id="dialogue-string"),
        pytest.param(payload(dialogue={"id": "", "turns": []}), id="dialogue-bad-id"),
        pytest.param(payload(turn_ratings="34"), id="turn-ratings-string"),
        pytest.param(payload(turn_ratings=[[3, 4]]), id="turn-ratings-too-short"),
        pytest.param(payload(turn_ratings=[[3, 4], [], []]), id="turn-ratings-too-long"),
        pytest.param(payload(turn_ratings=[[3, 4], [3]]), id="system-turn-rated"),
        pytest.param(payload(turn_ratings=[[], []]), id="user-turn-unrated"),
        pytest.param(payload(turn_ratings=["34", []]), id="user-ratings-string"),
        pytest.param(payload(ratings=[]), id="ratings-empty"),
        pytest.param(payload(ratings=[0, 3]), id="rating-0"),
        pytest.param(payload(ratings=[6]), id="rating-6"),
        pytest.param(payload(ratings=[True]), id="rating-bool"),
        pytest.param(payload(ratings=[3.0]), id="rating-float"),
        pytest.param(payload(ratings=["3"]), id="rating-string"),
        pytest.param(payload(ratings={"a": 3}), id="ratings-object"),
    ],
)
def test_from_dict_rejects_hostile_payloads(data):
    assert RatedDialogue.from_dict(payload()).satisfaction == 4.0
    with pytest.raises(SchemaError):
        RatedDialogue.from_dict(data)


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name, turns, turns_with_acts, with_domain",
    [("MWOZ.txt", 22_108, 15_080, True), ("SGD.txt", 25_666, 25_666, False)],
)
def test_real_files(name, turns, turns_with_acts, with_domain):
    rated = load_uss(require_shared("uss", name))
    stem = name.removesuffix(".txt")
    assert len(rated) == 1000
    assert [r.dialogue.id for r in rated] == [f"{stem}-{i:04d}" for i in range(1, 1001)]
    all_turns = [t for r in rated for t in r.dialogue.turns]
    assert len(all_turns) == turns
    assert sum(1 for t in all_turns if t.acts) == turns_with_acts
    assert all(bool(a.domain) == with_domain for t in all_turns for a in t.acts)
    assert all(1 <= r.satisfaction <= 5 for r in rated)
    assert 1 <= sum(r.satisfaction for r in rated) / len(rated) <= 5
    assert all(3 <= len(r.ratings) <= 7 for r in rated)
    # Every rater rates every user turn: as many ratings per user turn as OVERALL ratings.
    assert all(len(tr) == len(r.ratings) for r in rated for tr in r.turn_ratings if tr)
