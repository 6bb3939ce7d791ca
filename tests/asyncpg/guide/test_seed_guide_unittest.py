"""The guide's examples written for unittest: ``self.asyncpg_mock`` under ``python -m unittest``."""

import subprocess
import sys
import unittest
from pathlib import Path

import asyncpg

import bigfoot


async def get_user_count():
    conn = await asyncpg.connect(host="localhost", database="app", user="app")
    count = await conn.fetchval("SELECT count(*) FROM users")
    await conn.close()
    return count


class GuideExamples(bigfoot.BigfootTestCase):
    async def test_fetch_users(self):
        (
            self.asyncpg_mock.new_session()
            .expect("connect", returns=None)
            .expect("fetch", returns=[{"id": 1, "name": "Alice"}, {"id": 2, "name": "Bob"}])
            .expect("close", returns=None)
        )

        with bigfoot:
            conn = await asyncpg.connect(host="localhost", database="myapp", user="admin")
            rows = await conn.fetch("SELECT id, name FROM users")
            await conn.close()

        assert rows == [{"id": 1, "name": "Alice"}, {"id": 2, "name": "Bob"}]

        self.asyncpg_mock.assert_connect(host="localhost", database="myapp", user="admin")
        self.asyncpg_mock.assert_fetch(query="SELECT id, name FROM users", args=[])
        self.asyncpg_mock.assert_close()

    async def test_connection_parameters(self):
        self.asyncpg_mock.new_session().expect("connect", returns=None)
        self.asyncpg_mock.new_session().expect("connect", returns=None)
        with bigfoot:
            await asyncpg.connect("postgresql://admin@localhost/myapp")
            await asyncpg.connect(host="localhost", port=5432, database="myapp", user="admin")
        self.asyncpg_mock.assert_connect(dsn="postgresql://admin@localhost/myapp")
        self.asyncpg_mock.assert_connect(host="localhost", port=5432, database="myapp", user="admin")

    async def test_every_step_and_helper(self):
        (
            self.asyncpg_mock.new_session()
            .expect("connect", returns=None)
            .expect("fetch", returns=[{"id": 1}])
            .expect("execute", returns="INSERT 0 1")
            .expect("fetchrow", returns=None)
            .expect("close", returns=None)
        )
        with bigfoot:
            conn = await asyncpg.connect(host="localhost", database="myapp", user="admin")
            await conn.fetch("SELECT id, name FROM users")
            await conn.execute("INSERT INTO users (name) VALUES ($1)", "Alice")
            await conn.fetchrow("SELECT id, name FROM users WHERE id = $1", 1)
            await conn.close()
        self.asyncpg_mock.assert_connect(host="localhost", database="myapp", user="admin")
        self.asyncpg_mock.assert_fetch(query="SELECT id, name FROM users", args=[])
        self.asyncpg_mock.assert_execute(
            query="INSERT INTO users (name) VALUES ($1)",
            args=["Alice"],
        )
        self.asyncpg_mock.assert_fetchrow(
            query="SELECT id, name FROM users WHERE id = $1",
            args=[1],
        )
        self.asyncpg_mock.assert_close()

    async def test_get_user_count(self):
        (
            self.asyncpg_mock.new_session()
            .expect("connect", returns=None)
            .expect("fetchval", returns=42)
            .expect("close", returns=None)
        )

        with bigfoot:
            result = await get_user_count()

        assert result == 42

        self.asyncpg_mock.assert_connect(host="localhost", database="app", user="app")
        self.asyncpg_mock.assert_fetchval(query="SELECT count(*) FROM users", args=[])
        self.asyncpg_mock.assert_close()


def test_the_unittest_versions_pass_under_python_m_unittest():
    root = Path(__file__).resolve().parents[3]
    run = subprocess.run(
        [sys.executable, "-m", "unittest", "-v", "tests.asyncpg.guide.test_seed_guide_unittest"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Ran 4 tests" in run.stderr and run.stderr.rstrip().endswith("OK"), run.stderr


if __name__ == "__main__":
    unittest.main()
