"""Fixtures of the asyncpg tests.

``postgres`` is a throwaway PostgreSQL for the tests that need a real server (the contract, differential, record
and validate mode tests): initdb + pg_ctl on a unix socket in a temporary directory, once per test process.
Without PostgreSQL binaries those tests skip, saying how to install them; with BIGFOOT_REQUIRE_POSTGRES=1 (as CI
sets) they fail instead, so CI can never pass without running them.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

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


INSTALL_HINT = (
    "PostgreSQL server binaries not found; install them (Debian: apt-get install -y postgresql) "
    "to run the tests that need a real server (contract, differential, record and validate mode)."
)


def _bindir() -> Path | None:
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _as_server_user(args: list[str]) -> list[str]:
    # initdb refuses to run as root; CI runs as root, so the server runs as the `postgres` user there.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@pytest.fixture(scope="session")
def postgres() -> Iterator[dict[str, str]]:
    bindir = _bindir()
    if bindir is None:
        if os.environ.get("BIGFOOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    root = Path(tempfile.mkdtemp(prefix="bigfoot-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data = root / "data"
    try:
        subprocess.run(
            _as_server_user(
                [str(bindir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8", "--locale=C"]
            ),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _as_server_user(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-w",
                    "-l",
                    str(root / "log"),
                    "-o",
                    f"-k {root} -c listen_addresses='' -F",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        yield {"host": str(root), "user": "postgres", "database": "postgres"}
    finally:
        subprocess.run(
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
