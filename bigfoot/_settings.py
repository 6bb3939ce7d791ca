"""Settings: what a suite, a test class or one test relaxes or tightens, in one model for every runner.

There are three settings:

- ``guard``: ``"tests"`` (the default: a test is guarded once it uses bigfoot), ``"all"`` (guarded from its start,
  whether it uses bigfoot or not) or ``"off"``; see ``bigfoot._guard``.
- ``unasserted_ok``: step names (``("close",)``) whose interactions need no assertion; they may still be asserted,
  in order, like any other.
- ``report_unused_optional``: when True, optional steps (``required=False``) that were never used fail the test too.

Each level gives some of them; the nearest level that gives one wins:

1. the test: ``@bigfoot.settings(...)`` on the test function, or ``@pytest.mark.bigfoot(...)``;
2. its class: ``@bigfoot.settings(...)`` on the class, a ``bigfoot_settings = bigfoot.settings(...)`` attribute, or a
   ``pytest.mark.bigfoot`` on the class (or module);
3. the environment: ``BIGFOOT_GUARD``, ``BIGFOOT_UNASSERTED_OK`` (names separated by spaces or commas),
   ``BIGFOOT_REPORT_UNUSED_OPTIONAL`` (``1``/``true``/``yes`` or ``0``/``false``/``no``);
4. pytest's ini file: ``bigfoot_guard``, ``bigfoot_unasserted_ok``, ``bigfoot_report_unused_optional``;
5. the defaults above.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from . import _environ, _registry

__all__ = ["Settings", "settings"]

F = TypeVar("F")

GUARDS = ("tests", "all", "off")
NAMES = ("guard", "unasserted_ok", "report_unused_optional")
ENV_GUARD = "BIGFOOT_GUARD"
ENV_UNASSERTED_OK = "BIGFOOT_UNASSERTED_OK"
ENV_REPORT_UNUSED_OPTIONAL = "BIGFOOT_REPORT_UNUSED_OPTIONAL"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class Settings:
    """Some of bigfoot's settings, as one level gives them; see ``bigfoot.settings()``.

    Used as a decorator it attaches itself to a test function or class (stacked decorators merge, the innermost
    winning). ``guard``, ``unasserted_ok`` and ``report_unused_optional`` give each setting, its default where the
    level gives none: on the settings the runners resolve for a test, they are that test's.
    """

    __slots__ = ("_values", "guard", "unasserted_ok", "report_unused_optional")

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)
        self.guard: str = self._values.get("guard", "tests")
        """``"tests"``, ``"all"`` or ``"off"``."""
        self.unasserted_ok = frozenset(self._values.get("unasserted_ok", ()))
        """Step names whose interactions need no assertion."""
        self.report_unused_optional: bool = self._values.get("report_unused_optional", False)
        """Whether unused optional steps fail the test."""

    def __call__(self, target: F) -> F:
        if not callable(target):
            raise TypeError(
                f"bigfoot.settings(...) decorates a test function or class, got {type(target).__name__} {target!r}."
            )
        own = target.__dict__.get("__bigfoot_settings__") if hasattr(target, "__dict__") else None
        merged = {**self._values, **(own._values if isinstance(own, Settings) else {})}  # the innermost wins
        target.__bigfoot_settings__ = Settings(merged)  # type: ignore[attr-defined]
        return target

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and other._values == self._values

    def __repr__(self) -> str:
        given = ", ".join(f"{name}={value!r}" for name, value in self._values.items())
        return f"bigfoot.settings({given})"


DEFAULTS = Settings({})
"""The settings of a verifier no runner has set any for: every default. Settings are never changed once made."""


def settings(**given: Any) -> Settings:
    """Some of bigfoot's settings, for a test or a class; each value is checked now.

    - ``guard=``: ``"tests"`` (the default: a test is guarded from its first use of bigfoot), ``"all"`` (from its
      start, whether it uses bigfoot or not) or ``"off"``. A guarded test's ``asyncpg.connect()`` outside every
      sandbox fails at the call.
    - ``unasserted_ok=``: step names (``["close"]``) whose interactions need no assertion.
    - ``report_unused_optional=``: True makes unused ``required=False`` steps fail the test too.

    Use it as a decorator on a test function or class (``@bigfoot.settings(guard="off")``), or as a test class's
    ``bigfoot_settings`` attribute. The nearest level that gives a setting wins: the test (this decorator, or
    ``@pytest.mark.bigfoot(...)`` with the same keywords), its class (decorator, attribute or marker), the
    environment (``BIGFOOT_GUARD``, ``BIGFOOT_UNASSERTED_OK``, ``BIGFOOT_REPORT_UNUSED_OPTIONAL``), pytest's ini
    options (``bigfoot_guard``, ``bigfoot_unasserted_ok``, ``bigfoot_report_unused_optional``), the defaults.
    """
    return given_at("bigfoot.settings()", given)


def given_at(where: str, given: Mapping[str, Any]) -> Settings:
    """Settings given by name at ``where`` (named in the error when one is wrong), each checked."""
    return Settings({name: check(name, value, where) for name, value in given.items()})


def check(name: str, value: Any, where: str) -> Any:
    """``value`` for setting ``name``, checked; ``where`` names the place it was given, for the error."""
    if name not in NAMES:
        import difflib

        guess = difflib.get_close_matches(name, NAMES, n=1)
        hint = f" Did you mean {guess[0]!r}?" if guess else ""
        raise TypeError(f"{where}: unknown setting {name!r}.{hint} Settings: {', '.join(NAMES)}.")
    if name == "guard":
        if value not in GUARDS:
            raise ValueError(
                f"{where}: guard={value!r} is not a guard setting. Use 'tests' (the default: guard the tests that use "
                "bigfoot), 'all' (guard every test) or 'off'."
            )
        return value
    if name == "report_unused_optional":
        if not isinstance(value, bool):
            raise TypeError(f"{where}: report_unused_optional must be True or False, got {value!r}.")
        return value
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(
            f"{where}: unasserted_ok must be a list of step names such as ['close'], got {type(value).__name__} "
            f"{value!r}."
        )
    names = tuple(value)
    known = _step_names()
    for step in names:
        if not isinstance(step, str) or (known and step not in known):
            import difflib

            guess = difflib.get_close_matches(str(step), sorted(known), n=1)
            hint = f" Did you mean {guess[0]!r}?" if guess else ""
            raise ValueError(f"{where}: unasserted_ok names {step!r}, which no plugin has as a step name.{hint}")
    return names


def _step_names() -> set[str]:
    """Every step and recorded-only name of the plugins whose libraries are installed."""
    names: set[str] = set()
    for registration in _registry.registrations():
        if registration.available():
            plugin = registration.plugin_class()
            names.update(plugin.step_specs)
            names.update(plugin.recorded_only)
    return names


def from_text(name: str, text: str, where: str) -> Any:
    """A setting written as text (an environment variable, an ini line), checked."""
    if name == "report_unused_optional":
        lowered = text.strip().lower()
        if lowered not in _TRUE + _FALSE:
            raise ValueError(f"{where}: {text!r} is not true or false (write 1/true/yes or 0/false/no).")
        return check(name, lowered in _TRUE, where)
    if name == "unasserted_ok":
        return check(name, text.replace(",", " ").split(), where)
    return check(name, text.strip(), where)


def environment() -> Settings:
    """The suite's settings from the environment: ``BIGFOOT_GUARD`` (tests, all or off), ``BIGFOOT_UNASSERTED_OK``
    (step names, separated by spaces or commas), ``BIGFOOT_REPORT_UNUSED_OPTIONAL`` (true or false). Unset or empty
    ones are left out; a bad one raises, naming the variable."""
    global _from_environment
    # The runners ask for every test; the variables rarely change in a run, so texts read before are not checked
    # again, unless the registered plugins (whose step names unasserted_ok must name) have changed meanwhile.
    texts = (_environ.read(ENV_GUARD), _environ.read(ENV_UNASSERTED_OK), _environ.read(ENV_REPORT_UNUSED_OPTIONAL))
    key = (texts, _registry.version())
    known = _from_environment
    if known is not None and known[0] == key:
        return known[1]
    guard, unasserted_ok, report_unused_optional = texts
    settings = from_texts(
        {
            "guard": (guard, ENV_GUARD),
            "unasserted_ok": (unasserted_ok, ENV_UNASSERTED_OK),
            "report_unused_optional": (report_unused_optional, ENV_REPORT_UNUSED_OPTIONAL),
        }
    )
    _from_environment = (key, settings)
    return settings


_from_environment: tuple[tuple[tuple[str, str, str], int], Settings] | None = None
"""The environment's texts last read (with the registry's version then), and the settings they gave."""


def from_texts(texts: Mapping[str, tuple[str, str]]) -> Settings:
    """Settings written as text, by name: (the text, where it was written); empty ones are left out."""
    return Settings({name: from_text(name, text, where) for name, (text, where) in texts.items() if text.strip()})


def attached(target: Any) -> Settings | None:
    """The settings a ``bigfoot.settings(...)`` decorator or a ``bigfoot_settings`` attribute gave ``target``."""
    found = getattr(target, "__bigfoot_settings__", None)
    if found is None:
        found = getattr(target, "bigfoot_settings", None)
    if found is None or isinstance(found, Settings):
        return found
    raise TypeError(
        f"{getattr(target, '__qualname__', target)!r}.bigfoot_settings must be made with bigfoot.settings(...), "
        f"got {type(found).__name__} {found!r}."
    )


def resolve(levels: Iterable[Settings | None]) -> Settings:
    """Every setting for one test, from its levels, nearest first. Settings are never changed once made, so a test
    with only one level (the usual test: the environment's) gets that level's settings themselves."""
    given = [level for level in levels if level is not None]
    if len(given) == 1:
        return given[0]
    values: dict[str, Any] = {}
    for level in given:
        for name, value in level._values.items():
            values.setdefault(name, value)
    return Settings(values)


def for_unittest(case: Any) -> Settings:
    """The settings of a unittest test case's current test: the method, the class (and its bases), the environment."""
    method: Callable[..., Any] | None = getattr(case, getattr(case, "_testMethodName", ""), None)
    return resolve([attached(method) if method is not None else None, attached(type(case)), environment()])
