#!/usr/bin/env bash
# Mutation testing of bigfoot's core modules with cosmic-ray (pip install cosmic-ray).
# cosmic-ray edits the files it mutates in place, so this works on a copy of the tree, never on yours.
# Usage: bash mutation/run.sh            (the core: about 20 minutes on two cores; the report is printed at the end)
#        bash mutation/run.sh mutation/pytest_plugin.toml   (the pytest plugin: about 25 minutes)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
config=${1:-mutation/cosmic-ray.toml}
work=$(mktemp -d /tmp/bigfoot-mutation.XXXX)
cp -r "$here"/. "$work"
rm -rf "$work/.git" "$work/.venv"
cd "$work"
# The pytest sessions that tests start in a subprocess (pytester) import bigfoot from the mutated copy too, not from
# the installed tree.
export PYTHONPATH="$work"
session="$work/session.sqlite"
cosmic-ray init "$config" "$session"
cr-filter-operators "$session" "$config"
cosmic-ray exec "$config" "$session"
cr-report "$session" | tail -n 3
python - "$session" <<'PY'
import sqlite3, sys
rows = dict(((o or "SKIPPED"), n) for o, n in sqlite3.connect(sys.argv[1]).execute(
    "select test_outcome, count(*) from work_results group by 1"))
run = rows.get("KILLED", 0) + rows.get("SURVIVED", 0) + rows.get("INCOMPETENT", 0)
print(f"mutants run: {run}, killed: {rows.get('KILLED', 0)}, survived: {rows.get('SURVIVED', 0)}, "
      f"filtered as equivalent by operator: {rows.get('SKIPPED', 0)}; score {rows.get('KILLED', 0) / run:.1%}")
PY
echo "session kept at $session (cr-report --show-diff $session lists every mutant)"
