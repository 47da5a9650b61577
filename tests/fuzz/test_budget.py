"""The fuzz tests' example budget: every count in ``EXAMPLES`` is used, and together they make at least
``MIN_TOTAL`` generated cases (issue HARDEN: at least 2,000 in CI's default run)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.fuzz.conftest import EXAMPLES, MIN_TOTAL

HERE = Path(__file__).parent


def test_the_counts_add_up_to_the_budget() -> None:
    assert sum(EXAMPLES.values()) >= MIN_TOTAL


def test_every_count_is_used_by_one_test_and_listed_in_the_docstring() -> None:
    used = [
        name for path in sorted(HERE.glob("test_*.py")) for name in re.findall(r'@fuzz\("(\w+)"\)', path.read_text())
    ]
    assert sorted(used) == sorted(EXAMPLES)
    doc = (HERE / "conftest.py").read_text().split('"""')[1]
    listed = {name: int(count) for name, count in re.findall(r"^(\w+)\s+(\d+)\s", doc, re.MULTILINE)}
    assert listed == EXAMPLES
    assert f"total {sum(EXAMPLES.values()):,}" in doc
