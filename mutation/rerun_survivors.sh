#!/usr/bin/env bash
# Run a module's surviving mutants again, against the tests of your tree as they are now.
# Usage: bash mutation/rerun_survivors.sh SESSION MODULE
#   SESSION is the asyncpg-MODULE.sqlite a run of mutation/run_asyncpg.sh kept in its copy of the tree.
# A new copy of your tree gets a copy of the session; there the survivors are forgotten and cosmic-ray runs them
# again, with the module's selection in mutation/asyncpg.toml as it is now. The mutants the run killed keep their
# outcome. That is sound only if the mutated module is unchanged since the run (mutants are positions in it): the
# module in the run's copy must be the same as yours.
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "usage: bash mutation/rerun_survivors.sh SESSION MODULE" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")/.." && pwd)
session=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
module=$2
source_file="bigfoot/plugins/asyncpg/$module.py"
cmp -s "$here/$source_file" "$(dirname "$session")/$source_file" || {
    echo "$source_file changed since that run: run the module again with mutation/run_asyncpg.sh" >&2
    exit 2
}
work=$(mktemp -d /tmp/bigfoot-mutation-rerun.XXXX)
cp -r "$here"/. "$work"
rm -rf "$work/.git" "$work/.venv"
cp "$session" "$work/asyncpg-$module.sqlite"
cd "$work"
config="$work/mutation/asyncpg-$module.toml"
python - "$module" "$config" "$(dirname "$session")/mutation/asyncpg-$module.toml" <<'PY'
import json, re, sys, tomllib
module, out, old = sys.argv[1:]
with open("mutation/asyncpg.toml", "rb") as f:
    cfg = tomllib.load(f)
command = cfg["cosmic-ray"]["test-command"] + " " + cfg["bigfoot-asyncpg"]["tests"][module]
text = open(old).read()  # the run's configuration, with today's selection of tests
text = re.sub(r"^test-command = .*$", lambda _: f"test-command = {json.dumps(command)}", text, flags=re.M)
open(out, "w").write(text)
PY
cosmic-ray baseline "$config"
python - "asyncpg-$module.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("delete from work_results where test_outcome = 'SURVIVED'").rowcount
db.commit()
print(f"{n} survivors to run again")
PY
cosmic-ray exec "$config" "asyncpg-$module.sqlite"
python - "asyncpg-$module.sqlite" "$module" <<'PY'
import sqlite3, sys
rows = dict(((w, t), n) for w, t, n in sqlite3.connect(sys.argv[1]).execute(
    "select worker_outcome, test_outcome, count(*) from work_results group by 1, 2"))
killed, survived = rows.get(("NORMAL", "KILLED"), 0), rows.get(("NORMAL", "SURVIVED"), 0)
print(f"{sys.argv[2]}: killed {killed}, survived {survived}; score {killed / max(killed + survived, 1):.1%}")
PY
echo "session kept at $work/asyncpg-$module.sqlite (cr-report --show-diff --surviving-only lists the survivors)"
