"""What bigfoot's costliest required mechanisms cost, and what another commit costs, on this machine in one run.

Run from the project root:  python -m benchmarks.ablation                     (about a minute)
                            python -m benchmarks.ablation --against DIR       (adds a checkout of another commit)
                            python -m benchmarks.ablation --quick             (tiny sizes: only checks that it runs)

It times two scenarios of benchmarks/run.py: the seed test, and one interaction of the 1,000-query test. Each
configuration runs in a fresh interpreter, the configurations take turns round after round, and the table shows the
median over the rounds of each interpreter's best CPU time.

A configuration switches mechanisms off. Each one is behaviour that bigfoot promises its users, so a process with a
switch off is not bigfoot any more: the table says what each mechanism costs, to weigh it against a performance
budget, and nothing else. The switches:

- records: rows stay the mappings the test scripted, instead of real asyncpg.Record instances;
- connect: asyncpg's parser of connect() arguments and its connection_class check are not consulted;
- secrets: recorded fields are not searched for secrets to mask;
- swap: the intercepted functions keep their swapped-in code for the whole process, instead of getting it when a
  sandbox opens and giving it back when the sandbox closes.

--also SWITCHES adds a configuration with those switches off together (``--also records,connect``).

--against DIR measures a checkout of another commit as it is (make one with ``git worktree add DIR <commit>``). It
uses that checkout's own benchmarks/run.py, which must define seed_bigfoot and many_bigfoot, as every commit since the
benchmark's first does.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SWITCHES = ("records", "connect", "secrets", "swap")

# What each interpreter runs, in the directory of the tree it measures: that tree's scenarios, timed, printed as JSON.
# It checks that bigfoot is that tree's: an install that puts its own finder ahead of the path would bring another.
_WORKER = """
import asyncio, json, os, sys, time
import bigfoot
tree = os.path.join(os.path.realpath(sys.argv[5]), "")
if not os.path.realpath(bigfoot.__file__).startswith(tree):
    sys.exit(f"bigfoot came from {bigfoot.__file__}, not from {tree}: an installed copy is found first")
from benchmarks.run import many_bigfoot, seed_bigfoot
switches, seeds, queries, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
if switches:
    from benchmarks.ablation import switch_off
    switch_off(switches.split(","))
async def repeat(test, times):
    for _ in range(times):
        await test()
def best(test, times):
    asyncio.run(repeat(test, max(1, times // 5)))  # warm up
    found = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        asyncio.run(repeat(test, times))
        found = min(found, (time.process_time() - start) / times)
    return found
print(json.dumps([best(seed_bigfoot, seeds), best(many_bigfoot(queries), 3) / (queries + 2)]))
"""


def switch_off(names: list[str]) -> None:
    """Switch the named mechanisms off in this process (see the module's docstring)."""
    from bigfoot import _patching
    from bigfoot.plugins.asyncpg import interception, steps

    def keep(value: Any) -> Any:
        return value

    def skip(*args: Any) -> None:
        return None

    for name in names:
        if name == "records":
            steps.from_row = keep
        elif name == "connect":
            interception.check_connect_arguments = skip
            interception.check_connection_class = skip
        elif name == "secrets":
            _patching.seal = keep
        elif name == "swap":
            _patching.acquire("guard")  # held as a test's guard holds it, and never released
        else:
            raise ValueError(f"unknown switch {name!r}; the switches are {', '.join(SWITCHES)}")


def measure(tree: Path, switches: tuple[str, ...], seeds: int, queries: int, rounds: int) -> tuple[float, float]:
    """The seed test's and one interaction's best CPU time, in seconds, in a fresh interpreter in ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    run = subprocess.run(
        [sys.executable, "-c", _WORKER, ",".join(switches), str(seeds), str(queries), str(rounds), str(tree)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        raise SystemExit(f"measuring {tree} with {', '.join(switches) or 'nothing'} switched off failed:\n{run.stderr}")
    seed, interaction = json.loads(run.stdout)
    return seed, interaction


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check that everything runs")
    parser.add_argument("--against", metavar="DIR", type=Path, help="also measure this checkout of another commit")
    parser.add_argument(
        "--also",
        metavar="SWITCHES",
        action="append",
        default=[],
        help="one more configuration, with these switches off together (comma-separated; may be repeated)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of all configurations (default 5)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds {args.rounds}: give at least one round")
    if args.against is not None and not (args.against / "benchmarks" / "run.py").is_file():
        parser.error(f"--against {args.against}: no benchmarks/run.py there; give the root of a bigfoot checkout")
    seeds, queries, inner, rounds = (20, 10, 1, 1) if args.quick else (1_000, 1_000, 7, args.rounds)

    configs: list[tuple[str, Path, tuple[str, ...]]] = [("bigfoot as it is", ROOT, ())]
    configs += [(f"without {name}", ROOT, (name,)) for name in SWITCHES]
    for names in [",".join(SWITCHES), *args.also]:
        switches = tuple(name.strip() for name in names.split(","))
        unknown = [name for name in switches if name not in SWITCHES]
        if unknown:
            parser.error(f"--also {names}: unknown switch {unknown[0]!r}; the switches are {', '.join(SWITCHES)}")
        label = f"without {', '.join(switches)}"
        if all(label != known for known, _, _ in configs):  # one already in the table is measured once
            configs.append((label, ROOT, switches))
    if args.against is not None:
        configs.append((f"{args.against} as it is", args.against.resolve(), ()))
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in configs}
    for _ in range(rounds):
        for label, tree, switches in configs:
            samples[label].append(measure(tree, switches, seeds, queries, inner))

    print(f"| configuration ({rounds} rounds, medians) | seed test | per interaction (1,000 queries) |")
    print("| --- | --- | --- |")
    for label, found in samples.items():
        seed = statistics.median(s for s, _ in found)
        interaction = statistics.median(i for _, i in found)
        print(f"| {label} | {seed * 1e6:.1f} us | {interaction * 1e6:.2f} us |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
