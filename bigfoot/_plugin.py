"""What every plugin shares: a queue of scripted sessions, and the one path a call takes through them."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from ._render import bullet_list, call_args
from ._script import Session, SessionHandle, Step, StepSpec
from ._timeline import Interaction, Source
from .errors import UnmockedInteractionError

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks

if TYPE_CHECKING:
    from ._verifier import StrictVerifier


class BasePlugin:
    """A plugin owns the scripted sessions of one library and registers itself on a verifier.

    Subclasses set ``hint_name`` (the name users write, as in ``bigfoot.asyncpg_mock``) and ``step_specs``.
    """

    hint_name: ClassVar[str] = "plugin"
    step_specs: ClassVar[Mapping[str, StepSpec]] = {}
    recorded_only: ClassVar[Mapping[str, str]] = {}
    """Interactions recorded without a step, with the hint given to anyone who tries to script them."""

    def __init__(self, verifier: StrictVerifier) -> None:
        verifier._register_plugin(self)
        self._verifier = verifier
        self._sessions: list[Session] = []
        self._queue: deque[Session] = deque()
        self._sources = {name: Source(self, name) for name in (*self.step_specs, *self.recorded_only)}

    @property
    def verifier(self) -> StrictVerifier:
        """The verifier this plugin records on and asserts against."""
        return self._verifier

    def new_session(self) -> SessionHandle:
        """Queue a new session script and return its handle. Sessions are taken first in, first out."""
        session = Session(self, len(self._sessions) + 1)
        self._sessions.append(session)
        self._queue.append(session)
        return SessionHandle(session, self.step_specs)

    # -- the call path -------------------------------------------------------------------------------------------

    def take_session(self, method: str, fields: dict[str, Any], called: str) -> Session:
        """Hand the next queued session to a new connection whose first call is ``method``."""
        queue = self._queue
        if not queue:
            spec = self.step_specs[method]
            hint = f"{self.hint_prefix()}new_session(){spec.hint()}"
            raise self.unmocked(
                f"Unmocked call: {called}({call_args(fields)}), but no session is queued.\n"
                f"Script one before the code runs:\n{bullet_list([hint])}",
                method,
                fields,
                None,
                None,
                hint,
            )
        session = queue[0]
        first = session.next_step()
        if first is None or first.method != method:
            self.check_step(session, method, fields, called)  # raises, with the right message
        queue.popleft()
        session.taken = True
        return session

    def check_step(self, session: Session, method: str, fields: dict[str, Any], called: str) -> Step:
        """The session's next step, which must be ``method``; otherwise an UnmockedInteractionError."""
        steps = session.steps
        pos = session.pos
        if pos < len(steps):
            step = steps[pos]
            if step.method == method:
                return step
            problem = f"but the script expects {step.method!r} next ({step.describe()})"
        elif steps:
            problem = f"which has no steps left (its last step {steps[-1].describe()})"
        else:
            step = None
            problem = "which has no steps scripted"
        hint = self.step_specs[method].hint()
        raise self.unmocked(
            f"Unmocked call: {called}({call_args(fields)}) on session #{session.number}, {problem}.\n"
            f"If the call is right, script it at that point of session #{session.number}:\n{bullet_list([hint])}",
            method,
            fields,
            session.number,
            steps[pos] if pos < len(steps) else None,
            hint,
        )

    def call(self, session: Session, method: str, fields: dict[str, Any], called: str) -> Any:
        """Consume the next step of ``session`` for a call of ``method``, record it, and answer it."""
        steps = session.steps
        pos = session.pos
        if pos < len(steps) and steps[pos].method == method:
            step = steps[pos]
        else:
            step = self.check_step(session, method, fields, called)
        session.pos = pos + 1
        interaction = Interaction(self._sources[method], fields, session.number)
        self._verifier._timeline.append(interaction)
        raises = step.raises
        if raises is not None:
            exc = raises() if isinstance(raises, type) else raises
            interaction.raised = exc
            raise exc
        return step.returns

    def record(self, method: str, fields: dict[str, Any]) -> Interaction:
        """Record an interaction that has no scripted step (one of ``recorded_only``)."""
        interaction = Interaction(self._sources[method], fields, None)
        self._verifier._timeline.append(interaction)
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
        self._verifier._unmocked.append(error)
        return error

    # -- verification --------------------------------------------------------------------------------------------

    def unused_steps(self) -> list[Step]:
        """Required steps never used, session by session; steps left after a session's end count too."""
        unused: list[Step] = []
        for session in self._sessions:
            unused.extend(session.unused())
        return unused

    def hint_prefix(self) -> str:
        """How the user's code names this plugin, as in ``bigfoot.asyncpg_mock.``."""
        return f"{self._verifier.hint_owner}.{self.hint_name}."

    def assertion_line(self, interaction: Interaction) -> str:
        """The assertion call that matches ``interaction``, ready to paste."""
        return f"{self.hint_prefix()}assert_{interaction.source.name}({call_args(interaction.fields)})"

    def source(self, method: str) -> Source:
        """The interaction source for ``method`` (what ``verifier.assert_interaction`` takes)."""
        return self._sources[method]
