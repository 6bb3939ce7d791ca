"""Every recorded differential scenario: asyncpg, record mode and the replayed recording observe the same."""

from __future__ import annotations

import pytest

from . import (  # noqa: F401  (each module registers its scenarios)
    scenarios_connection,
    scenarios_cursors_prepared,
    scenarios_errors,
    scenarios_pools,
    scenarios_queries,
    scenarios_transactions,
    scenarios_types,
)
from .harness import SCENARIOS, check


def _cases() -> list[object]:
    cases = []
    for name in sorted(SCENARIOS):
        known = SCENARIOS[name].xfail
        marks = [pytest.mark.xfail(strict=True, reason=known)] if known else []
        cases.append(pytest.param(name, marks=marks, id=name))
    return cases


@pytest.mark.parametrize("name", _cases())
def test_scenario_observes_the_same(name: str, server: dict[str, str]) -> None:
    check(SCENARIOS[name], server)
