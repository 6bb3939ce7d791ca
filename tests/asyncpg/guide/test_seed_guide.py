"""Every example of the user guide, unchanged, under pytest in auto mode.

Where the guide shows a fragment (a scripting block, a connect call, an assertion), the fragment appears verbatim
inside a test that supplies what the fragment needs around it.
"""

import pytest

import bigfoot

# -- "Setup" ------------------------------------------------------------------------------------------------------


async def test_fetch_users():
    (
        bigfoot.asyncpg_mock.new_session()
        .expect("connect", returns=None)
        .expect("fetch", returns=[{"id": 1, "name": "Alice"}, {"id": 2, "name": "Bob"}])
        .expect("close", returns=None)
    )

    with bigfoot:
        import asyncpg

        conn = await asyncpg.connect(host="localhost", database="myapp", user="admin")
        rows = await conn.fetch("SELECT id, name FROM users")
        await conn.close()

    assert rows == [{"id": 1, "name": "Alice"}, {"id": 2, "name": "Bob"}]

    bigfoot.asyncpg_mock.assert_connect(host="localhost", database="myapp", user="admin")
    bigfoot.asyncpg_mock.assert_fetch(query="SELECT id, name FROM users", args=[])
    bigfoot.asyncpg_mock.assert_close()


# -- "For manual use outside pytest" ------------------------------------------------------------------------------


def test_manual_use_and_one_plugin_per_verifier():
    from bigfoot import StrictVerifier
    from bigfoot.plugins.asyncpg import AsyncpgPlugin

    verifier = StrictVerifier()
    apg = AsyncpgPlugin(verifier)

    assert apg.verifier is verifier
    with pytest.raises(ValueError):
        AsyncpgPlugin(verifier)


# -- "Scripting a session" ----------------------------------------------------------------------------------------


async def test_scripting_a_session():
    (
        bigfoot.asyncpg_mock.new_session()
        .expect("connect", returns=None)
        .expect("fetch", returns=[{"id": 1}])
        .expect("execute", returns="INSERT 0 1")
        .expect("close", returns=None)
    )

    import asyncpg

    with bigfoot:
        conn = await asyncpg.connect(host="localhost")
        assert await conn.fetch("SELECT id FROM users") == [{"id": 1}]
        assert await conn.execute("INSERT INTO users (name) VALUES ($1)", "Alice") == "INSERT 0 1"
        await conn.close()

    bigfoot.asyncpg_mock.assert_connect(host="localhost")
    bigfoot.asyncpg_mock.assert_fetch(query="SELECT id FROM users", args=[])
    bigfoot.asyncpg_mock.assert_execute(
        query="INSERT INTO users (name) VALUES ($1)",
        args=["Alice"],
    )
    bigfoot.asyncpg_mock.assert_close()


# -- "Connection parameters" --------------------------------------------------------------------------------------


async def test_dsn_style():
    import asyncpg

    bigfoot.asyncpg_mock.new_session().expect("connect", returns=None)
    with bigfoot:
        # DSN style
        await asyncpg.connect("postgresql://admin@localhost/myapp")

    # For DSN connections
    bigfoot.asyncpg_mock.assert_connect(dsn="postgresql://admin@localhost/myapp")


async def test_keyword_style():
    import asyncpg

    bigfoot.asyncpg_mock.new_session().expect("connect", returns=None)
    with bigfoot:
        # Keyword style
        await asyncpg.connect(host="localhost", port=5432, database="myapp", user="admin")

    # For keyword connections
    bigfoot.asyncpg_mock.assert_connect(host="localhost", port=5432, database="myapp", user="admin")


# -- "Asserting interactions": each helper's example --------------------------------------------------------------


async def test_each_assertion_helper_example():
    import asyncpg

    (
        bigfoot.asyncpg_mock.new_session()
        .expect("connect", returns=None)
        .expect("execute", returns="INSERT 0 1")
        .expect("fetch", returns=[{"id": 1, "name": "Alice"}])
        .expect("fetchrow", returns={"id": 1, "name": "Alice"})
        .expect("fetchval", returns=1)
        .expect("close", returns=None)
    )
    with bigfoot:
        conn = await asyncpg.connect(host="localhost", database="myapp", user="admin")
        await conn.execute("INSERT INTO users (name) VALUES ($1)", "Alice")
        await conn.fetch("SELECT id, name FROM users")
        row = await conn.fetchrow("SELECT id, name FROM users WHERE id = $1", 1)
        await conn.fetchval("SELECT count(*) FROM users")
        await conn.close()
    assert row["name"] == "Alice"

    bigfoot.asyncpg_mock.assert_connect(host="localhost", database="myapp", user="admin")

    bigfoot.asyncpg_mock.assert_execute(
        query="INSERT INTO users (name) VALUES ($1)",
        args=["Alice"],
    )

    bigfoot.asyncpg_mock.assert_fetch(query="SELECT id, name FROM users", args=[])

    bigfoot.asyncpg_mock.assert_fetchrow(
        query="SELECT id, name FROM users WHERE id = $1",
        args=[1],
    )

    bigfoot.asyncpg_mock.assert_fetchval(query="SELECT count(*) FROM users", args=[])

    bigfoot.asyncpg_mock.assert_close()


# -- "Full example" -----------------------------------------------------------------------------------------------

import asyncpg

import bigfoot


async def get_user_count():
    conn = await asyncpg.connect(host="localhost", database="app", user="app")
    count = await conn.fetchval("SELECT count(*) FROM users")
    await conn.close()
    return count


async def test_get_user_count():
    (
        bigfoot.asyncpg_mock.new_session()
        .expect("connect", returns=None)
        .expect("fetchval", returns=42)
        .expect("close", returns=None)
    )

    with bigfoot:
        result = await get_user_count()

    assert result == 42

    bigfoot.asyncpg_mock.assert_connect(host="localhost", database="app", user="app")
    bigfoot.asyncpg_mock.assert_fetchval(query="SELECT count(*) FROM users", args=[])
    bigfoot.asyncpg_mock.assert_close()
