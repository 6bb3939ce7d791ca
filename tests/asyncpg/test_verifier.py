"""Assertions against the timeline (ordered and in any order) and the final verification."""

from __future__ import annotations

import contextlib
from unittest.mock import ANY

import asyncpg
import pytest

from bigfoot import (
    InteractionMismatchError,
    MissingAssertionFieldsError,
    StrictVerifier,
    UnassertedInteractionsError,
    UnmockedInteractionError,
    UnusedMocksError,
    VerificationError,
)
from bigfoot.plugins.asyncpg import AsyncpgPlugin


async def run_two_queries(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("fetchval", returns=1).expect("execute", returns="UPDATE 2")
    with verifier.sandbox():
        conn = await asyncpg.connect(user="app", password="s3cret")
        await conn.fetchval("SELECT 1")
        await conn.execute("UPDATE t SET a = $1", 5)


async def test_assertions_go_in_order(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    await run_two_queries(verifier, apg)
    apg.assert_connect(user="app", password="s3cret")
    with pytest.raises(InteractionMismatchError) as info:
        apg.assert_execute(query="UPDATE t SET a = $1", args=[5])
    assert str(info.value) == (
        "assert_execute(query='UPDATE t SET a = $1', args=[5]) does not match the earliest unasserted interaction, "
        "which is a fetchval (session #1):\n"
        "    bigfoot.asyncpg_mock.assert_fetchval(query='SELECT 1', args=[])\n"
        "Assert interactions in the order they happened, or put the assertions inside "
        "`with bigfoot.in_any_order():`."
    )
    assert info.value.method == "execute" and info.value.actual is verifier.interactions[1]
    assert info.value.expected == {"query": "UPDATE t SET a = $1", "args": [5]}


async def test_field_by_field_diff(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    await run_two_queries(verifier, apg)
    apg.assert_connect(user="app", password=ANY)
    with pytest.raises(InteractionMismatchError) as info:
        apg.assert_fetchval(query="SELECT 2", args=[], timeout=5)
    assert str(info.value) == (
        "assert_fetchval(query='SELECT 2', args=[], timeout=5) does not match the earliest unasserted interaction "
        "(fetchval, session #1):\n"
        "    query: expected 'SELECT 2', actual 'SELECT 1'\n"
        "    timeout: expected 5, but the call did not pass it\n"
        "It was recorded as:\n"
        "    bigfoot.asyncpg_mock.assert_fetchval(query='SELECT 1', args=[])"
    )


async def test_missing_fields_name_them_and_give_the_line(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    await run_two_queries(verifier, apg)
    with pytest.raises(MissingAssertionFieldsError) as info:
        apg.assert_connect(user="app")
    assert str(info.value) == (
        "assert_connect() left out recorded field(s): password. Every field the call passed must be asserted; "
        "the complete assertion is:\n"
        "    bigfoot.asyncpg_mock.assert_connect(user='app', password='***')\n"
        "(Masked secrets show as '***': put the real value or unittest.mock.ANY there.)"
    )
    assert info.value.missing == ["password"] and info.value.interaction is verifier.interactions[0]
    assert "s3cret" not in str(info.value)
    apg.assert_connect(user="app", password="s3cret")
    with pytest.raises(MissingAssertionFieldsError, match=r"left out recorded field\(s\): query, args"):
        apg.assert_fetchval()


async def test_args_may_be_a_tuple_and_matchers_compare_on_the_left(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    await run_two_queries(verifier, apg)
    seen = []

    class Spy:
        def __eq__(self, other: object) -> bool:
            seen.append(other)
            return True

    apg.assert_connect(user=Spy(), password=ANY)
    apg.assert_fetchval(query=ANY, args=())
    apg.assert_execute(query="UPDATE t SET a = $1", args=(5,))
    assert seen == ["app"]
    verifier.verify_all()


async def test_nothing_left_to_assert(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    with pytest.raises(InteractionMismatchError) as info:
        apg.assert_close()
    assert (
        str(info.value)
        == "assert_close() found nothing to match: all 0 recorded interaction(s) are already asserted (none happened)."
    )
    assert info.value.actual is None


async def test_in_any_order(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    await run_two_queries(verifier, apg)
    with verifier.in_any_order():
        apg.assert_execute(query="UPDATE t SET a = $1", args=[5])
        apg.assert_connect(user="app", password="s3cret")
        with pytest.raises(InteractionMismatchError) as info:
            apg.assert_fetchval(query="SELECT 9", args=[])
        assert str(info.value) == (
            "assert_fetchval(query='SELECT 9', args=[]) matches none of the unasserted fetchval interactions:\n"
            "    bigfoot.asyncpg_mock.assert_fetchval(query='SELECT 1', args=[])"
        )
        with pytest.raises(MissingAssertionFieldsError):
            apg.assert_fetchval(query="SELECT 1")
        with pytest.raises(InteractionMismatchError, match="found no unasserted close interaction"):
            apg.assert_close()
        apg.assert_fetchval(query="SELECT 1", args=[])
    verifier.verify_all()


async def test_assert_interaction_generic_form(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    await run_two_queries(verifier, apg)
    verifier.assert_interaction(apg.connect, user="app", password="s3cret")
    verifier.assert_interaction(apg.fetchval, query="SELECT 1", args=[])
    with pytest.raises(TypeError, match=r"takes an interaction source such as plugin.fetch first, got str 'execute'"):
        verifier.assert_interaction("execute", query="x")  # type: ignore[arg-type]
    other = AsyncpgPlugin(StrictVerifier())
    with pytest.raises(ValueError, match="belongs to another verifier"):
        verifier.assert_interaction(other.execute, query="x")
    assert repr(apg.execute) == "<interaction source asyncpg_mock.execute>"
    assert apg.source("execute") is apg.execute


async def test_helpers_assert_on_their_own_verifier(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    await run_two_queries(verifier, apg)
    other = AsyncpgPlugin(StrictVerifier())
    with pytest.raises(InteractionMismatchError, match="none happened"):
        other.assert_connect(user="app", password="s3cret")
    apg.assert_connect(user="app", password="s3cret")


async def test_verify_all_unasserted_lists_paste_ready_lines(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    await run_two_queries(verifier, apg)
    apg.assert_connect(user="app", password="s3cret")
    with pytest.raises(UnassertedInteractionsError) as info:
        verifier.verify_all()
    assert str(info.value) == (
        "2 interaction(s) were not asserted. Assert them, in this order:\n"
        "    bigfoot.asyncpg_mock.assert_fetchval(query='SELECT 1', args=[])\n"
        "    bigfoot.asyncpg_mock.assert_execute(query='UPDATE t SET a = $1', args=[5])"
    )
    assert info.value.lines == [i.assertion_line() for i in verifier.interactions[1:]]
    assert info.value.interactions == verifier.interactions[1:]
    assert isinstance(info.value, AssertionError)


def test_verify_all_unused_steps_one_line_each(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    handle = apg.new_session().expect("connect").expect("close")
    with pytest.raises(UnusedMocksError) as info:
        verifier.verify_all()
    first, second = handle.steps
    assert str(info.value) == (
        "2 scripted step(s) were never used:\n"
        f"    session #1 step 1 'connect' (scripted at {first.location})\n"
        f"    session #1 step 2 'close' (scripted at {second.location})\n"
        "Remove them from the script, or mark optional ones with required=False."
    )
    assert info.value.steps == [first, second]
    assert first.location.startswith("tests/asyncpg/test_verifier.py:")


async def test_verify_all_several_kinds_at_once(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("close")

    async def swallow() -> None:
        with contextlib.suppress(Exception):
            await conn.fetch("SELECT 1")

    with verifier.sandbox():
        conn = await asyncpg.connect()
        await swallow()
    with pytest.raises(VerificationError) as info:
        verifier.verify_all()
    error = info.value
    assert len(error.unmocked) == 1 and error.unasserted == verifier.interactions and len(error.unused) == 1
    text = str(error)
    assert text.index("unmocked call(s)") < text.index("were not asserted") < text.index("never used")


async def test_hints_use_the_name_the_user_writes(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    verifier.hint_owner = "self"
    with verifier.sandbox():
        with pytest.raises(AssertionError, match=r"self\.asyncpg_mock\.new_session\(\)"):
            await asyncpg.connect()


def test_verifier_repr(verifier: StrictVerifier) -> None:
    assert repr(verifier) == "<StrictVerifier: 0 interaction(s), 0 plugin(s)>"


async def test_any_order_matches_through_the_detailed_comparison_too(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    boom = KeyError("x")
    apg.new_session().expect("connect").expect("fetchval", raises=boom).expect("fetchval", returns=2)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(KeyError):
            await conn.fetchval("SELECT 1")
        await conn.fetchval("SELECT 2")
    with verifier.in_any_order():
        apg.assert_fetchval(query="SELECT 2", args=[])
        apg.assert_fetchval(query="SELECT 1", args=(), raised=KeyError)  # `raised` needs the detailed comparison
        apg.assert_connect()
    verifier.verify_all()


def test_bigfoot_frames_are_hidden_from_pytest_and_unittest_reports(verifier: StrictVerifier) -> None:
    plugin = AsyncpgPlugin(verifier)
    plugin.new_session().expect("connect")
    for failing in (lambda: plugin.assert_close(), lambda: verifier.verify_all()):
        try:
            failing()
        except AssertionError as exc:
            tb = exc.__traceback__.tb_next  # type: ignore[union-attr]
        else:  # pragma: no cover
            raise AssertionError("expected a failure")
        frames = 0
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_globals.get("__name__", "").startswith("bigfoot."):
                frames += 1
                assert frame.f_locals.get("__tracebackhide__") is True, frame.f_code.co_name  # pytest's marker
                assert frame.f_globals.get("__unittest") is True, frame.f_code.co_name  # unittest's marker
            tb = tb.tb_next
        assert frames


class _EqualsAnything:
    """Like unittest.mock.ANY: equal to every value, the sentinel for "not given" included."""

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False


async def _two_swallowed_calls(verifier: StrictVerifier, apg: AsyncpgPlugin, *extra: str) -> None:
    handle = apg.new_session().expect("connect")
    for method in extra:
        handle.expect(method)

    async def swallow(call: object) -> None:
        try:
            await call  # type: ignore[misc]
        except UnmockedInteractionError:
            pass

    with verifier.sandbox():
        conn = await asyncpg.connect()
        await swallow(conn.fetchval("SELECT 1"))
        await swallow(conn.execute("SELECT 2"))


_LINE = _two_swallowed_calls.__code__.co_firstlineno + 1  # where the session is scripted


async def test_only_unmocked_calls_give_the_first_one_as_the_error(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    await _two_swallowed_calls(verifier, apg)
    apg.assert_connect()
    with pytest.raises(UnmockedInteractionError) as info:
        verifier.verify_all()
    assert info.value.method == "fetchval" and info.value.fields == {"query": "SELECT 1", "args": []}
    assert info.value.session == 1 and info.value.expected is None
    assert info.value.hint == '.expect("fetchval", returns=...)'
    assert str(info.value).startswith("An unmocked call was made and swallowed")
    assert str(info.value).endswith(
        "It was followed by 1 call(s) made after it (likely cleanup), unmocked too:\n"
        "    Unmocked call: conn.execute(query='SELECT 2', args=[]) on session #1, which has no steps left (its last "
        f"step session #1 step 1 'connect' (scripted at tests/asyncpg/test_verifier.py:{_LINE}))."
    )


@pytest.mark.parametrize(
    ("assert_connect", "extra_steps", "kinds"),
    [
        (False, (), ("unmocked", "unasserted")),
        (True, ("close",), ("unmocked", "unused")),
    ],
)
async def test_two_kinds_of_problems_give_verification_error(
    verifier: StrictVerifier,
    apg: AsyncpgPlugin,
    assert_connect: bool,
    extra_steps: tuple[str, ...],
    kinds: tuple[str, ...],
) -> None:
    await _two_swallowed_calls(verifier, apg, *extra_steps)
    if assert_connect:
        apg.assert_connect()
    with pytest.raises(VerificationError) as info:
        verifier.verify_all()
    assert {kind for kind in ("unmocked", "unasserted", "unused") if getattr(info.value, kind)} == set(kinds)


def test_unasserted_and_unused_together_give_verification_error(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect")
    apg.record("create_pool", {})
    with pytest.raises(VerificationError) as info:
        verifier.verify_all()
    assert len(info.value.unasserted) == 1 and len(info.value.unused) == 1 and not info.value.unmocked


async def test_order_is_strict_again_after_an_any_order_block(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    await run_two_queries(verifier, apg)
    with verifier.in_any_order():
        with verifier.in_any_order():  # blocks nest
            apg.assert_fetchval(query="SELECT 1", args=[])
        apg.assert_connect(user="app", password="s3cret")
    with pytest.raises(InteractionMismatchError):
        apg.assert_execute(query="nope", args=[5])
    apg.assert_execute(query="UPDATE t SET a = $1", args=[5])
    await run_two_queries(verifier, apg)
    with pytest.raises(InteractionMismatchError, match="does not match the earliest unasserted interaction"):
        apg.assert_fetchval(query="SELECT 1", args=[])


def test_matchers_are_valid_returns(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    anything = _EqualsAnything()
    handle = apg.new_session().expect("fetchval", returns=anything)
    assert handle.steps[0].returns is anything
    with pytest.raises(TypeError, match="give returns or raises, not both"):
        handle.expect("fetchval", returns=anything, raises=KeyError)
    with pytest.raises(TypeError, match="connect returns nothing"):
        handle.expect("connect", returns=anything)
    with pytest.raises(TypeError, match="required must be True or False, got int 1"):
        handle.expect("connect", required=1)  # type: ignore[arg-type]


async def test_sessions_report_whether_they_were_taken(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    for _ in range(3):
        apg.new_session().expect("connect", required=False)
    with verifier.sandbox():
        await asyncpg.connect()
        await asyncpg.connect()
    assert [session.taken for session in apg._sessions] == [True, True, False]


async def test_the_first_swallowed_call_keeps_its_own_data(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    async def swallow(call: object) -> None:
        try:
            await call  # type: ignore[misc]
        except UnmockedInteractionError:
            pass

    with verifier.sandbox():
        await swallow(asyncpg.connect(host="first"))  # no session queued yet
        handle = apg.new_session().expect("connect").expect("close", required=False)
        conn = await asyncpg.connect()
        await swallow(conn.fetch("SELECT 1"))  # the script wanted close
    apg.assert_connect()
    with pytest.raises(UnmockedInteractionError) as info:
        verifier.verify_all()
    assert (info.value.session, info.value.expected, info.value.fields) == (None, None, {"host": "first"})
    assert info.value.method == "connect"
    second = verifier._unmocked[1]
    assert (second.session, second.expected) == (1, handle.steps[1])


def test_frames_of_every_failing_assertion_path_are_hidden(verifier: StrictVerifier) -> None:
    plugin = AsyncpgPlugin(verifier)
    plugin.record("create_pool", {"min_size": 1})
    plugin.record("create_pool", {"min_size": 2})

    def any_order_missing() -> None:
        with verifier.in_any_order():
            plugin.assert_create_pool()

    def any_order_mismatch() -> None:
        with verifier.in_any_order():
            plugin.assert_create_pool(min_size=3)

    for failing in (
        any_order_missing,
        any_order_mismatch,
        lambda: plugin.assert_create_pool(min_size=9),
        lambda: verifier.assert_interaction(plugin.create_pool, min_size=9),
    ):
        try:
            failing()
        except AssertionError as exc:
            tb = exc.__traceback__
        else:  # pragma: no cover
            raise AssertionError("expected a failure")
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_globals.get("__name__", "").startswith("bigfoot."):
                assert frame.f_locals.get("__tracebackhide__") is True, frame.f_code.co_name
            tb = tb.tb_next


async def test_raised_matches_a_class_an_instance_or_a_matcher(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    boom = ValueError("boom")
    apg.new_session().expect("connect", raises=boom)
    with verifier.sandbox():
        with pytest.raises(ValueError):
            await asyncpg.connect()
    with pytest.raises(InteractionMismatchError) as info:
        apg.assert_connect(raised=KeyError)
    assert "    raised: expected <class 'KeyError'>, actual ValueError('boom')" in str(info.value)
    with pytest.raises(InteractionMismatchError):
        apg.assert_connect(raised=ValueError("boom"))  # another instance is not the one raised
    apg.assert_connect(raised=ANY)


async def test_a_matcher_that_raises_is_a_difference(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    class Explodes:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("matcher bug")

    apg.new_session().expect("connect").expect("fetchval", returns=1)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.fetchval("SELECT 1")
    apg.assert_connect()
    with pytest.raises(InteractionMismatchError, match="query: expected <"):
        apg.assert_fetchval(query=Explodes(), args=[])
    apg.assert_fetchval(query="SELECT 1", args=[])


async def test_any_order_reports_missing_fields(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect")
    with verifier.sandbox():
        await asyncpg.connect(host="h", port=1)
    with verifier.in_any_order():
        with pytest.raises(MissingAssertionFieldsError, match="left out recorded field"):
            apg.assert_connect(host="h")
        apg.assert_connect(host="h", port=1)


async def test_a_nan_argument_is_asserted_with_nan(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    import decimal

    apg.new_session().expect("connect").expect("fetchval", returns=None, times=3)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.fetchval("SELECT $1::float8", float("nan"))
        await conn.fetchval("SELECT $1::numeric", decimal.Decimal("NaN"))
        await conn.fetchval("SELECT $1::float8[]", [1.0, float("nan")])
    apg.assert_connect()
    # NaN never equals itself, yet to a test the NaN passed and the NaN asserted are the same value.
    apg.assert_fetchval(query="SELECT $1::float8", args=[float("nan")])
    apg.assert_fetchval(query="SELECT $1::numeric", args=[decimal.Decimal("NaN")])
    with pytest.raises(InteractionMismatchError, match=r"args: expected \[\[1.0, 2.0\]\], actual \[\[1.0, nan\]\]"):
        apg.assert_fetchval(query="SELECT $1::float8[]", args=[[1.0, 2.0]])  # a number is not NaN
    apg.assert_fetchval(query="SELECT $1::float8[]", args=[[1.0, float("nan")]])
    verifier.verify_all()
