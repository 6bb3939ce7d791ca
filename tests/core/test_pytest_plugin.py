"""The pytest plugin (bigfoot.pytest_plugin), exercised in throwaway pytest sessions with the subprocess plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from bigfoot._current import CURRENT
from bigfoot._patching import depth

pytest_plugins = ["pytester"]

# The throwaway session gets its own copy of the test plugin, registered by its conftest.
PLUGIN_SOURCE = (Path(__file__).parent / "subprocess_plugin.py").read_text()
CONFTEST = "import subprocess_plugin  # registers bigfoot.subprocess_mock\n"

TESTS = """
import subprocess
import bigfoot

def done(*args):
    return subprocess.CompletedProcess(list(args), 0)

def test_passes():
    bigfoot.subprocess_mock.new_session().expect("run", returns=done("ls"))
    with bigfoot:
        assert subprocess.run(["ls"]).args == ["ls"]
    bigfoot.subprocess_mock.assert_run(popenargs=[["ls"]])

def test_unasserted():
    bigfoot.subprocess_mock.new_session().expect("run", returns=done("ls"))
    with bigfoot:
        subprocess.run(["ls", "-l"])

def test_unused():
    bigfoot.subprocess_mock.new_session().expect("check_output", returns="")

def test_fixture(bigfoot_verifier):
    assert bigfoot.subprocess_mock.verifier is bigfoot_verifier
    assert bigfoot.current_verifier() is bigfoot_verifier

async def test_async(bigfoot_verifier):
    bigfoot.subprocess_mock.new_session().expect("check_output", returns=b"v1")
    async with bigfoot:
        assert subprocess.check_output(["git", "describe"]) == b"v1"
    bigfoot.subprocess_mock.assert_check_output(popenargs=[["git", "describe"]])
"""


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(subprocess_plugin=PLUGIN_SOURCE, conftest=CONFTEST, test_it=source)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n")
    # The inner session keeps file order (no pytest-randomly): the checks below read its report in order.
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


def assert_lines_in_order(result: pytest.RunResult, *expected: str) -> None:
    """Each expected line is a whole line of the report, after the one before it (no pattern: brackets are literal)."""
    lines = result.stdout.lines
    position = 0
    for line in expected:
        assert line in lines[position:], f"{line!r} not found in order in:\n{result.stdout.str()}"
        position = lines.index(line, position) + 1


def test_passing_tests_pass_and_verification_failures_error_at_teardown_of_the_right_test(
    pytester: pytest.Pytester,
) -> None:
    result = run(pytester, TESTS, "--asyncio-mode=auto")
    result.assert_outcomes(passed=5, errors=2)
    assert_lines_in_order(
        result,
        "_____________________ ERROR at teardown of test_unasserted _____________________",
        "E   bigfoot.errors.UnassertedInteractionsError: 1 interaction(s) were not asserted. Assert them, in this "
        "order:",
        "        bigfoot.subprocess_mock.assert_run(popenargs=[['ls', '-l']])",
        "_______________________ ERROR at teardown of test_unused _______________________",
        "E   bigfoot.errors.UnusedMocksError: 1 scripted step(s) were never used:",
        "        session #1 step 1 'check_output' (scripted at test_it.py:19)",
        "    Remove them from the script, or mark optional ones with required=False.",
    )
    result.stdout.fnmatch_lines(["ERROR test_it.py::test_unasserted - *", "ERROR test_it.py::test_unused - *"])
    assert "raise UnusedMocksError" not in result.stdout.str()  # bigfoot's own frames are hidden


def test_an_unmocked_call_fails_the_test_once(pytester: pytest.Pytester) -> None:
    source = """
import subprocess, bigfoot

def test_unmocked():
    with bigfoot:
        subprocess.run(["rm", "-rf", "build"])
"""
    result = run(pytester, source)
    result.assert_outcomes(failed=1)
    assert_lines_in_order(
        result,
        "E       bigfoot.errors.UnmockedInteractionError: Unmocked call: "
        "subprocess.run(popenargs=[['rm', '-rf', 'build']]), but no session is queued.",
        "E       Script one before the code runs:",
        "E           bigfoot.subprocess_mock.new_session()"
        '.expect("run", returns=subprocess.CompletedProcess([...], 0))',
    )
    assert "ERROR at teardown" not in result.stdout.str()


def test_each_test_gets_a_fresh_verifier(pytester: pytest.Pytester) -> None:
    source = """
import bigfoot
from subprocess_plugin import SubprocessPlugin
seen = []

def test_one(bigfoot_verifier):
    seen.append(bigfoot_verifier)
    bigfoot.subprocess_mock.new_session().expect("check_output", returns="", required=False)

def test_two(bigfoot_verifier):
    seen.append(bigfoot_verifier)
    assert seen[0] is not seen[1]
    assert bigfoot_verifier.get_plugin(SubprocessPlugin) is None  # nothing used it in this test
"""
    run(pytester, source).assert_outcomes(passed=2)


RELEASED = """
import subprocess
import bigfoot

SEEN = []

def test_first(bigfoot_verifier):
    bigfoot.subprocess_mock.new_session().expect("run", returns=subprocess.CompletedProcess(["ls"], 0))
    with bigfoot:
        subprocess.run(["ls"])
    bigfoot.subprocess_mock.assert_run(popenargs=[["ls"]])
    assert bigfoot_verifier._plugins and len(bigfoot_verifier._timeline) == 1
    SEEN.append(bigfoot_verifier)

def test_second():
    (first,) = SEEN
    assert first._plugins == {} and len(first._timeline) == 0
"""


def test_a_finished_test_s_verifier_is_released(pytester: pytest.Pytester) -> None:
    # Its plugins, sessions and interactions are dropped after verification, so none stays in a reference cycle.
    result = run(pytester, RELEASED)
    result.assert_outcomes(passed=2)


LIFETIME = """
import subprocess
import pytest
import bigfoot

@pytest.fixture
def scripted():
    # Set up with the test's verifier already installed, torn down before it is verified.
    bigfoot.subprocess_mock.new_session().expect("run", returns=subprocess.CompletedProcess(["ls"], 0))
    yield
    bigfoot.subprocess_mock.assert_run(popenargs=[["ls"]])

def test_a_fixture_scripts_and_asserts(scripted):
    with bigfoot:
        subprocess.run(["ls"])

@pytest.fixture
def broken():
    yield
    raise RuntimeError("the fixture's tear-down broke")

def test_a_fixture_tear_down_fails(broken):
    bigfoot.subprocess_mock.new_session().expect("check_output", returns="")

def test_a_test_that_does_not_ask_gets_no_fixture(request):
    assert "bigfoot_verifier" not in request.fixturenames
    assert bigfoot.current_verifier() is not None

@pytest.fixture
def scripted_then_broken():
    bigfoot.subprocess_mock.new_session().expect("run", returns=subprocess.CompletedProcess(["ls"], 0))
    raise RuntimeError("the fixture's set-up broke")

def test_a_fixture_set_up_fails(scripted_then_broken):
    pass
"""


def test_the_verifier_spans_the_fixtures_set_up_and_tear_down(pytester: pytest.Pytester) -> None:
    result = run(pytester, LIFETIME)
    result.assert_outcomes(passed=3, errors=2)
    output = result.stdout.str()
    # A fixture's broken tear-down is the test's failure; what verification found is added to its report, once.
    assert_lines_in_order(
        result,
        "_____________ ERROR at teardown of test_a_fixture_tear_down_fails ______________",
        "E       RuntimeError: the fixture's tear-down broke",
        "----------------------- bigfoot verification at teardown -----------------------",
        "After the failure above, bigfoot's verification also found (often a consequence of it):",
        "UnusedMocksError: 1 scripted step(s) were never used:",
    )
    assert output.count("UnusedMocksError") == 1
    # A fixture's broken set-up is the test's one failure too: its unused step is not a second error at teardown.
    assert "ERROR at setup of test_a_fixture_set_up_fails" in output
    assert "ERROR at teardown of test_a_fixture_set_up_fails" not in output


GUARD_AROUND_FIXTURES = """
import subprocess
import sys
import pytest
import bigfoot

pytestmark = pytest.mark.bigfoot(guard="all")

@pytest.fixture
def prepared():
    # A fixture may use the real thing, in its set-up and in its tear-down.
    yield subprocess.run([sys.executable, "-c", "pass"]).returncode
    assert subprocess.run([sys.executable, "-c", "pass"]).returncode == 0

def test_fixtures_are_not_guarded(prepared):
    assert prepared == 0
    bigfoot.subprocess_mock.new_session().expect("check_output", returns="", required=False)  # the test uses bigfoot

def test_the_body_is_guarded():
    subprocess.run([sys.executable, "-c", "pass"])
"""


def test_the_guard_covers_the_test_s_body_and_not_its_fixtures(pytester: pytest.Pytester) -> None:
    result = run(pytester, GUARD_AROUND_FIXTURES)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["E   *UnmockedInteractionError: subprocess.run() was called outside any bigfoot *"])


CLASS_SETTINGS = """
import subprocess
import bigfoot

@bigfoot.settings(unasserted_ok=["run"])
class TestRelaxed:
    def test_run_needs_no_assertion(self):
        bigfoot.subprocess_mock.new_session().expect("run", returns=subprocess.CompletedProcess(["ls"], 0))
        with bigfoot:
            subprocess.run(["ls"])

class TestStrict:
    def test_run_must_be_asserted(self):
        bigfoot.subprocess_mock.new_session().expect("run", returns=subprocess.CompletedProcess(["ls"], 0))
        with bigfoot:
            subprocess.run(["ls"])
"""


def test_a_test_class_s_settings_apply_to_its_tests(pytester: pytest.Pytester) -> None:
    result = run(pytester, CLASS_SETTINGS)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["ERROR test_it.py::TestStrict::test_run_must_be_asserted - bigfoot.errors.Unas*"])


# A plugin given with -p is registered before bigfoot's: its set-up wrapper runs inside bigfoot's unless bigfoot's
# wraps the fixtures from inside the others, as it should.
STASHING_PLUGIN = """
import pytest

KEY = pytest.StashKey[str]()

@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    item.stash[KEY] = "set up"
    return (yield)

@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    assert item.stash[KEY] == "set up"
    return (yield)
"""


def test_a_bad_setting_fails_the_test_s_set_up_inside_other_plugins_wrappers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(stashing=STASHING_PLUGIN)
    source = """
import pytest

@pytest.mark.bigfoot(guard="strict")
def test_bad_setting():
    pass
"""
    result = run(pytester, source, "-p", "stashing")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["E * ValueError: pytest.mark.bigfoot(): guard='strict' is not a guard setting.*"])
    assert "KeyError" not in result.stdout.str()


INTERRUPTED = """
import pathlib
import subprocess
import pytest
import bigfoot

@pytest.fixture
def watch():
    ours = bigfoot.current_verifier()
    yield
    # Torn down when the session ends: the stopped test's verifier is still installed until then.
    pathlib.Path("seen.txt").write_text(str(bigfoot.current_verifier() is ours))

def test_stopped(watch):
    bigfoot.subprocess_mock.new_session().expect("run", returns=subprocess.CompletedProcess(["ls"], 0))
    pytest.exit("the run stops here")
"""


def test_a_run_stopped_inside_a_test_still_uninstalls_its_verifier(pytester: pytest.Pytester) -> None:
    # pytest.exit() (or Ctrl-C) skips the test's tear-down hooks: the session's end finishes the verifier instead.
    pytester.makepyfile(test_it=INTERRUPTED)  # in this process, this folder's conftest registered the plugin already
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    ours = CURRENT.get()
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert CURRENT.get() is ours  # the stopped test's verifier is gone, this test's is back
    assert depth() == 0
    assert (pytester.path / "seen.txt").read_text() == "True"  # its fixtures were torn down first
