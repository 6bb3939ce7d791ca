"""Reading environment variables (bigfoot._environ), and the settings read from them once per change."""

from __future__ import annotations

import os

import pytest

from bigfoot import _environ, _registry, _settings

NAME = "BIGFOOT_TESTS_SOME_VARIABLE"


def test_read_follows_every_change_made_through_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    assert _environ.read(NAME) == ""
    monkeypatch.setenv(NAME, "first")
    assert _environ.read(NAME) == "first"
    os.environ[NAME] = "second ü"
    assert _environ.read(NAME) == "second ü" == os.environ[NAME]
    del os.environ[NAME]
    assert _environ.read(NAME) == ""


def test_a_snapshot_is_empty_while_none_is_set_and_differs_when_one_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    names = (NAME, NAME + "_OTHER")
    for name in names:
        monkeypatch.delenv(name, raising=False)
    snapshot = _environ.Snapshot(names)
    assert snapshot() == ()
    monkeypatch.setenv(names[1], "x")
    seen = snapshot()
    assert len(seen) == 2 and seen[0] is None and seen != ()
    monkeypatch.setenv(names[1], "y")
    assert snapshot() != seen
    monkeypatch.delenv(names[1])
    assert snapshot() == ()


def test_the_environments_settings_are_read_again_when_a_variable_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_settings, "_step_names", lambda: {"close"})  # whatever plugins this run has registered
    monkeypatch.delenv(_settings.ENV_GUARD, raising=False)
    monkeypatch.delenv(_settings.ENV_REPORT_UNUSED_OPTIONAL, raising=False)
    monkeypatch.setenv(_settings.ENV_UNASSERTED_OK, "close")
    first = _settings.environment()
    assert first.unasserted_ok == {"close"} and _settings.environment() is first  # the same texts: not read again
    monkeypatch.setenv(_settings.ENV_GUARD, "all")
    changed = _settings.environment()
    assert changed.guard == "all" and changed.unasserted_ok == {"close"}
    monkeypatch.setenv(_settings.ENV_GUARD, "sometimes")
    for _ in range(2):  # a bad value is refused every time it is read, not only the first
        with pytest.raises(ValueError, match="BIGFOOT_GUARD"):
            _settings.environment()


def test_the_environments_settings_are_checked_again_when_the_plugins_change(monkeypatch: pytest.MonkeyPatch) -> None:
    # unasserted_ok must name a step of a registered plugin: a text accepted before is checked again once the
    # registrations have changed, though the text itself has not.
    monkeypatch.setenv(_settings.ENV_UNASSERTED_OK, "close")
    monkeypatch.setattr(_settings, "_step_names", lambda: {"close"})
    assert _settings.environment().unasserted_ok == {"close"}
    monkeypatch.setattr(_settings, "_step_names", lambda: {"fetch"})
    assert _settings.environment().unasserted_ok == {"close"}  # the same texts and plugins: not checked again
    monkeypatch.setattr(_registry, "_version", _registry.version() + 1)  # a plugin registered or unregistered
    with pytest.raises(ValueError, match="names 'close', which no plugin has as a step name"):
        _settings.environment()


def test_a_test_with_one_level_of_settings_gets_that_level_itself() -> None:
    level = _settings.Settings({"guard": "off"})
    assert _settings.resolve([None, level, None]) is level
    merged = _settings.resolve([_settings.Settings({"report_unused_optional": True}), level])
    assert merged.guard == "off" and merged.report_unused_optional is True
    assert _settings.resolve([None, None]).guard == "tests"
