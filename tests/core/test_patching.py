"""Swapping a function's code (bigfoot._patching): what can be swapped, how a call's arguments are seen, restoring."""

from __future__ import annotations

import inspect
import subprocess
from typing import Any

import pytest

from bigfoot import NOT_GIVEN, InterceptedCall, StrictVerifier
from bigfoot._patching import FunctionPatch, depth

from .subprocess_plugin import SubprocessPlugin


def sample(a: int, b: int = 2, *rest: int, c: int, d: int = 4, **extra: int) -> tuple[Any, ...]:
    return ("real", a, b, rest, c, d, extra)


async def asample(x: int, *, y: int = 1) -> tuple[str, int, int]:
    return ("real", x, y)


SAMPLE_STATE = (sample.__code__, sample.__defaults__, sample.__kwdefaults__)


def recorder(seen: list[InterceptedCall], answer: Any = "faked") -> Any:
    def handler(plugin: SubprocessPlugin, call: InterceptedCall) -> Any:
        assert isinstance(plugin, SubprocessPlugin)
        seen.append(call)
        return answer

    return handler


def test_function_patch_refuses_what_it_cannot_swap() -> None:
    def outer() -> object:
        value = 1

        def closure() -> int:
            return value

        return closure

    with pytest.raises(TypeError) as info:
        FunctionPatch(outer(), SubprocessPlugin, lambda plugin, call: None)  # type: ignore[arg-type]
    assert str(info.value) == (
        "cannot intercept test_function_patch_refuses_what_it_cannot_swap.<locals>.outer.<locals>.closure: "
        "it is a closure"
    )

    def positional_only(a: int, /) -> int:
        return a

    with pytest.raises(TypeError) as info:
        FunctionPatch(positional_only, SubprocessPlugin, lambda plugin, call: None)
    assert str(info.value) == (
        "cannot intercept tests.core.test_patching.test_function_patch_refuses_what_it_cannot_swap.<locals>."
        "positional_only: positional-only parameters are not supported"
    )
    with pytest.raises(TypeError) as info:
        FunctionPatch(len, SubprocessPlugin, lambda plugin, call: None)  # type: ignore[arg-type]
    assert str(info.value) == (
        "cannot intercept <built-in function len>: only plain Python functions can have their code swapped"
    )


def test_fields_follow_parameter_order_with_star_args_listed_and_kwargs_spread(verifier: StrictVerifier) -> None:
    seen: list[InterceptedCall] = []
    patch = FunctionPatch(sample, SubprocessPlugin, recorder(seen))
    with verifier.sandbox():
        patch.install()
        try:
            assert sample(1, 5, 6, 7, z=9, c=3, y=8) == "faked"
            assert sample(1, c=3) == "faked"
        finally:
            patch.uninstall()
    first, second = seen
    assert list(first.fields().items()) == [("a", 1), ("b", 5), ("rest", [6, 7]), ("c", 3), ("z", 9), ("y", 8)]
    # passed holds what the caller passed, in parameter order; *args and **kwargs always, empty or not
    assert first.passed == {"a": 1, "b": 5, "rest": (6, 7), "c": 3, "extra": {"z": 9, "y": 8}}
    assert second.passed == {"a": 1, "rest": (), "c": 3, "extra": {}}
    # arguments left out are not fields; an empty *args or **kwargs adds nothing
    assert second.fields() == {"a": 1, "c": 3}
    assert (second.value("b"), second.value("d"), second.value("a")) == (2, 4, 1)
    assert second.call_original() == ("real", 1, 2, (), 3, 4, {})


def clashing(bigfoot_call: int, bigfoot_absent: int = 2, *, bigfoot_call_: int = 3) -> tuple[int, int, int]:
    return (bigfoot_call, bigfoot_absent, bigfoot_call_)


def test_parameters_named_like_the_bodys_own_names_and_defaults_passed_explicitly(verifier: StrictVerifier) -> None:
    seen: list[InterceptedCall] = []
    patch = FunctionPatch(clashing, SubprocessPlugin, recorder(seen))
    with verifier.sandbox():
        patch.install()
        try:
            assert clashing(1, bigfoot_absent=2) == "faked"  # its own default, passed: passed all the same
            assert clashing(bigfoot_call=5, bigfoot_call_=NOT_GIVEN) == "faked"  # the marker itself: left out
        finally:
            patch.uninstall()
    first, second = seen
    assert first.fields() == {"bigfoot_call": 1, "bigfoot_absent": 2}
    assert second.fields() == {"bigfoot_call": 5}
    assert second.values("bigfoot_absent", "bigfoot_call_") == [2, 3]
    assert second.call_original() == (5, 2, 3)


def test_call_original_with_parameters_before_a_non_empty_star_args(verifier: StrictVerifier) -> None:
    seen: list[InterceptedCall] = []
    patch = FunctionPatch(sample, SubprocessPlugin, recorder(seen))
    with verifier.sandbox():
        patch.install()
        try:
            sample(1, 5, 6, 7, z=9, c=3)
        finally:
            patch.uninstall()
    assert seen[0].call_original() == ("real", 1, 5, (6, 7), 3, 4, {"z": 9})


def test_the_patched_function_keeps_its_identity_and_gets_its_code_back(verifier: StrictVerifier) -> None:
    signature = inspect.signature(sample)
    patch = FunctionPatch(sample, SubprocessPlugin, recorder([]))
    function = sample
    with verifier.sandbox():
        patch.install()
        try:
            assert sample is function and sample.__code__ is not SAMPLE_STATE[0]
            assert inspect.signature(sample) == signature  # introspection sees the real signature
        finally:
            patch.uninstall()
    assert (sample.__code__, sample.__defaults__, sample.__kwdefaults__) == SAMPLE_STATE
    assert sample.__code__ is SAMPLE_STATE[0] and "__signature__" not in sample.__dict__
    assert sample(1, c=3) == ("real", 1, 2, (), 3, 4, {})
    assert repr(patch) == "<bigfoot FunctionPatch of tests.core.test_patching.sample>"
    assert patch.key == "tests.core.test_patching.sample" and patch.name == "tests.sample"


def test_outside_every_sandbox_an_installed_patch_runs_the_real_code() -> None:
    seen: list[InterceptedCall] = []
    patch = FunctionPatch(sample, SubprocessPlugin, recorder(seen))
    patch.install()
    try:
        assert sample(1, 2, c=4, k=5) == ("real", 1, 2, (), 4, 4, {"k": 5})
    finally:
        patch.uninstall()
    assert seen == []


async def test_an_async_function_stays_a_coroutine_function_and_awaits_its_handler(verifier: StrictVerifier) -> None:
    seen: list[InterceptedCall] = []

    async def answer() -> str:
        return "faked"

    def handler(plugin: SubprocessPlugin, call: InterceptedCall) -> Any:
        seen.append(call)
        return answer()

    patch = FunctionPatch(asample, SubprocessPlugin, handler)
    with verifier.sandbox():
        patch.install()
        try:
            assert inspect.iscoroutinefunction(asample)
            assert await asample(1, y=2) == "faked"
        finally:
            patch.uninstall()
    assert seen[0].fields() == {"x": 1, "y": 2}
    assert await seen[0].call_original() == ("real", 1, 2)
    assert await asample(3) == ("real", 3, 1)


def test_the_first_sandbox_installs_the_registered_patches_and_the_last_removes_them() -> None:
    real = subprocess.run.__code__
    first, second = StrictVerifier().sandbox(), StrictVerifier().sandbox()
    assert depth() == 0
    with first:
        assert depth() == 1 and subprocess.run.__code__ is not real
        with second:
            assert depth() == 2
        assert depth() == 1 and subprocess.run.__code__ is not real
    assert depth() == 0 and subprocess.run.__code__ is real
