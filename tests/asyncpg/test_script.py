"""Validation at expect() time: every bad input is refused when it is given, naming the step and the fix."""

from __future__ import annotations

import re

import pytest

from bigfoot import StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin

from .frames import hidden_bigfoot_modules


def test_expect_chains_and_records_where_each_step_was_scripted(apg: AsyncpgPlugin) -> None:
    handle = apg.new_session()
    assert handle.expect("connect") is handle
    line = __import__("sys")._getframe().f_lineno + 1
    handle.expect("fetch", returns=[{"id": 1}], required=False)
    steps = handle.steps
    assert [s.method for s in steps] == ["connect", "fetch"]
    assert steps[1].location == f"tests/asyncpg/test_script.py:{line}" and steps[1].required is False
    assert steps[1].position == 2 and steps[1].session == 1 and handle.number == 1
    assert repr(handle) == "<SessionHandle #1: connect, fetch>"
    assert "session #1 step 2 'fetch' (scripted at tests/asyncpg/test_script.py:" in repr(steps[1])


def test_unknown_step_lists_valid_names_and_guesses(apg: AsyncpgPlugin) -> None:
    with pytest.raises(ValueError) as info:
        apg.new_session().expect("fecth", returns=[])
    assert str(info.value) == (
        "expect('fecth'): unknown step name. Did you mean 'fetch'? "
        "Valid names: acquire, add_listener, begin, close, commit, connect, copy_from_query, copy_from_table, "
        "copy_records_to_table, copy_to_table, cursor, execute, executemany, explain, fetch, fetchmany, fetchrow, "
        "fetchval, prepare, release, release_savepoint, remove_listener, reset, reset_type_codec, rollback, "
        "rollback_to_savepoint, savepoint, set_builtin_type_codec, set_type_codec, terminate."
    )
    with pytest.raises(ValueError, match=r"expect\(3\): unknown step name\. Valid names: acquire, add_listener, begin"):
        apg.new_session().expect(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "returns", "message"),
    [
        ("fetch", {"id": 1}, "expect('fetch'): returns must be a list of rows (mappings or Records), got dict"),
        ("fetch", [1, 2], "expect('fetch'): returns must be a list of rows: a row must be a mapping"),
        ("fetch", None, "expect('fetch'): returns must be a list of rows (mappings or Records), got NoneType"),
        (
            "fetchrow",
            [{"id": 1}],
            "expect('fetchrow'): returns must be one row (a mapping or Record) or None, got list",
        ),
        ("fetchrow", 5, "expect('fetchrow'): returns must be one row or None: a row must be a mapping"),
        ("execute", 1, "expect('execute'): returns must be a status string such as 'INSERT 0 1'"),
        ("execute", None, "expect('execute'): returns must be a status string"),
        ("connect", 1, "expect('connect'): connect returns nothing, so returns must be omitted or None; got int 1."),
        ("close", "ok", "expect('close'): close returns nothing"),
    ],
)
def test_wrong_returns_shape_is_a_type_error(apg: AsyncpgPlugin, method: str, returns: object, message: str) -> None:
    with pytest.raises(TypeError) as info:
        apg.new_session().expect(method, returns=returns)
    assert str(info.value).startswith(message)


class _Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("this object cannot be shown")


@pytest.mark.parametrize(("method", "returns"), [("execute", _Unprintable()), ("fetch", _Unprintable())])
def test_an_answer_that_cannot_be_shown_fails_at_expect_without_bigfoots_frames(
    apg: AsyncpgPlugin, method: str, returns: object
) -> None:
    # Describing the wrong answer runs its own __repr__, which fails: that error reaches the test as it is, pointing at
    # the expect() line, with the frames of the step checks (steps.py) hidden from pytest and unittest.
    with pytest.raises(RuntimeError, match="this object cannot be shown") as info:
        apg.new_session().expect(method, returns=returns)
    assert "bigfoot.plugins.asyncpg.steps" in hidden_bigfoot_modules(info.value)


@pytest.mark.parametrize("method", ["execute", "fetch", "fetchrow", "fetchval"])
def test_returns_is_required_for_steps_whose_method_returns_a_value(apg: AsyncpgPlugin, method: str) -> None:
    with pytest.raises(TypeError, match=rf"expect\('{method}'\): returns is required, because {method}\(\) gives"):
        apg.new_session().expect(method)


def test_returns_may_be_omitted_for_methods_returning_none_or_when_raising(apg: AsyncpgPlugin) -> None:
    handle = apg.new_session().expect("connect").expect("close", returns=None).expect("fetch", raises=ValueError)
    assert [s.returns for s in handle.steps] == [None, None, None]
    apg.new_session().expect("fetchval", returns=None).expect("fetchrow", returns=None)


@pytest.mark.parametrize("raises", ["boom", 5, object, ValueError("x").__class__.__mro__])
def test_raises_must_be_an_exception_class_or_instance(apg: AsyncpgPlugin, raises: object) -> None:
    with pytest.raises(TypeError, match=r"expect\('fetch'\): raises must be an exception class or instance, got"):
        apg.new_session().expect("fetch", raises=raises)  # type: ignore[arg-type]


def test_returns_and_raises_together_are_refused(apg: AsyncpgPlugin) -> None:
    with pytest.raises(TypeError, match=re.escape("expect('fetch'): give returns or raises, not both")):
        apg.new_session().expect("fetch", returns=[], raises=ValueError)


def test_required_must_be_a_bool(apg: AsyncpgPlugin) -> None:
    with pytest.raises(TypeError, match=re.escape("expect('connect'): required must be True or False, got str 'no'")):
        apg.new_session().expect("connect", required="no")  # type: ignore[arg-type]


def test_a_refused_step_is_not_appended(apg: AsyncpgPlugin) -> None:
    handle = apg.new_session().expect("connect")
    with pytest.raises(TypeError):
        handle.expect("fetch", returns={"id": 1})
    assert [s.method for s in handle.steps] == ["connect"]


def test_second_plugin_on_one_verifier_is_a_value_error() -> None:
    verifier = StrictVerifier()
    first = AsyncpgPlugin(verifier)
    with pytest.raises(ValueError, match="This verifier already has a AsyncpgPlugin; each verifier takes at most one"):
        AsyncpgPlugin(verifier)
    assert verifier.get_plugin(AsyncpgPlugin) is first and AsyncpgPlugin.of(verifier) is first


def test_pool_lifecycle_names_explain_they_are_recorded_not_scripted(apg: AsyncpgPlugin) -> None:
    with pytest.raises(ValueError) as info:
        apg.new_session().expect("create_pool")
    assert str(info.value) == (
        "expect('create_pool'): asyncpg.create_pool() is recorded without a step; "
        "assert it with assert_create_pool(...)."
    )
