"""The pytest plugin (registered through the ``pytest11`` entry point): a verifier for every test."""

from __future__ import annotations

from typing import Iterator

import pytest

from ._current import install, uninstall
from ._verifier import StrictVerifier


@pytest.fixture(autouse=True)
def bigfoot_verifier() -> Iterator[StrictVerifier]:
    """This test's verifier; ``bigfoot.asyncpg_mock`` and ``with bigfoot:`` use it. Verified at teardown."""
    verifier = StrictVerifier()
    token = install(verifier)
    try:
        yield verifier
        __tracebackhide__ = True
        verifier.verify_all()
    finally:
        uninstall(token)
