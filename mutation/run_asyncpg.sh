#!/usr/bin/env bash
# Mutation testing of the asyncpg wing (bigfoot/plugins/asyncpg/MODULE.py) with cosmic-ray, one module at a time.
# cosmic-ray edits the files it mutates in place, so this works on a copy of the tree, never on yours.
# Usage: bash mutation/run_asyncpg.sh placeholders txstate ...   (the modules and their tests: mutation/asyncpg.toml)
# The contract and differential tests among the killers need PostgreSQL's binaries (initdb, pg_ctl).
# Each module's session is kept in the copy (its path is printed); cr-report --show-diff SESSION lists the mutants.
set -euo pipefail
if [ $# -eq 0 ]; then
    echo "usage: bash mutation/run_asyncpg.sh MODULE... (modules: the keys of [bigfoot-asyncpg.tests] in mutation/asyncpg.toml)" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bigfoot-mutation-asyncpg.XXXX)
cp -r "$here"/. "$work"
rm -rf "$work/.git" "$work/.venv"
cd "$work"
for module in "$@"; do
    config="$work/mutation/asyncpg-$module.toml"
    python - "$module" "$config" <<'PY'
import json, sys, tomllib
module, out = sys.argv[1], sys.argv[2]
with open("mutation/asyncpg.toml", "rb") as f:
    cfg = tomllib.load(f)
tests = cfg["bigfoot-asyncpg"]["tests"]
if module not in tests:
    sys.exit(f"no tests listed for {module!r} in mutation/asyncpg.toml [bigfoot-asyncpg.tests]; known: {', '.join(tests)}")
# A module with a faster first pass runs it here; mutation/rerun_survivors.sh then runs its survivors on all its tests.
tests = {**tests, **cfg["bigfoot-asyncpg"].get("first-pass", {})}
base = cfg["cosmic-ray"]
# JSON strings and lists are valid TOML values for what is written here.
lines = [
    "[cosmic-ray]",
    f"module-path = {json.dumps('bigfoot/plugins/asyncpg/' + module + '.py')}",
    f"timeout = {base['timeout']}",
    "excluded-modules = []",
    f"test-command = {json.dumps(base['test-command'] + ' ' + tests[module])}",
    "",
    "[cosmic-ray.distributor]",
    f"name = {json.dumps(base['distributor']['name'])}",
    "",
    "[cosmic-ray.filters.operators-filter]",
    f"exclude-operators = {json.dumps(base['filters']['operators-filter']['exclude-operators'])}",
]
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
PY
    session="$work/asyncpg-$module.sqlite"
    echo "== $module"
    # The tests must pass on the unmutated module, or every mutant would count as killed.
    cosmic-ray baseline "$config"
    cosmic-ray init "$config" "$session"
    cr-filter-operators "$session" "$config"
    cosmic-ray exec "$config" "$session"
    python - "$session" "$module" <<'PY'
import sqlite3, sys
rows = dict(((w, t), n) for w, t, n in sqlite3.connect(sys.argv[1]).execute(
    "select worker_outcome, test_outcome, count(*) from work_results group by 1, 2"))
killed, survived = rows.get(("NORMAL", "KILLED"), 0), rows.get(("NORMAL", "SURVIVED"), 0)
run = killed + survived + rows.get(("NORMAL", "INCOMPETENT"), 0)
print(f"{sys.argv[2]}: mutants run: {run}, killed: {killed}, survived: {survived}, "
      f"filtered as equivalent by operator: {rows.get(('SKIPPED', None), 0)}, "
      f"no mutation possible there (cosmic-ray's NO_TEST): {rows.get(('NO_TEST', None), 0)}; score {killed / max(run, 1):.1%}")
PY
    echo "session kept at $session (cr-report --show-diff --surviving-only $session lists the survivors)"
done
