"""The verifier: one test's timeline, its plugins, its assertions and its final verification."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Any, TypeVar

from . import _guard, _settings
from ._findings import unmocked_section
from ._omittable import omittable
from ._render import bullet_list, call_args, field_diff, masked_note
from ._sandbox import Sandbox
from ._script import Step
from ._secrets import seal
from ._timeline import Interaction, Source, Timeline
from .errors import (
    InteractionMismatchError,
    MissingAssertionFieldsError,
    UnassertedInteractionsError,
    UnmockedInteractionError,
    UnusedMocksError,
    VerificationError,
)

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from types import TracebackType

    from ._plugin import BasePlugin

P = TypeVar("P", bound="BasePlugin")

_ORDER_HINT = (
    "Assert interactions in the order they happened, or put the assertions inside `with bigfoot.in_any_order():`."
)


def _same(expected: dict[str, Any], fields: dict[str, Any]) -> bool:
    """The fast check: every field equal, the expected value on the left (so matchers work)."""
    try:
        return bool(expected == fields)
    except Exception:  # a matcher that raises: the detailed comparison reports it as a difference
        return False


def _raised_matches(expected: Any, actual: BaseException | None) -> bool:
    if isinstance(expected, type) and issubclass(expected, BaseException):
        return isinstance(actual, expected)
    return expected is actual or bool(expected == actual)


class _AnyOrder:
    """The ``with verifier.in_any_order():`` block; blocks nest."""

    __slots__ = ("_verifier",)

    def __init__(self, verifier: StrictVerifier) -> None:
        self._verifier = verifier

    def __enter__(self) -> None:
        self._verifier._any_order += 1

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._verifier._any_order -= 1


class StrictVerifier:
    """Owns one timeline of interactions and the plugins that script and record them.

    >>> verifier = StrictVerifier()
    >>> verifier.verify_all()  # nothing happened, nothing to report
    """

    def __init__(self) -> None:
        self._timeline = Timeline()
        self._plugins: dict[type[BasePlugin], BasePlugin] = {}
        self._unmocked: list[UnmockedInteractionError] = []
        self._first_unmocked: UnmockedInteractionError | None = None  # swallowed or not: see _findings
        self._any_order = 0
        self.hint_owner = "bigfoot"
        """How hints name the plugin's owner: ``bigfoot`` (``bigfoot.asyncpg_mock.``) or ``self`` under the mixin."""
        self._guard = _guard.OFF  # see bigfoot._guard: the runners start it when a test starts
        self.settings = _settings.DEFAULTS
        """What this test relaxes or tightens (``bigfoot.settings``); the runners set it from the test's levels."""
        self.record_target: str | None = None
        """Set in record mode (see ``bigfoot._recording``): plugins reach this real server, nothing is enforced."""

    # -- plugins -------------------------------------------------------------------------------------------------

    def _register_plugin(self, plugin: BasePlugin) -> None:
        kind = type(plugin)
        if kind in self._plugins:
            raise ValueError(
                f"This verifier already has a {kind.__name__}; each verifier takes at most one. "
                f"Use the existing one (verifier.get_plugin({kind.__name__})) instead of creating another."
            )
        self._plugins[kind] = plugin
        _guard.plugin_added(self)

    def _release(self) -> None:
        """The test is over: the runners call this last, after verification and any recording. The verifier drops its
        plugins (and they their sessions and sources) and its timeline, so that none of the test's objects is left in
        a reference cycle: reference counting frees them as the runner lets go, and the garbage collector, which a
        suite of many tests would otherwise keep busy, finds nothing of bigfoot's."""
        for plugin in self._plugins.values():
            plugin._release()
        self._plugins.clear()
        self._timeline.clear()
        self._unmocked.clear()
        self._first_unmocked = None

    def get_plugin(self, kind: type[P]) -> P | None:
        """The plugin of class ``kind`` registered on this verifier, or None."""
        plugin = self._plugins.get(kind)
        return plugin  # type: ignore[return-value]

    # -- sandbox -------------------------------------------------------------------------------------------------

    def sandbox(self) -> Sandbox:
        """A context manager (``with`` or ``async with``) inside which asyncpg calls follow this verifier's scripts."""
        return Sandbox(self, sys._getframe(1))

    # -- assertions ----------------------------------------------------------------------------------------------

    @property
    def interactions(self) -> list[Interaction]:
        """Every interaction recorded so far, in order."""
        return list(self._timeline)

    def in_any_order(self) -> _AnyOrder:
        """Inside this block an assertion may match any unasserted interaction of its kind, not only the earliest."""
        return _AnyOrder(self)

    def assert_interaction(self, source: Source, /, **expected: Any) -> Interaction:
        """Assert the earliest unasserted interaction (any unasserted one inside ``in_any_order()``).

        ``source`` names the kind (``plugin.fetch``); ``expected`` must give every field the interaction recorded.
        Returns the interaction it matched.
        """
        __tracebackhide__ = True
        if not isinstance(source, Source):
            raise TypeError(
                f"assert_interaction() takes an interaction source such as plugin.fetch first, "
                f"got {type(source).__name__} {source!r}."
            )
        if source.plugin._verifier is not self:
            raise ValueError(f"{source!r} belongs to another verifier; assert through the plugin of this one.")
        return self._match(source, expected)

    def _match(self, source: Source, expected: dict[str, Any]) -> Interaction:
        """The matching itself, for a source known to be this verifier's; ``expected`` is ours to change."""
        __tracebackhide__ = True
        if self.record_target is not None:
            # Record mode enforces nothing: the test's assertions are what the recording will write for it.
            return Interaction(source, seal(expected), None)
        args = expected.get("args")
        if type(args) is tuple:
            expected["args"] = list(args)
        if self._any_order:
            return self._assert_any_order(source, expected)
        timeline = self._timeline
        items = timeline._items
        cursor = timeline._cursor
        if cursor < len(items) and not items[cursor].asserted:
            interaction: Interaction | None = items[cursor]
        else:
            interaction = timeline.earliest_unasserted()
            cursor = timeline._cursor
        if (
            interaction is not None
            and interaction.source is not source
            and interaction.method in self.settings.unasserted_ok
        ):
            # Interactions the test's settings let go unasserted do not hold up the order: the earliest one that
            # must be asserted (or is of the asserted kind) is the one to match.
            later = self._earliest_to_match(source, cursor)
            if later is not None:
                interaction, cursor = later, -1  # matched past the cursor, which stays on the exempt one
        if interaction is None or interaction.source is not source or not _same(expected, interaction.fields):
            # Not a plain match: from here on, and in the error about to be raised, an expected secret is held
            # masked. ``expected`` is the assertion helper's own dict, so its frame shows the masked values too.
            self._check(source, seal(expected), interaction)
            assert interaction is not None
        interaction.asserted = True
        if cursor >= 0:
            timeline._cursor = cursor + 1  # the earliest unasserted one was at the cursor: it is now past it
        return interaction

    def _earliest_to_match(self, source: Source, start: int) -> Interaction | None:
        """From ``start`` on, the first unasserted interaction of ``source``'s kind or one the settings do not exempt.

        (Exempt ones are those of ``settings.unasserted_ok``.)
        """
        exempt = self.settings.unasserted_ok
        for item in self._timeline._items[start:]:
            if not item.asserted and (item.source is source or item.method not in exempt):
                return item
        return None

    def _check(self, source: Source, expected: dict[str, Any], interaction: Interaction | None) -> None:
        """Raise the error that explains why ``interaction`` does not satisfy the assertion, if it does not."""
        __tracebackhide__ = True
        asked = f"assert_{source.name}({call_args(expected)})"
        if interaction is None:
            total = len(self._timeline)
            raise InteractionMismatchError(
                f"{asked} found nothing to match: all {total} recorded interaction(s) are already asserted"
                f"{'' if total else ' (none happened)'}.",
                method=source.name,
                expected=expected,
                actual=None,
            )
        if interaction.source is not source:
            raise InteractionMismatchError(
                f"{asked} does not match the earliest unasserted interaction, which is a "
                f"{interaction.source.name} ({interaction.where}):\n"
                f"{bullet_list([interaction.assertion_line()])}{masked_note([interaction.fields])}\n{_ORDER_HINT}",
                method=source.name,
                expected=expected,
                actual=interaction,
            )
        problems = self._differences(expected, interaction)
        if problems:
            raise InteractionMismatchError(
                f"{asked} does not match the earliest unasserted interaction "
                f"({source.name}, {interaction.where}):\n{bullet_list(problems)}\n"
                f"It was recorded as:\n{bullet_list([interaction.assertion_line()])}"
                f"{masked_note([expected, interaction.fields])}",
                method=source.name,
                expected=expected,
                actual=interaction,
            )

    def _differences(self, expected: dict[str, Any], interaction: Interaction) -> list[str]:
        """Field-by-field differences; a missing field raises MissingAssertionFieldsError at once."""
        __tracebackhide__ = True
        fields = interaction.fields
        missing = [name for name in fields if name not in expected]
        if missing:
            skip = omittable(interaction)  # fields holding the library's default need not be asserted
            missing = [name for name in missing if name not in skip]
        if missing:
            line = interaction.assertion_line()
            note = masked_note([fields])
            raise MissingAssertionFieldsError(
                f"assert_{interaction.source.name}() left out recorded field(s): {', '.join(missing)}. "
                f"Every field the call passed must be asserted; the complete assertion is:\n"
                f"{bullet_list([line])}{note}",
                interaction=interaction,
                missing=missing,
                line=line,
            )
        given = {name: value for name, value in expected.items() if name != "raised"}
        problems = field_diff(given, fields)
        if "raised" in expected and not _raised_matches(expected["raised"], interaction.raised):
            problems.append(f"raised: expected {expected['raised']!r}, actual {interaction.raised!r}")
        return problems

    def _assert_any_order(self, source: Source, expected: dict[str, Any]) -> Interaction:
        __tracebackhide__ = True
        seal(expected)  # as in _match: an error raised here holds an expected secret masked
        candidates = [item for item in self._timeline.unasserted() if item.source is source]
        for item in candidates:
            if _same(expected, item.fields):
                item.asserted = True
                return item
        first_error: MissingAssertionFieldsError | None = None
        for item in candidates:
            try:
                if not self._differences(expected, item):
                    item.asserted = True
                    return item
            except MissingAssertionFieldsError as error:
                first_error = first_error or error
        if first_error is not None:
            raise first_error
        asked = f"assert_{source.name}({call_args(expected)})"
        if candidates:
            lines = [item.assertion_line() for item in candidates]
            message = (
                f"{asked} matches none of the unasserted {source.name} interactions:\n{bullet_list(lines)}"
                f"{masked_note([expected, *(item.fields for item in candidates)])}"
            )
        else:
            message = f"{asked} found no unasserted {source.name} interaction."
        raise InteractionMismatchError(message, method=source.name, expected=expected, actual=None)

    # -- verification --------------------------------------------------------------------------------------------

    def _surfaced(self, error: UnmockedInteractionError) -> None:
        with contextlib.suppress(ValueError):
            self._unmocked.remove(error)

    def verify_all(self) -> None:
        """Fail if a swallowed call was unmocked, an interaction is unasserted or a required step went unused.

        Every problem found is reported in one error: ``UnassertedInteractionsError``, ``UnusedMocksError``, the
        unmocked call itself, or ``VerificationError`` when there are several kinds.
        """
        __tracebackhide__ = True
        if self.record_target is not None:
            return  # record mode: the code talked to a real server; scripts and assertions are not enforced
        settings = self.settings
        unmocked = list(self._unmocked)
        exempt = settings.unasserted_ok
        timeline = self._timeline
        unasserted = (
            [item for item in timeline.unasserted() if item.method not in exempt]
            if timeline.earliest_unasserted() is not None
            else []
        )
        unused: list[Step] = []
        for plugin in self._plugins.values():
            unused.extend(plugin.unused_steps(optional=settings.report_unused_optional))
        if not (unmocked or unasserted or unused):
            return
        sections = []
        if unmocked:
            sections.append(unmocked_section(unmocked, self._first_unmocked))
        if unasserted:
            lines = [item.assertion_line() for item in unasserted]
            sections.append(
                f"{len(unasserted)} interaction(s) were not asserted. Assert them, in this order:\n"
                + bullet_list(lines)
                + masked_note(item.fields for item in unasserted)
            )
        if unused:
            sections.append(
                f"{len(unused)} scripted step(s) were never used:\n"
                + bullet_list(step.describe() for step in unused)
                + (
                    "\nRemove them from the script (optional ones are reported too: report_unused_optional is on)."
                    if settings.report_unused_optional
                    else "\nRemove them from the script, or mark optional ones with required=False."
                )
            )
        message = "\n\n".join(sections)
        if unmocked and not (unasserted or unused):
            raise UnmockedInteractionError(
                message,
                method=unmocked[0].method,
                fields=unmocked[0].fields,
                session=unmocked[0].session,
                expected=unmocked[0].expected,
                hint=unmocked[0].hint,
            )
        if unasserted and not (unmocked or unused):
            raise UnassertedInteractionsError(
                message, interactions=unasserted, lines=[item.assertion_line() for item in unasserted]
            )
        if unused and not (unmocked or unasserted):
            raise UnusedMocksError(message, steps=unused)
        raise VerificationError(message, unmocked=unmocked, unasserted=unasserted, unused=unused)

    def __repr__(self) -> str:
        return f"<StrictVerifier: {len(self._timeline)} interaction(s), {len(self._plugins)} plugin(s)>"
