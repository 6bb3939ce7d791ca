"""bigfoot.sql: SQL compared up to whitespace, comments and the case of unquoted words; long texts diffed."""

from __future__ import annotations

import subprocess

import pytest

import bigfoot
from bigfoot import SQL, InteractionMismatchError, StrictVerifier, sql
from bigfoot._sql import normalize, pretty

from .subprocess_plugin import SubprocessPlugin

DONE = subprocess.CompletedProcess(["psql"], 0)


@pytest.mark.parametrize(
    ("written", "same"),
    [
        ("select id,name from users where id=$1", True),
        ("SELECT  id ,\n\tname\nFROM Users -- who\nWHERE id = $1", True),
        ("SELECT /* a /* nested */ comment */ id, name FROM users WHERE id = $1", True),
        ("SELECT id, name FROM users WHERE id = $2", False),
        ("SELECT id, name FROM users WHERE id = $1;", False),
        ('SELECT id, name FROM "users" WHERE id = $1', False),
        ("SELECT idname FROM users WHERE id = $1", False),
    ],
)
def test_sql_ignores_whitespace_comments_and_keyword_case(written: str, same: bool) -> None:
    assert (sql("SELECT id, name FROM users WHERE id = $1") == written) is same
    assert (sql("SELECT id, name FROM users WHERE id = $1") != written) is not same


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("SELECT 'Ada'", "SELECT 'ADA'"),
        ("SELECT 'a  b'", "SELECT 'a b'"),
        ("SELECT '--x'", "SELECT ''"),
        ('SELECT "Name" FROM t', 'SELECT "name" FROM t'),
        ("SELECT $$ Body $$", "SELECT $$ body $$"),
        ("SELECT $f$a /* b */$f$", "SELECT $f$a $f$"),
        ("SELECT E'it\\'s'", "SELECT E'It\\'s'"),
        ("SELECT a <= b", "SELECT a < = b"),
    ],
)
def test_sql_keeps_literals_quoted_identifiers_and_dollar_bodies_exactly(left: str, right: str) -> None:
    assert sql(left) != right
    assert sql(left) == left.lower() if "'" not in left and '"' not in left and "$" not in left else sql(left) == left


def test_normalised_forms() -> None:
    assert normalize("SELECT e'x', f( $1 )::INT[] , \"Q\"  FROM  t;") == "select E'x', f ($1)::int[], \"Q\" from t;"
    assert normalize("SELECT 'open") == "select 'open"  # an unterminated literal runs to the end, as in PostgreSQL
    assert normalize("SELECT 1 /* open") == "select 1"
    # Any non-ASCII character may start or continue a word or a dollar-quote tag, beyond U+FFFF too.
    assert normalize("SELECT $\U0001f600$ x $\U0001f600$, t\U0001f600_1 ,_\u00e9") == (
        "select $\U0001f600$ x $\U0001f600$, t\U0001f600_1, _\u00e9"
    )
    assert normalize("SELECT 1x") == "select 1 x"  # a word never starts with a digit
    assert pretty("select a from t left join u on t.id = u.id where x is distinct from y order by a") == (
        "select a\nfrom t\nleft join u on t.id = u.id\nwhere x is distinct from y\norder by a"
    )
    assert pretty("insert into t (a) values ($1) on conflict (a) do update set a = 1") == (
        "insert into t (a)\nvalues ($1) on conflict (a) do update set a = 1"
    )


def test_sql_is_a_typed_value_with_a_readable_repr() -> None:
    matcher = sql("SELECT  1")
    assert isinstance(matcher, SQL) and repr(matcher) == "sql('SELECT  1')"
    assert matcher == sql("select 1") and hash(matcher) == hash(sql("select 1"))
    assert matcher != 1 and matcher != None  # noqa: E711 - the comparison itself is tested
    assert {matcher: 1}[sql("SELECT 1")] == 1
    assert "sql" in bigfoot.__all__ and "SQL" in bigfoot.__all__
    with pytest.raises(TypeError, match=r"^bigfoot.sql\(\) takes the SQL text as a str, got bytes b'SELECT 1'.$"):
        sql(b"SELECT 1")  # type: ignore[arg-type]


def run_psql(verifier: StrictVerifier, *scripts: str) -> None:
    with verifier.sandbox():
        for script in scripts:
            subprocess.run(["psql"], input=script)


def test_sql_works_in_assertions_and_in_any_order(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    plugin.new_session().expect("run", returns=DONE)
    plugin.new_session().expect("run", returns=DONE)
    run_psql(verifier, "SELECT 1;\n", "DELETE FROM t -- all\n;")
    with verifier.in_any_order():
        plugin.assert_run(popenargs=[["psql"]], input=sql("delete from T;"))
        plugin.assert_run(popenargs=[["psql"]], input=sql("select 1;"))
    verifier.verify_all()


def test_a_long_text_mismatch_is_a_unified_diff(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    plugin.new_session().expect("run", returns=DONE)
    script = "SELECT id, name\nFROM users\nWHERE id = $1\nORDER BY name\n"
    run_psql(verifier, script)
    with pytest.raises(InteractionMismatchError) as info:
        plugin.assert_run(popenargs=[["psql"]], input=script.replace("$1", "$2"))
    assert str(info.value) == (
        "assert_run(popenargs=[['psql']], input='SELECT id, name\\nFROM users\\nWHERE id = $2\\nORDER BY name\\n') "
        "does not match the earliest unasserted interaction (run, session #1):\n"
        "    input: differs at line 3, column 13 (- expected, + actual):\n"
        "        @@ -1,4 +1,4 @@\n"
        "         SELECT id, name\n"
        "         FROM users\n"
        "        -WHERE id = $2\n"
        "        +WHERE id = $1\n"
        "         ORDER BY name\n"
        "It was recorded as:\n"
        "    bigfoot.subprocess_mock.assert_run(popenargs=[['psql']], input='SELECT id, name\\nFROM users\\n"
        "WHERE id = $1\\nORDER BY name\\n')"
    )


def test_a_long_single_line_mismatch_names_the_column(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    plugin.new_session().expect("run", returns=DONE)
    text = "x" * 70
    run_psql(verifier, text)
    with pytest.raises(InteractionMismatchError) as info:
        plugin.assert_run(popenargs=[["psql"]], input=text[:40] + "y" + text[41:])
    lines = str(info.value).splitlines()[1:5]
    assert lines == [
        "    input: differs at line 1, column 41 (- expected, + actual):",
        "        @@ -1 +1 @@",
        "        -" + text[:40] + "y" + text[41:],
        "        +" + text,
    ]


def test_short_texts_and_other_values_show_both_reprs(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    plugin.new_session().expect("run", returns=DONE)
    run_psql(verifier, "SELECT 1")
    with pytest.raises(InteractionMismatchError) as info:
        plugin.assert_run(popenargs=[["psql", "-q"]], input=sql("SELECT 2"))
    assert str(info.value).splitlines()[1:3] == [
        "    popenargs: expected [['psql', '-q']], actual [['psql']]",
        "    input: expected sql('SELECT 2'), actual 'SELECT 1'",
    ]


def test_a_sql_mismatch_diffs_the_normalised_forms(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    plugin.new_session().expect("run", returns=DONE)
    run_psql(verifier, "SELECT id, name FROM users\n  WHERE id = $1 AND NOT active -- live ones\n  ORDER BY name")
    with pytest.raises(InteractionMismatchError) as info:
        plugin.assert_run(
            popenargs=[["psql"]], input=sql("select id, name from users where id = $1 and active order by name")
        )
    assert str(info.value).splitlines()[1:8] == [
        "    input: the normalised SQL differs at line 3, column 19 (- expected, + actual):",
        "        @@ -1,4 +1,4 @@",
        "         select id, name",
        "         from users",
        "        -where id = $1 and active",
        "        +where id = $1 and not active",
        "         order by name",
    ]


def test_a_difference_hidden_by_masking_is_named_not_shown(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    plugin.new_session().expect("run", returns=DONE)
    with verifier.sandbox():
        subprocess.run(["deploy", "--token=s3cret-and-long-enough-to-be-diffed-if-it-were-not-masked-at-all"])
    with pytest.raises(InteractionMismatchError) as info:
        plugin.assert_run(popenargs=[["deploy", "--token=other"]])
    assert str(info.value) == (
        "assert_run(popenargs=[['deploy', '--token=***']]) does not match the earliest unasserted interaction "
        "(run, session #1):\n"
        "    popenargs: the values differ, but both show as [['deploy', '--token=***']] because the value is masked\n"
        "It was recorded as:\n"
        "    bigfoot.subprocess_mock.assert_run(popenargs=[['deploy', '--token=***']])\n"
        "(Masked secrets show as '***': put the real value or unittest.mock.ANY there.)"
    )
    assert "s3cret" not in str(info.value)
