"""The pytest plugin: the simulated_user fixture as a bot builder uses it, here on the tiny city guide."""

from __future__ import annotations

import textwrap

import pytest

from tod.testing.simulated_user import SimulatedUser

pytest_plugins = ("pytester",)

BOOK_ITALIAN = {
    "restaurant": {
        "info": {"food": "italian", "pricerange": "cheap"},
        "reqt": ["phone"],
        "book": {"people": "4", "day": "friday", "time": "19:00"},
    }
}


@pytest.fixture(scope="session")
def tod_pipeline(tiny_pipeline):  # the plugin's fixture, overridden as a bot builder would
    return tiny_pipeline


@pytest.fixture(scope="session")
def tod_simulation_level() -> str:
    return "act"  # the tiny random NLU understands little; the act level tests the dialogue logic


def test_books_a_table(simulated_user: SimulatedUser) -> None:
    result = simulated_user.run(goal=BOOK_ITALIAN)
    assert result.success, result.transcript()
    assert any(a.intent == "book" for t in result.simulated.dialogue.system_turns for a in t.acts)
    assert "restaurant" in result.transcript() and "success=True" in result.transcript()


def test_random_goals_are_seeded(simulated_user: SimulatedUser) -> None:
    first = [simulated_user.goal(seed=4) for _ in range(2)]
    assert first[0] == first[1]
    assert simulated_user.run(seed=4).goal == first[0]


def test_the_plugin_loads_by_itself(pytester: pytest.Pytester) -> None:
    """A fresh pytest run gets the fixtures from the installed entry point and reads the ini options."""
    pytester.makeini("[pytest]\ntod_simulation_level = act\n")
    pytester.makeconftest(
        textwrap.dedent(
            """
            import pytest
            from tod.dst.rule import RuleDST
            from tod.nlg.template import TemplateNLG
            from tod.domain.context import BuildContext
            from tod.pipeline.pipeline import Pipeline
            from tod.policy.rule import RulePolicy

            @pytest.fixture(scope="session")
            def tod_pipeline():
                c = BuildContext.open("cityguide", None, 0, None, False)
                return Pipeline(c, None, RuleDST.from_config(c), RulePolicy.from_config(c), TemplateNLG.from_config(c))
            """
        )
    )
    pytester.makepyfile(
        test_bot=textwrap.dedent(
            """
            def test_hotel(simulated_user, tod_simulation_level):
                assert tod_simulation_level == "act"
                result = simulated_user.run(goal={"hotel": {"info": {"area": "north"}, "reqt": ["phone"]}})
                assert result.success, result.transcript()
            """
        )
    )
    outcome = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    outcome.assert_outcomes(passed=1)


@pytest.mark.slow
def test_text_level_on_the_real_city_guide() -> None:
    """The plugin's defaults: the built-in city guide at text level (its NLU and the user's NLU are
    trained on first use and cached)."""
    from tod.pipeline.config import load_pipeline_config
    from tod.pipeline.pipeline import Pipeline

    pipeline = Pipeline.from_config(load_pipeline_config("cityguide"), progress=False)
    user = SimulatedUser(pipeline, level="text")
    result = user.run(goal=BOOK_ITALIAN)
    assert result.success, result.transcript()
    wins = sum(user.run(seed=s).success for s in range(10))
    assert wins >= 8
