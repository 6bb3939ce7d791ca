"""The seven usual mistakes in a bigfoot test, and the exact report each gets: under pytest (the part of the report
after the test's id) and under unittest (the failure's text). docs/errors.md shows the same seven.

Lines of carets under a source line (Python 3.11+ marks the failing expression) are left out before comparing, and
unittest's file paths are shortened to the file's name, so the texts are the same on every Python the project runs on.
"""

from __future__ import annotations

import importlib
import io
import re
import sys
import unittest
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

APP = """\
import asyncpg


async def load_user(user_id):
    conn = await asyncpg.connect(host="db")
    try:
        return await conn.fetchrow("SELECT * FROM users WHERE id = $1", user_id)
    finally:
        await conn.close()


async def rename_user(user_id, name):
    conn = await asyncpg.connect(host="db")
    try:
        async with conn.transaction():
            await conn.execute("UPDATE users SET name = $1 WHERE id = $2", name, user_id)
            await conn.execute("INSERT INTO audit (user_id) VALUES ($1)", user_id)
    finally:
        await conn.close()
"""

PYTEST_TESTS = """\
import bigfoot
from app import load_user, rename_user

mock = bigfoot.asyncpg_mock


async def test_wrong_query():
    mock.new_session().expect("connect").expect("fetchrow", returns={"id": 7}).expect("close")
    async with bigfoot:
        await load_user(7)
    mock.assert_connect(host="db")
    mock.assert_fetchrow(query="SELECT * FROM user WHERE id = $1", args=[7])
    mock.assert_close()


async def test_forgotten_assertion():
    mock.new_session().expect("connect").expect("fetchrow", returns={"id": 7}).expect("close")
    async with bigfoot:
        await load_user(7)
    mock.assert_connect(host="db")
    mock.assert_fetchrow(query="SELECT * FROM users WHERE id = $1", args=[7])


async def test_unused_step():
    mock.new_session().expect("connect").expect("fetchrow", returns={"id": 7}).expect("close")
    mock.new_session().expect("connect").expect("fetchrow", returns={"id": 8}).expect("close")
    async with bigfoot:
        await load_user(7)
    mock.assert_connect(host="db")
    mock.assert_fetchrow(query="SELECT * FROM users WHERE id = $1", args=[7])
    mock.assert_close()


async def test_extra_query_in_a_transaction():
    mock.new_session().expect("connect").transaction(lambda block: block.expect("execute", returns="UPDATE 1")).expect(
        "close"
    )
    async with bigfoot:
        await rename_user(7, "Ada")


async def test_wrong_argument():
    mock.new_session().expect("connect").expect("fetchrow", returns={"id": 7}).expect("close")
    async with bigfoot:
        await load_user(7)
    mock.assert_connect(host="db")
    mock.assert_fetchrow(query="SELECT * FROM users WHERE id = $1", args=[8])
    mock.assert_close()


async def test_wrong_order():
    mock.new_session().expect("connect").expect("fetchrow", returns={"id": 7}).expect("close")
    async with bigfoot:
        await load_user(7)
    mock.assert_connect(host="db")
    mock.assert_close()
    mock.assert_fetchrow(query="SELECT * FROM users WHERE id = $1", args=[7])


async def test_no_sandbox():
    mock.new_session().expect("connect").expect("fetchrow", returns={"id": 7}).expect("close")
    await load_user(7)
"""

UNITTEST_TESTS = PYTEST_TESTS.replace("import bigfoot\n", "import bigfoot\nimport unittest\n", 1).replace(
    "mock = bigfoot.asyncpg_mock\n", "\nclass UsualMistakes(bigfoot.BigfootTestCase):\n    pass\n"
)
"""The same tests as a unittest suite: methods of a ``BigfootTestCase``, which hints name ``self.asyncpg_mock``."""


def _as_methods(source: str) -> str:
    head, _, tests = source.partition("\nasync def ")
    body = ("async def " + tests).replace("mock.", "self.asyncpg_mock.").replace("():", "(self):")
    return head + "\n" + "".join(f"    {line}" if line else "" for line in body.splitlines(keepends=True))


UNITTEST_TESTS = _as_methods(UNITTEST_TESTS.replace("    pass\n", ""))

CARETS = re.compile(r"^[ E]*[~^]+ *$")  # the position markers under a line (3.13 adds ~ to the ^)
BIGFOOT_FRAME = re.compile(r"bigfoot[/\\][\w/\\]+\.py|<bigfoot interception")
"""A frame of bigfoot's own code, as a traceback names it: no report may show one."""


def _without_carets(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines() if not CARETS.match(line))


def _pytest_reports(pytester: pytest.Pytester) -> dict[str, str]:
    """Each test's part of pytest's report: the lines after the header naming it, up to the next header."""
    pytester.makepyfile(app=APP, test_mistakes=PYTEST_TESTS)
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(failed=5, passed=2, errors=2)  # two bodies pass, then verification fails them
    assert not BIGFOOT_FRAME.search(result.stdout.str()), result.stdout.str()
    reports: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in result.outlines:
        header = re.fullmatch(r"_{3,} (?:ERROR at teardown of )?(test_\w+) _{3,}", line)
        if header:
            current = reports.setdefault(header.group(1), [])
            continue
        if re.fullmatch(r"={3,}.*={3,}", line):
            current = None
        elif current is not None:
            current.append(line)
    return {name: _without_carets("\n".join(lines).strip("\n")) for name, lines in reports.items()}


def _unittest_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Each failed test's text as unittest reports it, file paths shortened to the file's name."""
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "mistakes_unittest.py").write_text(UNITTEST_TESTS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("app", "mistakes_unittest"):
        sys.modules.pop(name, None)
    module = importlib.import_module("mistakes_unittest")
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    texts: dict[str, str] = {}
    for test, text in result.failures + result.errors:
        name = test.id().rsplit(".", 1)[-1]
        assert name not in texts, f"{name} failed twice:\n{texts[name]}\n{text}"
        assert not BIGFOOT_FRAME.search(text), text
        texts[name] = _without_carets(re.sub(r'File "[^"]*[/\\]([^"/\\]+)"', r'File "\1"', text)).strip("\n")
    return texts


PYTEST_EXPECTED = {
    "test_wrong_query": """\
    async def test_wrong_query():
        mock.new_session().expect("connect").expect("fetchrow", returns={"id": 7}).expect("close")
        async with bigfoot:
            await load_user(7)
        mock.assert_connect(host="db")
>       mock.assert_fetchrow(query="SELECT * FROM user WHERE id = $1", args=[7])
E       bigfoot.errors.InteractionMismatchError: assert_fetchrow(query='SELECT * FROM user WHERE id = $1', args=[7]) does not match the earliest unasserted interaction (fetchrow, session #1):
E           query: expected 'SELECT * FROM user WHERE id = $1', actual 'SELECT * FROM users WHERE id = $1'
E       It was recorded as:
E           bigfoot.asyncpg_mock.assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[7])

test_mistakes.py:12: InteractionMismatchError
----------------------- bigfoot verification at teardown -----------------------
After the failure above, bigfoot's verification also found (often a consequence of it):
UnassertedInteractionsError: 2 interaction(s) were not asserted. Assert them, in this order:
    bigfoot.asyncpg_mock.assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[7])
    bigfoot.asyncpg_mock.assert_close()""",  # noqa: E501
    "test_forgotten_assertion": """\
E   bigfoot.errors.UnassertedInteractionsError: 1 interaction(s) were not asserted. Assert them, in this order:
        bigfoot.asyncpg_mock.assert_close()
All traceback entries are hidden. Pass `--full-trace` to see hidden and internal frames.""",
    "test_unused_step": """\
E   bigfoot.errors.UnusedMocksError: 3 scripted step(s) were never used:
        session #2 step 1 'connect' (scripted at test_mistakes.py:26)
        session #2 step 2 'fetchrow' (scripted at test_mistakes.py:26)
        session #2 step 3 'close' (scripted at test_mistakes.py:26)
    Remove them from the script, or mark optional ones with required=False.
All traceback entries are hidden. Pass `--full-trace` to see hidden and internal frames.""",
    "test_extra_query_in_a_transaction": """\
user_id = 7, name = 'Ada'

    async def rename_user(user_id, name):
        conn = await asyncpg.connect(host="db")
        try:
            async with conn.transaction():
                await conn.execute("UPDATE users SET name = $1 WHERE id = $2", name, user_id)
>               await conn.execute("INSERT INTO audit (user_id) VALUES ($1)", user_id)
E               bigfoot.errors.UnmockedInteractionError: Unmocked call: conn.execute(query='INSERT INTO audit (user_id) VALUES ($1)', args=[7]) on session #1, but the script expects 'commit' next (session #1 step 4 'commit' (scripted at test_mistakes.py:35)).
E               If the call is right, script it at that point of session #1:
E                   .expect("execute", returns='INSERT 0 1')

app.py:17: UnmockedInteractionError

During handling of the above exception, another exception occurred:

user_id = 7, name = 'Ada'

    async def rename_user(user_id, name):
        conn = await asyncpg.connect(host="db")
        try:
>           async with conn.transaction():
E           bigfoot.errors.UnmockedInteractionError: Unmocked call: conn.rollback() on session #1, but the script expects 'commit' next (session #1 step 4 'commit' (scripted at test_mistakes.py:35)).
E           If the call is right, script it at that point of session #1:
E               .expect("rollback", returns=None)

app.py:15: UnmockedInteractionError

During handling of the above exception, another exception occurred:

    async def test_extra_query_in_a_transaction():
        mock.new_session().expect("connect").transaction(lambda block: block.expect("execute", returns="UPDATE 1")).expect(
            "close"
        )
        async with bigfoot:
>           await rename_user(7, "Ada")

test_mistakes.py:39:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

user_id = 7, name = 'Ada'

    async def rename_user(user_id, name):
        conn = await asyncpg.connect(host="db")
        try:
            async with conn.transaction():
                await conn.execute("UPDATE users SET name = $1 WHERE id = $2", name, user_id)
                await conn.execute("INSERT INTO audit (user_id) VALUES ($1)", user_id)
        finally:
>           await conn.close()
E           bigfoot.errors.UnmockedInteractionError: Unmocked call: conn.close() on session #1, but the script expects 'commit' next; the call matches step 5 later, so step 4 ('commit', scripted at test_mistakes.py:35) was likely skipped by the code.
E           If the code is right, remove step 4 from the script (or give it required=False).
E           If the call is right, script it at that point of session #1:
E               .expect("close", returns=None)

app.py:19: UnmockedInteractionError
----------------------- bigfoot verification at teardown -----------------------
After the failure above, bigfoot's verification also found (often a consequence of it):
VerificationError: 3 interaction(s) were not asserted. Assert them, in this order:
    bigfoot.asyncpg_mock.assert_connect(host='db')
    bigfoot.asyncpg_mock.assert_begin()
    bigfoot.asyncpg_mock.assert_execute(query='UPDATE users SET name = $1 WHERE id = $2', args=['Ada', 7])

2 scripted step(s) were never used:
    session #1 step 4 'commit' (scripted at test_mistakes.py:35)
    session #1 step 5 'close' (scripted at test_mistakes.py:35)
Remove them from the script, or mark optional ones with required=False.""",  # noqa: E501
    "test_wrong_argument": """\
    async def test_wrong_argument():
        mock.new_session().expect("connect").expect("fetchrow", returns={"id": 7}).expect("close")
        async with bigfoot:
            await load_user(7)
        mock.assert_connect(host="db")
>       mock.assert_fetchrow(query="SELECT * FROM users WHERE id = $1", args=[8])
E       bigfoot.errors.InteractionMismatchError: assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[8]) does not match the earliest unasserted interaction (fetchrow, session #1):
E           args: expected [8], actual [7]
E       It was recorded as:
E           bigfoot.asyncpg_mock.assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[7])

test_mistakes.py:47: InteractionMismatchError
----------------------- bigfoot verification at teardown -----------------------
After the failure above, bigfoot's verification also found (often a consequence of it):
UnassertedInteractionsError: 2 interaction(s) were not asserted. Assert them, in this order:
    bigfoot.asyncpg_mock.assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[7])
    bigfoot.asyncpg_mock.assert_close()""",  # noqa: E501
    "test_wrong_order": """\
    async def test_wrong_order():
        mock.new_session().expect("connect").expect("fetchrow", returns={"id": 7}).expect("close")
        async with bigfoot:
            await load_user(7)
        mock.assert_connect(host="db")
>       mock.assert_close()
E       bigfoot.errors.InteractionMismatchError: assert_close() does not match the earliest unasserted interaction, which is a fetchrow (session #1):
E           bigfoot.asyncpg_mock.assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[7])
E       Assert interactions in the order they happened, or put the assertions inside `with bigfoot.in_any_order():`.

test_mistakes.py:56: InteractionMismatchError
----------------------- bigfoot verification at teardown -----------------------
After the failure above, bigfoot's verification also found (often a consequence of it):
UnassertedInteractionsError: 2 interaction(s) were not asserted. Assert them, in this order:
    bigfoot.asyncpg_mock.assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[7])
    bigfoot.asyncpg_mock.assert_close()""",  # noqa: E501
    "test_no_sandbox": """\
    async def test_no_sandbox():
        mock.new_session().expect("connect").expect("fetchrow", returns={"id": 7}).expect("close")
>       await load_user(7)

test_mistakes.py:62:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

user_id = 7

    async def load_user(user_id):
>       conn = await asyncpg.connect(host="db")
E       bigfoot.errors.UnmockedInteractionError: asyncpg.connect() was called outside any bigfoot sandbox, in a test that uses bigfoot: nothing was sent to a server. Open a sandbox around the code under test:
E         - with bigfoot:  (or `async with bigfoot:`) around the code that calls asyncpg.connect()
E       To let this test reach a real server outside the sandbox, give it @bigfoot.settings(guard="off").

app.py:5: UnmockedInteractionError
----------------------- bigfoot verification at teardown -----------------------
After the failure above, bigfoot's verification also found (often a consequence of it):
UnusedMocksError: 3 scripted step(s) were never used:
    session #1 step 1 'connect' (scripted at test_mistakes.py:61)
    session #1 step 2 'fetchrow' (scripted at test_mistakes.py:61)
    session #1 step 3 'close' (scripted at test_mistakes.py:61)
Remove them from the script, or mark optional ones with required=False.""",  # noqa: E501
}
"""Each test's part of pytest's report (carets and trailing spaces left out)."""

UNITTEST_EXPECTED = {
    "test_wrong_query": """\
Traceback (most recent call last):
  File "mistakes_unittest.py", line 14, in test_wrong_query
    self.asyncpg_mock.assert_fetchrow(query="SELECT * FROM user WHERE id = $1", args=[7])
bigfoot.errors.InteractionMismatchError: assert_fetchrow(query='SELECT * FROM user WHERE id = $1', args=[7]) does not match the earliest unasserted interaction (fetchrow, session #1):
    query: expected 'SELECT * FROM user WHERE id = $1', actual 'SELECT * FROM users WHERE id = $1'
It was recorded as:
    self.asyncpg_mock.assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[7])
After the failure above, bigfoot's verification also found (often a consequence of it):
UnassertedInteractionsError: 2 interaction(s) were not asserted. Assert them, in this order:
    self.asyncpg_mock.assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[7])
    self.asyncpg_mock.assert_close()""",  # noqa: E501
    "test_forgotten_assertion": """\
bigfoot.errors.UnassertedInteractionsError: 1 interaction(s) were not asserted. Assert them, in this order:
    self.asyncpg_mock.assert_close()""",
    "test_unused_step": """\
bigfoot.errors.UnusedMocksError: 3 scripted step(s) were never used:
    session #2 step 1 'connect' (scripted at mistakes_unittest.py:28)
    session #2 step 2 'fetchrow' (scripted at mistakes_unittest.py:28)
    session #2 step 3 'close' (scripted at mistakes_unittest.py:28)
Remove them from the script, or mark optional ones with required=False.""",
    "test_extra_query_in_a_transaction": """\
Traceback (most recent call last):
  File "app.py", line 17, in rename_user
    await conn.execute("INSERT INTO audit (user_id) VALUES ($1)", user_id)
bigfoot.errors.UnmockedInteractionError: Unmocked call: conn.execute(query='INSERT INTO audit (user_id) VALUES ($1)', args=[7]) on session #1, but the script expects 'commit' next (session #1 step 4 'commit' (scripted at mistakes_unittest.py:37)).
If the call is right, script it at that point of session #1:
    .expect("execute", returns='INSERT 0 1')

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "app.py", line 15, in rename_user
    async with conn.transaction():
bigfoot.errors.UnmockedInteractionError: Unmocked call: conn.rollback() on session #1, but the script expects 'commit' next (session #1 step 4 'commit' (scripted at mistakes_unittest.py:37)).
If the call is right, script it at that point of session #1:
    .expect("rollback", returns=None)

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "mistakes_unittest.py", line 41, in test_extra_query_in_a_transaction
    await rename_user(7, "Ada")
  File "app.py", line 19, in rename_user
    await conn.close()
bigfoot.errors.UnmockedInteractionError: Unmocked call: conn.close() on session #1, but the script expects 'commit' next; the call matches step 5 later, so step 4 ('commit', scripted at mistakes_unittest.py:37) was likely skipped by the code.
If the code is right, remove step 4 from the script (or give it required=False).
If the call is right, script it at that point of session #1:
    .expect("close", returns=None)
After the failure above, bigfoot's verification also found (often a consequence of it):
VerificationError: 3 interaction(s) were not asserted. Assert them, in this order:
    self.asyncpg_mock.assert_connect(host='db')
    self.asyncpg_mock.assert_begin()
    self.asyncpg_mock.assert_execute(query='UPDATE users SET name = $1 WHERE id = $2', args=['Ada', 7])

2 scripted step(s) were never used:
    session #1 step 4 'commit' (scripted at mistakes_unittest.py:37)
    session #1 step 5 'close' (scripted at mistakes_unittest.py:37)
Remove them from the script, or mark optional ones with required=False.""",  # noqa: E501
    "test_wrong_argument": """\
Traceback (most recent call last):
  File "mistakes_unittest.py", line 49, in test_wrong_argument
    self.asyncpg_mock.assert_fetchrow(query="SELECT * FROM users WHERE id = $1", args=[8])
bigfoot.errors.InteractionMismatchError: assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[8]) does not match the earliest unasserted interaction (fetchrow, session #1):
    args: expected [8], actual [7]
It was recorded as:
    self.asyncpg_mock.assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[7])
After the failure above, bigfoot's verification also found (often a consequence of it):
UnassertedInteractionsError: 2 interaction(s) were not asserted. Assert them, in this order:
    self.asyncpg_mock.assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[7])
    self.asyncpg_mock.assert_close()""",  # noqa: E501
    "test_wrong_order": """\
Traceback (most recent call last):
  File "mistakes_unittest.py", line 58, in test_wrong_order
    self.asyncpg_mock.assert_close()
bigfoot.errors.InteractionMismatchError: assert_close() does not match the earliest unasserted interaction, which is a fetchrow (session #1):
    self.asyncpg_mock.assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[7])
Assert interactions in the order they happened, or put the assertions inside `with bigfoot.in_any_order():`.
After the failure above, bigfoot's verification also found (often a consequence of it):
UnassertedInteractionsError: 2 interaction(s) were not asserted. Assert them, in this order:
    self.asyncpg_mock.assert_fetchrow(query='SELECT * FROM users WHERE id = $1', args=[7])
    self.asyncpg_mock.assert_close()""",  # noqa: E501
    "test_no_sandbox": """\
Traceback (most recent call last):
  File "mistakes_unittest.py", line 64, in test_no_sandbox
    await load_user(7)
  File "app.py", line 5, in load_user
    conn = await asyncpg.connect(host="db")
bigfoot.errors.UnmockedInteractionError: asyncpg.connect() was called outside any bigfoot sandbox, in a test that uses bigfoot: nothing was sent to a server. Open a sandbox around the code under test:
  - with bigfoot:  (or `async with bigfoot:`) around the code that calls asyncpg.connect()
To let this test reach a real server outside the sandbox, give it @bigfoot.settings(guard="off").
After the failure above, bigfoot's verification also found (often a consequence of it):
UnusedMocksError: 3 scripted step(s) were never used:
    session #1 step 1 'connect' (scripted at mistakes_unittest.py:63)
    session #1 step 2 'fetchrow' (scripted at mistakes_unittest.py:63)
    session #1 step 3 'close' (scripted at mistakes_unittest.py:63)
Remove them from the script, or mark optional ones with required=False.""",  # noqa: E501
}
"""Each test's failure text under unittest (carets left out, file paths shortened)."""


def test_the_usual_mistakes_under_pytest(pytester: pytest.Pytester) -> None:
    reports = _pytest_reports(pytester)
    assert sorted(reports) == sorted(PYTEST_EXPECTED)  # one block each: no test is reported twice
    for name, expected in PYTEST_EXPECTED.items():
        assert reports[name] == expected, name


def test_the_usual_mistakes_under_unittest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports = _unittest_reports(tmp_path, monkeypatch)
    assert sorted(reports) == sorted(UNITTEST_EXPECTED)  # one failure each
    for name, expected in UNITTEST_EXPECTED.items():
        assert reports[name] == expected, name


def test_the_errors_page_shows_the_same_seven() -> None:
    page = (Path(__file__).parents[2] / "docs" / "errors.md").read_text()
    section = page.split("## The usual mistakes and what bigfoot says\n", 1)[1].split("\n## ", 1)[0]
    assert APP in section
    for name, expected in PYTEST_EXPECTED.items():
        assert f"```text\n{expected}\n```" in section, name
    for name in ("test_wrong_query", "test_forgotten_assertion"):
        assert f"```text\n{UNITTEST_EXPECTED[name]}\n```" in section, name
