"""The differential harness itself: its size, its normalisations against docs/fidelity.md, and that it can fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from . import test_differential  # noqa: F401  (registers every scenario)
from .harness import NORMALISATIONS, SCENARIOS, Database, Scenario, check, counts, describe, normalise

FIDELITY = Path(__file__).resolve().parents[3] / "docs" / "fidelity.md"


def _section(title: str) -> str:
    text = FIDELITY.read_text()
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_there_are_enough_scenarios_and_most_are_errors_or_edge_cases() -> None:
    total, edge = counts(SCENARIOS.values())
    assert total >= 200
    assert edge >= 0.6 * total, (edge, total)
    assert {scenario.theme for scenario in SCENARIOS.values()} >= {
        "errors",
        "types",
        "transactions",
        "pools",
        "cursors_prepared",
        "queries",
        "connection",
    }


def test_the_fidelity_page_states_the_counts() -> None:
    total, edge = counts(SCENARIOS.values())
    xfail = sum(scenario.xfail is not None for scenario in SCENARIOS.values())
    section = _section("What is faithful, and how it is checked")
    stated = re.search(r"(\d+) scenarios, (\d+) of them error or edge cases, (\d+) marked", section)
    assert stated is not None, "docs/fidelity.md no longer states the differential suite's counts"
    assert tuple(int(n) for n in stated.groups()) == (total, edge, xfail)


def test_every_normalisation_is_a_documented_deliberate_difference_and_back() -> None:
    section = _section("Deliberate differences")
    listed = section.split("normalises these, and only these:", 1)[1]
    documented = set(re.findall(r"^- `([\w-]+)`", listed, flags=re.MULTILINE))
    assert documented == set(NORMALISATIONS)


def test_each_normalisation_changes_only_what_it_names() -> None:
    server = describe(_error("25P02", server_source_filename="postgres.c", server_source_line="1"))
    other = describe(_error("22012", server_source_filename="int.c", server_source_line="2"))
    observed = [("refused", ([server], [("open", True)])), ("failed", other)]
    stripped = NORMALISATIONS["server-source-of-25P02"](observed)
    assert stripped[1] == observed[1]
    assert "server_source_filename" in repr(observed[0]) and "server_source_" not in repr(stripped[0])
    assert "postgres.c" not in repr(normalise(observed)[0])

    db = Database({}, _never)
    db.observe_deliberate("record-equals-mapping", "equal", True)
    db.observe("kept", True)
    assert normalise(db.observations) == [
        ("equal", ("deliberate", "record-equals-mapping")),
        ("kept", ("bool", "True")),
    ]
    with pytest.raises(KeyError, match="no normalisation is named 'nope'"):
        db.observe_deliberate("nope", "x", 1)


async def _never(channel: str, payload: str) -> None:
    raise AssertionError("not used")


def _error(sqlstate: str, **fields: str) -> BaseException:
    from bigfoot.plugins.asyncpg import postgres_error

    return postgres_error(sqlstate, "message", **fields)  # type: ignore[arg-type]


async def _random_value(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("a different value every run", conn.fetchval("SELECT random()"))
    await conn.close()


async def _recorded_value_is_replayed(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("a value", conn.fetchval("SELECT 1"))
    await conn.close()


def test_the_harness_fails_when_a_run_differs(postgres: dict[str, str]) -> None:
    # The server answers differently in the real run and the recorded one: the harness says where.
    with pytest.raises(AssertionError, match=r"record mode differs from asyncpg .*'a different value every run'"):
        check(Scenario("random", _random_value, "test", True), postgres)
    check(Scenario("steady", _recorded_value_is_replayed, "test", False), postgres)
