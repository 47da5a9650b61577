"""The human-written conversations of data/conversations/ and their loader."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import require_shared
from tod.data.conversations import PHENOMENA, check_against_domain, load_conversations
from tod.domain.context import BuildContext
from tod.errors import CorpusError

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = ROOT / "data" / "conversations"

GOOD = """# id: a-1
# goal: {"restaurant": {"info": {"food": "thai"}, "not": {"area": ["north"]}, "reqt": ["phone"]}}
# covers: negation, follow-up-request
hey any thai places, not up north tho
phone?

# id: a-2
# goal: {"hotel": {"info": {"type": "dontcare"}, "book": {"people": "2", "day": "friday", "stay": "2"}}}
a room in the centre, 2 of us, friday, 2 nights
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_loads_into_typed_conversations(tmp_path: Path) -> None:
    first, second = load_conversations(write(tmp_path, GOOD))
    assert (first.id, first.line, first.covers) == ("a-1", 1, ("negation", "follow-up-request"))
    assert first.turns == ("hey any thai places, not up north tho", "phone?")
    goal = first.goal["restaurant"]
    assert dict(goal.info) == {"food": "thai"} and dict(goal.exclude) == {"area": ("north",)}
    assert goal.reqt == ("phone",) and not goal.book
    assert (second.line, second.covers, dict(second.goal["hotel"].book)["stay"]) == (7, (), "2")
    assert dict(second.goal["hotel"].info) == {"type": "dontcare"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "found none"),
        ("# id: x\nhello\n", "no '# goal:' line"),
        ('# goal: {"hotel": {"info": {"area": "north"}}}\nhello\n', "no '# id:' line"),
        ("# id: x\n# goal: {not json\nhello\n", ":2: the goal is not JSON"),
        ('# id: x\n# goal: ["hotel"]\nhello\n', "a JSON object of sub-domains"),
        ('# id: x\n# goal: {"hotel": {"wish": {}}}\nhello\n', "some of ['info', 'not', 'reqt', 'book']"),
        ('# id: x\n# goal: {"hotel": {"info": {"stars": 4}}}\nhello\n', "non-empty string values"),
        ('# id: x\n# goal: {"hotel": {"reqt": "phone"}}\nhello\n', "a list of non-empty strings"),
        ('# id: x\n# goal: {"hotel": {"not": {"area": "north"}}}\nhello\n', "a list of non-empty strings"),
        ('# id: x\n# goal: {"hotel": {"reqt": ["phone"]}}\n', "expected 1 to 20 user turns, found 0"),
        ('# id: x\n# goal: {"hotel": {"reqt": ["phone"]}}\n# covers: sarcasm\nhi\n', "unknown phenomena ['sarcasm']"),
        ('# id: x\n# goal: {"hotel": {"reqt": ["phone"]}}\nhi\n# covers: plain\n', "metadata comes first"),
        ('# id: x\n# id: y\n# goal: {"hotel": {"reqt": ["phone"]}}\nhi\n', "twice in one conversation"),
        ('# id: x\n# mood: happy\n# goal: {"hotel": {"reqt": ["phone"]}}\nhi\n', "expected '# id:'"),
        (
            '# id: x\n# goal: {"hotel": {"reqt": ["phone"]}}\nhi\n\n'
            '# id: x\n# goal: {"hotel": {"reqt": ["phone"]}}\nho\n',
            "again",
        ),
    ],
)
def test_a_malformed_file_is_an_error_naming_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(CorpusError) as caught:
        load_conversations(write(tmp_path, text))
    assert expected in str(caught.value)
    assert "c.txt" in str(caught.value)


def test_a_file_that_is_not_text_or_not_there_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_bytes(b"# id: x\n\xff\xfe\n")
    with pytest.raises(CorpusError):
        load_conversations(tmp_path / "c.txt")
    with pytest.raises(CorpusError):
        load_conversations(tmp_path / "missing.txt")


def test_goals_are_checked_against_the_ontology_and_the_database(tmp_path: Path) -> None:
    context = BuildContext.open("cityguide")
    text = (
        '# id: ok\n# goal: {"restaurant": {"info": {"food": "italian"}, "reqt": ["phone"]}}\nhi\n\n'
        '# id: no-match\n# goal: {"restaurant": {"info": {"food": "italian"}, "not": {"food": ["italian"]}}}\nhi\n\n'
        '# id: bad-slot\n# goal: {"restaurant": {"info": {"colour": "red"}, "book": {"nights": "2"}}}\nhi\n\n'
        '# id: bad-domain\n# goal: {"spaceport": {"reqt": ["phone"]}}\nhi\n'
    )
    problems = {
        c.id: check_against_domain(c, context.domain, context.database)
        for c in load_conversations(write(tmp_path, text))
    }
    assert problems["ok"] == []
    assert "no restaurant meets" in problems["no-match"][0]
    assert any("no constraint slot 'colour'" in p for p in problems["bad-slot"])
    assert any("no booking detail slot 'nights'" in p for p in problems["bad-slot"])
    assert "no sub-domain 'spaceport'" in problems["bad-domain"][0]


def _coverage(path: Path, at_least: int, per_tag: int) -> list:
    conversations = load_conversations(path)
    assert len(conversations) >= at_least
    tags = Counter(tag for c in conversations for tag in c.covers)
    assert {tag: tags[tag] for tag in PHENOMENA if tags[tag] < per_tag} == {}
    assert all(3 <= len(c.turns) <= 7 for c in conversations)
    return conversations


def test_the_city_guide_dev_set_is_well_formed_covers_every_phenomenon_and_can_be_satisfied() -> None:
    conversations = _coverage(CONVERSATIONS / "cityguide.txt", at_least=60, per_tag=6)
    context = BuildContext.open("cityguide")
    assert [p for c in conversations for p in check_against_domain(c, context.domain, context.database)] == []


@pytest.mark.corpus
def test_the_multiwoz_dev_set_is_well_formed_covers_every_phenomenon_and_can_be_satisfied() -> None:
    data = require_shared("multiwoz")
    conversations = _coverage(CONVERSATIONS / "multiwoz.txt", at_least=30, per_tag=3)
    context = BuildContext.open("multiwoz", data)
    assert [p for c in conversations for p in check_against_domain(c, context.domain, context.database)] == []
