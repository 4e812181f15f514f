#!/usr/bin/env bash
# A night that changes one export of many: how long its link stage takes against a full link,
# how many records it links again, and how its persons compare with a full link of the same
# night. Generates a corpus (seed 307 unless SEED is set), runs a full night, rewrites one
# UTF-8 CSV export (drops 10 persons, corrects 15 given names, adds 10 records), runs the
# change night, then the same night with --full-link on a copy of the warehouse.
#
#   bash Benchmarks/scripts/change-night.sh [PERSONS] [MUNICIPALITIES] [PAKT_BINARY]
#
# Writes into a temporary folder (removed afterwards).
set -euo pipefail
cd "$(dirname "$0")/../.."
persons=${1:-30000}
municipalities=${2:-40}
pakt=${3:-.build/release/pakt}
seed=${SEED:-307}
work=$(mktemp -d /tmp/pakt-change.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -x "$pakt" ] || { echo "build pakt first: swift build -c release --product pakt" >&2; exit 2; }

"$pakt" samples generate --persons "$persons" --municipalities "$municipalities" --seed "$seed" \
  --out "$work/c" --linkage mappings/linkage.yml >/dev/null
echo "== full night"
"$pakt" run "$work/c/pipeline.yml" | grep -E '^(persons|time):'
export_file=$(ls "$work"/c/exports/*.csv | head -1)
python3 - "$export_file" <<'PY'
import random, sys
path = sys.argv[1]
lines = open(path, encoding="utf-8").read().split("\n")
random.seed(5)
ids = sorted(set(l.split(",")[0] for l in lines[1:] if l))
drop = set(random.sample(ids, 10))
changed = set(random.sample([i for i in ids if i not in drop], 15))
out = [lines[0]]
for line in lines[1:]:
    if not line:
        continue
    parts = line.split(",")
    if parts[0] in drop:
        continue
    if parts[0] in changed and parts[1]:
        parts[1] = parts[1][:-1] + ("a" if parts[1][-1] != "a" else "e")
    out.append(",".join(parts))
added = []
for i, line in enumerate(random.sample(out[1:], 10)):
    parts = line.split(",")
    parts[0] = "NEW-%d" % i
    added.append(",".join(parts))
open(path, "w", encoding="utf-8").write("\n".join(out + added) + "\n")
print("changed %s: %d persons dropped, %d given names corrected, %d records added"
      % (path.rsplit("/", 1)[1], len(drop), len(changed), len(added)))
PY
cp "$work/c/out/warehouse.sqlite" "$work/before.sqlite"
echo "== the change night"
PAKT_PROFILE=1 "$pakt" run "$work/c/pipeline.yml" 2>&1 | grep -E '^(persons|time):|^profile'
cp "$work/c/out/warehouse.sqlite" "$work/incremental.sqlite"
echo "== the same night, --full-link"
cp "$work/before.sqlite" "$work/c/out/warehouse.sqlite"
rm -f "$work/c/out/warehouse.sqlite-wal" "$work/c/out/warehouse.sqlite-shm"
"$pakt" run "$work/c/pipeline.yml" --full-link | grep -E '^(persons|time):'
python3 - "$work/incremental.sqlite" "$work/c/out/warehouse.sqlite" <<'PY'
import sqlite3, sys
def partition(db):
    rows = sqlite3.connect(db).execute("SELECT source || '/' || local_id, person_id FROM source_person").fetchall()
    members = {}
    for key, person in rows:
        members.setdefault(person, set()).add(key)
    return {key: frozenset(members[person]) for key, person in rows}
a, b = partition(sys.argv[1]), partition(sys.argv[2])
print("records placed otherwise than by the full link: %d of %d" % (sum(1 for k in a if a[k] != b.get(k)), len(a)))
PY
