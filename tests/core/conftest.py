"""Fixtures of the core's tests, which use only the test-only subprocess plugin (no asyncpg anywhere here)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from bigfoot import StrictVerifier
from bigfoot._patching import depth

from .subprocess_plugin import SubprocessPlugin

REAL_RUN = subprocess.run
REAL_RUN_CODE = subprocess.run.__code__


@pytest.fixture
def verifier() -> StrictVerifier:
    """An explicit verifier, separate from the one the pytest plugin gives every test."""
    return StrictVerifier()


@pytest.fixture
def plugin(verifier: StrictVerifier) -> SubprocessPlugin:
    return SubprocessPlugin(verifier)


@pytest.fixture(autouse=True)
def real_subprocess_run_after_each_test() -> Iterator[None]:
    """Every core test leaves subprocess.run exactly as it found it, with no sandbox left open."""
    yield
    assert subprocess.run is REAL_RUN and subprocess.run.__code__ is REAL_RUN_CODE
    assert "__signature__" not in subprocess.run.__dict__
    assert depth() == 0
