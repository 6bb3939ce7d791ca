"""A second plugin, defined only in the tests: it fakes ``subprocess.run``.

It proves that the core knows no library: everything below uses bigfoot's public plugin API (``BasePlugin``,
``StepSpec``, ``register_plugin``), and no core module names it. Each ``subprocess.run()`` inside a sandbox takes the
next scripted session, whose one step is ``run``; each ``subprocess.check_output()`` takes one whose step is
``check_output``. Two step kinds give the core's tests two interaction sources to tell apart.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping
from types import FunctionType
from typing import Any, ClassVar

import bigfoot
from bigfoot import BasePlugin, Interaction, InterceptedCall, StepSpec


def _completed(value: Any) -> subprocess.CompletedProcess[Any]:
    if not isinstance(value, subprocess.CompletedProcess):
        raise TypeError(f"returns must be a subprocess.CompletedProcess, got {type(value).__name__} {value!r}")
    return value


def _output(value: Any) -> str | bytes:
    if not isinstance(value, (str, bytes)):
        raise TypeError(f"returns must be the output, str or bytes, got {type(value).__name__} {value!r}")
    return value


def mask_token(text: str) -> str:
    """Hide the value of a ``--token=...`` option written in a command line."""
    return re.sub(r"(--token=)[^\s'\"]+", r"\1***", text)


class SubprocessPlugin(BasePlugin):
    """Answers ``subprocess.run(...)`` and ``subprocess.check_output(...)`` inside a sandbox from scripted sessions.

    Every call takes the next queued session and uses its first step.
    """

    hint_name: ClassVar[str] = "subprocess_mock"
    step_specs: ClassVar[Mapping[str, StepSpec]] = {
        "run": StepSpec("run", _completed, "a CompletedProcess", "subprocess.CompletedProcess([...], 0)"),
        "check_output": StepSpec("check_output", _output, "the output", "b''"),
    }

    @classmethod
    def intercepts(cls) -> Mapping[FunctionType, Callable[[Any, InterceptedCall], Any]]:
        return {subprocess.run: cls.answer_run, subprocess.check_output: cls.answer_check_output}

    def answer_run(self, call: InterceptedCall) -> Any:
        fields = call.fields()
        session = self.take_session("run", fields)
        return self.call(session, "run", fields)

    def answer_check_output(self, call: InterceptedCall) -> Any:
        fields = call.fields()
        session = self.take_session("check_output", fields)
        return self.call(session, "check_output", fields)

    def called_name(self, method: str) -> str:
        return f"subprocess.{method}"

    def assert_run(self, **fields: Any) -> Interaction:
        """Assert a ``subprocess.run(...)``: ``popenargs`` is the list of positional arguments, then the keywords."""
        __tracebackhide__ = True
        return self.verifier.assert_interaction(self.source("run"), **fields)

    def assert_check_output(self, **fields: Any) -> Interaction:
        """Assert a ``subprocess.check_output(...)``, fields as for ``assert_run``."""
        __tracebackhide__ = True
        return self.verifier.assert_interaction(self.source("check_output"), **fields)


REGISTRATION = bigfoot.register_plugin(SubprocessPlugin, secret_fields={"env"}, mask_text=mask_token)
