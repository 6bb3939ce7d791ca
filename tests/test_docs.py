"""Every Python code block in README.md and docs/ runs, and the example suite passes under unittest and pytest.

How a block runs: it is executed as a module of its own, in a fresh context. Every ``test_*`` function it defines is
then called (awaited if async) with a fresh verifier installed, as the pytest plugin would (``bigfoot_verifier`` is
passed if asked for), and verified; every
unittest TestCase it defines is run and must pass. A ``text`` block right after a Python block is what the block
prints; ``...`` in it stands for any text (used for line numbers).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import io
import re
import subprocess
import sys
import unittest
from pathlib import Path
from typing import Any

import pytest

from bigfoot import StrictVerifier
from bigfoot._current import install

ROOT = Path(__file__).resolve().parents[1]
DEV_DOCS = sorted((ROOT / "docs" / "dev").glob("*.md"))  # the maintainer pages
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *DEV_DOCS]
BLOCK = re.compile(r"^```python\n(?P<code>.*?)^```\n(?:\s*^```text\n(?P<output>.*?)^```\n)?", re.M | re.S)


def page(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def blocks() -> list[Any]:
    found = []
    for path in DOCS:
        text = path.read_text()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start("code"))
            # A block right after `<!-- python 3.11+ -->` shows something older Pythons lack (asyncio.TaskGroup).
            newer = text[: match.start()].rstrip().endswith("<!-- python 3.11+ -->")
            skip = pytest.mark.skipif(sys.version_info < (3, 11), reason="the example needs Python 3.11 or newer")
            found.append(
                # the id names the path from the root: README.md and docs/dev/README.md must stay apart
                pytest.param(
                    path,
                    line,
                    match["code"],
                    match["output"],
                    id=f"{page(path)}:{line + 1}",
                    marks=[skip] if newer else [],
                )
            )
    return found


def run_test_function(fn: Any) -> None:
    verifier = StrictVerifier()

    # The only fixture doc blocks ask for is the pytest plugin's.
    kwargs = {"bigfoot_verifier": verifier} if "bigfoot_verifier" in inspect.signature(fn).parameters else {}

    def body() -> None:
        install(verifier)
        asyncio.run(fn(**kwargs)) if inspect.iscoroutinefunction(fn) else fn(**kwargs)
        verifier.verify_all()

    contextvars.Context().run(body)


def matches(expected: str, actual: str) -> bool:
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, re.S) is not None


@pytest.mark.parametrize(("path", "line", "code", "output"), blocks())
def test_code_block(path: Path, line: int, code: str, output: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # locations in messages are relative to the project root
    name = f"docs_block_{path.stem}_{line}"
    namespace: dict[str, Any] = {"__name__": name}
    compiled = compile("\n" * line + code, str(path), "exec")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        contextvars.Context().run(exec, compiled, namespace)
        for value in list(namespace.values()):
            if inspect.isfunction(value) and value.__name__.startswith("test_") and value.__module__ == name:
                run_test_function(value)
            elif isinstance(value, type) and issubclass(value, unittest.TestCase) and value.__module__ == name:
                suite = unittest.defaultTestLoader.loadTestsFromTestCase(value)
                result = unittest.TextTestRunner(stream=io.StringIO()).run(suite)
                assert result.wasSuccessful() and result.testsRun, result.failures + result.errors
    if output is not None:
        assert matches(output, printed.getvalue()), printed.getvalue()


def test_every_doc_has_runnable_blocks() -> None:
    counted = {page(param.values[0]) for param in blocks()}
    user_pages = {f"docs/{name}.md" for name in ("asyncpg", "unittest", "pytest", "errors", "pools", "fidelity")}
    assert {"README.md", *user_pages} <= counted
    # The maintainer pages are collected as well, so a Python block added to one of them runs (today they show only
    # shell commands).
    assert {"docs/dev/README.md", "docs/dev/performance.md", "docs/dev/mutation.md"} <= {page(p) for p in DOCS}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_example_suite_under_unittest() -> None:
    result = run("-m", "unittest", "discover", "-s", "docs/examples", "-p", "test_*unittest.py", "-v")
    assert result.returncode == 0, result.stderr
    assert "Ran 7 tests" in result.stderr


def test_example_suite_under_pytest() -> None:
    result = run("-m", "pytest", "-q", "-p", "no:cacheprovider", "docs/examples")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "14 passed" in result.stdout


def test_output_matching_is_strict_apart_from_the_ellipsis() -> None:
    assert matches("at docs/x.md:...)", "at docs/x.md:12)")
    assert not matches("at docs/x.md:...)", "at docs/y.md:12)")
    assert not matches("one\n", "one\ntwo\n")
