"""Validate mode's generic part, with the test-only subprocess plugin: no library and no server involved."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from bigfoot import BasePlugin, StrictVerifier, _validating
from bigfoot.errors import ScriptValidationError

from .subprocess_plugin import SubprocessPlugin


def checked(self: SubprocessPlugin, target: str) -> list[str]:
    """A ``validate()`` that reports every ``run`` of ``false`` as a difference, naming where its step was scripted."""
    found = []
    for interaction in self.verifier.interactions:
        if interaction.fields["popenargs"] == [["false", "--token=s3cret"]]:
            assert interaction.step is not None
            found.append(f"{target} says 'false' would fail (scripted at {interaction.step.location})")
    return found


@pytest.fixture
def checking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SubprocessPlugin, "validate", checked)


def run_twice(plugin: BasePlugin, verifier: StrictVerifier) -> None:
    for _ in range(2):
        plugin.new_session().expect("run", returns=subprocess.CompletedProcess(["false"], 0))
    with verifier.sandbox():
        subprocess.run(["false", "--token=s3cret"])
        subprocess.run(["false", "--token=s3cret"])


@pytest.mark.usefixtures("checking")
def test_every_difference_fails_the_test_once_masked_and_without_repeats() -> None:
    verifier = StrictVerifier()
    plugin = SubprocessPlugin(verifier)
    run_twice(plugin, verifier)
    step = plugin._sessions[0].steps[0]
    assert [interaction.step for interaction in verifier.interactions] == [step, plugin._sessions[1].steps[0]]

    with pytest.raises(ScriptValidationError) as caught:
        _validating.check(verifier, "server --token=hidden")
    message = f"server --token=*** says 'false' would fail (scripted at {step.location})"
    assert caught.value.problems == [message]  # the second run's step is scripted on the same line: one message
    assert str(caught.value) == (
        "bigfoot validate mode: the script differs from the server at 'server --token=***' (1 difference):\n"
        f"  - {message}"
    )
    assert isinstance(caught.value, AssertionError)


def test_a_plugin_without_checks_and_a_test_without_calls_pass() -> None:
    verifier = StrictVerifier()
    _validating.check(verifier, "anything")  # no plugin at all
    plugin = SubprocessPlugin(verifier)
    run_twice(plugin, verifier)
    assert plugin.validate("anything") == []  # BasePlugin's default: nothing to check
    _validating.check(verifier, "anything")


def test_the_target_comes_from_the_option_or_the_environment_and_record_mode_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(_validating.ENV_TARGET, raising=False)
    assert _validating.target() is None and _validating.target("") is None
    monkeypatch.setenv(_validating.ENV_TARGET, "env-target")
    assert _validating.target() == "env-target"
    assert _validating.target("option-target") == "option-target"
    assert _validating.target("option-target", record="record-target") is None


@pytest.mark.usefixtures("checking")
def test_the_unittest_hooks_skip_a_failed_test(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = StrictVerifier()
    plugin = SubprocessPlugin(verifier)
    run_twice(plugin, verifier)

    class Outcome:
        def __init__(self) -> None:
            self.result: Any = None
            self.errors: list[Any] = []

    class Test:
        _outcome = Outcome()

    test = Test()
    monkeypatch.delenv(_validating.ENV_TARGET, raising=False)
    assert _validating.start_test(verifier, test) is None
    with pytest.raises(ScriptValidationError):
        _validating.finish_test(verifier, test, "target")
    test._outcome.errors = [(test, "a failure")]
    _validating.finish_test(verifier, test, "target")  # the test failed: reported as it failed, not validated
