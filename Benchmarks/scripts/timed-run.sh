#!/usr/bin/env bash
# Runs `pakt run` on a corpus folder's pipeline.yml into a fresh warehouse, timed, and prints
# what it read, loaded and linked, each stage's wall time and rate, the whole run's time and
# its peak memory. Used by end-to-end.sh and independent-night.sh.
#   bash Benchmarks/scripts/timed-run.sh CORPUS_DIR PAKT_BINARY
set -euo pipefail
work="$1"
pakt="$2"
/usr/bin/time -f "%e %M" -o "$work/time" "$pakt" run "$work/pipeline.yml" --json >"$work/summary.json" || {
  echo "pakt run failed (exit $?)"; exit 1; }
read -r secs kb <"$work/time"
python3 - "$work/summary.json" "$secs" "$kb" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
secs, kb = float(sys.argv[2]), int(sys.argv[3])
t = s["totals"]
print(f"files {t['files']}, records read {t['read']}, loaded {t['loaded']}, rejected {t['rejected']}; "
      f"participations {s['participations']}; persons {s['linkage']['persons']} "
      f"from {s['linkage']['source_person_records']} source person records")
print(f"{'stage':<18} {'wall s':>8} {'rows':>10} {'rows/s':>10}")
for st in s["stages"]:
    rate = f"{st['rows'] / st['seconds']:,.0f}" if st["rows"] and st["seconds"] > 0 else ""
    print(f"{st['name']:<18} {st['seconds']:>8.2f} {st['rows']:>10} {rate:>10}")
print(f"{'total (process)':<18} {secs:>8.2f}   peak RSS {kb // 1024} MB")
PY
