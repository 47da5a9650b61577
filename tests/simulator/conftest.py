"""Fixtures for the simulator tests: the city guide's database and an act-level pipeline without an NLU."""

from __future__ import annotations

import pytest

from tod.domain.context import BuildContext
from tod.domain.database import Database, open_database
from tod.dst.rule import RuleDST
from tod.nlg.template import TemplateNLG
from tod.pipeline.pipeline import Pipeline
from tod.policy.rule import RulePolicy


@pytest.fixture(scope="session")
def city_db() -> Database:
    return open_database("cityguide")


@pytest.fixture(scope="session")
def act_pipeline() -> Pipeline:
    """The city guide's tracker, policy and NLG; no NLU (act-level simulation needs none)."""
    context = BuildContext.open("cityguide", None, 0, None, False)
    return Pipeline(
        context, None, RuleDST.from_config(context), RulePolicy.from_config(context), TemplateNLG.from_config(context)
    )
