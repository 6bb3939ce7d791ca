"""Masking the secrets the asyncpg plugin declares: passwords, including those written inside a connection string.

asyncpg reads a password from the ``password=`` argument, from a URL DSN's user-info (``user:password@``, split at
the first ``@`` of the network location) and from its query string (``password=`` and ``sslpassword=``, with keys
percent-decoded). Masking also covers the spellings asyncpg refuses but people write (libpq keyword strings, an ``@``
or ``/`` left unencoded in the password): when in doubt, more is hidden, never less.
"""

from __future__ import annotations

import functools
import pickle
from pathlib import Path
from unittest.mock import ANY

import pytest

from bigfoot._render import mask_text, show
from bigfoot._secrets import Secret, reveal, seal, seal_value

SECRET = "Sw33p"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgresql://u:secret@h/d", "postgresql://u:***@h/d"),
        ("postgres://u:secret@h/d", "postgres://u:***@h/d"),
        ("postgresql://:secret@h/d", "postgresql://:***@h/d"),
        # an unencoded @ in the password: asyncpg splits at the first @, a person means the last one
        ("postgresql://u:Sw33p@ss@h/db", "postgresql://u:***@h/db"),
        # an unencoded / or # in the password ends asyncpg's network location early; the person's password is hidden
        ("postgresql://u:Sw33p/x#y@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:Sw33p%2Fx%40y@h/db", "postgresql://u:***@h/db"),
        (
            "postgresql://u:Sw33p@h1:5432,h2:5433/db?sslmode=require",
            "postgresql://u:***@h1:5432,h2:5433/db?sslmode=require",
        ),
        ("postgresql://u:Sw33p@[::1]:5432/db", "postgresql://u:***@[::1]:5432/db"),
        ("postgresql://h/d?user=u&password=Sw33p&x=1", "postgresql://h/d?user=u&password=***&x=1"),
        ("postgresql://h/d?sslpassword=Sw33p", "postgresql://h/d?sslpassword=***"),
        (
            "postgresql://h/d?sslmode=require&sslpassword=Sw33p%20x&user=u",
            "postgresql://h/d?sslmode=require&sslpassword=***&user=u",
        ),
        # parse_qs decodes the keys too, so a percent-encoded key is the same key
        ("postgresql://h/d?pass%77ord=Sw33p", "postgresql://h/d?pass%77ord=***"),
        ("postgresql://h/d?ssl%70assword=Sw33p", "postgresql://h/d?ssl%70assword=***"),
        # an unencoded space or # in a query value is still the value
        ("postgresql://h/d?password=Sw33p x#y", "postgresql://h/d?password=***"),
        ("postgresql://u:Sw33p@h/d?password=Sw33p2", "postgresql://u:***@h/d?password=***"),
        # libpq keyword strings (asyncpg refuses them, but code passes them and messages show them)
        ("host=h password=Sw33p dbname=d", "host=h password=*** dbname=d"),
        ("host=h password = Sw33p dbname=d", "host=h password = *** dbname=d"),
        ("host=h password='Sw33p x' dbname=d", "host=h password='***' dbname=d"),
        ("host=h password='Sw33p \\' x' dbname=d", "host=h password='***' dbname=d"),
        ("host=h sslpassword=Sw33p", "host=h sslpassword=***"),
        ("password=Sw33p x y", "password=***"),
        # Python's repr of keyword arguments and of a mapping
        (
            "functools.partial(<function connect>, password='Sw33p')",
            "functools.partial(<function connect>, password='***')",
        ),
        ("{'host': 'h', 'password': 'Sw33p'}", "{'host': 'h', 'password': '***'}"),
        ("{'sslpassword': b'Sw33p', 'x': 1}", "{'sslpassword': '***', 'x': 1}"),
        # in a message
        (
            "cannot use 'postgresql://app:Sw33p@127.0.0.1:1/db' (x)",
            "cannot use 'postgresql://app:***@127.0.0.1:1/db' (x)",
        ),
    ],
)
def test_every_spelling_of_a_password_is_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    assert mask_text(masked) == masked  # masking twice changes nothing


@pytest.mark.parametrize(
    "text",
    [
        "no secrets here",
        "postgresql://u@h/db",
        "postgresql://h/db?application_name=a:b",
        "postgresql://[::1]:5432/db",
        "UPDATE users SET password = $1 WHERE id = $2",
        "SELECT password_hash FROM users WHERE name = $1",
        "host=h dbname=d",
    ],
)
def test_text_without_a_password_is_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_values_are_masked_as_a_whole_before_they_are_quoted() -> None:
    # A string is masked as the string it is (its end is known), then quoted: the repr stays well formed.
    assert show("dsn", "postgresql://h/d?password=Sw33p") == "'postgresql://h/d?password=***'"
    assert show("dsn", b"postgresql://u:Sw33p@h/d") == "b'postgresql://u:***@h/d'"
    assert show("dsn", "host=h password=Sw33p") == "'host=h password=***'"
    assert show("server_settings", {"password": "Sw33p", "a": "b"}) == "{'password': '***', 'a': 'b'}"
    assert show("args", ["postgresql://u:Sw33p@h/d", ("host=h password='x y'",)]) == (
        "['postgresql://u:***@h/d', (\"host=h password='***'\",)]"
    )
    assert show("password", lambda: SECRET) == "'***'"
    assert show("password", None) == "None"


@pytest.mark.parametrize(
    "dsn",
    [
        "postgresql://u:Sw33p-1@h/db",
        "postgres://u:Sw33p-2@h1:5432,h2:5433/db",
        "postgresql://u:Sw33p-3@ss@h/db",
        "postgresql://u:Sw33p-4%2F%40%3A@h/db",
        "postgresql://h/db?user=u&password=Sw33p-5",
        "postgresql://h/db?pass%77ord=Sw33p-6&sslmode=disable",
        "postgresql://u:@h/db?password=Sw33p-7",
    ],
)
def test_the_password_asyncpg_reads_is_masked(dsn: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # asyncpg's own parser says which password it reads from the DSN; that one is hidden, however it was spelled.
    from asyncpg.connect_utils import _parse_connect_dsn_and_args

    monkeypatch.delenv("PGPASSWORD", raising=False)
    arguments = dict.fromkeys(
        ("host", "port", "user", "password", "database", "ssl", "direct_tls", "server_settings"), None
    )
    arguments.update(dict.fromkeys(("target_session_attrs", "krbsrvname", "gsslib", "service", "servicefile"), None))
    _, params = _parse_connect_dsn_and_args(dsn=dsn, passfile=str(tmp_path / "none"), **arguments)
    assert params.password.startswith(SECRET)
    masked = mask_text(dsn)
    assert SECRET not in masked and params.password not in masked, masked


def test_a_captured_secret_equals_its_value_and_shows_only_masked() -> None:
    secret = Secret("Sw33p", "'***'")
    # The secret on the right, as in an assertion's comparison (expected == recorded), and on the left.
    assert "Sw33p" == secret and secret == "Sw33p" and secret != "other" and ANY == secret  # noqa: SIM300
    assert {"password": "Sw33p"} == {"password": secret}  # noqa: SIM300
    assert secret == Secret("Sw33p", "'***'") and hash(secret) == hash("Sw33p")
    assert repr(secret) == str(secret) == "<masked '***'>"
    assert reveal(secret) == "Sw33p" and reveal("plain") == "plain"
    unhashable = Secret(["Sw33p"], "['***']")
    assert hash(unhashable) == hash("['***']")
    assert Secret(BrokenEq(), "x") != "anything"


class BrokenEq:
    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no comparison")

    __hash__ = None  # type: ignore[assignment]


def test_a_pickled_secret_leaves_its_value_behind() -> None:
    copy = pickle.loads(pickle.dumps(Secret("Sw33p", "'***'")))
    assert b"Sw33p" not in pickle.dumps(copy) and repr(copy) == "<masked '***'>"
    assert copy != "Sw33p" and copy != Secret("Sw33p", "'***'") and Secret("Sw33p", "'***'") != copy
    assert copy == pickle.loads(pickle.dumps(copy)) and repr(reveal(copy)) == "<not sent>"


def test_sealing_replaces_only_what_holds_a_secret() -> None:
    partial = functools.partial(print, password="Sw33p")
    fields = seal(
        {
            "host": "db",
            "password": "Sw33p",
            "dsn": "postgresql://u:Sw33p@h/d",
            "connect": partial,
            "args": [1, "x"],
            "none": None,
            "unprintable": Unprintable(),
        }
    )
    assert fields["host"] == "db" and type(fields["host"]) is str
    assert repr(fields["password"]) == "<masked '***'>" and fields["password"] == "Sw33p"
    assert repr(fields["dsn"]) == "<masked 'postgresql://u:***@h/d'>"
    assert fields["connect"] == partial and "Sw33p" not in repr(fields["connect"])
    assert type(fields["args"]) is list and fields["none"] is None and type(fields["unprintable"]) is Unprintable
    assert seal_value("password", fields["password"]) is fields["password"]  # sealed once


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")
