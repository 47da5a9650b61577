"""The city guide's build context, domain and database, for the pipeline's reading tests (a module that
needs another domain defines its own ``context``)."""

from __future__ import annotations

import pytest

from tod.domain.context import BuildContext


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("cityguide", progress=False)


@pytest.fixture(scope="module")
def city(context):
    return context.domain


@pytest.fixture(scope="module")
def db(context):
    return context.database
