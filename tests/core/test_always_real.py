"""Functions a plugin declares always real (``BasePlugin.always_real()``): they run with the sandbox hidden.

A library object made outside bigfoot (a connection pool, say) opens new resources through such a function; the
intercepted calls it makes reach the real library whatever context calls it, inside or after a sandbox.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import FunctionType
from typing import Any, ClassVar

import pytest

import bigfoot
from bigfoot import BasePlugin, InterceptedCall, InvalidStateError, StepSpec, StrictVerifier
from bigfoot._patching import FunctionPatch


def lookup(name: str) -> str:
    return f"real {name}"


async def alookup(name: str) -> str:
    return f"real {name}"


def refill(name: str) -> str:
    """Library code that opens a resource through an intercepted function."""
    return lookup(name)


async def arefill(name: str) -> list[str]:
    """The same across awaits, and in a task started while it runs."""
    first = await alookup(name)
    await asyncio.sleep(0)
    second = await asyncio.get_running_loop().create_task(alookup(name + " in a task"))
    return [first, second, lookup(name)]


def generator() -> Iterator[str]:
    yield lookup("x")


class LookupPlugin(BasePlugin):
    """Fakes ``lookup`` and ``alookup``; ``refill`` and ``arefill`` always run for real."""

    hint_name: ClassVar[str] = "lookup_mock"
    step_specs: ClassVar[Mapping[str, StepSpec]] = {"lookup": StepSpec("lookup")}

    @classmethod
    def intercepts(cls) -> Mapping[FunctionType, Callable[[Any, InterceptedCall], Any]]:
        return {lookup: cls.fake, alookup: cls.afake}

    @classmethod
    def always_real(cls) -> Iterable[FunctionType]:
        return (refill, arefill)

    def fake(self, call: InterceptedCall) -> str:
        return f"fake {call.value('name')}"

    async def afake(self, call: InterceptedCall) -> str:
        return self.fake(call)


class BothPlugin(LookupPlugin):
    hint_name: ClassVar[str] = "both_mock"

    @classmethod
    def always_real(cls) -> Iterable[FunctionType]:
        return (lookup,)


@pytest.fixture
def registered() -> Iterator[None]:
    bigfoot.register_plugin(LookupPlugin)
    yield
    bigfoot.unregister_plugin("lookup_mock")


CODE = {function: function.__code__ for function in (lookup, alookup, refill, arefill)}


@pytest.mark.usefixtures("registered")
async def test_an_always_real_function_hides_the_sandbox_while_it_runs(verifier: StrictVerifier) -> None:
    async with verifier.sandbox():
        assert refill.__code__ is not CODE[refill] and arefill.__code__ is not CODE[arefill]
        assert lookup("a") == "fake a" and await alookup("b") == "fake b"
        assert refill("c") == "real c"
        assert await arefill("d") == ["real d", "real d in a task", "real d"]
        assert lookup("e") == "fake e"  # the sandbox is back once they have returned
    assert {function: function.__code__ for function in CODE} == CODE


@pytest.mark.usefixtures("registered")
async def test_an_always_real_function_is_real_after_its_sandbox_closed(verifier: StrictVerifier) -> None:
    with verifier.sandbox():
        left_behind = contextvars.copy_context()  # a context that keeps pointing at the sandbox after it closes
    with StrictVerifier().sandbox():  # another test's sandbox keeps the functions swapped
        with pytest.raises(InvalidStateError):
            left_behind.run(lookup, "f")
        assert left_behind.run(refill, "g") == "real g"
        assert await left_behind.run(asyncio.get_running_loop().create_task, arefill("h")) == [
            "real h",
            "real h in a task",
            "real h",
        ]
    assert refill("i") == "real i"


def test_a_generator_cannot_run_outside_the_sandbox() -> None:
    with pytest.raises(TypeError) as info:
        FunctionPatch(generator, LookupPlugin, None)
    assert str(info.value) == (
        "cannot run generator outside the sandbox: a generator's body runs after the call has returned. "
        "Declare the function that drives it instead."
    )


def test_a_function_is_either_intercepted_or_always_real() -> None:
    registration = bigfoot.register_plugin(BothPlugin)
    try:
        with pytest.raises(ValueError) as info:
            registration.patches()
    finally:
        bigfoot.unregister_plugin("both_mock")
    assert str(info.value) == (
        "BothPlugin: lookup is both in intercepts() and in always_real(); a function is either answered by the "
        "plugin or always real."
    )


def test_a_plugin_has_no_always_real_function_by_default() -> None:
    assert list(BasePlugin.always_real()) == []
