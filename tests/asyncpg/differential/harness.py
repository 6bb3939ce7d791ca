"""The recorded differential harness: each scenario runs three times, and what the code observes must be the same.

1. **real**: plain asyncpg against the throwaway PostgreSQL, no bigfoot at all. This is the truth.
2. **recorded**: inside a sandbox in record mode (``verifier.record_target``), so the code talks to bigfoot's fakes
   answered by the same server, and bigfoot's recorder writes the test's script and assertions as Python.
3. **replayed**: the recorded script is executed on a fresh verifier, the scenario runs in its sandbox with no server
   behind the fakes, then the recorded assertions are executed and ``verify_all()`` must pass, so the generated
   code is checked as a user would paste it.

Nobody types a script by hand: every answer the fake gives in the third run is what the server gave in the second.
The observations of the three runs must be equal, after the normalisations below, each of which stands for one of the
deliberate differences docs/fidelity.md lists (a test holds the two lists together).

A scenario is ``async def s(db)``: it connects with ``db.connect()`` / ``db.create_pool()`` (asyncpg's own functions,
with the fixture's parameters) and reports what it sees through ``db.observe`` / ``db.attempt``. It sets up and drops
what it needs itself (temporary tables, or tables named after the scenario), so scenarios run in any order.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bigfoot import StrictVerifier, _recording
from bigfoot._current import install, uninstall
from bigfoot.plugins.asyncpg import AsyncpgPlugin

Run = Callable[["Database"], Awaitable[None]]

_ADDRESS = re.compile(r" object at 0x[0-9a-f]+")
_BARE_ADDRESS = re.compile(r" 0x[0-9a-f]+>$")  # the end of asyncpg's Cursor repr
_TEMPORARY_SCHEMA = re.compile(r"\bpg_temp_\d+\b")


def _steady(field: Any) -> Any:
    """A field of a server error, less what differs between two runs on the same server: the number of the
    temporary schema (``pg_temp_3``) goes with the server slot a connection happens to get, so a table's schema in an
    error can differ between the real run and the recorded one. The replay gives back exactly what was recorded."""
    return _TEMPORARY_SCHEMA.sub("pg_temp_N", field) if isinstance(field, str) else field


# How long the real server gets to deliver a NOTIFY the code sent to itself (a unix socket on this machine).
NOTIFY_SETTLE = 0.05


@dataclass(frozen=True)
class Scenario:
    """One case of the suite: ``edge`` marks an error or edge case, ``xfail`` the exact difference still open."""

    name: str
    run: Run
    theme: str
    edge: bool
    xfail: str | None = None


SCENARIOS: dict[str, Scenario] = {}


def register(name: str, run: Run, *, theme: str, edge: bool, xfail: str | None = None) -> Run:
    if name in SCENARIOS:
        raise ValueError(f"two differential scenarios are named {name!r}")
    SCENARIOS[name] = Scenario(name, run, theme, edge, xfail)
    return run


def scenario(theme: str, *, edge: bool = True, xfail: str | None = None) -> Callable[[Run], Run]:
    """Register the decorated function as a scenario named after it."""

    def add(run: Run) -> Run:
        return register(run.__name__, run, theme=theme, edge=edge, xfail=xfail)

    return add


# -- what code can observe --------------------------------------------------------------------------------------


def describe(value: Any) -> Any:
    """What code can observe of ``value``, as plain data that compares equal across the three runs."""
    if isinstance(value, BaseException):
        seen: tuple[Any, ...] = ("error", type(value).__name__, str(value))
        if isinstance(value, asyncpg.PostgresError):
            fields = value.as_dict()
            seen += (value.sqlstate, tuple(sorted((k, _steady(v)) for k, v in fields.items() if v is not None)))
        else:
            seen += (getattr(value, "hint", None), getattr(value, "detail", None))
        return seen
    if isinstance(value, asyncpg.Record):
        return (
            "record",
            type(value).__name__,
            isinstance(value, asyncpg.Record),
            tuple((key, describe(item)) for key, item in value.items()),
            _ADDRESS.sub(" object", repr(value)),
        )
    if isinstance(value, list):
        return ["list", *(describe(item) for item in value)]
    if type(value) is tuple:
        return ("tuple", *(describe(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple((describe(k), describe(v)) for k, v in value.items()))
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    text = _BARE_ADDRESS.sub(" 0x...>", repr(value))
    if " object at 0x" in text:  # asyncpg's Path and Polygon: what they hold, not where they are
        return (type(value).__name__, [describe(item) for item in value], getattr(value, "is_closed", None))
    return (type(value).__name__, text)


class Database:
    """What a scenario uses to connect and to report what it saw; one per run."""

    def __init__(self, params: dict[str, str], deliver: Callable[[str, str], Awaitable[None]]) -> None:
        self.params = params
        self.observations: list[tuple[str, Any]] = []
        self.connections: list[Any] = []
        self._deliver = deliver

    async def connect(self, **settings: Any) -> Any:
        """``asyncpg.connect()`` with the fixture's parameters; its transaction state is observed after each attempt."""
        conn = await asyncpg.connect(**{**self.params, **settings})
        self.connections.append(conn)
        return conn

    def create_pool(self, **settings: Any) -> Any:
        return asyncpg.create_pool(**self.params, **settings)

    def observe(self, label: str, value: Any) -> None:
        self.observations.append((label, describe(value)))

    def observe_deliberate(self, name: str, label: str, value: Any) -> None:
        """An observation where the fakes differ from asyncpg on purpose: normalisation ``name`` takes it out of the
        comparison (see NORMALISATIONS), so the scenario still shows the code can make it."""
        if name not in NORMALISATIONS:
            raise KeyError(f"no normalisation is named {name!r}; the harness has {sorted(NORMALISATIONS)}")
        self.observations.append((label, ("deliberate", name, describe(value))))

    def states(self) -> list[Any]:
        """Closed or not, and in a transaction or not, for every connection the scenario opened."""
        return [("closed",) if conn.is_closed() else ("open", conn.is_in_transaction()) for conn in self.connections]

    async def attempt(self, label: str, awaitable: Awaitable[Any]) -> Any:
        """Await ``awaitable``; observe its result or its error, and the state of the connections after it."""
        try:
            result = await awaitable
        except Exception as exc:
            self.observations.append((label, (describe(exc), self.states())))
            return exc
        self.observations.append((label, (describe(result), self.states())))
        return result

    async def attempt_call(self, label: str, call: Callable[[], Awaitable[Any]]) -> Any:
        """Like ``attempt``, and also tells whether an error came at the call or at the await."""
        try:
            awaitable = call()
        except Exception as exc:
            self.observe(label, ("at call", describe(exc)))
            return exc
        return await self.attempt(label, awaitable)

    async def notification_arrives(self, channel: str, payload: str) -> None:
        """Real server: give the NOTIFY the code sent time to arrive. Replayed: deliver it, as a test would."""
        await self._deliver(channel, payload)


# -- the three runs -----------------------------------------------------------------------------------------------


def dsn_of(server: dict[str, str]) -> str:
    return f"postgresql://{server['user']}@/{server['database']}?host={server['host']}"


async def _settle(channel: str, payload: str) -> None:
    await asyncio.sleep(NOTIFY_SETTLE)


async def _body(scenario: Scenario, db: Database) -> None:
    """The scenario itself; what it lets escape is observed like anything else."""
    try:
        await scenario.run(db)
    except Exception as exc:
        db.observe("escaped the scenario", exc)
    finally:
        for conn in db.connections:
            if not conn.is_closed():
                conn.terminate()


def _run(coroutine: Awaitable[Any]) -> Any:
    # A fresh context: nothing the run sets (the sandbox, the current verifier) leaks into the next.
    return contextvars.Context().run(asyncio.run, coroutine)  # type: ignore[arg-type]


def run_real(scenario: Scenario, server: dict[str, str]) -> list[tuple[str, Any]]:
    db = Database(server, _settle)
    _run(_body(scenario, db))
    return db.observations


@dataclass
class Recorded:
    observations: list[tuple[str, Any]]
    text: str
    script: str = field(init=False)
    assertions: str = field(init=False)

    def __post_init__(self) -> None:
        head, _, rest = self.text.partition(_recording.SCRIPT_HEADER + "\n")
        script, _, assertions = rest.partition(_recording.ASSERTIONS_HEADER + "\n")
        imports = [line for line in head.splitlines() if line.startswith(("import ", "from "))]
        self.script = "\n".join(["import bigfoot", *imports, script.strip()]) + "\n"
        self.assertions = "\n".join(["import bigfoot", *imports, assertions.strip()]) + "\n"


def run_recorded(scenario: Scenario, server: dict[str, str]) -> Recorded:
    """Record mode against the server: the observations, and the Python bigfoot wrote for the run."""
    verifier = StrictVerifier()
    verifier.record_target = dsn_of(server)
    AsyncpgPlugin(verifier)
    db = Database(server, _settle)

    async def recording() -> str | None:
        token = install(verifier)
        try:
            async with verifier.sandbox():
                await _body(scenario, db)
            # Rendered while the loop runs, so what the code left open is closed on it.
            return _recording.render(verifier, f"differential::{scenario.name}", partial=False)
        finally:
            uninstall(token)

    text = _run(recording())
    return Recorded(db.observations, text or "")


def run_replayed(scenario: Scenario, server: dict[str, str], recorded: Recorded) -> list[tuple[str, Any]]:
    """The recorded script on a fresh verifier, no server: the observations; the recorded assertions must pass."""
    verifier = StrictVerifier()
    plugin = AsyncpgPlugin(verifier)

    async def deliver(channel: str, payload: str) -> None:
        await plugin.notify(channel, payload)

    db = Database(server, deliver)

    async def replaying() -> None:
        token = install(verifier)
        try:
            namespace: dict[str, Any] = {"__name__": f"differential_{scenario.name}"}
            exec(compile(recorded.script, f"<script of {scenario.name}>", "exec"), namespace)
            async with verifier.sandbox():
                await _body(scenario, db)
            exec(compile(recorded.assertions, f"<assertions of {scenario.name}>", "exec"), namespace)
            verifier.verify_all()
        finally:
            uninstall(token)

    _run(replaying())
    return db.observations


# -- deliberate differences ----------------------------------------------------------------------------------------
#
# Each normalisation takes one deliberate difference (docs/fidelity.md lists them, with these names) out of every
# run's observations before they are compared, so that everything else about the same observation is still compared.
# tests/asyncpg/differential/test_harness.py holds this table and the page's list together.

Observations = list[tuple[str, Any]]


def _map(observations: Observations, change: Callable[[Any], Any]) -> Observations:
    """``change`` applied to every described value, however deep, of every observation."""

    def walk(value: Any) -> Any:
        changed = change(value)
        if changed is not value:
            return changed
        if type(value) is tuple:
            return tuple(walk(item) for item in value)
        if type(value) is list:
            return [walk(item) for item in value]
        return value

    return [(label, walk(value)) for label, value in observations]


def _without_server_source_of_25p02(observations: Observations) -> Observations:
    def change(value: Any) -> Any:
        if type(value) is tuple and len(value) == 5 and value[0] == "error" and value[3] == "25P02":
            fields = tuple(pair for pair in value[4] if not pair[0].startswith("server_source_"))
            return (*value[:4], fields)
        return value

    return _map(observations, change)


def _deliberate(name: str) -> Callable[[Observations], Observations]:
    """Observations the scenario reported with ``db.observe_deliberate(name, ...)``: their value is not compared."""

    def applies(observations: Observations) -> Observations:
        return [
            (label, ("deliberate", name))
            if type(value) is tuple and value[:2] == ("deliberate", name)
            else (label, value)
            for label, value in observations
        ]

    return applies


NORMALISATIONS: dict[str, Callable[[Observations], Observations]] = {
    # An InFailedSQLTransactionError's server_source_* fields: the fake answers 25P02 itself without them, and record
    # mode may be refused at another spot of the server's code.
    "server-source-of-25P02": _without_server_source_of_25p02,
    # A row of the default class also equals a mapping with the same columns and values.
    "record-equals-mapping": _deliberate("record-equals-mapping"),
    # copy_from_table() and copy_from_query() write nothing to output.
    "copy-output-not-written": _deliberate("copy-output-not-written"),
}


def normalise(observations: Observations) -> Observations:
    for applies in NORMALISATIONS.values():
        observations = applies(observations)
    return observations


# -- the check ----------------------------------------------------------------------------------------------------


def _first_difference(left: Observations, right: Observations) -> str | None:
    for i, (a, b) in enumerate(zip(left, right, strict=False)):
        if a != b:
            return f"observation {i} ({a[0]!r}):\n  {a[1]!r}\n  {b[1]!r}"
    if len(left) != len(right):
        extra = left[len(right) :] or right[len(left) :]
        return f"{len(left)} observations against {len(right)}; the extra ones: {extra!r}"
    return None


def check(scenario: Scenario, server: dict[str, str]) -> None:
    """Run ``scenario`` real, recorded and replayed; fail with the first difference and the recorded code."""
    real = normalise(run_real(scenario, server))
    recorded = run_recorded(scenario, server)
    assert real, "the scenario observed nothing"
    difference = _first_difference(real, normalise(recorded.observations))
    assert difference is None, f"record mode differs from asyncpg (real first, recorded second) at {difference}"
    replayed = normalise(run_replayed(scenario, server, recorded))
    difference = _first_difference(real, replayed)
    assert difference is None, (
        f"the replay differs from asyncpg (real first, replayed second) at {difference}\n"
        f"recorded code:\n{recorded.text}"
    )


def counts(scenarios: Iterable[Scenario]) -> tuple[int, int]:
    listed = list(scenarios)
    return len(listed), sum(scenario.edge for scenario in listed)


def safe_name(text: str) -> str:
    """A table or label name made from free text: lower case letters, digits and underscores."""
    return re.sub(r"\W+", "_", text.lower()).strip("_")
