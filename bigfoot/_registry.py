"""The plugin registry: how the core finds plugins without naming the libraries they fake.

A plugin is registered under its hint name, the attribute users write (``bigfoot.<hint_name>``, or
``self.<hint_name>`` in a test case with the mixin). The registration says what the core needs before the plugin's
module is imported: the library it needs and how to install it, which recorded fields hold secrets, and how to mask
secrets written inside text. The plugin class, which imports its library, is loaded on first use: when a test touches
``bigfoot.<hint_name>``, or when the first sandbox opens while the library is installed, so that the plugin's
interceptions can be put in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .errors import InvalidStateError

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from ._patching import FunctionPatch
    from ._plugin import BasePlugin
    from ._verifier import StrictVerifier

__all__ = ["Registration", "register_plugin", "unregister_plugin"]


class Registration:
    """One registered plugin. ``proxy`` is what ``bigfoot.<hint_name>`` gives: the current test's plugin."""

    __slots__ = (
        "hint_name",
        "requires",
        "install_hint",
        "secret_fields",
        "_mask_text",
        "target",
        "_plugin",
        "_available",
        "_patches",
        "proxy",
    )

    def __init__(
        self,
        hint_name: str,
        plugin: type[BasePlugin] | str,
        requires: str | None,
        install_hint: str,
        secret_fields: frozenset[str],
        mask_text: Callable[[str], str] | None,
    ) -> None:
        from ._current import PluginProxy

        self.hint_name = hint_name
        """The name the plugin is registered under: ``bigfoot.<hint_name>`` and the mixin's ``self.<hint_name>``."""
        self.requires = requires
        """The import name of the library the plugin needs (None: it needs none)."""
        self.install_hint = install_hint
        """The command shown when ``requires`` is missing (empty: ``pip install <requires>``)."""
        self.secret_fields = secret_fields
        """Names of recorded fields whose values are always masked in output."""
        self._mask_text = mask_text
        self.target = plugin
        """What was registered: the plugin class or its ``"module:Class"`` path."""
        self._plugin = plugin
        self._available: bool | None = None
        self._patches: list[FunctionPatch] | None = None
        self.proxy: Any = PluginProxy(self)
        """What ``bigfoot.<hint_name>`` gives: a stand-in for the current test's plugin."""

    def available(self) -> bool:
        """Whether the library the plugin needs is installed (found without importing it)."""
        if self._available is None:
            if self.requires is None:
                self._available = True
            else:
                import importlib.util

                self._available = importlib.util.find_spec(self.requires) is not None
        return self._available

    def plugin_class(self) -> type[BasePlugin]:
        """The plugin class, imported on first use; ImportError naming the install command if its library is missing."""
        plugin = self._plugin
        if isinstance(plugin, str):
            if not self.available():
                raise ImportError(
                    f"bigfoot.{self.hint_name} needs {self.requires}, which is not installed. "
                    f"Install it with: {self.install_hint or 'pip install ' + str(self.requires)}"
                )
            import importlib

            module, _, name = plugin.partition(":")
            plugin = self._plugin = getattr(importlib.import_module(module), name)
        return plugin

    def plugin_for(self, verifier: StrictVerifier) -> BasePlugin:
        """The plugin of ``verifier``, created on first use."""
        kind = self._plugin
        return (self.plugin_class() if isinstance(kind, str) else kind).of(verifier)

    def patches(self) -> list[FunctionPatch]:
        """The functions the plugin intercepts, then those it runs outside the sandbox; none while its library is not
        installed."""
        if self._patches is None:
            from ._patching import FunctionPatch

            patches = []
            if self.available():
                plugin = self.plugin_class()
                intercepts = plugin.intercepts()
                patches = [FunctionPatch(func, plugin, handler) for func, handler in intercepts.items()]
                for func in plugin.always_real():
                    if func in intercepts:
                        raise ValueError(
                            f"{plugin.__name__}: {func.__qualname__} is both in intercepts() and in always_real(); "
                            "a function is either answered by the plugin or always real."
                        )
                    patches.append(FunctionPatch(func, plugin, None))
            self._patches = patches
        return self._patches

    def mask_text(self, text: str) -> str:
        """``text`` with the secrets written inside it hidden by the plugin's ``mask_text`` (unchanged without one)."""
        return text if self._mask_text is None else self._mask_text(text)

    def __repr__(self) -> str:
        return f"<bigfoot plugin registration {self.hint_name!r}>"


_registrations: dict[str, Registration] = {}
_secret_fields: frozenset[str] = frozenset()
_maskers: tuple[Callable[[str], str], ...] = ()  # the registered plugins' mask_text functions, in order
_all_patches: tuple[FunctionPatch, ...] | None = None  # see all_patches()
_version = 0  # counts the changes of the registrations: what was worked out from them before may be stale


def register_plugin(
    plugin: type[BasePlugin] | str,
    *,
    hint_name: str | None = None,
    requires: str | None = None,
    install_hint: str = "",
    secret_fields: Iterable[str] = (),
    mask_text: Callable[[str], str] | None = None,
) -> Registration:
    """Make a plugin known to bigfoot: ``bigfoot.<hint_name>``, the mixin's ``self.<hint_name>``, interception.

    ``plugin`` is a ``BasePlugin`` subclass, or ``"module:Class"`` to import it on first use (then give
    ``hint_name``, and ``requires``, the library's import name, so that bigfoot can tell whether it is installed).
    ``secret_fields`` names recorded fields that are always masked in output; ``mask_text`` hides secrets written
    inside a text value (a connection string, say), and in the repr of any other value but a number (an int, float
    or bool holds a secret only in a secret field). Registering the same plugin again returns its registration.
    """
    from ._patching import depth

    name = hint_name if hint_name is not None else getattr(plugin, "hint_name", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"register_plugin(): a plugin needs a hint name that is a Python identifier (set hint_name on the "
            f"class or pass hint_name=...), got {name!r}."
        )
    if not isinstance(plugin, str) and getattr(plugin, "hint_name", name) != name:
        raise ValueError(
            f"register_plugin(): {plugin.__name__}.hint_name is {plugin.hint_name!r} but hint_name={name!r} was "
            "given; they must agree."
        )
    existing = _registrations.get(name)
    if existing is not None:
        if existing.target == plugin:
            return existing
        raise ValueError(
            f"register_plugin(): the hint name {name!r} is taken by {existing.target!r}; choose another name or "
            "unregister that plugin first."
        )
    if depth():
        raise InvalidStateError("register_plugin() cannot run while a sandbox is open; register plugins at import.")
    registration = Registration(name, plugin, requires, install_hint, frozenset(secret_fields), mask_text)
    _registrations[name] = registration
    _refresh()
    return registration


def unregister_plugin(hint_name: str) -> None:
    """Forget the plugin registered under ``hint_name`` (for tests of plugins). Not while a sandbox is open."""
    from ._patching import depth

    if depth():
        raise InvalidStateError("unregister_plugin() cannot run while a sandbox is open.")
    if _registrations.pop(hint_name, None) is None:
        raise KeyError(f"no plugin is registered under {hint_name!r}")
    _refresh()


def _refresh() -> None:
    global _secret_fields, _maskers, _all_patches, _version
    from ._secrets import forget_clean

    forget_clean()
    _all_patches = None
    _version += 1
    _secret_fields = frozenset().union(*(r.secret_fields for r in _registrations.values()))
    _maskers = tuple(r._mask_text for r in _registrations.values() if r._mask_text is not None)


def find(hint_name: str) -> Registration | None:
    """The registration for ``hint_name``, if there is one."""
    return _registrations.get(hint_name)


def registrations() -> list[Registration]:
    return list(_registrations.values())


def all_patches() -> tuple[FunctionPatch, ...]:
    """Every registered plugin's patches (``Registration.patches``), in registration order: what a sandbox installs.
    Kept until a plugin is registered or unregistered, since every sandbox that opens first asks for them."""
    global _all_patches
    if _all_patches is None:
        _all_patches = tuple(patch for registration in _registrations.values() for patch in registration.patches())
    return _all_patches


def version() -> int:
    """A number that changes whenever a plugin is registered or unregistered (what is checked against the
    registered plugins, such as step names in settings, is checked again when it changes)."""
    return _version


def secret_fields() -> frozenset[str]:
    """The recorded fields that any registered plugin declares secret."""
    return _secret_fields


def mask_text(text: str) -> str:
    """``text`` with every registered plugin's secrets masked."""
    for mask in _maskers:
        text = mask(text)
    return text
