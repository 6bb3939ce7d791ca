"""Validate mode for asyncpg: every query the test scripted and asserted is prepared on a real PostgreSQL.

Nothing is executed. ``Connection.prepare()`` only sends the statement to be parsed, analysed and described (asyncpg
may read the catalogs to learn a result type), and the connection runs with ``default_transaction_read_only`` on, so
even a mistake here could not write. What the server says is compared with the test:

- the statement must prepare: a syntax error, a misspelled column or a table that is not there is a difference;
- the number of parameters the server finds must be the number of arguments each call passed;
- the rows the script gives (``returns`` of ``fetch``, ``fetchrow``, ``fetchmany`` and ``cursor`` steps, prepared
  statements' too) must have the statement's result columns as their keys, in the same order; ``fetchval``'s
  ``column=`` name must be one of them.

Which calls: every interaction that carries a query (``execute``, ``executemany``, ``fetch``, ``fetchrow``,
``fetchval``, ``fetchmany``, ``cursor``, ``prepare``, ``explain``, ``copy_from_query``), whether the code made it
through a connection, a pool or a prepared statement. Utility statements (``BEGIN``, ``SET``, ``CREATE TABLE``)
prepare too, though the server checks little of them before running them. ``execute()`` without arguments (and
``copy_from_query()`` without them) uses the simple protocol, which accepts several statements in one string: the
server still parses the whole string, so a syntax error is found, but when it answers that the string holds several
commands nothing more is checked. A scripted error of the same kind as the server's answer is no difference: a test
may script that a query fails. A computed answer (``bigfoot.answer``) has no rows to check until it runs.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import asyncpg

from ..._sandbox import outside_sandbox
from ..._script import Answer

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from ..._script import Step
    from ..._timeline import Interaction
    from .plugin import AsyncpgPlugin

__all__ = ["validate"]

QUERY_METHODS = frozenset(
    {
        "execute",
        "executemany",
        "fetch",
        "fetchrow",
        "fetchval",
        "fetchmany",
        "cursor",
        "prepare",
        "explain",
        "copy_from_query",
    }
)
ROW_METHODS = frozenset({"fetch", "fetchrow", "fetchmany", "cursor"})
MANY_METHODS = frozenset({"executemany", "fetchmany"})  # args is a list of argument tuples
SIMPLE_METHODS = frozenset({"execute", "copy_from_query"})  # without args: asyncpg's simple protocol

MULTIPLE_COMMANDS = "cannot insert multiple commands into a prepared statement"
CONNECT_OPTIONS: dict[str, Any] = {
    "timeout": 10,
    "command_timeout": 30,
    "statement_cache_size": 0,
    "server_settings": {"default_transaction_read_only": "on", "application_name": "bigfoot-validate"},
}


class Check:
    """One call to check: its query, the argument counts it passed, and the step that answered it."""

    __slots__ = ("interaction", "method", "query", "counts", "simple", "step")

    def __init__(self, interaction: Interaction, query: str) -> None:
        fields = interaction.fields
        method = interaction.method
        args = fields.get("args", [])
        self.interaction = interaction
        self.method = method
        self.query = query
        self.step: Step | None = interaction.step
        self.simple = method in SIMPLE_METHODS and not args
        if method == "prepare":
            self.counts: list[int] = []  # prepare() is given no arguments
        elif method in MANY_METHODS:  # the fake has counted each tuple already, so each has a length
            self.counts = sorted({len(each) for each in args})
        else:
            self.counts = [len(args)]


def checks_of(plugin: AsyncpgPlugin) -> list[Check]:
    """The calls of the test that carry a query, in the order they were made."""
    found = []
    for interaction in plugin.verifier._timeline:
        if interaction.source.plugin is not plugin or interaction.method not in QUERY_METHODS:
            continue
        fields = interaction.fields
        query = fields.get("command", fields.get("query"))
        if isinstance(query, str):
            found.append(Check(interaction, query))
    return found


class Described:
    """What the server said of a query it could prepare: its parameter count and result columns."""

    __slots__ = ("parameters", "columns")

    def __init__(self, parameters: int, columns: tuple[str, ...]) -> None:
        self.parameters = parameters
        self.columns = columns


async def describe_all(target: str, queries: Iterable[str]) -> dict[str, Described | asyncpg.PostgresError]:
    """Prepare each query once on one connection to ``target``, keeping its description or the server's error;
    nothing is executed."""
    described: dict[str, Described | asyncpg.PostgresError] = {}
    con = await asyncpg.connect(target, **CONNECT_OPTIONS)
    try:
        for query in queries:
            if query in described:
                continue
            try:
                statement = await con.prepare(query)
            except asyncpg.PostgresError as exc:
                described[query] = exc
                continue
            columns = tuple(attribute.name for attribute in statement.get_attributes())
            described[query] = Described(len(statement.get_parameters()), columns)
    finally:
        await con.close()
    return described


def run_in_thread(target: str, queries: list[str]) -> dict[str, Described | asyncpg.PostgresError]:
    """``describe_all`` on an event loop of its own (a runner may ask from inside its loop), outside any sandbox."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            with outside_sandbox():
                outcome.append(asyncio.run(describe_all(target, queries)))
        except BaseException as exc:  # reported by the caller
            outcome.append(exc)

    thread = threading.Thread(target=run, name="bigfoot-validate")
    thread.start()
    thread.join()
    (result,) = outcome
    if isinstance(result, BaseException):
        raise result
    described: dict[str, Described | asyncpg.PostgresError] = result
    return described


def validate(plugin: AsyncpgPlugin, target: str) -> list[str]:
    """One message per difference between the test's calls and scripted rows and the server at ``target``."""
    checks = checks_of(plugin)
    if not checks:
        return []
    try:
        described = run_in_thread(target, [check.query for check in checks])
    except Exception as exc:
        return [f"the queries could not be checked: {type(exc).__name__}: {exc}"]
    problems: list[str] = []
    for check in checks:
        problems += differences(plugin, check, described[check.query])
    return problems


def differences(plugin: AsyncpgPlugin, check: Check, described: Described | asyncpg.PostgresError) -> list[str]:
    """What differs for one call: the prepare error, or the argument counts, the rows and ``fetchval``'s column."""
    step = check.step
    where = f"scripted at {step.location}" if step is not None else "no scripted step"
    call = f"{plugin.called_name(check.method)}({check.query!r}) ({where})"
    if isinstance(described, asyncpg.PostgresError):
        error = described
        if check.simple and _several_commands(error):
            return []  # the simple protocol's several statements: parsed whole, nothing more to check
        if _scripted(step, error):
            return []
        return [f"{call}: the server cannot prepare it: {_error_text(error)}"]
    found: list[str] = []
    expected = described.parameters
    for count in check.counts:
        if count != expected:
            found.append(
                f"{call}: the query takes {_plural(expected, 'argument')}, the call passed {count}"
                + (" (execute() without arguments sends no parameters)" if check.simple and expected else "")
            )
    if step is not None and check.method in ROW_METHODS:
        found += _row_differences(call, step, described.columns)
    column = check.interaction.fields.get("column")
    if isinstance(column, str) and column not in described.columns:  # only fetchval() has a column
        found.append(
            f"{call}: column={column!r} is not a column of the query; its columns: {_names(described.columns)}"
        )
    return found


def _row_differences(call: str, step: Step, columns: tuple[str, ...]) -> list[str]:
    returns = step.returns
    if isinstance(returns, Answer) or returns is None:
        return []
    rows = [returns] if step.method == "fetchrow" else list(returns)
    found: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for number, row in enumerate(rows, 1):
        keys = tuple(str(key) for key in row.keys())  # noqa: SIM118 - iterating a row yields its values
        if keys in seen:
            continue  # the same keys as an earlier row: already reported once
        seen.add(keys)
        extra = [key for key in keys if key not in columns]
        missing = [column for column in columns if column not in keys]
        label = "the scripted row" if step.method == "fetchrow" else f"scripted row {number}"
        if extra:
            found.append(
                f"{call}: {label} has {_keys(extra)} that the query does not return; its columns: {_names(columns)}"
            )
        if missing:
            found.append(f"{call}: {label} lacks {_keys(missing, 'column')} that the query returns: {_names(missing)}")
        if not extra and not missing and keys != columns:
            found.append(
                f"{call}: {label} has the columns in another order: {_names(keys)}; the query's: {_names(columns)}"
            )
    return found


def _keys(names: list[str], noun: str = "key") -> str:
    listed = ", ".join(repr(name) for name in names)
    return f"{noun} {listed}" if len(names) == 1 else f"{noun}s {listed}"


def _names(names: Iterable[str]) -> str:
    listed = ", ".join(names)
    return listed or "(none)"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _several_commands(error: BaseException) -> bool:
    return MULTIPLE_COMMANDS in str(error)  # a syntax error (42601) with these words only


def _scripted(step: Step | None, error: BaseException) -> bool:
    """Whether the step that answered the call raises the very kind of error the server answers with."""
    raises = None if step is None else step.raises
    if raises is None:
        return False
    kind = raises if isinstance(raises, type) else type(raises)
    return kind is not asyncpg.PostgresError and isinstance(error, kind)


def _error_text(error: BaseException) -> str:
    """The server's error on one line: its class, message and hint (asyncpg's str() puts the hint on a line of its
    own)."""
    message = getattr(error, "message", None) or str(error)
    text = f"{type(error).__name__}: {message}"
    hint = getattr(error, "hint", None)
    return f"{text} (hint: {hint})" if hint else text
