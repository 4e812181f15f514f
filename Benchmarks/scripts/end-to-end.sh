#!/usr/bin/env bash
# End-to-end benchmark: generate a corpus, run the whole pipeline on it (release build) into a
# fresh SQLite warehouse, print per-stage wall time and rows/s, peak RSS, and the linkage and
# mapping scores against the corpus's ground truth.
#   bash Benchmarks/scripts/end-to-end.sh [PERSONS] [MUNICIPALITIES]    (default 300000 40)
# The corpus goes to a temporary folder that is deleted afterwards (never committed); set
# KEEP=1 to keep it. LINKAGE=mappings/linkage.yml links with the probabilistic engine instead of
# the rules. POSTGRES=url (see the end of this script) also publishes to PostgreSQL and back.
set -euo pipefail
cd "$(dirname "$0")/../.."
persons="${1:-300000}"
municipalities="${2:-40}"
work="$(mktemp -d)"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

swift build -c release --product pakt >/dev/null 2>&1
pakt=".build/release/pakt"

echo "== generating $persons persons in $municipalities municipalities"
"$pakt" samples generate --persons "$persons" --municipalities "$municipalities" --seed 1 \
  --out "$work" --gazetteer mappings/municipalities.csv ${LINKAGE:+--linkage "$LINKAGE"}

echo "== pakt run (release, fresh warehouse)"
bash Benchmarks/scripts/timed-run.sh "$work" "$pakt"
python3 Benchmarks/scripts/score.py "$work"

echo "== raw SQLite insert limit (the same rows, one prepared INSERT per table, one transaction)"
swift build -c release --package-path Benchmarks --product RawInsertLimit >/dev/null 2>&1
read -r rows rawsecs < <(Benchmarks/.build/release/RawInsertLimit "$work/out/warehouse.sqlite" "$work/raw.sqlite")
python3 - "$work/summary.json" "$rows" "$rawsecs" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
rows, raw = int(sys.argv[2]), float(sys.argv[3])
load = next(st["seconds"] for st in s["stages"] if st["name"] == "extract/map/load")
print(f"raw loop: {rows} rows in {raw:.2f} s = {rows / raw:,.0f} rows/s")
print(f"load stage (extract, map and load the same rows): {load:.2f} s = {rows / load:,.0f} rows/s "
      f"= {raw / load:.0%} of the raw rate")
PY

# POSTGRES=postgres://user@host/db (password in PAKT_POSTGRES_PASSWORD): publish the same
# warehouse to PostgreSQL (a SQLite warehouse moving there is published as it stands), then
# rebuild a lost working copy from PostgreSQL, and time both. Uses schema pakt_benchmark,
# dropped first.
if [ -n "${POSTGRES:-}" ]; then
  echo "== PostgreSQL: publish the warehouse, then rebuild a working copy from it"
  schema=pakt_benchmark
  url="${POSTGRES//&/\\&}"  # '&' means "the match" to sed
  sed -e "s#^warehouse:.*#warehouse: $url\npostgres:\n  schema: $schema\n  local_copy: out/warehouse.sqlite#" \
    "$work/pipeline.yml" >"$work/pipeline-postgres.yml"
  for step in publish rebuild; do
    [ "$step" = rebuild ] && mv "$work/out/warehouse.sqlite" "$work/out/warehouse-before.sqlite"
    /usr/bin/time -f "%e %M" -o "$work/time" "$pakt" run "$work/pipeline-postgres.yml" --json \
      >"$work/summary-$step.json" || { echo "pakt run ($step) failed"; exit 1; }
    read -r secs kb <"$work/time"
    python3 - "$work/summary-$step.json" "$step" "$secs" "$kb" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
step, secs, kb = sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
for st in s["stages"]:
    if "PostgreSQL" in st["name"] and st["seconds"] > 0.05:
        rate = f", {st['rows'] / st['seconds']:,.0f} rows/s" if st["rows"] else ""
        print(f"{step}: {st['name']} {st['seconds']:.2f} s{rate}")
print(f"{step}: whole process {secs:.2f} s, peak RSS {kb // 1024} MB; {'; '.join(s.get('postgres_steps', []))}")
PY
  done
fi
