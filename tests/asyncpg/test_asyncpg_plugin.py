"""What happens at a call on the asyncpg fakes: scripted steps, the checks at each call, and what is recorded."""

from __future__ import annotations

import asyncpg
import pytest

from bigfoot import Record, StrictVerifier, UnmockedInteractionError
from bigfoot.plugins.asyncpg import AsyncpgPlugin


async def test_a_scripted_session_answers_in_order(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    (
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="INSERT 0 1")
        .expect("fetch", returns=[{"id": 1, "name": "Alice"}])
        .expect("fetchrow", returns={"id": 2})
        .expect("fetchrow", returns=None)
        .expect("fetchval", returns=42)
        .expect("close")
    )
    with verifier.sandbox() as entered:
        assert entered is verifier
        conn = await asyncpg.connect("postgresql://app@db/app")
        assert isinstance(conn, asyncpg.Connection) and not conn.is_closed() and not conn.is_in_transaction()
        assert await conn.execute("INSERT INTO t VALUES ($1)", "x") == "INSERT 0 1"
        rows = await conn.fetch("SELECT id, name FROM users", timeout=3)
        row = await conn.fetchrow("SELECT id FROM users WHERE id = $1", 2, record_class=None)
        missing = await conn.fetchrow("SELECT 1 WHERE false")
        value = await conn.fetchval("SELECT count(*) FROM users", column="count", timeout=None)
        await conn.close()
        assert conn.is_closed()
        await conn.close()  # idempotent, as in asyncpg: no step, nothing recorded
    assert rows == [{"id": 1, "name": "Alice"}] and isinstance(rows[0], Record) and rows[0]["name"] == "Alice"
    assert isinstance(row, Record) and row["id"] == 2 and missing is None and value == 42
    apg.assert_connect(dsn="postgresql://app@db/app")
    apg.assert_execute(query="INSERT INTO t VALUES ($1)", args=["x"])
    apg.assert_fetch(query="SELECT id, name FROM users", args=[], timeout=3)
    apg.assert_fetchrow(query="SELECT id FROM users WHERE id = $1", args=(2,), record_class=None)
    apg.assert_fetchrow(query="SELECT 1 WHERE false", args=[])
    apg.assert_fetchval(query="SELECT count(*) FROM users", args=[], column="count", timeout=None)
    apg.assert_close()
    verifier.verify_all()


async def test_fetch_returns_a_fresh_list_each_time(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("fetch", returns=[{"a": 1}])
    with verifier.sandbox():
        conn = await asyncpg.connect()
        rows = await conn.fetch("SELECT a")
    rows.append("mine")
    assert apg.verifier.interactions[1].fields == {"query": "SELECT a", "args": []}


async def test_connect_records_exactly_the_arguments_passed(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect")
    apg.new_session().expect("connect")
    with verifier.sandbox():
        await asyncpg.connect(host="localhost", port=5432, user="admin", timeout=60)
        await asyncpg.connect(dsn="postgres://x@y/z", database="other")
    assert [i.fields for i in verifier.interactions] == [
        {"host": "localhost", "port": 5432, "user": "admin", "timeout": 60},
        {"dsn": "postgres://x@y/z", "database": "other"},
    ]
    apg.assert_connect(host="localhost", port=5432, user="admin", timeout=60)
    apg.assert_connect(dsn="postgres://x@y/z", database="other")


async def test_wrong_signatures_raise_type_error_and_consume_nothing(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("fetch", returns=[])
    with verifier.sandbox():
        with pytest.raises(TypeError, match="connect\\(\\) got an unexpected keyword argument 'hots'"):
            await asyncpg.connect(hots="x")
        with pytest.raises(TypeError, match="takes from 0 to 1 positional arguments but 2 were given"):
            await asyncpg.connect("a", "b")
        conn = await asyncpg.connect()
        with pytest.raises(TypeError, match="unexpected keyword argument 'timout'"):
            await conn.fetch("SELECT 1", timout=3)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="missing 1 required positional argument: 'query'"):
            await conn.fetch()  # type: ignore[call-arg]
        await conn.fetch("SELECT 1")
    assert [i.method for i in verifier.interactions] == ["connect", "fetch"]


async def test_raises_step_raises_and_is_recorded(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    boom = asyncpg.UniqueViolationError("duplicate key value violates unique constraint")
    apg.new_session().expect("connect").expect("execute", raises=boom).expect(
        "fetchval", raises=asyncpg.QueryCanceledError
    )
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(asyncpg.UniqueViolationError) as info:
            await conn.execute("INSERT INTO t VALUES (1)")
        assert info.value is boom
        with pytest.raises(asyncpg.QueryCanceledError):
            await conn.fetchval("SELECT pg_sleep(10)")
    apg.assert_connect()
    interaction = apg.assert_execute(query="INSERT INTO t VALUES (1)", args=[], raised=boom)
    assert interaction.raised is boom
    apg.assert_fetchval(query="SELECT pg_sleep(10)", args=[], raised=asyncpg.QueryCanceledError)


async def test_a_raising_connect_leaves_the_rest_of_its_session_unused(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect", raises=OSError("refused")).expect("close")
    with verifier.sandbox():
        with pytest.raises(OSError, match="refused"):
            await asyncpg.connect()
    apg.assert_connect()
    with pytest.raises(AssertionError, match=r"session #1 step 2 'close'"):
        verifier.verify_all()


async def test_calls_on_a_closed_connection_raise_interface_error_and_record_nothing(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("close").expect("fetch", returns=[])
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.close()
        for call in (conn.fetch("SELECT 1"), conn.execute("x"), conn.fetchrow("x"), conn.fetchval("x")):
            with pytest.raises(asyncpg.InterfaceError, match=r"^connection is closed$"):
                await call
    assert [i.method for i in verifier.interactions] == ["connect", "close"]
    apg.assert_connect()
    apg.assert_close()
    # the step left after close is reported as unused
    with pytest.raises(AssertionError) as info:
        verifier.verify_all()
    assert "session #1 step 3 'fetch' (scripted at tests/asyncpg/test_asyncpg_plugin.py:" in str(info.value)


# -- unmocked calls -------------------------------------------------------------------------------------------------


async def test_no_session_queued(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    with verifier.sandbox():
        with pytest.raises(UnmockedInteractionError) as info:
            await asyncpg.connect(host="db", password="hunter2")
    error = info.value
    assert str(error) == (
        "Unmocked call: asyncpg.connect(host='db', password='***'), but no session is queued.\n"
        "Script one before the code runs:\n"
        '    bigfoot.asyncpg_mock.new_session().expect("connect", returns=None)\n'
        "(Masked secrets show as '***'; bigfoot never shows their values.)"
    )
    assert error.method == "connect" and error.session is None and error.expected is None
    assert error.fields == {"host": "db", "password": "hunter2"}  # held masked, equal to what was passed
    assert repr(error.fields) == "{'host': 'db', 'password': <masked '***'>}"
    assert error.hint == 'bigfoot.asyncpg_mock.new_session().expect("connect", returns=None)'
    assert verifier.interactions == []


async def test_called_method_differs_from_the_script(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    handle = apg.new_session().expect("connect").expect("execute", returns="DELETE 1")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(UnmockedInteractionError) as info:
            await conn.fetch("SELECT * FROM users WHERE id = $1", 7)
    where = handle.steps[1].location
    assert str(info.value) == (
        "Unmocked call: conn.fetch(query='SELECT * FROM users WHERE id = $1', args=[7]) on session #1, "
        f"but the script expects 'execute' next (session #1 step 2 'execute' (scripted at {where})).\n"
        "If the call is right, script it at that point of session #1:\n"
        '    .expect("fetch", returns=[{...}])'
    )
    assert info.value.expected is handle.steps[1] and info.value.session == 1
    # nothing consumed: the scripted step is still there for the right call
    assert handle.steps[1] in apg.unused_steps()


async def test_session_used_up(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    handle = apg.new_session().expect("connect").expect("execute", returns="SET").expect("fetchval", returns=1)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.execute("SET x = 1")
        await conn.fetchval("SELECT 1")
        with pytest.raises(UnmockedInteractionError) as info:
            await conn.fetchval("SELECT 1")
    assert str(info.value).startswith(
        "Unmocked call: conn.fetchval(query='SELECT 1', args=[]) on session #1, which has no steps left "
        f"(its last step session #1 step 3 'fetchval' (scripted at {handle.steps[2].location})).\n"
    )
    assert str(info.value).endswith('.expect("fetchval", returns=...)')


async def test_next_session_that_does_not_start_with_connect(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("fetch", returns=[])
    with verifier.sandbox():
        with pytest.raises(UnmockedInteractionError, match="on session #1, but the script expects 'fetch' next"):
            await asyncpg.connect()
    # the session was not taken
    assert apg._next_session == 0 and not apg._sessions[0].taken


async def test_swallowed_unmocked_call_still_fails_verification(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    async def careless() -> None:
        try:
            await asyncpg.connect(host="db")
        except Exception:
            pass  # the code under test hides the failure

    with verifier.sandbox():
        await careless()
    with pytest.raises(UnmockedInteractionError) as info:
        verifier.verify_all()
    assert str(info.value).startswith(
        "1 unmocked call(s) were made and swallowed by the code under test:\n"
        "Unmocked call: asyncpg.connect(host='db'), but no session is queued."
    )


async def test_unmocked_error_that_reached_the_test_is_not_reported_again(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    with pytest.raises(UnmockedInteractionError):
        with verifier.sandbox():
            await asyncpg.connect(host="db")
    verifier.verify_all()


async def test_unmocked_error_wrapped_by_the_code_counts_as_surfaced(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    class AppError(Exception):
        pass

    with pytest.raises(AppError):
        async with verifier.sandbox():
            try:
                await asyncpg.connect()
            except UnmockedInteractionError as exc:
                raise AppError("db down") from exc
    verifier.verify_all()


async def test_sessions_are_taken_first_in_first_out(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("fetchval", returns="first")
    apg.new_session().expect("connect").expect("fetchval", returns="second")
    with verifier.sandbox():
        one = await asyncpg.connect()
        two = await asyncpg.connect()
        assert await two.fetchval("SELECT 2") == "second"
        assert await one.fetchval("SELECT 1") == "first"
    assert [(i.method, i.session) for i in verifier.interactions] == [
        ("connect", 1),
        ("connect", 2),
        ("fetchval", 2),
        ("fetchval", 1),
    ]


async def test_optional_steps_are_never_reported(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("close", required=False)
    with verifier.sandbox():
        await asyncpg.connect()
    apg.assert_connect()
    verifier.verify_all()


def test_connection_repr(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    from bigfoot._script import Session
    from bigfoot.plugins.asyncpg.connection import Connection

    assert repr(Connection(apg, Session(apg, 3))) == "<bigfoot fake asyncpg Connection, session #3, open>"


async def test_a_used_up_session_of_two_steps_names_the_second(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("fetchval", returns=1)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.fetchval("SELECT 1")
        with pytest.raises(UnmockedInteractionError, match=r"its last step session #1 step 2 'fetchval'"):
            await conn.fetchval("SELECT 1")


@pytest.mark.parametrize(("scripted", "called"), [("fetchval", "execute"), ("execute", "fetchval")])
async def test_a_different_method_never_consumes_the_step(
    verifier: StrictVerifier, apg: AsyncpgPlugin, scripted: str, called: str
) -> None:
    apg.new_session().expect("connect").expect(scripted, returns="SELECT 1" if scripted == "execute" else 1)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(UnmockedInteractionError, match=f"but the script expects '{scripted}' next"):
            await getattr(conn, called)("SELECT 1")
    assert [i.method for i in verifier.interactions] == ["connect"]


@pytest.mark.parametrize("first", ["close", "fetch", "acquire"])
async def test_a_session_not_starting_with_connect_is_not_taken(
    verifier: StrictVerifier, apg: AsyncpgPlugin, first: str
) -> None:
    apg.new_session().expect(first, returns=[] if first == "fetch" else None)
    with verifier.sandbox():
        with pytest.raises(UnmockedInteractionError, match=f"but the script expects '{first}' next"):
            await asyncpg.connect()
    assert verifier.interactions == [] and apg._next_session == 0


async def test_unmocked_call_frames_are_hidden_from_unittest_reports(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    with verifier.sandbox():
        with pytest.raises(UnmockedInteractionError) as info:
            await asyncpg.connect()
    names = []
    tb = info.value.__traceback__
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module in ("bigfoot._plugin", "bigfoot.plugins.asyncpg_plugin"):
            names.append(module)
            assert tb.tb_frame.f_globals.get("__unittest") is True, module
        tb = tb.tb_next
    assert "bigfoot._plugin" in names


async def test_a_session_with_no_steps(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session()
    with verifier.sandbox():
        with pytest.raises(UnmockedInteractionError, match="on session #1, which has no steps scripted"):
            await asyncpg.connect()


def test_sources_exist_only_for_step_names(apg: AsyncpgPlugin) -> None:
    assert apg.create_pool.name == "create_pool" and apg.rollback_to_savepoint.name == "rollback_to_savepoint"
    with pytest.raises(AttributeError, match="has no attribute 'nonsense'"):
        apg.nonsense
    with pytest.raises(KeyError):
        apg.source("nonsense")
    assert apg.called_name("fetch") == "conn.fetch" and apg.called_name("acquire") == "pool.acquire"


ASSERTION_HELPERS = sorted(name for name in dir(AsyncpgPlugin) if name.startswith("assert_"))


@pytest.mark.parametrize("name", ASSERTION_HELPERS)
def test_every_assertion_helper_takes_keywords_only_and_hides_its_frames(apg: AsyncpgPlugin, name: str) -> None:
    from tests.asyncpg.frames import hidden_bigfoot_modules

    helper = getattr(apg, name)
    with pytest.raises(TypeError):
        helper("SELECT 1")  # a field given by position would be a guess at its name
    with pytest.raises(AssertionError) as caught:
        helper()  # nothing happened: the assertion fails, reported without bigfoot's frames
    assert "bigfoot.plugins.asyncpg.plugin" in hidden_bigfoot_modules(caught.value)


async def test_listener_assertions_keep_fields_that_equal_anything(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    from unittest.mock import ANY

    apg.new_session().expect("connect").expect("add_listener").expect("remove_listener")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.add_listener("jobs", print)
        await conn.remove_listener("jobs", print)
    apg.assert_connect()
    apg.assert_add_listener(channel=ANY, callback=ANY)
    apg.assert_remove_listener(channel=ANY, callback=ANY)  # ANY is a value given, not a field left out


async def test_notify_and_postgres_error_take_their_options_by_keyword(apg: AsyncpgPlugin) -> None:
    with pytest.raises(TypeError):
        await apg.notify("jobs", "payload", 1234)  # type: ignore[misc]
    with pytest.raises(TypeError):
        apg.postgres_error("23505", "duplicate key", "a detail")  # type: ignore[misc]


async def test_notify_reaches_the_open_listeners_past_closed_ones(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    # The plugin keeps its listening connections in a set: with many closed ones, the open one is rarely the first.
    apg.new_session().expect("connect").expect("add_listener")
    for _ in range(30):
        apg.new_session().expect("connect").expect("add_listener").expect("terminate")
    received: list[str] = []
    with verifier.sandbox():
        connections = [await asyncpg.connect() for _ in range(31)]
        for conn in connections:
            await conn.add_listener("jobs", lambda *args: received.append(args[3]))
        for conn in connections[1:]:
            conn.terminate()
        assert await apg.notify("jobs", "job 1") == 1
    assert received == ["job 1"]
    for interaction in verifier.interactions:
        interaction.asserted = True


def test_postgres_error_refuses_a_sqlstate_longer_than_five_characters(apg: AsyncpgPlugin) -> None:
    with pytest.raises(ValueError, match="five-character SQLSTATE"):
        apg.postgres_error("235050", "duplicate key")


async def test_query_assertions_keep_fields_that_equal_anything(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    from unittest.mock import ANY

    apg.new_session().expect("connect").expect("fetch", returns=[]).expect("executemany")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.fetch("SELECT $1::int", 1)
        await conn.executemany("INSERT INTO t VALUES ($1)", [(1,)])
    apg.assert_connect()
    apg.assert_fetch(query=ANY, args=ANY)  # ANY is a value given, not a field left out
    apg.assert_executemany(command=ANY, args=ANY)


async def test_a_notice_for_a_connection_given_back_to_its_pool_reaches_nobody(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("acquire").expect("release")
    with verifier.sandbox():
        pool = await asyncpg.create_pool(min_size=0)
        conn = await pool.acquire()
        conn.add_log_listener(lambda *args: None)
        await pool.release(conn)
        assert await apg.notice("vacuum done", connection=conn) == 0
    for interaction in verifier.interactions:
        interaction.asserted = True


def test_postgres_error_names_its_severity_in_english_too_and_hides_its_frames(apg: AsyncpgPlugin) -> None:
    from tests.asyncpg.frames import hidden_bigfoot_modules

    assert apg.postgres_error("22012", "division by zero").severity_en == "ERROR"
    german = apg.postgres_error("22012", "Division durch Null", severity="FEHLER", severity_en="ERROR")
    assert (german.severity, german.severity_en) == ("FEHLER", "ERROR")
    with pytest.raises(ValueError) as caught:
        apg.postgres_error("2301", "too short")
    assert "bigfoot.plugins.asyncpg.plugin" in hidden_bigfoot_modules(caught.value)


async def test_prepare_assertion_keeps_a_query_that_equals_anything_and_notice_takes_options_by_keyword(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    from unittest.mock import ANY

    apg.new_session().expect("connect").expect("prepare")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.prepare("SELECT 1")
    with pytest.raises(TypeError):
        await apg.notice("vacuum done", "WARNING")  # type: ignore[misc]
    apg.assert_connect()
    apg.assert_prepare(query=ANY)
