"""Swapping the body of a library function while any sandbox is open.

bigfoot replaces the code of ``asyncpg.connect`` and ``asyncpg.create_pool`` rather than the module attributes.
The function objects stay the same, so every reference to them is intercepted — including ``from asyncpg import
connect`` done before the sandbox, references kept in closures or class attributes — and restoring is exact: the
original code, defaults and keyword defaults go back on the very same object.

The swap is counted: the first sandbox to open installs it, the last to close removes it. Which verifier a call
belongs to is decided per call from the caller's context, not by the swap.
"""

from __future__ import annotations

import _thread
from types import FunctionType

TYPE_CHECKING = False  # typing is not imported at run time: `import bigfoot` stays cheap
if TYPE_CHECKING:
    from typing import Any, Callable

_lock = _thread.allocate_lock()
_depth = 0
_patches: list[FunctionPatch] | None = None


class _NotPassed:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<not passed>"


NOT_PASSED: Any = _NotPassed()
"""The default of every parameter of a swapped-in body: tells which arguments the caller really passed."""


class FunctionPatch:
    """Replaces the body of ``func`` with a call to the function at ``handler_path``.

    The handler receives the caller's parameters as a dict by name (``*args`` as a tuple under its name,
    ``**kwargs`` as a dict under its name), with ``NOT_PASSED`` for those the caller left out.
    ``call_original(passed)`` runs the real function with the same arguments.
    """

    def __init__(self, func: FunctionType, handler_path: str) -> None:
        import inspect  # only when a sandbox first opens

        if func.__closure__:
            raise TypeError(f"cannot patch {func.__qualname__}: it is a closure")
        self.func = func
        self.signature = inspect.signature(func)
        self._saved = (func.__code__, func.__defaults__, func.__kwdefaults__)
        original = FunctionType(func.__code__, func.__globals__, func.__name__, func.__defaults__, None)
        original.__kwdefaults__ = func.__kwdefaults__
        self.original: Callable[..., Any] = original
        kinds = {name: param.kind for name, param in self.signature.parameters.items()}
        self._spread = {name for name, kind in kinds.items() if kind is inspect.Parameter.VAR_KEYWORD}
        self._listed = {name for name, kind in kinds.items() if kind is inspect.Parameter.VAR_POSITIONAL}
        replacement = self._build(func, handler_path)
        self._replacement = (replacement.__code__, replacement.__defaults__, replacement.__kwdefaults__)

    def _build(self, func: FunctionType, handler_path: str) -> FunctionType:
        import inspect

        params = []
        star_done = False
        for param in self.signature.parameters.values():
            if param.kind is param.POSITIONAL_ONLY:
                raise TypeError(f"cannot patch {func.__qualname__}: positional-only parameters are not supported")
            if param.kind is param.VAR_POSITIONAL:
                params.append(f"*{param.name}")
                star_done = True
            elif param.kind is param.KEYWORD_ONLY:
                if not star_done:
                    params.append("*")
                    star_done = True
                params.append(f"{param.name}=_NP")
            elif param.kind is param.VAR_KEYWORD:
                params.append(f"**{param.name}")
            else:
                params.append(f"{param.name}=_NP")
        module, _, attr = handler_path.rpartition(".")
        # The body runs with the patched function's globals, so it may only use builtins and its own locals.
        # locals() is taken before any other local exists: it holds exactly the parameters.
        call = f'__import__("{module}", None, None, ("{attr}",)).{attr}(locals())'
        is_async = inspect.iscoroutinefunction(func)
        source = (
            f"{'async ' if is_async else ''}def {func.__name__}({', '.join(params)}):\n"
            f"    return {'await ' if is_async else ''}{call}\n"
        )
        namespace: dict[str, Any] = {"_NP": NOT_PASSED}
        exec(compile(source, f"<bigfoot patch of {func.__module__}.{func.__qualname__}>", "exec"), namespace)
        built: FunctionType = namespace[func.__name__]
        return built

    def install(self) -> None:
        func = self.func
        func.__code__, func.__defaults__, func.__kwdefaults__ = self._replacement
        # Introspection inside the sandbox still sees the real signature.
        func.__signature__ = self.signature  # type: ignore[attr-defined]

    def uninstall(self) -> None:
        func = self.func
        func.__code__, func.__defaults__, func.__kwdefaults__ = self._saved
        func.__dict__.pop("__signature__", None)

    def passed_fields(self, passed: dict[str, Any]) -> dict[str, Any]:
        """The arguments the caller passed, flattened: ``**kwargs`` spread into the fields, ``*args`` a list."""
        fields = {name: value for name, value in passed.items() if value is not NOT_PASSED}
        for name in self._spread:
            fields.update(fields.pop(name))
        for name in self._listed:
            values = fields.pop(name)
            if values:
                fields[name] = list(values)
        return fields

    def call_original(self, passed: dict[str, Any]) -> Any:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for name, value in passed.items():
            if value is NOT_PASSED:
                continue
            if name in self._listed:
                args.extend(value)
            elif name in self._spread:
                kwargs.update(value)
            else:
                kwargs[name] = value
        return self.original(*args, **kwargs)


def _load() -> list[FunctionPatch]:
    global _patches
    if _patches is None:
        import importlib.util

        if importlib.util.find_spec("asyncpg") is None:
            _patches = []
        else:
            from .plugins.asyncpg.interception import PATCHES

            _patches = list(PATCHES)
    return _patches


def acquire() -> None:
    """A sandbox opens: install the patches if it is the first one open."""
    global _depth
    with _lock:
        if _depth == 0:
            for patch in _load():
                patch.install()
        _depth += 1


def release() -> None:
    """A sandbox closes: remove the patches if it was the last one open."""
    global _depth
    with _lock:
        _depth -= 1
        if _depth == 0:
            for patch in _load():
                patch.uninstall()


def depth() -> int:
    """How many sandboxes are open in the whole process."""
    return _depth
