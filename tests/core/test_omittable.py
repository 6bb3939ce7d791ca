"""A plugin's declared defaults: recorded fields holding them may be left out of assertions and paste-ready lines."""

from __future__ import annotations

import inspect
import subprocess
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from bigfoot import MissingAssertionFieldsError, StrictVerifier
from bigfoot._omittable import at_default

from .subprocess_plugin import SubprocessPlugin

RUN_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(subprocess.run).parameters.items()
    if parameter.default is not parameter.empty
}


class WithDefaults(SubprocessPlugin):
    """The test-only plugin, declaring subprocess.run's own defaults (check=False, timeout=None, ...)."""

    field_defaults: ClassVar[Mapping[str, Mapping[str, Any]]] = {"run": RUN_DEFAULTS}


def answer(plugin: SubprocessPlugin, **fields: Any) -> None:
    session = plugin.take_session("run", fields)
    plugin.call(session, "run", fields)


def test_fields_at_their_default_may_be_left_out() -> None:
    verifier = StrictVerifier()
    plugin = WithDefaults(verifier)
    for _ in range(2):
        plugin.new_session().expect("run", returns=subprocess.CompletedProcess(["ls"], 0))
    answer(plugin, popenargs=[["ls"]], check=False, timeout=None)
    answer(plugin, popenargs=[["ls"]], check=0, timeout=3)
    assert [item.assertion_line() for item in verifier.interactions] == [
        "bigfoot.subprocess_mock.assert_run(popenargs=[['ls']])",
        "bigfoot.subprocess_mock.assert_run(popenargs=[['ls']], check=0, timeout=3)",
    ]
    plugin.assert_run(popenargs=[["ls"]])
    with pytest.raises(MissingAssertionFieldsError) as info:
        plugin.assert_run(popenargs=[["ls"]])  # 0 is not False, 3 is not None: both must be asserted
    assert info.value.missing == ["check", "timeout"]
    plugin.assert_run(popenargs=[["ls"]], check=0, timeout=3)
    verifier.verify_all()


def test_without_declared_defaults_every_field_is_asserted(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    plugin.new_session().expect("run", returns=subprocess.CompletedProcess(["ls"], 0))
    answer(plugin, popenargs=[["ls"]], check=False)
    with pytest.raises(MissingAssertionFieldsError):
        plugin.assert_run(popenargs=[["ls"]])
    plugin.assert_run(popenargs=[["ls"]], check=False)


class Unequal:
    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no comparison")

    __hash__ = object.__hash__


def test_at_default() -> None:
    marker = Unequal()
    assert at_default(None, None) and at_default(marker, marker) and at_default(2.5, 2.5)
    assert not at_default(0, False) and not at_default(1.0, 1) and not at_default(Unequal(), marker)
