"""The benchmark keeps working: a smoke run with tiny sizes. It asserts that the table is printed, never a time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def ablation(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m benchmarks.ablation --quick`` with ``args``, from the project root."""
    command = [sys.executable, "-m", "benchmarks.ablation", "--quick", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_quick_ablation_run_prints_every_configuration() -> None:
    # --against with this very checkout: the path of another commit's tree is taken through, whichever tree it is.
    run = ablation("--against", str(ROOT), "--also", "records,swap", "--also", "records")
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if line.startswith("| ") and " us |" in line]
    labels = [line.split(" | ")[0][2:] for line in lines]
    assert labels == [
        "bigfoot as it is",
        "without records",
        "without connect",
        "without secrets",
        "without swap",
        "without records, connect, secrets, swap",
        "without records, swap",
        f"{ROOT} as it is",
    ]


def test_ablation_refuses_an_unknown_switch_and_a_tree_without_benchmarks(tmp_path: Path) -> None:
    from benchmarks.ablation import switch_off

    with pytest.raises(ValueError, match="unknown switch 'recrods'; the switches are records, connect, secrets, swap"):
        switch_off(["recrods"])
    run = ablation("--rounds", "0")
    assert run.returncode == 2
    assert "--rounds 0: give at least one round" in run.stderr
    run = ablation("--also", "records,recrods")
    assert run.returncode == 2
    assert "--also records,recrods: unknown switch 'recrods'; the switches are records" in run.stderr
    run = ablation("--against", str(tmp_path))
    assert run.returncode == 2
    assert "no benchmarks/run.py there; give the root of a bigfoot checkout" in run.stderr
    # A benchmark but no bigfoot of its own: the bigfoot imported there would be another tree's, and is refused.
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "run.py").write_text("")
    run = ablation("--against", str(tmp_path))
    assert run.returncode == 1
    assert f"measuring {tmp_path.resolve()} with nothing switched off failed" in run.stderr
    assert f"not from {os.path.realpath(tmp_path)}{os.sep}: an installed copy is found first" in run.stderr
