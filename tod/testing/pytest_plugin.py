"""pytest fixtures for simulated-user tests (loaded automatically once tod is installed).

- ``tod_pipeline`` (session scope): the system under test. By default the pipeline named by the
  ini option ``tod_pipeline`` (``cityguide`` when unset), with the ``tod_pipeline_set`` overrides
  (``nlu.model=DIR`` lines); override the fixture in your ``conftest.py`` to hand in your own
  :class:`~tod.pipeline.pipeline.Pipeline`.
- ``simulated_user``: a :class:`~tod.testing.simulated_user.SimulatedUser` of that pipeline, at the
  level of the ini option ``tod_simulation_level`` (``text`` when unset; ``act`` skips NLU and NLG).

Example (``tests/test_bot.py``)::

    def test_books_a_table(simulated_user):
        result = simulated_user.run(goal={"restaurant": {"info": {"food": "italian"},
                                                         "book": {"people": "2", "day": "friday", "time": "19:00"}}})
        assert result.success, result.transcript()
"""

from __future__ import annotations

from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("tod_pipeline", "pipeline name or file for the simulated_user fixture", default="cityguide")
    parser.addini(
        "tod_pipeline_set", "pipeline overrides (STAGE.PARAM=VALUE), one per line", type="linelist", default=[]
    )
    parser.addini("tod_simulation_level", "act or text: the simulated_user fixture's level", default="text")


@pytest.fixture(scope="session")
def tod_pipeline(pytestconfig: pytest.Config) -> Any:
    from tod.pipeline.config import load_pipeline_config, parse_overrides
    from tod.pipeline.pipeline import Pipeline

    overrides = parse_overrides(list(pytestconfig.getini("tod_pipeline_set")))
    config = load_pipeline_config(pytestconfig.getini("tod_pipeline"), overrides)
    return Pipeline.from_config(config, progress=False)


@pytest.fixture(scope="session")
def tod_simulation_level(pytestconfig: pytest.Config) -> str:
    return str(pytestconfig.getini("tod_simulation_level"))


@pytest.fixture
def simulated_user(tod_pipeline: Any, tod_simulation_level: str) -> Any:
    from tod.testing.simulated_user import SimulatedUser

    return SimulatedUser(tod_pipeline, level=tod_simulation_level)
