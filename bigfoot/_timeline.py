"""The timeline: every interaction the code under test had, in the order it happened."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from ._plugin import BasePlugin
    from ._script import Step


class Source:
    """What kind of interaction a record is: one step name of one plugin (``plugin.fetch``).

    Pass it to ``StrictVerifier.assert_interaction`` to assert an interaction of that kind.
    """

    __slots__ = ("plugin", "name")

    def __init__(self, plugin: BasePlugin, name: str) -> None:
        self.plugin = plugin
        """The plugin whose interactions these are."""
        self.name = name
        """The step name (or recorded-only name) of the interaction, such as ``"fetch"``."""

    def __repr__(self) -> str:
        return f"<interaction source {self.plugin.hint_name}.{self.name}>"


class Interaction:
    """One call the code under test made and the script answered.

    ``fields`` holds every argument the code passed, under asyncpg's parameter names; ``raised`` is the exception
    the step raised, if any; ``session`` is the number of the scripted session that answered it (None for
    interactions recorded without a step, such as a pool's creation); ``step`` is the scripted step that answered it
    (None without one), so that later checks can say where that step was scripted.
    """

    __slots__ = ("source", "fields", "raised", "session", "asserted", "step")

    def __init__(self, source: Source, fields: dict[str, Any], session: int | None, step: Step | None = None) -> None:
        self.source = source
        """What kind of interaction this is: its plugin and step name."""
        self.fields = fields
        """Every argument the code passed, by the library's parameter names."""
        self.session = session
        """The number of the scripted session that answered it (None: recorded without a step)."""
        self.raised: BaseException | None = None
        """The exception the call raised, set when its step raises or the call fails (None: it did not)."""
        self.asserted = False
        """Whether a test assertion has matched this interaction yet; set when one does."""
        self.step = step
        """The scripted step that answered the call (None: none did)."""

    @property
    def method(self) -> str:
        """The step name of the call, from ``source`` (``"fetch"``)."""
        return self.source.name

    @property
    def where(self) -> str:
        """The session in words for messages: ``session #1``, or ``no session``."""
        return "no session" if self.session is None else f"session #{self.session}"

    def assertion_line(self) -> str:
        """The assertion that matches this interaction, ready to paste."""
        return self.source.plugin.assertion_line(self)

    def __repr__(self) -> str:
        return f"<Interaction {self.source.name} {self.where}: {self.assertion_line()}>"


class Timeline:
    """Interactions in order, with a cursor on the earliest one not yet asserted.

    The cursor makes an ordered assertion O(1) however long the test runs.
    """

    __slots__ = ("_items", "_cursor", "append")

    def __init__(self) -> None:
        self._items: list[Interaction] = []
        self._cursor = 0
        self.append = self._items.append

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Forget every interaction (the test is over; see ``StrictVerifier._release``)."""
        self._items.clear()
        self._cursor = 0

    def __iter__(self) -> Iterator[Interaction]:
        return iter(self._items)

    def earliest_unasserted(self) -> Interaction | None:
        items = self._items
        i = self._cursor
        n = len(items)
        while i < n and items[i].asserted:
            i += 1
        self._cursor = i
        return items[i] if i < n else None

    def unasserted(self) -> Iterator[Interaction]:
        self.earliest_unasserted()
        for i in range(self._cursor, len(self._items)):
            item = self._items[i]
            if not item.asserted:
                yield item
