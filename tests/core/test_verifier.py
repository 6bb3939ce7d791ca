"""The verifier (bigfoot._verifier): assertions in order and in any order, their messages, and verify_all."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from unittest.mock import ANY

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

from .subprocess_plugin import SubprocessPlugin

ORDER_HINT = (
    "Assert interactions in the order they happened, or put the assertions inside `with bigfoot.in_any_order():`."
)
MASK_NOTE = "(Masked secrets show as '***': put the real value or unittest.mock.ANY there.)"


def done(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(list(args), 0)


def line_of_next_statement() -> int:
    return sys._getframe(1).f_lineno + 1


def run_build(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    """Three calls, two kinds: run, check_output, run."""
    plugin.new_session().expect("run", returns=done("make"))
    plugin.new_session().expect("check_output", returns="v1.2\n")
    plugin.new_session().expect("run", returns=done("make", "install"))
    with verifier.sandbox():
        subprocess.run(["make"], check=True)
        subprocess.check_output(["git", "describe"], text=True)
        subprocess.run(["make", "install"])


def swallow_unscripted_run(verifier: StrictVerifier, *args: str) -> None:
    with verifier.sandbox():
        with contextlib.suppress(UnmockedInteractionError):
            subprocess.run(list(args))


# -- ordered assertions ----------------------------------------------------------------------------------------------


def test_assertions_go_in_the_order_the_calls_happened(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    run_build(verifier, plugin)
    first = plugin.assert_run(popenargs=[["make"]], check=True)
    assert first is verifier.interactions[0] and first.asserted
    with pytest.raises(InteractionMismatchError) as info:
        plugin.assert_run(popenargs=[["make", "install"]])
    assert str(info.value) == (
        "assert_run(popenargs=[['make', 'install']]) does not match the earliest unasserted interaction, which is a "
        "check_output (session #2):\n"
        "    bigfoot.subprocess_mock.assert_check_output(popenargs=[['git', 'describe']], text=True)\n"
        f"{ORDER_HINT}"
    )
    assert info.value.method == "run" and info.value.actual is verifier.interactions[1]
    assert info.value.expected == {"popenargs": [["make", "install"]]}
    plugin.assert_check_output(popenargs=[["git", "describe"]], text=True)
    plugin.assert_run(popenargs=[["make", "install"]])
    verifier.verify_all()


def test_a_field_by_field_diff_names_what_differs(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    run_build(verifier, plugin)
    with pytest.raises(InteractionMismatchError) as info:
        plugin.assert_run(popenargs=[["make", "all"]], check=True, timeout=5)
    assert str(info.value) == (
        "assert_run(popenargs=[['make', 'all']], check=True, timeout=5) does not match the earliest unasserted "
        "interaction (run, session #1):\n"
        "    popenargs: expected [['make', 'all']], actual [['make']]\n"
        "    timeout: expected 5, but the call did not pass it\n"
        "It was recorded as:\n"
        "    bigfoot.subprocess_mock.assert_run(popenargs=[['make']], check=True)"
    )
    assert not verifier.interactions[0].asserted  # a failed assertion marks nothing


def test_nothing_left_to_assert(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    with pytest.raises(InteractionMismatchError) as info:
        plugin.assert_run(popenargs=[["x"]])
    assert str(info.value) == (
        "assert_run(popenargs=[['x']]) found nothing to match: all 0 recorded interaction(s) are already asserted "
        "(none happened)."
    )
    assert info.value.actual is None
    plugin.new_session().expect("run", returns=done("x"))
    with verifier.sandbox():
        subprocess.run(["x"])
    plugin.assert_run(popenargs=[["x"]])
    with pytest.raises(InteractionMismatchError) as info:
        plugin.assert_run(popenargs=[["x"]])
    assert str(info.value) == (
        "assert_run(popenargs=[['x']]) found nothing to match: all 1 recorded interaction(s) are already asserted."
    )


# -- missing fields ----------------------------------------------------------------------------------------------


def test_missing_fields_are_named_with_the_complete_line_to_paste(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    run_build(verifier, plugin)
    with pytest.raises(MissingAssertionFieldsError) as info:
        plugin.assert_run(popenargs=[["make"]])
    assert str(info.value) == (
        "assert_run() left out recorded field(s): check. Every field the call passed must be asserted; the complete "
        "assertion is:\n"
        "    bigfoot.subprocess_mock.assert_run(popenargs=[['make']], check=True)"
    )
    assert info.value.missing == ["check"] and info.value.interaction is verifier.interactions[0]
    assert info.value.line == "bigfoot.subprocess_mock.assert_run(popenargs=[['make']], check=True)"
    with pytest.raises(MissingAssertionFieldsError) as info:
        plugin.assert_run()
    assert info.value.missing == ["popenargs", "check"]


def test_missing_fields_of_a_call_with_secrets_say_how_to_assert_them(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    plugin.new_session().expect("run", returns=done("deploy"))
    with verifier.sandbox():
        subprocess.run(["deploy", "--token=hunter2"], env={"KEY": "k"})
    with pytest.raises(MissingAssertionFieldsError) as info:
        plugin.assert_run(popenargs=[["deploy", "--token=hunter2"]])
    assert str(info.value) == (
        "assert_run() left out recorded field(s): env. Every field the call passed must be asserted; the complete "
        "assertion is:\n"
        "    bigfoot.subprocess_mock.assert_run(popenargs=[['deploy', '--token=***']], env='***')\n"
        f"{MASK_NOTE}"
    )
    plugin.assert_run(popenargs=[["deploy", "--token=hunter2"]], env=ANY)


# -- matchers ------------------------------------------------------------------------------------------------------


def test_matchers_compare_with_the_expected_value_on_the_left(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    run_build(verifier, plugin)
    seen = []

    class Spy:
        def __eq__(self, other: object) -> bool:
            seen.append(other)
            return True

    plugin.assert_run(popenargs=Spy(), check=ANY)
    plugin.assert_check_output(popenargs=ANY, text=ANY)
    plugin.assert_run(popenargs=[ANY])
    assert seen == [[["make"]]]
    verifier.verify_all()


def test_a_matcher_that_raises_is_a_difference(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    class Explodes:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("matcher bug")

        def __repr__(self) -> str:
            return "<Explodes>"

    run_build(verifier, plugin)
    with pytest.raises(InteractionMismatchError) as info:
        plugin.assert_run(popenargs=Explodes(), check=True)
    assert "\n    popenargs: expected <Explodes>, actual [['make']]\n" in str(info.value)
    with verifier.in_any_order(), pytest.raises(InteractionMismatchError):
        plugin.assert_run(popenargs=Explodes(), check=True)
    plugin.assert_run(popenargs=[["make"]], check=True)


def test_raised_matches_a_class_the_very_instance_or_a_matcher(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    boom = subprocess.CalledProcessError(2, ["make"])
    plugin.new_session().expect("run", raises=boom)
    with verifier.sandbox(), pytest.raises(subprocess.CalledProcessError) as info:
        subprocess.run(["make"])
    assert info.value is boom
    with pytest.raises(InteractionMismatchError) as mismatch:
        plugin.assert_run(popenargs=[["make"]], raised=KeyError)
    assert "\n    raised: expected <class 'KeyError'>, actual CalledProcessError(2, ['make'])\n" in str(mismatch.value)
    with pytest.raises(InteractionMismatchError):
        plugin.assert_run(popenargs=[["make"]], raised=subprocess.CalledProcessError(2, ["make"]))  # another one
    plugin.assert_run(popenargs=[["make"]], raised=ANY)
    assert verifier.interactions[0].raised is boom


def test_raised_may_be_asserted_as_a_class(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    plugin.new_session().expect("run", raises=FileNotFoundError)  # a class is raised as a new instance
    with verifier.sandbox(), pytest.raises(FileNotFoundError):
        subprocess.run(["nowhere"])
    plugin.assert_run(popenargs=[["nowhere"]], raised=OSError)


# -- in any order ----------------------------------------------------------------------------------------------------


def test_in_any_order(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    run_build(verifier, plugin)
    with verifier.in_any_order():
        plugin.assert_run(popenargs=[["make", "install"]])
        with pytest.raises(InteractionMismatchError) as info:
            plugin.assert_run(popenargs=[["make", "clean"]], check=True)
        assert str(info.value) == (
            "assert_run(popenargs=[['make', 'clean']], check=True) matches none of the unasserted run interactions:\n"
            "    bigfoot.subprocess_mock.assert_run(popenargs=[['make']], check=True)"
        )
        plugin.assert_check_output(popenargs=[["git", "describe"]], text=True)
        with pytest.raises(MissingAssertionFieldsError, match=r"left out recorded field\(s\): check\."):
            plugin.assert_run(popenargs=[["make"]])
        plugin.assert_run(popenargs=[["make"]], check=True)
        with pytest.raises(InteractionMismatchError) as info:
            plugin.assert_check_output(popenargs=[["git", "describe"]], text=True)
        assert str(info.value) == (
            "assert_check_output(popenargs=[['git', 'describe']], text=True) found no unasserted check_output "
            "interaction."
        )
    verifier.verify_all()


def test_in_any_order_compares_in_detail_when_the_quick_check_fails(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    plugin.new_session().expect("run", raises=ValueError("bad"))
    plugin.new_session().expect("run", returns=done("b"))
    with verifier.sandbox():
        with pytest.raises(ValueError):
            subprocess.run(["a"])
        subprocess.run(["b"])
    with verifier.in_any_order():
        plugin.assert_run(popenargs=[["b"]])
        plugin.assert_run(popenargs=[["a"]], raised=ValueError)  # `raised` is not a field: only the detail sees it
    verifier.verify_all()


def test_order_is_strict_again_after_an_any_order_block_and_blocks_nest(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    run_build(verifier, plugin)
    with verifier.in_any_order():
        with verifier.in_any_order():
            plugin.assert_check_output(popenargs=[["git", "describe"]], text=True)
        plugin.assert_run(popenargs=[["make", "install"]])  # the outer block is still open
    with pytest.raises(InteractionMismatchError, match="does not match the earliest unasserted interaction"):
        plugin.assert_check_output(popenargs=[["git", "describe"]], text=True)
    plugin.assert_run(popenargs=[["make"]], check=True)
    verifier.verify_all()


# -- the generic assertion -------------------------------------------------------------------------------------------


def test_assert_interaction_takes_a_source_of_this_verifier(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    run_build(verifier, plugin)
    assert verifier.assert_interaction(plugin.run, popenargs=[["make"]], check=True) is verifier.interactions[0]
    verifier.assert_interaction(plugin.source("check_output"), popenargs=[["git", "describe"]], text=True)
    with pytest.raises(TypeError) as info:
        verifier.assert_interaction("run", popenargs=[["make"]])  # type: ignore[arg-type]
    assert str(info.value) == (
        "assert_interaction() takes an interaction source such as plugin.fetch first, got str 'run'."
    )
    other = SubprocessPlugin(StrictVerifier())
    with pytest.raises(ValueError) as value_error:
        verifier.assert_interaction(other.run, popenargs=[["make", "install"]])
    assert str(value_error.value) == (
        "<interaction source subprocess_mock.run> belongs to another verifier; assert through the plugin of this one."
    )
    with pytest.raises(InteractionMismatchError, match=r"\(none happened\)"):
        other.assert_run(popenargs=[["make", "install"]])  # a plugin's helpers assert on its own verifier
    assert plugin.run is plugin.source("run") and repr(plugin.run) == "<interaction source subprocess_mock.run>"


def test_a_verifier_takes_one_plugin_of_each_class(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    with pytest.raises(ValueError) as info:
        SubprocessPlugin(verifier)
    assert str(info.value) == (
        "This verifier already has a SubprocessPlugin; each verifier takes at most one. Use the existing one "
        "(verifier.get_plugin(SubprocessPlugin)) instead of creating another."
    )
    assert verifier.get_plugin(SubprocessPlugin) is plugin and SubprocessPlugin.of(verifier) is plugin
    assert SubprocessPlugin.of(StrictVerifier()) is not plugin


def test_repr_and_interactions(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    assert repr(StrictVerifier()) == "<StrictVerifier: 0 interaction(s), 0 plugin(s)>"
    run_build(verifier, plugin)
    assert repr(verifier) == "<StrictVerifier: 3 interaction(s), 1 plugin(s)>"
    listed = verifier.interactions
    listed.clear()  # a copy
    assert [i.method for i in verifier.interactions] == ["run", "check_output", "run"]
    assert [i.where for i in verifier.interactions] == ["session #1", "session #2", "session #3"]


# -- verify_all ------------------------------------------------------------------------------------------------------


def test_verify_all_passes_when_everything_is_asserted(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    verifier.verify_all()
    run_build(verifier, plugin)
    plugin.assert_run(popenargs=[["make"]], check=True)
    plugin.assert_check_output(popenargs=[["git", "describe"]], text=True)
    plugin.assert_run(popenargs=[["make", "install"]])
    assert verifier.verify_all() is None


def test_verify_all_lists_unasserted_interactions_as_lines_to_paste(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    run_build(verifier, plugin)
    plugin.assert_run(popenargs=[["make"]], check=True)
    with pytest.raises(UnassertedInteractionsError) as info:
        verifier.verify_all()
    assert str(info.value) == (
        "2 interaction(s) were not asserted. Assert them, in this order:\n"
        "    bigfoot.subprocess_mock.assert_check_output(popenargs=[['git', 'describe']], text=True)\n"
        "    bigfoot.subprocess_mock.assert_run(popenargs=[['make', 'install']])"
    )
    assert info.value.interactions == verifier.interactions[1:]
    assert info.value.lines == [
        "bigfoot.subprocess_mock.assert_check_output(popenargs=[['git', 'describe']], text=True)",
        "bigfoot.subprocess_mock.assert_run(popenargs=[['make', 'install']])",
    ]
    assert isinstance(info.value, AssertionError)


def test_verify_all_notes_masked_secrets_in_unasserted_interactions(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    plugin.new_session().expect("run", returns=done("deploy"))
    with verifier.sandbox():
        subprocess.run(["deploy", "--token=hunter2"])
    with pytest.raises(UnassertedInteractionsError) as info:
        verifier.verify_all()
    assert str(info.value) == (
        "1 interaction(s) were not asserted. Assert them, in this order:\n"
        "    bigfoot.subprocess_mock.assert_run(popenargs=[['deploy', '--token=***']])\n"
        f"{MASK_NOTE}"
    )


def test_verify_all_lists_unused_steps_with_where_they_were_scripted(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    line = line_of_next_statement()
    first = plugin.new_session().expect("run", returns=done("a"))
    second = plugin.new_session().expect("check_output", returns="").expect("run", returns=done("b"))
    with pytest.raises(UnusedMocksError) as info:
        verifier.verify_all()
    assert str(info.value) == (
        "3 scripted step(s) were never used:\n"
        f"    session #1 step 1 'run' (scripted at tests/core/test_verifier.py:{line})\n"
        f"    session #2 step 1 'check_output' (scripted at tests/core/test_verifier.py:{line + 1})\n"
        f"    session #2 step 2 'run' (scripted at tests/core/test_verifier.py:{line + 1})\n"
        "Remove them from the script, or mark optional ones with required=False."
    )
    assert info.value.steps == first.steps + second.steps


def test_steps_left_after_a_session_was_taken_are_unused(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    handle = plugin.new_session().expect("run", returns=done("a")).expect("run", returns=done("b"))
    with verifier.sandbox():
        subprocess.run(["a"])
    plugin.assert_run(popenargs=[["a"]])
    with pytest.raises(UnusedMocksError) as info:
        verifier.verify_all()
    assert info.value.steps == handle.steps[1:]


def test_required_false_steps_may_go_unused(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    plugin.new_session().expect("run", returns=done("a"), required=False)
    handle = plugin.new_session().expect("run", returns=done("b")).expect("check_output", returns="", required=False)
    with verifier.sandbox():
        subprocess.run(["a"])  # an optional step is used when the call comes
    plugin.assert_run(popenargs=[["a"]])
    with pytest.raises(UnusedMocksError) as info:
        verifier.verify_all()
    assert info.value.steps == handle.steps[:1]  # only the required one is reported


def test_only_swallowed_unmocked_calls_give_the_first_one_as_the_error(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    swallow_unscripted_run(verifier, "a")
    swallow_unscripted_run(verifier, "b")
    first, second = verifier._unmocked
    with pytest.raises(UnmockedInteractionError) as info:
        verifier.verify_all()
    assert str(info.value) == (
        f"An unmocked call was made and swallowed by the code under test:\n{first}\n"
        "It was followed by 1 call(s) made after it (likely cleanup), unmocked too:\n"
        f"    {str(second).splitlines()[0]}"
    )
    assert str(first) == (
        "Unmocked call: subprocess.run(popenargs=[['a']]), but no session is queued.\n"
        "Script one before the code runs:\n"
        '    bigfoot.subprocess_mock.new_session().expect("run", returns=subprocess.CompletedProcess([...], 0))'
    )
    assert (info.value.method, info.value.fields, info.value.session, info.value.expected) == (
        "run",
        {"popenargs": [["a"]]},
        None,
        None,
    )
    assert info.value.hint == (
        'bigfoot.subprocess_mock.new_session().expect("run", returns=subprocess.CompletedProcess([...], 0))'
    )


def test_a_call_that_is_not_the_sessions_next_step_is_unmocked(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    line = line_of_next_statement()
    handle = plugin.new_session().expect("check_output", returns="x")
    with verifier.sandbox(), pytest.raises(UnmockedInteractionError) as info:
        subprocess.run(["a"])
    assert str(info.value) == (
        "Unmocked call: subprocess.run(popenargs=[['a']]) on session #1, but the script expects 'check_output' next "
        f"(session #1 step 1 'check_output' (scripted at tests/core/test_verifier.py:{line})).\n"
        "If the call is right, script it at that point of session #1:\n"
        '    .expect("run", returns=subprocess.CompletedProcess([...], 0))'
    )
    assert info.value.session == 1 and info.value.expected is handle.steps[0]
    assert verifier.interactions == []  # nothing consumed, nothing recorded
    plugin.new_session()
    with verifier.sandbox(), pytest.raises(UnmockedInteractionError, match="on session #1, but the script expects"):
        subprocess.run(["a"])  # the refused session stays at the front of the queue


def test_a_session_with_no_steps(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    plugin.new_session()
    with verifier.sandbox(), pytest.raises(UnmockedInteractionError) as info:
        subprocess.run(["a"])
    assert str(info.value).startswith(
        "Unmocked call: subprocess.run(popenargs=[['a']]) on session #1, which has no steps scripted.\n"
    )


@pytest.mark.parametrize(
    ("unscripted_first", "extra_step", "kinds"),
    [
        (True, False, {"unmocked", "unasserted"}),
        (False, True, {"unmocked", "unused"}),
        (True, True, {"unmocked", "unasserted", "unused"}),
    ],
)
def test_several_kinds_of_problems_give_one_verification_error(
    verifier: StrictVerifier,
    plugin: SubprocessPlugin,
    unscripted_first: bool,
    extra_step: bool,
    kinds: set[str],
) -> None:
    plugin.new_session().expect("run", returns=done("ok"))
    if extra_step:
        plugin.new_session().expect("check_output", returns="")
    with verifier.sandbox():
        subprocess.run(["ok"])
    swallow_unscripted_run(verifier, "surprise")
    if not unscripted_first:
        plugin.assert_run(popenargs=[["ok"]])
    with pytest.raises(VerificationError) as info:
        verifier.verify_all()
    error = info.value
    assert {kind for kind in ("unmocked", "unasserted", "unused") if getattr(error, kind)} == kinds
    assert type(error) is VerificationError
    text = str(error)
    sections = [
        "1 unmocked call(s) were made and swallowed",
        "1 interaction(s) were not asserted",
        "1 scripted step(s) were never used",
    ]
    present = [s for s in sections if s in text]
    assert len(present) == len(kinds) and sorted(present, key=text.index) == present  # in this order


def test_unasserted_and_unused_together_without_any_unmocked_call(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    plugin.new_session().expect("run", returns=done("a"))
    plugin.new_session().expect("run", returns=done("b"))
    with verifier.sandbox():
        subprocess.run(["a"])
    with pytest.raises(VerificationError) as info:
        verifier.verify_all()
    assert str(info.value) == (
        "1 interaction(s) were not asserted. Assert them, in this order:\n"
        "    bigfoot.subprocess_mock.assert_run(popenargs=[['a']])\n"
        "\n"
        "1 scripted step(s) were never used:\n"
        f"    {info.value.unused[0].describe()}\n"
        "Remove them from the script, or mark optional ones with required=False."
    )
    assert info.value.unasserted == verifier.interactions and info.value.unmocked == []


def test_hints_name_the_owner_the_user_writes(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    verifier.hint_owner = "self"
    with verifier.sandbox(), pytest.raises(UnmockedInteractionError) as info:
        subprocess.run(["a"])
    assert info.value.hint.startswith("self.subprocess_mock.new_session()")
    verifier._surfaced(info.value)


def test_bigfoot_frames_are_hidden_from_pytest_and_unittest_reports(
    verifier: StrictVerifier, plugin: SubprocessPlugin
) -> None:
    plugin.new_session().expect("run", returns=done("a"))
    plugin.new_session().expect("run", returns=done("b"))
    with verifier.sandbox():
        subprocess.run(["a"])
        subprocess.run(["b"])

    def any_order_missing() -> None:
        with verifier.in_any_order():
            plugin.assert_run()

    def any_order_mismatch() -> None:
        with verifier.in_any_order():
            plugin.assert_run(popenargs=[["c"]])

    failing = [
        any_order_missing,
        any_order_mismatch,
        lambda: plugin.assert_run(popenargs=[["c"]]),
        lambda: plugin.assert_run(),
        lambda: plugin.assert_check_output(popenargs=[["a"]]),
        lambda: verifier.assert_interaction(plugin.run, popenargs=[["c"]]),
        verifier.verify_all,
    ]
    for fn in failing:
        with pytest.raises(AssertionError) as info:
            fn()
        tb = info.value.__traceback__
        frames = 0
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_globals.get("__name__", "").startswith("bigfoot."):
                frames += 1
                assert frame.f_locals.get("__tracebackhide__") is True, frame.f_code.co_name  # pytest's marker
                assert frame.f_globals.get("__unittest") is True, frame.f_code.co_name  # unittest's marker
            tb = tb.tb_next
        assert frames, fn
    plugin.assert_run(popenargs=[["a"]])
    plugin.assert_run(popenargs=[["b"]])
