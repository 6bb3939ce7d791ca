"""The benchmark keeps working: a smoke run with tiny sizes. It asserts that the table is printed, never a time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_run_prints_the_tables() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "| seed test (connect, fetch, close, 3 assertions, verify) |" in out
    assert "| pool (create, acquire, fetch, release, close) |" in out
    assert "| import bigfoot pulls in neither asyncpg nor pytest | neither | yes |" in out
    assert "| python -m unittest |" in out and "| pytest |" in out  # the suite benchmarks, at smoke size
    assert "| the asyncpg plugin imports in <= 5 ms after asyncpg |" in out
    assert out.count("| yes |") + out.count("| NO |") == 10  # a verdict for every budget
