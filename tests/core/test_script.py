"""Session scripts (bigfoot._script): expect() refuses every bad step when it is written, naming the fix."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from typing import ClassVar

import pytest

from bigfoot import NOT_GIVEN, SessionHandle, StepSpec, StrictVerifier
from bigfoot._render import line_at

from .subprocess_plugin import SubprocessPlugin


def done(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(list(args), 0)


def line_of_next_statement() -> int:
    return sys._getframe(1).f_lineno + 1


class WiderSubprocessPlugin(SubprocessPlugin):
    """The test plugin with two more step kinds, never registered: one whose method returns nothing, and one whose
    ``returns`` is converted; plus a recorded-only name."""

    step_specs: ClassVar[Mapping[str, StepSpec]] = {
        **SubprocessPlugin.step_specs,
        "kill": StepSpec("kill"),
        "wait": StepSpec("wait", lambda value: int(value) if isinstance(value, str) else value, "an exit status", "0"),
    }
    recorded_only: ClassVar[Mapping[str, str]] = {"popen": "subprocess.Popen() is recorded without a step."}


@pytest.fixture
def wider(verifier: StrictVerifier) -> WiderSubprocessPlugin:
    return WiderSubprocessPlugin(verifier)


def test_expect_chains_and_records_each_step_and_where_it_was_scripted(plugin: SubprocessPlugin) -> None:
    handle = plugin.new_session()
    assert repr(handle) == "<SessionHandle #1: no steps>" and handle.steps == []
    result = done("a")
    line = line_of_next_statement()
    assert handle.expect("run", returns=result) is handle
    handle.expect("check_output", raises=OSError, required=False)
    first, second = handle.steps
    assert (first.method, first.returns, first.raises, first.required) == ("run", result, None, True)
    assert (second.method, second.returns, second.raises, second.required) == ("check_output", None, OSError, False)
    assert [(s.session, s.position) for s in handle.steps] == [(1, 1), (1, 2)]
    assert first.location == f"tests/core/test_script.py:{line}"
    assert second.location == f"tests/core/test_script.py:{line + 1}"
    assert first.describe() == f"session #1 step 1 'run' (scripted at tests/core/test_script.py:{line})"
    assert repr(second) == f"<Step session #1 step 2 'check_output' (scripted at tests/core/test_script.py:{line + 1})>"
    assert repr(handle) == "<SessionHandle #1: run, check_output>"
    assert handle.number == 1 and plugin.new_session().number == 2
    handle.steps.clear()  # a copy
    assert len(handle.steps) == 2


def test_an_unknown_step_name_lists_the_valid_ones_and_guesses(plugin: SubprocessPlugin) -> None:
    with pytest.raises(ValueError) as info:
        plugin.new_session().expect("rnu", returns=done())
    assert str(info.value) == "expect('rnu'): unknown step name. Did you mean 'run'? Valid names: check_output, run."
    with pytest.raises(ValueError) as info:
        plugin.new_session().expect("zzz")
    assert str(info.value) == "expect('zzz'): unknown step name. Valid names: check_output, run."
    with pytest.raises(ValueError) as info:
        plugin.new_session().expect(3)  # type: ignore[arg-type]
    assert str(info.value) == "expect(3): unknown step name. Valid names: check_output, run."


def test_a_recorded_only_name_says_so(wider: WiderSubprocessPlugin) -> None:
    with pytest.raises(ValueError) as info:
        wider.new_session().expect("popen")
    assert str(info.value) == "expect('popen'): subprocess.Popen() is recorded without a step."


@pytest.mark.parametrize(
    ("method", "returns", "message"),
    [
        ("run", "ok", "expect('run'): returns must be a subprocess.CompletedProcess, got str 'ok'"),
        ("run", None, "expect('run'): returns must be a subprocess.CompletedProcess, got NoneType None"),
        ("run", 0, "expect('run'): returns must be a subprocess.CompletedProcess, got int 0"),
        ("check_output", [b"x"], "expect('check_output'): returns must be the output, str or bytes, got list [b'x']"),
    ],
)
def test_returns_of_the_wrong_shape_is_refused_with_the_specs_reason(
    plugin: SubprocessPlugin, method: str, returns: object, message: str
) -> None:
    with pytest.raises(TypeError) as info:
        plugin.new_session().expect(method, returns=returns)
    assert str(info.value) == message
    assert info.value.__cause__ is None and info.value.__suppress_context__  # the spec's own error is not shown


def test_returns_is_converted_by_the_spec(wider: WiderSubprocessPlugin) -> None:
    handle = wider.new_session().expect("wait", returns="3").expect("wait", returns=4)
    assert [step.returns for step in handle.steps] == [3, 4]


@pytest.mark.parametrize(
    ("method", "message"),
    [
        (
            "run",
            "expect('run'): returns is required, because run() gives back a CompletedProcess; add "
            "returns=subprocess.CompletedProcess([...], 0) (or raises=... for a failing call).",
        ),
        (
            "check_output",
            "expect('check_output'): returns is required, because check_output() gives back the output; add "
            "returns=b'' (or raises=... for a failing call).",
        ),
    ],
)
def test_returns_is_required_when_the_method_gives_a_value_back(
    plugin: SubprocessPlugin, method: str, message: str
) -> None:
    with pytest.raises(TypeError) as info:
        plugin.new_session().expect(method)
    assert str(info.value) == message


def test_a_method_that_returns_nothing_takes_no_returns(wider: WiderSubprocessPlugin) -> None:
    with pytest.raises(TypeError) as info:
        wider.new_session().expect("kill", returns=1)
    assert str(info.value) == "expect('kill'): kill returns nothing, so returns must be omitted or None; got int 1."
    handle = wider.new_session().expect("kill").expect("kill", returns=None)
    assert [step.returns for step in handle.steps] == [None, None]


@pytest.mark.parametrize(
    ("raises", "shown"),
    [
        ("boom", "str 'boom'"),
        (5, "int 5"),
        (object, "type <class 'object'>"),
        (type(None), "type <class 'NoneType'>"),
    ],
)
def test_raises_must_be_an_exception_class_or_instance(plugin: SubprocessPlugin, raises: object, shown: str) -> None:
    with pytest.raises(TypeError) as info:
        plugin.new_session().expect("run", raises=raises)  # type: ignore[arg-type]
    assert str(info.value) == f"expect('run'): raises must be an exception class or instance, got {shown}."


def test_raises_without_returns_is_a_failing_step(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    instance = subprocess.TimeoutExpired(["slow"], 1)
    handle = plugin.new_session().expect("run", raises=instance)
    plugin.new_session().expect("run", raises=PermissionError, returns=None)  # returns=None goes with raises
    assert handle.steps[0].returns is None
    with verifier.sandbox():
        with pytest.raises(subprocess.TimeoutExpired) as timeout:
            subprocess.run(["slow"])
        with pytest.raises(PermissionError) as denied:
            subprocess.run(["secret"])
    assert timeout.value is instance and denied.value.args == ()
    assert [i.raised for i in verifier.interactions] == [instance, denied.value]
    plugin.assert_run(popenargs=[["slow"]])
    plugin.assert_run(popenargs=[["secret"]])


def test_returns_and_raises_together_are_refused(plugin: SubprocessPlugin) -> None:
    with pytest.raises(TypeError) as info:
        plugin.new_session().expect("run", returns=done(), raises=OSError)
    assert str(info.value) == "expect('run'): give returns or raises, not both; a step either answers or fails."


@pytest.mark.parametrize(("required", "shown"), [(1, "int 1"), ("no", "str 'no'"), (None, "NoneType None")])
def test_required_must_be_a_bool(plugin: SubprocessPlugin, required: object, shown: str) -> None:
    with pytest.raises(TypeError) as info:
        plugin.new_session().expect("run", returns=done(), required=required)  # type: ignore[arg-type]
    assert str(info.value) == f"expect('run'): required must be True or False, got {shown}."


def test_a_refused_step_is_not_appended(plugin: SubprocessPlugin) -> None:
    handle = plugin.new_session().expect("run", returns=done())
    for bad in (
        lambda: handle.expect("rnu", returns=done()),
        lambda: handle.expect("run", returns="ok"),
        lambda: handle.expect("run"),
        lambda: handle.expect("run", raises="boom"),  # type: ignore[arg-type]
        lambda: handle.expect("run", returns=done(), required=0),  # type: ignore[arg-type]
    ):
        with pytest.raises((TypeError, ValueError)):
            bad()
    assert [s.method for s in handle.steps] == ["run"]


def test_the_spec_gives_the_line_that_scripts_it() -> None:
    assert SubprocessPlugin.step_specs["run"].hint() == '.expect("run", returns=subprocess.CompletedProcess([...], 0))'
    assert StepSpec("close").hint() == '.expect("close", returns=None)'
    spec = StepSpec("fetch", list, "a list", "[]")
    assert (spec.name, spec.convert, spec.shape, spec.example) == ("fetch", list, "a list", "[]")


def test_not_given_is_a_single_marker_that_shows_as_not_given() -> None:
    assert repr(NOT_GIVEN) == "<not given>"


def test_sessions_are_taken_first_in_first_out_and_report_it(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    for name in ("a", "b", "c"):
        plugin.new_session().expect("run", returns=done(name), required=False)
    with verifier.sandbox():
        assert subprocess.run(["x"]).args == ["a"]
        assert subprocess.run(["y"]).args == ["b"]
    assert [session.taken for session in plugin._sessions] == [True, True, False]
    plugin.assert_run(popenargs=[["x"]])
    plugin.assert_run(popenargs=[["y"]])
    verifier.verify_all()  # the third session is optional


# -- a plugin's own script helpers: handle_class and _expect_at ---------------------------------------------------


class PipelineHandle(SessionHandle):
    """A helper a plugin might offer: a command and its wait, two steps in one call."""

    __slots__ = ()

    def run_and_wait(self, result: subprocess.CompletedProcess[str]) -> PipelineHandle:
        frame = sys._getframe(1)
        self._expect_at(frame, "run", result, None, True, 1, None, {})
        return self._expect_at(frame, "wait", 0, None, True, 1, None, {})


class PipelinePlugin(WiderSubprocessPlugin):
    handle_class = PipelineHandle


def test_a_plugins_handle_class_scripts_at_the_tests_line(verifier: StrictVerifier) -> None:
    plugin = PipelinePlugin(verifier)
    result = done("make")
    line = line_of_next_statement()
    helped = plugin.new_session().run_and_wait(result)  # type: ignore[attr-defined]
    written = plugin.new_session().expect("run", returns=result).expect("wait", returns=0)
    assert type(helped) is PipelineHandle and type(written) is PipelineHandle
    assert [(s.method, s.returns, s.position, s.location) for s in helped.steps] == [
        ("run", result, 1, f"tests/core/test_script.py:{line}"),
        ("wait", 0, 2, f"tests/core/test_script.py:{line}"),
    ]
    assert [(s.method, s.returns, s.position, s.location) for s in written.steps] == [
        ("run", result, 1, f"tests/core/test_script.py:{line + 1}"),
        ("wait", 0, 2, f"tests/core/test_script.py:{line + 1}"),
    ]


def test_a_steps_line_is_the_line_its_frame_was_at() -> None:
    # Steps and sandboxes keep a frame's code and instruction offset, and work out the line when a message shows it.
    def frames() -> list[tuple[object, int, int]]:
        seen = []
        frame = sys._getframe(1)
        while frame is not None:
            seen.append((frame.f_code, frame.f_lasti, frame.f_lineno))
            frame = frame.f_back
        return seen

    spread = [
        frames(),
        [
            *frames(),
        ],
    ]
    for code, offset, line in [item for found in spread for item in found]:
        assert line_at(code, offset) == line  # type: ignore[arg-type]
