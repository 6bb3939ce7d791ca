from __future__ import annotations

from collections.abc import Iterator

import pytest

from bigfoot import StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin


@pytest.fixture
def verifier() -> StrictVerifier:
    """An explicit verifier, separate from the one the pytest plugin gives every test."""
    return StrictVerifier()


@pytest.fixture
def apg(verifier: StrictVerifier) -> AsyncpgPlugin:
    return AsyncpgPlugin(verifier)


@pytest.fixture
def real_asyncpg_functions() -> Iterator[tuple[object, object]]:
    import asyncpg

    before = (asyncpg.connect, asyncpg.connect.__code__)
    yield before
    assert asyncpg.connect is before[0]
    assert asyncpg.connect.__code__ is before[1]
