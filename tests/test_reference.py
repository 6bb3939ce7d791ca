"""docs/reference.md is generated from the code by docs/make_reference.py and must match what it generates now."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

import bigfoot

pytest.importorskip("asyncpg")  # the page documents the asyncpg plugin, which loads asyncpg

ROOT = Path(__file__).resolve().parents[1]


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_reference", ROOT / "docs" / "make_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_is_up_to_date() -> None:
    make = generator()
    text, _ = make.render()
    written = make.PAGE.read_text() if make.PAGE.exists() else ""
    assert written == text, f"docs/reference.md is out of date: run `{make.COMMAND}` and commit the result"


def test_reference_names_every_public_name() -> None:
    text, _ = generator().render()
    for name in bigfoot.__all__:
        assert f"#### `bigfoot.{name}`" in text, name
    for name in ("AsyncpgPlugin", "postgres_error", "pg_type", "connection_lost"):
        assert f"#### `bigfoot.plugins.asyncpg.{name}`" in text, name
    for name in ("new_session", "notify", "assert_fetchval", "assert_connect", "assert_create_pool"):
        assert f"`{name}(" in text, name
    for name in ("--bigfoot-record", "--bigfoot-validate", "BIGFOOT_RECORD`", "BIGFOOT_RECORD_DIR", "BIGFOOT_VALIDATE"):
        assert name in text, name
    assert "#### `bigfoot_verifier`" in text


def test_reference_is_stable_across_python_versions() -> None:
    # Signatures are printed from the annotations' source text, and default values without memory addresses.
    text, _ = generator().render()
    assert not re.search(r" at 0x[0-9a-fA-F]+", text)
    assert "<class '" not in text and "typing." not in text


def test_missing_descriptions_are_marked() -> None:
    make = generator()
    text, undocumented = make.render()
    assert text.count(make.MISSING) == len(undocumented) + 1  # once more in the page's introduction
