"""The FAQ file: the cityguide FAQ, and malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tod.domain.paths import domain_dir
from tod.errors import DomainError
from tod.fallback.faq import Faq, domain_faq, load_faq


@pytest.fixture(scope="module")
def cityguide_faq() -> Faq:
    return domain_faq(domain_dir("cityguide"))


def test_cityguide_faq_shape(cityguide_faq):
    assert 20 <= len(cityguide_faq.entries) <= 40
    questions = [q for e in cityguide_faq.entries for q in e.questions]
    assert len(questions) == len(set(q.lower() for q in questions)), "a question phrasing is repeated"
    assert all(20 <= len(e.answer) <= 400 for e in cityguide_faq.entries)
    assert cityguide_faq.steer_back is not None and "Harbourton" in cityguide_faq.steer_back


def test_cityguide_faq_covers_the_issue_topics(cityguide_faq):
    answers = " ".join(e.answer.lower() for e in cityguide_faq.entries)
    for topic in ("visitor centre", "beach", "weather", "bus", "city guide"):
        assert topic in answers


def test_cityguide_faq_phone_numbers_are_fictional(cityguide_faq):
    import re

    numbers = re.findall(r"\b0\d{9,10}\b", " ".join(e.answer for e in cityguide_faq.entries))
    assert numbers and all(n.startswith("01632960") for n in numbers)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faq.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_single_question_string_is_accepted(tmp_path):
    faq = load_faq(_write(tmp_path, "entries:\n  - {questions: 'Who are you?', answer: A guide.}\n"))
    assert faq.entries[0].questions == ("Who are you?",) and faq.steer_back is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list\n", "expected a mapping"),
        ("entries: []\n", "non-empty list"),
        ("questions: [a]\n", r"unknown key\(s\) \['questions'\]: expected some of \['entries', 'steer_back'\]"),
        ("entries:\n  - {questions: [a]}\n", "entry 1: expected the keys"),
        ("entries:\n  - {questions: [a], answer: b, extra: c}\n", "entry 1: expected the keys"),
        ("entries:\n  - {questions: [], answer: b}\n", "non-empty list of strings"),
        ("entries:\n  - {questions: ['  '], answer: b}\n", "non-empty string"),
        ("entries:\n  - {questions: [a], answer: 3}\n", "answer: expected a non-empty string"),
        ("entries:\n  - {questions: [a], answer: b}\nsteer_back: ''\n", "steer_back"),
        ("entries: [\n", "not valid YAML"),
    ],
)
def test_malformed_faq_files_say_what_is_wrong(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(DomainError, match=message) as info:
        load_faq(path)
    assert str(path) in str(info.value)


def test_a_missing_configured_faq_is_an_error_but_a_missing_default_is_not(tmp_path):
    with pytest.raises(DomainError, match=r"nope\.yaml: expected the FAQ, found nothing there"):
        domain_faq(tmp_path, tmp_path / "nope.yaml")
    assert domain_faq(tmp_path) == Faq()
