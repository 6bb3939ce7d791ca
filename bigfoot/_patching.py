"""Swapping the body of a library function while any sandbox is open.

bigfoot replaces the *code* of each function a plugin intercepts (``asyncpg.connect``, say) rather than the module
attribute that names it. The function object stays the same, so every reference to it is intercepted, including
``from library import function`` done before the sandbox and references kept in closures or class attributes, and
restoring is exact: the original code, defaults and keyword defaults go back on the very same object. Replacing
module attributes (``unittest.mock.patch``) would miss every reference taken before the patch.

The swap is counted: the first sandbox to open installs the patches of every registered plugin whose library is
installed, the last to close removes them. Which verifier a call belongs to is decided per call, from the caller's
context, by ``bigfoot._sandbox.route``.

A plugin may also declare functions that always run for real (``BasePlugin.always_real()``): their swapped-in body
runs their own code with the sandbox hidden (``bigfoot._sandbox.run_outside``), so that the intercepted calls made
inside them reach the real library whatever context calls them. A library object made outside bigfoot, a real
connection pool, say, keeps opening real connections that way when a sandboxed test uses it.
"""

from __future__ import annotations

import _thread
from collections.abc import Callable
from types import FunctionType
from typing import TYPE_CHECKING, Any

from . import _registry
from ._notgiven import NOT_GIVEN
from ._secrets import held_repr, seal

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from ._plugin import BasePlugin

_lock = _thread.allocate_lock()
_holders = {"sandbox": 0, "guard": 0}
"""What keeps the patches installed: open sandboxes, and tests whose guard is in effect (see bigfoot._guard)."""
_installed: dict[str, FunctionPatch] = {}
"""The patches in place, by key."""
_CAPTURE = "bigfoot: capture the call"
_TARGET = "bigfoot: answer the call"
_PASSED = "bigfoot: what the call passed"
_ABSENT = "bigfoot: not given"
"""Placeholders in a swapped-in body's source, for the patch's ``capture``, for where the call goes, for the
``Arguments`` class and for ``NOT_GIVEN`` (see ``FunctionPatch._build``). A body finds them all in its own code, so one
that starts after its patch was removed (a coroutine of ``asyncpg.connect`` made inside a sandbox and first awaited
after the last sandbox closed) still runs the original or meets the sandbox that refuses it."""


class Arguments(dict[str, Any]):
    """What an intercepted call passed, by parameter name; its repr masks secrets (see ``bigfoot._secrets``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<arguments {held_repr(self)}>"


class InterceptedCall:
    """The arguments of one intercepted call, as the caller passed them."""

    __slots__ = ("patch", "passed")

    def __init__(self, patch: FunctionPatch, passed: dict[str, Any]) -> None:
        self.patch = patch
        """The ``FunctionPatch`` that intercepted the call: the real function, its signature and its plugin class."""
        self.passed = passed
        """The parameters the caller passed, by name, in parameter order; ``*args`` (a tuple) and ``**kwargs`` (a dict)
        are always there, empty or not."""

    def fields(self) -> dict[str, Any]:
        """The arguments passed, in parameter order: ``*args`` as a list (when not empty), ``**kwargs`` spread."""
        patch = self.patch
        if patch.plain:  # no *args or **kwargs: what was passed is the fields
            fields = dict(self.passed)
        else:
            fields = {}
            for name, value in self.passed.items():
                if name in patch.listed:
                    if value:
                        fields[name] = list(value)
                elif name in patch.spread:
                    fields.update(value)
                else:
                    fields[name] = value
        # Here a call's arguments become recorded fields: a value holding a secret becomes a Secret, equal to it and
        # shown masked (see bigfoot._secrets). value() and passed keep the real ones, for the real library.
        return seal(fields)

    def value(self, name: str) -> Any:
        """The argument ``name``: what was passed, or the real function's default."""
        return self.values(name)[0]

    def values(self, *names: str) -> list[Any]:
        """The arguments ``names``, each what was passed or the real function's default, in one call."""
        passed = self.passed
        defaults = self.patch.defaults
        return [passed[name] if name in passed else defaults[name] for name in names]

    def call_original(self) -> Any:
        """Run the real function with the same arguments."""
        patch = self.patch
        passed = self.passed
        # With a non-empty *args, the parameters before it can only be passed by position.
        by_position = any(passed[name] for name in patch.listed)
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for name, param in patch.signature.parameters.items():
            if name in patch.listed:
                args.extend(passed[name])
            elif name in patch.spread:
                kwargs.update(passed[name])
            elif by_position and param.kind is param.POSITIONAL_OR_KEYWORD:
                args.append(passed.get(name, param.default))
            elif name in passed:
                kwargs[name] = passed[name]
        return patch.original(*args, **kwargs)

    def __repr__(self) -> str:
        # A traceback's locals show the call this way: secrets masked.
        return f"<bigfoot intercepted call {self.patch.name}({held_repr(self.fields())})>"


class FunctionPatch:
    """Replaces the body of ``func`` with a call to the router while installed.

    ``handler(plugin, call)`` answers a call made inside a sandbox, with the sandbox's plugin of class ``owner``
    and the ``InterceptedCall``. Calls made outside every sandbox run the original code. With ``handler=None`` the
    function always runs its original code, with the sandbox hidden while it runs (until its coroutine finishes, for
    a coroutine function).
    """

    def __init__(
        self, func: FunctionType, owner: type[BasePlugin], handler: Callable[[Any, InterceptedCall], Any] | None
    ) -> None:
        import inspect  # only when a sandbox first opens

        if not isinstance(func, FunctionType):
            raise TypeError(f"cannot intercept {func!r}: only plain Python functions can have their code swapped")
        if func.__closure__:
            raise TypeError(f"cannot intercept {func.__qualname__}: it is a closure")
        if handler is None and (inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func)):
            raise TypeError(
                f"cannot run {func.__qualname__} outside the sandbox: a generator's body runs after the call has "
                "returned. Declare the function that drives it instead."
            )
        self.func = func
        self.owner = owner
        self.handler = handler
        self.key = f"{func.__module__}.{func.__qualname__}"
        self.name = f"{func.__module__.partition('.')[0]}.{func.__qualname__}"
        """How messages name the function (``asyncpg.connect``)."""
        self.signature = inspect.signature(func)
        self._saved = (func.__code__, func.__defaults__, func.__kwdefaults__)
        original = FunctionType(func.__code__, func.__globals__, func.__name__, func.__defaults__, None)
        original.__kwdefaults__ = func.__kwdefaults__
        self.original: Callable[..., Any] = original
        self.defaults = {name: param.default for name, param in self.signature.parameters.items()}
        """Each parameter's default, in parameter order (``inspect.Parameter.empty`` for those without one)."""
        kinds = {name: param.kind for name, param in self.signature.parameters.items()}
        self.spread = {name for name, kind in kinds.items() if kind is inspect.Parameter.VAR_KEYWORD}
        self.listed = {name for name, kind in kinds.items() if kind is inspect.Parameter.VAR_POSITIONAL}
        self.plain = not (self.spread or self.listed)
        """Whether every parameter is named (no ``*args``, no ``**kwargs``)."""
        replacement = self._build(inspect.iscoroutinefunction(func))
        self._replacement = (replacement.__code__, replacement.__defaults__, replacement.__kwdefaults__)

    def _build(self, is_async: bool) -> FunctionType:
        params = []
        star_done = False
        for param in self.signature.parameters.values():
            if param.kind is param.POSITIONAL_ONLY:
                raise TypeError(f"cannot intercept {self.key}: positional-only parameters are not supported")
            if param.kind is param.VAR_POSITIONAL:
                params.append(f"*{param.name}")
                star_done = True
            elif param.kind is param.KEYWORD_ONLY:
                if not star_done:
                    params.append("*")
                    star_done = True
                params.append(f"{param.name}=_NG")
            elif param.kind is param.VAR_KEYWORD:
                params.append(f"**{param.name}")
            else:
                params.append(f"{param.name}=_NG")
        # The body runs with the patched function's globals, so it may only use builtins and its own locals. It puts
        # the arguments the caller passed (a parameter still holding its default, NOT_GIVEN, was not passed) into an
        # Arguments, whose repr masks secrets, wrapped at once in the call's InterceptedCall, and deletes the
        # parameters: no frame of the call then holds a password the caller passed where a traceback's locals or a
        # debugger would show it.
        names = list(self.signature.parameters)
        held = "bigfoot_call"
        while held in names:
            held += "_"
        absent = "bigfoot_absent"
        while absent in names:
            absent += "_"
        name = self.func.__name__
        body = [f'    {absent} = ["{_ABSENT}"][0]', f'    {held} = ["{_PASSED}"][0]()']
        for param in self.signature.parameters.values():
            if param.kind is param.VAR_POSITIONAL or param.kind is param.VAR_KEYWORD:
                body.append(f"    {held}[{param.name!r}] = {param.name}")
            else:
                body.append(f"    if {param.name} is not {absent}:\n        {held}[{param.name!r}] = {param.name}")
        body.append(f'    {held} = ["{_CAPTURE}"][0]({held})')
        if names:
            body.append(f"    del {', '.join(names)}")
        # pytest leaves the frame out of tracebacks (bigfoot._frames does it for unittest)
        body.append("    __tracebackhide__ = True")
        call = f'["{_TARGET}"][0]({held})'
        body.append(f"    return {'await ' if is_async else ''}{call}")
        head = f"{'async ' if is_async else ''}def {name}({', '.join(params)}):"
        source = "\n".join([head, *body]) + "\n"
        namespace: dict[str, Any] = {"_NG": NOT_GIVEN}
        exec(compile(source, f"<bigfoot interception of {self.key}>", "exec"), namespace)
        from . import _sandbox

        target = (
            _sandbox.route if self.handler is not None else _sandbox.await_outside if is_async else _sandbox.run_outside
        )
        # The body cannot import what it uses without paying for an import on every call (more than the rest of
        # the interception), so its source names placeholder strings, each read as ["..."][0], which the compiler
        # keeps as it is; the placeholders in the code's constants are then swapped for the objects.
        objects = {_CAPTURE: self.capture, _TARGET: target, _PASSED: Arguments, _ABSENT: NOT_GIVEN}
        code = namespace[name].__code__
        namespace[name].__code__ = code.replace(
            co_consts=tuple(objects.get(c, c) if type(c) is str else c for c in code.co_consts)
        )
        built: FunctionType = namespace[name]
        return built

    def capture(self, passed: Arguments) -> InterceptedCall:
        """The call the swapped-in body received, from the arguments passed, by parameter name (``passed``)."""
        return InterceptedCall(self, passed)

    def install(self) -> None:
        func = self.func
        func.__code__, func.__defaults__, func.__kwdefaults__ = self._replacement
        # Introspection inside the sandbox still sees the real signature.
        func.__signature__ = self.signature  # type: ignore[attr-defined]
        _installed[self.key] = self

    def uninstall(self) -> None:
        func = self.func
        func.__code__, func.__defaults__, func.__kwdefaults__ = self._saved
        func.__dict__.pop("__signature__", None)
        _installed.pop(self.key, None)

    def __repr__(self) -> str:
        return f"<bigfoot FunctionPatch of {self.key}>"


def acquire(holder: str = "sandbox") -> None:
    """A sandbox opens (or a test's guard takes effect, ``holder="guard"``): install the patches if none were."""
    with _lock:
        if not any(_holders.values()):
            for patch in _registry.all_patches():
                patch.install()
        _holders[holder] += 1


def release(holder: str = "sandbox") -> None:
    """A sandbox closes (or a guard ends): remove the patches if nothing else holds them."""
    with _lock:
        _holders[holder] -= 1
        if not any(_holders.values()):
            for patch in list(_installed.values()):
                patch.uninstall()


def depth() -> int:
    """How many sandboxes are open in the whole process."""
    return _holders["sandbox"]
