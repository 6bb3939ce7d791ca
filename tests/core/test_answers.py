"""Computed answers (``bigfoot.answer``) and ``delay=`` are the core's, so any plugin gets them: shown here with the
test-only subprocess plugin, which names no database library."""

from __future__ import annotations

import subprocess

import pytest

import bigfoot
from bigfoot import StrictVerifier

from .subprocess_plugin import SubprocessPlugin


def echo(fields: dict[str, object]) -> subprocess.CompletedProcess[str]:
    args = fields["popenargs"][0]  # type: ignore[index]
    return subprocess.CompletedProcess(args, 0, stdout=" ".join(args[1:]))  # type: ignore[index]


def test_an_answer_is_computed_from_the_call_and_is_one_step() -> None:
    verifier = StrictVerifier()
    plugin = SubprocessPlugin(verifier)
    plugin.new_session().expect("run", returns=bigfoot.answer(echo))
    plugin.new_session().expect("run", returns=bigfoot.answer(echo))
    with verifier.sandbox():
        assert subprocess.run(["echo", "a", "b"]).stdout == "a b"
        assert subprocess.run(["echo", "c"]).stdout == "c"
    plugin.assert_run(popenargs=[["echo", "a", "b"]])
    plugin.assert_run(popenargs=[["echo", "c"]])
    verifier.verify_all()


def test_the_function_gets_a_copy_of_the_fields() -> None:
    verifier = StrictVerifier()
    plugin = SubprocessPlugin(verifier)

    def meddle(fields: dict[str, object]) -> subprocess.CompletedProcess[str]:
        fields.clear()
        return subprocess.CompletedProcess([], 0)

    plugin.new_session().expect("run", returns=bigfoot.answer(meddle))
    with verifier.sandbox():
        subprocess.run(["true"])
    plugin.assert_run(popenargs=[["true"]])


def test_an_answer_that_raises_is_what_the_call_raises_and_is_recorded() -> None:
    verifier = StrictVerifier()
    plugin = SubprocessPlugin(verifier)

    def fail(fields: dict[str, object]) -> object:
        raise subprocess.CalledProcessError(2, fields["popenargs"][0])  # type: ignore[index]

    plugin.new_session().expect("run", returns=bigfoot.answer(fail))
    with verifier.sandbox():
        with pytest.raises(subprocess.CalledProcessError) as caught:
            subprocess.run(["false"])
    assert caught.value.returncode == 2
    plugin.assert_run(popenargs=[["false"]], raised=subprocess.CalledProcessError)
    verifier.verify_all()


def test_a_computed_answer_is_checked_against_the_shape_like_a_fixed_one() -> None:
    verifier = StrictVerifier()
    plugin = SubprocessPlugin(verifier)
    plugin.new_session().expect("run", returns=bigfoot.answer(lambda fields: "not a CompletedProcess"))
    with verifier.sandbox():
        with pytest.raises(TypeError) as caught:
            subprocess.run(["true"])
    message = str(caught.value)
    assert message.startswith("The computed answer of session #1 step 1 'run' (scripted at tests/core/test_answers.py:")
    assert message.endswith(
        "does not fit: returns must be a subprocess.CompletedProcess, got str 'not a CompletedProcess'"
    )
    plugin.assert_run(popenargs=[["true"]])


def test_answer_needs_a_function_and_excludes_raises() -> None:
    with pytest.raises(TypeError, match=r"answer\(\) takes a function of the call's fields, got int 3"):
        bigfoot.answer(3)  # type: ignore[arg-type]
    session = SubprocessPlugin(StrictVerifier()).new_session()
    with pytest.raises(TypeError, match="give returns or raises, not both"):
        session.expect("run", returns=bigfoot.answer(echo), raises=OSError)
    assert repr(bigfoot.answer(echo)) == "answer('echo')"


def test_delay_is_refused_by_a_plugin_whose_calls_take_no_time() -> None:
    session = SubprocessPlugin(StrictVerifier()).new_session()
    with pytest.raises(TypeError, match=r"expect\('run'\): delay= is not supported: SubprocessPlugin's calls take no"):
        session.expect("run", returns=subprocess.CompletedProcess([], 0), delay=1.0)


@pytest.mark.parametrize("bad", [-1, "1", float("nan"), float("inf"), True])
def test_delay_must_be_a_number_of_seconds(bad: object) -> None:
    class Timed(SubprocessPlugin):
        timed = True

    session = Timed(StrictVerifier()).new_session()
    with pytest.raises(TypeError, match=r"delay must be a number of seconds, 0 or more"):
        session.expect("run", returns=subprocess.CompletedProcess([], 0), delay=bad)  # type: ignore[arg-type]
    session.expect("run", returns=subprocess.CompletedProcess([], 0), delay=0.5)
    assert session.steps[-1].delay == 0.5
