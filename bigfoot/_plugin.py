"""What every plugin shares: a queue of scripted sessions, and the one path a call takes through them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar

from ._omittable import omittable
from ._render import SHOWN_NOTE, bullet_list, call_args, masked_note
from ._script import Answer, Session, SessionHandle, Step, StepSpec
from ._timeline import Interaction, Source
from .errors import UnmockedInteractionError

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from types import FunctionType

    from ._patching import InterceptedCall
    from ._recording import RecordedCode
    from ._verifier import StrictVerifier

P = TypeVar("P", bound="BasePlugin")


class _Sources(dict[str, Source]):
    """The plugin's interaction sources, made on first use: most tests touch only a few step kinds."""

    __slots__ = ("_plugin",)

    _plugin: BasePlugin | None  # set by the plugin that makes it; BasePlugin._release breaks the cycle this makes

    def __missing__(self, name: str) -> Source:
        plugin = self._plugin
        if plugin is None or (name not in plugin.step_specs and name not in plugin.recorded_only):
            raise KeyError(name)
        source = self[name] = Source(plugin, name)
        return source


class BasePlugin:
    """A plugin owns the scripted sessions of one library and registers itself on a verifier.

    Subclasses set ``hint_name`` (the name users write: ``bigfoot.<hint_name>``), ``step_specs`` (the step names a
    session may script), and ``intercepts()`` (the library functions that, inside a sandbox, open a session); then
    ``bigfoot.register_plugin(TheClass)`` makes them known. The fakes they hand out answer each call with
    ``call(session, method, fields)``, the one path every call takes.
    """

    hint_name: ClassVar[str] = "plugin"
    """The name users write to reach the plugin: ``bigfoot.<hint_name>`` (and the mixin's ``self.<hint_name>``)."""
    step_specs: ClassVar[Mapping[str, StepSpec]] = {}
    """The step names a session may script, each with the ``StepSpec`` saying how its ``returns`` is checked."""
    recorded_only: ClassVar[Mapping[str, str]] = {}
    """Interactions recorded without a step, with the hint given to anyone who tries to script them."""
    field_defaults: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    """Per step name (recorded-only ones too), the library's own parameter defaults: a recorded field holding its
    default may be left out of an assertion, and paste-ready lines leave it out (see ``bigfoot._omittable``)."""
    timed: ClassVar[bool | frozenset[str]] = False
    """Whether the plugin's calls can take time: True for all its steps, or the step names that may have ``delay=``
    (the plugin honours it on those); a ``delay=`` anywhere else is refused when scripted."""
    handle_class: ClassVar[type[SessionHandle]] = SessionHandle
    """The class of the handles ``new_session()`` returns: a ``SessionHandle`` subclass may add the plugin's own
    helpers for common shapes of a script, each scripting its steps with ``SessionHandle._expect_at``."""

    def __init__(self, verifier: StrictVerifier) -> None:
        verifier._register_plugin(self)
        self._verifier = verifier
        self._sessions: list[Session] = []
        self._next_session = 0  # sessions are taken in the order they were queued: the rest are waiting
        self._sources = sources = _Sources()
        sources._plugin = self
        self._record = verifier._timeline.append

    def _release(self) -> None:
        """The test is over (see ``StrictVerifier._release``): drop the sessions and sources, which point back here."""
        self._sessions.clear()
        self._sources.clear()
        self._sources._plugin = None

    @classmethod
    def of(cls: type[P], verifier: StrictVerifier) -> P:
        """The verifier's plugin of this class, created if it has none yet."""
        plugin = verifier._plugins.get(cls)  # every bigfoot.<hint> use comes here: no further call on the way
        return plugin if plugin is not None else cls(verifier)  # type: ignore[return-value]

    @classmethod
    def intercepts(cls) -> Mapping[FunctionType, Callable[[Any, InterceptedCall], Any]]:
        """The library functions this plugin answers inside a sandbox, each with its handler.

        A handler is called as ``handler(plugin, call)`` with the sandbox's plugin and the ``InterceptedCall``; an
        async function's handler returns an awaitable. Outside every sandbox the real function runs.
        """
        return {}

    @classmethod
    def always_real(cls) -> Iterable[FunctionType]:
        """Library functions that run outside every sandbox, whatever context calls them.

        While one of them runs (until its coroutine finishes, for a coroutine function), the sandbox is hidden: the
        intercepted calls it makes reach the real library. Declare here the methods through which the library's own
        objects made outside bigfoot open new resources (a real connection pool opening a connection), so that such
        objects stay real when a test uses them inside a sandbox. Generator functions are refused. Empty by default.
        """
        return ()

    @property
    def verifier(self) -> StrictVerifier:
        """The verifier this plugin records on and asserts against."""
        return self._verifier

    # -- record mode (see bigfoot._recording) ----------------------------------------------------------------------

    @property
    def recording(self) -> str | None:
        """The target the test records from (a DSN, say), or None when the test runs on its scripts."""
        return self._verifier.record_target

    @classmethod
    def check_record_target(cls, target: str) -> None:
        """Raise, saying why, if record (or validate) mode cannot use ``target``; called once per run."""

    def stop_recording(self) -> None:
        """The recorded test has ended: release what the code left open on the real server."""

    def recorded_code(self) -> RecordedCode | None:
        """What the code under test did in record mode, as code that scripts and asserts it; None if nothing."""
        return None

    # -- validate mode (see bigfoot._validating) ------------------------------------------------------------------

    def validate(self, target: str) -> list[str]:
        """Check what the test scripted and asserted against the real server at ``target``, changing nothing there.

        Called at the end of a test that passed, in validate mode. Returns one message per difference found (each
        naming the call and where its step was scripted); an empty list when the script holds.
        """
        return []

    def new_session(self) -> SessionHandle:
        """Queue a new session script and return its handle. Sessions are taken first in, first out."""
        session = Session(self, len(self._sessions) + 1)
        self._sessions.append(session)
        return self.handle_class(session, self.step_specs)

    # -- the call path -------------------------------------------------------------------------------------------

    def take_session(self, method: str, fields: dict[str, Any]) -> Session:
        """Hand the next queued session to a new connection whose first call is ``method``."""
        if self._next_session >= len(self._sessions):
            spec = self.step_specs[method]
            hint = f"{self.hint_prefix()}new_session(){spec.hint(fields)}"
            raise self.unmocked(
                f"Unmocked call: {self.called_name(method)}({call_args(fields)}), but no session is queued.\n"
                f"Script one before the code runs:\n{bullet_list([hint])}{masked_note([fields], SHOWN_NOTE)}",
                method,
                fields,
                None,
                None,
                hint,
            )
        session = self._sessions[self._next_session]
        if session.step_for(method) is None:
            self.check_step(session, method, fields, self.called_name(method))  # raises, with the right message
        self._next_session += 1
        return session

    def check_step(self, session: Session, method: str, fields: dict[str, Any], called: str) -> NoReturn:
        """Raise the UnmockedInteractionError for a call of ``method`` that is not the session's next step."""
        steps = session.steps
        pos = session.pos
        skipped = _skipped_step(steps, pos, method)
        if skipped is not None:
            later, missed = skipped
            problem = (
                f"but the script expects {steps[pos].method!r} next; the call matches step {later.position} later, so "
                f"step {missed.position} ({missed.method!r}, scripted at {missed.location}) was likely skipped by the "
                "code"
            )
            advice = (
                f"If the code is right, remove step {missed.position} from the script (or give it required=False).\n"
                f"If the call is right, script it at that point of session #{session.number}:\n"
            )
        else:
            if pos < len(steps):
                problem = f"but the script expects {steps[pos].method!r} next ({steps[pos].describe()})"
            elif steps:
                problem = f"which has no steps left (its last step {steps[-1].describe()})"
            else:
                problem = "which has no steps scripted"
            advice = f"If the call is right, script it at that point of session #{session.number}:\n"
        hint = self.step_specs[method].hint(fields)
        raise self.unmocked(
            f"Unmocked call: {called}({call_args(fields)}) on session #{session.number}, {problem}.\n"
            f"{advice}{bullet_list([hint])}{masked_note([fields], SHOWN_NOTE)}",
            method,
            fields,
            session.number,
            session.next_step(),
            hint,
        )

    def call(self, session: Session, method: str, fields: dict[str, Any]) -> Any:
        """Consume the next step of ``session`` for a call of ``method``, record it, and answer it."""
        step, interaction = self.consume(session, method, fields)
        return self.answer(step, interaction)

    def consume(self, session: Session, method: str, fields: dict[str, Any]) -> tuple[Step, Interaction]:
        """The first half of ``call()``: consume the step a call of ``method`` uses and record the interaction.

        A plugin whose calls take time (``Step.delay``) waits between this and ``answer()``.
        """
        step = session.step_for(method)
        if step is None:
            self.check_step(session, method, fields, self.called_name(method))
        session.pos = step.position
        interaction = Interaction(self._sources[method], fields, session.number, step)
        self._record(interaction)
        return step, interaction

    def answer(self, step: Step, interaction: Interaction) -> Any:
        """The second half of ``call()``: the step's answer, computed if it is an ``Answer``, or its exception."""
        raises = step.raises
        if raises is None:
            returns = step.returns
            if type(returns) is not Answer:
                return returns
            try:
                value = returns.function(dict(interaction.fields))
            except BaseException as error:  # the computed answer is an error: the call raises it
                interaction.raised = error
                raise
            return self._fit(step, value)
        exc = raises() if isinstance(raises, type) else raises
        interaction.raised = exc
        raise exc

    def _fit(self, step: Step, value: Any) -> Any:
        """A computed answer checked and converted like a fixed ``returns``; a misfit is the script's mistake."""
        spec = self.step_specs[step.method]
        convert = spec.convert
        if convert is None:
            if value is None:
                return None
            problem = f"{step.method} returns nothing, so the answer must be None; got {type(value).__name__} {value!r}"
        else:
            try:
                return convert(value)
            except TypeError as exc:
                problem = str(exc)
        raise TypeError(f"The computed answer of {step.describe()} does not fit: {problem}")

    def called_name(self, method: str) -> str:
        """How messages name a call of ``method``."""
        return method

    def record(self, method: str, fields: dict[str, Any]) -> Interaction:
        """Record an interaction that has no scripted step (one of ``recorded_only``)."""
        interaction = Interaction(self._sources[method], fields, None)
        self._record(interaction)
        return interaction

    def unmocked(
        self,
        message: str,
        method: str,
        fields: dict[str, Any],
        session: int | None,
        expected: Step | None,
        hint: str,
    ) -> UnmockedInteractionError:
        """Build the error and keep it on the verifier, so a caller that swallows it still fails the test."""
        error = UnmockedInteractionError(
            message, method=method, fields=fields, session=session, expected=expected, hint=hint
        )
        verifier = self._verifier
        verifier._unmocked.append(error)
        if verifier._first_unmocked is None:
            verifier._first_unmocked = error  # what later unmocked calls are reported as consequences of
        return error

    # -- verification --------------------------------------------------------------------------------------------

    def unused_steps(self, optional: bool = False) -> list[Step]:
        """Required steps never used, session by session (optional ones too with ``optional=True``); steps left after
        a session's end count too."""
        unused: list[Step] = []
        for session in self._sessions:
            unused.extend(session.unused(optional))
        return unused

    def hint_prefix(self) -> str:
        """How the user's code names this plugin, as in ``bigfoot.asyncpg_mock.``."""
        return f"{self._verifier.hint_owner}.{self.hint_name}."

    def assertion_line(self, interaction: Interaction) -> str:
        """The assertion call that matches ``interaction``, ready to paste (fields at their defaults left out)."""
        fields = interaction.fields
        if self.field_defaults:
            skip = omittable(interaction)
            if skip:
                fields = {name: value for name, value in fields.items() if name not in skip}
        return f"{self.hint_prefix()}assert_{interaction.source.name}({call_args(fields)})"

    def source(self, method: str) -> Source:
        """The interaction source for ``method`` (what ``verifier.assert_interaction`` takes)."""
        return self._sources[method]

    def __getattr__(self, name: str) -> Source:
        # plugin.fetch, plugin.create_pool ...: the sources, for verifier.assert_interaction(plugin.fetch, ...).
        if name in self.step_specs or name in self.recorded_only:
            return self._sources[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _skipped_step(steps: list[Step], pos: int, method: str) -> tuple[Step, Step] | None:
    """For a call of ``method`` that is not the step at ``pos``: the later step it matches and the required step
    before that one which the code likely skipped, or None when no later step matches."""
    missed: Step | None = None
    for step in steps[pos:]:
        if step.method == method:
            return (step, missed) if missed is not None else None
        if missed is None and step.required:
            missed = step
    return None
