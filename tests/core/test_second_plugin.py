"""The test-only subprocess plugin works end to end through bigfoot's public API, under pytest and unittest."""

from __future__ import annotations

import subprocess
import sys
import unittest

import pytest

import bigfoot
from bigfoot import StrictVerifier, UnassertedInteractionsError, UnmockedInteractionError, UnusedMocksError

from .subprocess_plugin import REGISTRATION, SubprocessPlugin

ORIGINAL_RUN_CODE = subprocess.run.__code__


def list_files() -> str:
    result = subprocess.run(["ls", "-1"], capture_output=True, text=True, check=True)
    return result.stdout


def test_scripts_asserts_and_verifies_under_pytest() -> None:
    bigfoot.subprocess_mock.new_session().expect(
        "run", returns=subprocess.CompletedProcess(["ls", "-1"], 0, stdout="a\nb\n")
    )
    with bigfoot:
        assert subprocess.run.__code__ is not ORIGINAL_RUN_CODE
        assert list_files() == "a\nb\n"
    bigfoot.subprocess_mock.assert_run(popenargs=[["ls", "-1"]], capture_output=True, text=True, check=True)
    # The test uses bigfoot, so its guard refuses the same call outside the sandbox, before anything runs; the real
    # function comes back when the test's body ends (the autouse fixture of this folder checks it).
    with pytest.raises(
        UnmockedInteractionError, match=r"^subprocess.run\(\) was called outside any bigfoot sandbox"
    ) as info:
        list_files()
    bigfoot.current_verifier()._surfaced(info.value)


def test_outside_a_sandbox_the_real_function_runs() -> None:
    with StrictVerifier().sandbox():
        pass
    result = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True, check=True)
    assert result.stdout == "42\n"


def test_unscripted_call_is_refused_with_the_plugins_hint(bigfoot_verifier: StrictVerifier) -> None:
    with bigfoot, pytest.raises(UnmockedInteractionError) as info:
        list_files()
    assert str(info.value) == (
        "Unmocked call: subprocess.run(popenargs=[['ls', '-1']], capture_output=True, check=True, text=True), "
        "but no session is queued.\n"
        "Script one before the code runs:\n"
        '    bigfoot.subprocess_mock.new_session().expect("run", returns=subprocess.CompletedProcess([...], 0))'
    )
    bigfoot_verifier._surfaced(info.value)


def test_verification_reports_unasserted_and_unused_in_the_plugins_names() -> None:
    verifier = StrictVerifier()
    plugin = SubprocessPlugin(verifier)
    plugin.new_session().expect("run", returns=subprocess.CompletedProcess(["x"], 0))
    plugin.new_session().expect("run", returns=subprocess.CompletedProcess(["y"], 0))
    with verifier.sandbox():
        subprocess.run(["x", "--token=s3cret"])
    with pytest.raises(bigfoot.VerificationError) as info:
        verifier.verify_all()
    message = str(info.value)
    assert "bigfoot.subprocess_mock.assert_run(popenargs=[['x', '--token=***']])" in message
    assert "s3cret" not in message
    assert "session #2 step 1 'run'" in message
    plugin.assert_run(popenargs=[["x", "--token=s3cret"]])
    with pytest.raises(UnusedMocksError):
        verifier.verify_all()


def test_secret_fields_of_the_plugin_are_masked() -> None:
    verifier = StrictVerifier()
    plugin = SubprocessPlugin.of(verifier)
    plugin.new_session().expect("run", returns=subprocess.CompletedProcess(["env"], 0))
    with verifier.sandbox():
        subprocess.run(["env"], env={"API_KEY": "k"})
    with pytest.raises(UnassertedInteractionsError) as info:
        verifier.verify_all()
    assert "env='***'" in str(info.value) and "API_KEY" not in str(info.value)


def test_the_registration_is_found_by_hint_name() -> None:
    assert bigfoot.subprocess_mock is REGISTRATION.proxy
    assert bigfoot.register_plugin(SubprocessPlugin) is REGISTRATION
    with pytest.raises(ValueError, match="the hint name 'subprocess_mock' is taken"):
        bigfoot.register_plugin("elsewhere:Other", hint_name="subprocess_mock")


class SubprocessUnderUnittest(bigfoot.BigfootTestCase):
    """The same plugin through the unittest mixin: ``self.subprocess_mock``, verified in asyncTearDown."""

    async def test_scripts_asserts_and_verifies_under_unittest(self) -> None:
        self.subprocess_mock.new_session().expect("run", returns=subprocess.CompletedProcess(["ls", "-1"], 0, "z\n"))
        with bigfoot:
            self.assertEqual(list_files(), "z\n")
        self.subprocess_mock.assert_run(popenargs=[["ls", "-1"]], capture_output=True, text=True, check=True)

    def test_hints_name_self(self) -> None:
        verifier = self.bigfoot_verifier
        self.subprocess_mock.new_session().expect("run", returns=subprocess.CompletedProcess(["x"], 0))
        with verifier.sandbox():
            subprocess.run(["x"])
        with self.assertRaises(UnassertedInteractionsError) as info:
            verifier.verify_all()
        self.assertIn("self.subprocess_mock.assert_run(popenargs=[['x']])", str(info.exception))
        self.subprocess_mock.assert_run(popenargs=[["x"]])


if __name__ == "__main__":
    unittest.main()
