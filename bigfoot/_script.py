"""Session scripts: what the test says the conversation with the database will be, step by step."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ._notgiven import NOT_GIVEN
from ._render import line_at, location

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import CodeType, FrameType

    from typing_extensions import Self

    from ._plugin import BasePlugin


_NO_OPTIONS: Mapping[str, Any] = MappingProxyType({})  # shared by the steps without options: a dict less each


def as_is(value: Any) -> Any:
    """A ``StepSpec.convert`` for a method that hands back whatever value its step gives (``fetchval``, say), taken as
    it is: ``expect()`` recognises it and spares the call."""
    return value


class StepSpec:
    """What a step name allows: whether its real method returns a value, and how ``returns`` is checked.

    ``convert`` checks a ``returns`` value and turns it into what the fake hands back; it raises TypeError with the
    reason when the shape is wrong. A spec without ``convert`` belongs to a method that returns None.
    """

    __slots__ = ("name", "convert", "shape", "example", "example_for", "options")

    def __init__(
        self,
        name: str,
        convert: Callable[[Any], Any] | None = None,
        shape: str = "",
        example: str = "None",
        example_for: Callable[[Mapping[str, Any]], str | None] | None = None,
        options: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.name = name
        """The step name this spec is for, as ``expect()`` takes it (``"fetchval"``)."""
        self.convert = convert
        """Checks a ``returns`` value and converts it for the fake; None: the method returns None."""
        self.shape = shape
        """What the real method gives back, in words, for error messages (``"a value"``)."""
        self.example = example
        """An example ``returns`` value, as source text, shown in hints and error messages."""
        self.example_for = example_for
        """Makes the example ``returns`` from the fields of the call being hinted (None: use ``example``)."""
        self.options = options
        """Checks and converts the step's own options (``expect(name, **options)``); None: the step takes none.
        It raises TypeError or ValueError with the reason."""

    def hint(self, fields: Mapping[str, Any] | None = None) -> str:
        """The ``.expect(...)`` call that scripts this step, for a call with ``fields`` when they are known."""
        example = self.example_for(fields) if fields is not None and self.example_for is not None else None
        return f'.expect("{self.name}", returns={example or self.example})'


class Answer:
    """A computed ``returns``: ``function(fields)`` makes the answer when the call arrives (see ``answer()``)."""

    __slots__ = ("function",)

    def __init__(self, function: Callable[[dict[str, Any]], Any]) -> None:
        if not callable(function):
            raise TypeError(f"answer() takes a function of the call's fields, got {_type_name(function)} {function!r}.")
        self.function = function
        """The function that receives a copy of the call's fields and makes the answer."""

    def __repr__(self) -> str:
        return f"answer({getattr(self.function, '__qualname__', self.function)!r})"


def answer(function: Callable[[dict[str, Any]], Any]) -> Answer:
    """A ``returns=`` computed from the call: ``function`` receives a copy of the call's recorded fields.

    The step is still one step for one call. What ``function`` returns is checked against the step's shape like a
    fixed ``returns``; what it raises is what the call raises, as with ``raises=``::

        session.expect("fetchval", returns=bigfoot.answer(lambda fields: fields["args"][0] * 2))
    """
    return Answer(function)


class Step:
    """One scripted step: the method the call must be, and its answer. ``position`` counts from 1 in its session.

    ``returns`` may be an ``Answer``, computed when the call arrives; ``delay`` is how long the call takes, in
    seconds, for plugins whose calls take time (None: no time at all).
    """

    __slots__ = (
        "method",
        "returns",
        "raises",
        "required",
        "session",
        "position",
        "_code",
        "_offset",
        "delay",
        "options",
    )

    def __init__(
        self,
        method: str,
        returns: Any,
        raises: BaseException | type[BaseException] | None,
        required: bool,
        session: int,
        position: int,
        code: CodeType,
        offset: int,
        delay: float | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self.method = method
        """The name of the method the call must be (a ``StepSpec`` name)."""
        self.returns = returns
        """What the call gives back: a converted value, an ``Answer``, or None."""
        self.raises = raises
        """The exception class or instance the call raises instead of answering (None: it answers)."""
        self.required = required
        """Whether the step must be used before the test ends (``required=False`` steps may go unused)."""
        self.session = session
        """The number of the session the step belongs to (``session #1``)."""
        self.position = position
        """The step's place in its session, counting from 1."""
        # Where the step was scripted: the code and the bytecode offset of the expect() call. Its line is worked out
        # only when a message shows it: a frame's f_lineno costs several times more than its f_lasti.
        self._code = code
        self._offset = offset
        self.delay = delay
        """How long the call takes, in seconds, for plugins whose calls take time (None: no time)."""
        self.options: Mapping[str, Any] = options or _NO_OPTIONS
        """The step's own options, as its plugin's ``StepSpec.options`` converted them (empty: none given)."""

    @property
    def filename(self) -> str:
        """The file of the ``expect()`` call that scripted the step."""
        return self._code.co_filename

    @property
    def lineno(self) -> int:
        """The line of the ``expect()`` call that scripted the step."""
        return line_at(self._code, self._offset)

    @property
    def location(self) -> str:
        """``file:line`` where the step was scripted."""
        return location(self.filename, self.lineno)

    def describe(self) -> str:
        """The step in words for messages: session, position, method and where it was scripted."""
        return f"session #{self.session} step {self.position} {self.method!r} (scripted at {self.location})"

    def __repr__(self) -> str:
        return f"<Step {self.describe()}>"


class Session:
    """The script of one connection's life and how far it has been used."""

    __slots__ = ("number", "steps", "pos", "plugin")

    def __init__(self, plugin: BasePlugin, number: int) -> None:
        self.plugin = plugin
        self.number = number
        self.steps: list[Step] = []
        self.pos = 0

    @property
    def taken(self) -> bool:
        """Whether a connection has taken this session (sessions are taken in the order they were queued)."""
        return self.number <= self.plugin._next_session

    def next_step(self) -> Step | None:
        return self.steps[self.pos] if self.pos < len(self.steps) else None

    def step_for(self, method: str) -> Step | None:
        """The step a call of ``method`` uses: the next step, or the first of that method past optional ones."""
        steps = self.steps
        pos = self.pos
        if pos < len(steps) and steps[pos].method == method:
            return steps[pos]  # the next step, as nearly every call finds it
        for i in range(pos, len(steps)):
            step = steps[i]
            if step.method == method:
                return step
            if step.required:
                return None
        return None

    def unused(self, optional: bool = False) -> list[Step]:
        """The steps not used yet that must be: the required ones, and with ``optional=True`` the optional ones too."""
        if self.pos >= len(self.steps):
            return []  # used to its end, as most sessions are
        return [step for step in self.steps[self.pos :] if step.required or optional]


def _type_name(value: Any) -> str:
    return type(value).__name__


def _check_options(method: str, returns: Any, raises: Any, required: Any) -> None:
    where = f"expect({method!r})"
    if raises is not None and not (
        isinstance(raises, BaseException) or (isinstance(raises, type) and issubclass(raises, BaseException))
    ):
        raise TypeError(f"{where}: raises must be an exception class or instance, got {_type_name(raises)} {raises!r}.")
    if not isinstance(required, bool):
        raise TypeError(f"{where}: required must be True or False, got {_type_name(required)} {required!r}.")
    if raises is not None and returns is not NOT_GIVEN and returns is not None:
        raise TypeError(f"{where}: give returns or raises, not both; a step either answers or fails.")


def _check_delay(method: str, delay: Any, plugin: BasePlugin) -> None:
    timed = plugin.timed
    if not timed:
        raise TypeError(f"expect({method!r}): delay= is not supported: {type(plugin).__name__}'s calls take no time.")
    if timed is not True and method not in timed:
        raise TypeError(
            f"expect({method!r}): delay= is not supported on {method} steps; {type(plugin).__name__} honours it on "
            f"{', '.join(sorted(timed))}."
        )
    if type(delay) not in (int, float) or delay != delay or delay < 0 or delay == float("inf"):
        raise TypeError(f"expect({method!r}): delay must be a number of seconds, 0 or more, got {delay!r}.")


def _check_step_options(spec: StepSpec, options: dict[str, Any]) -> dict[str, Any]:
    where = f"expect({spec.name!r})"
    if spec.options is None:
        names = ", ".join(f"{name}=" for name in sorted(options))
        raise TypeError(
            f"{where}: unknown option {names}; a {spec.name} step takes returns=, raises=, required=, times= and delay="
        )
    try:
        return spec.options(options)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{where}: {exc}") from None


def _check_times(method: str, times: Any) -> None:
    if type(times) is not int:
        raise TypeError(
            f"expect({method!r}): times must be a whole number of steps, got {_type_name(times)} {times!r}."
        )
    if times < 1:
        raise ValueError(
            f"expect({method!r}): times must be 1 or more, got {times}; to let a step go unused, use required=False."
        )


class SessionHandle:
    """Scripts one session. ``expect()`` appends a step and returns the same handle, so calls chain::

    plugin.new_session().expect("connect").expect("fetchval", returns=1).expect("close")
    """

    __slots__ = ("_session", "_specs")

    def __init__(self, session: Session, specs: Mapping[str, StepSpec]) -> None:
        self._session = session
        self._specs = specs

    @property
    def number(self) -> int:
        """The session's number, as error messages show it (``session #1``)."""
        return self._session.number

    @property
    def steps(self) -> list[Step]:
        """The steps scripted so far (a copy)."""
        return list(self._session.steps)

    def expect(
        self,
        method: str,
        returns: Any = NOT_GIVEN,
        raises: BaseException | type[BaseException] | None = None,
        required: bool = True,
        times: int = 1,
        delay: float | None = None,
        **options: Any,
    ) -> Self:
        """Append a step: the next call on this session must be ``method``.

        ``returns`` is what the call gives back (omit it for methods that return None); ``raises`` is an exception
        class or instance to raise instead; ``required=False`` steps may go unused, and a call that is not the next
        step passes over optional steps to the one it is. ``times=N`` appends N such steps, one after another.
        ``returns=bigfoot.answer(function)`` computes the answer from the call's fields when the call arrives.
        ``delay=`` is how long the call takes, in seconds, for plugins whose calls take time. Other keywords are
        the step's own options, which its plugin defines and checks (asyncpg's ``prepare`` takes ``parameters=``).
        """
        return self._expect_at(sys._getframe(1), method, returns, raises, required, times, delay, options)

    def _expect_at(
        self,
        frame: FrameType,
        method: str,
        returns: Any,
        raises: BaseException | type[BaseException] | None,
        required: bool,
        times: int,
        delay: float | None,
        options: dict[str, Any],
    ) -> Self:
        """``expect()``, with the steps scripted at ``frame``'s current line instead of the caller's.

        For a plugin's helpers that script several steps for the test (a handle subclass, see
        ``BasePlugin.handle_class``): they pass the test's frame, so every step points at the test's line as a
        written-out ``expect()`` would, never at the helper's.
        """
        spec = self._specs.get(method) if type(method) is str else None
        if spec is None:
            raise ValueError(self._unknown_method(method))
        if times != 1 or type(times) is not int:
            _check_times(method, times)
        if raises is not None or required is not True:
            _check_options(method, returns, raises, required)
        if delay is not None:
            _check_delay(method, delay, self._session.plugin)
        if options:
            options = _check_step_options(spec, options)
            if raises is not None:
                # A step's own options describe its answer (a status, a statement's types): one that raises has none.
                raise TypeError(
                    f"expect({method!r}): {', '.join(f'{name}=' for name in options)} describes the answer, which a "
                    "step with raises= does not give; drop one of them."
                )
        convert = spec.convert
        if type(returns) is Answer:
            pass  # checked against the shape when the call arrives
        elif convert is None:
            if returns is not NOT_GIVEN and returns is not None:
                raise TypeError(
                    f"expect({method!r}): {method} returns nothing, so returns must be omitted or None; "
                    f"got {_type_name(returns)} {returns!r}."
                )
            returns = None
        elif raises is not None:
            returns = None
        elif returns is NOT_GIVEN:
            raise TypeError(
                f"expect({method!r}): returns is required, because {method}() gives back {spec.shape}; "
                f"add returns={spec.example} (or raises=... for a failing call)."
            )
        elif convert is not as_is:
            try:
                returns = convert(returns)
            except TypeError as exc:
                raise TypeError(f"expect({method!r}): {exc}") from None
        session = self._session
        steps = session.steps
        for _ in range(times):
            steps.append(
                Step(
                    method,
                    returns,
                    raises,
                    required,
                    session.number,
                    len(steps) + 1,
                    frame.f_code,
                    frame.f_lasti,
                    delay,
                    options,
                )
            )
        return self

    def _unknown_method(self, method: object) -> str:
        import difflib

        recorded = self._session.plugin.recorded_only.get(method) if isinstance(method, str) else None
        if recorded is not None:
            return f"expect({method!r}): {recorded}"
        names = sorted(self._specs)
        guess = difflib.get_close_matches(str(method), names, n=1) if isinstance(method, str) else []
        hint = f" Did you mean {guess[0]!r}?" if guess else ""
        return f"expect({method!r}): unknown step name.{hint} Valid names: {', '.join(names)}."

    def __repr__(self) -> str:
        names = ", ".join(step.method for step in self._session.steps)
        return f"<SessionHandle #{self._session.number}: {names or 'no steps'}>"
