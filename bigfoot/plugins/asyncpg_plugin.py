"""``AsyncpgPlugin``: scripted sessions for code that uses asyncpg.

>>> from bigfoot import StrictVerifier
>>> verifier = StrictVerifier()
>>> apg = AsyncpgPlugin(verifier)
>>> apg.new_session().expect("connect").expect("fetchval", returns=1).expect("close")
<SessionHandle #1: connect, fetchval, close>
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from .._asyncpg.connection import Connection
from .._asyncpg.steps import SPECS
from .._plugin import BasePlugin
from .._script import MISSING, StepSpec
from .._timeline import Interaction, Source
from .._verifier import StrictVerifier

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks

__all__ = ["AsyncpgPlugin"]


class AsyncpgPlugin(BasePlugin):
    """Answers asyncpg calls made inside a sandbox from scripted sessions, and asserts what happened.

    Each ``asyncpg.connect()`` takes the next queued session, whose first step must be ``connect``. A verifier takes
    at most one AsyncpgPlugin; a second raises ValueError.
    """

    hint_name: ClassVar[str] = "asyncpg_mock"
    step_specs: ClassVar[Mapping[str, StepSpec]] = SPECS

    connect: Source
    execute: Source
    fetch: Source
    fetchrow: Source
    fetchval: Source
    close: Source

    def __init__(self, verifier: StrictVerifier) -> None:
        super().__init__(verifier)
        for name, source in self._sources.items():
            setattr(self, name, source)

    @classmethod
    def of(cls, verifier: StrictVerifier) -> AsyncpgPlugin:
        """The verifier's AsyncpgPlugin, created if it has none yet."""
        plugin = verifier.get_plugin(cls)
        return plugin if plugin is not None else cls(verifier)

    def open_connection(self, fields: dict[str, Any]) -> Connection:
        """Answer ``asyncpg.connect(**fields)`` with the next queued session."""
        session = self.take_session("connect", fields, "asyncpg.connect")
        connection = Connection(self, session)
        self.call(session, "connect", fields, "asyncpg.connect")
        return connection

    # -- assertion helpers: each asserts the next interaction of its kind on this plugin's verifier ----------------

    def _assert(self, method: str, fields: dict[str, Any]) -> Interaction:
        __tracebackhide__ = True
        return self._verifier.assert_interaction(
            self._sources[method], **{k: v for k, v in fields.items() if v is not MISSING}
        )

    def assert_connect(self, **fields: Any) -> Interaction:
        """Assert an ``asyncpg.connect()``: pass exactly the arguments it was called with (``dsn=`` or keywords)."""
        __tracebackhide__ = True
        return self._verifier.assert_interaction(self._sources["connect"], **fields)

    def assert_execute(self, *, query: Any = MISSING, args: Any = MISSING, **more: Any) -> Interaction:
        """Assert a ``conn.execute(query, *args)``; ``args`` is the list of positional arguments."""
        __tracebackhide__ = True
        return self._assert("execute", {"query": query, "args": args, **more})

    def assert_fetch(self, *, query: Any = MISSING, args: Any = MISSING, **more: Any) -> Interaction:
        """Assert a ``conn.fetch(query, *args)``."""
        __tracebackhide__ = True
        return self._assert("fetch", {"query": query, "args": args, **more})

    def assert_fetchrow(self, *, query: Any = MISSING, args: Any = MISSING, **more: Any) -> Interaction:
        """Assert a ``conn.fetchrow(query, *args)``."""
        __tracebackhide__ = True
        return self._assert("fetchrow", {"query": query, "args": args, **more})

    def assert_fetchval(self, *, query: Any = MISSING, args: Any = MISSING, **more: Any) -> Interaction:
        """Assert a ``conn.fetchval(query, *args)``; ``column=`` too if the code passed it."""
        __tracebackhide__ = True
        return self._assert("fetchval", {"query": query, "args": args, **more})

    def assert_close(self, **fields: Any) -> Interaction:
        """Assert a ``conn.close()`` (with ``timeout=`` if the code passed one)."""
        __tracebackhide__ = True
        return self._verifier.assert_interaction(self._sources["close"], **fields)
