#!/usr/bin/env bash
# Linkage accuracy, time and memory of `pakt link` on generated person files with ground truth,
# for the seeds and sizes given (defaults: the held-out seeds 201-203 at 2,000 and 50,000
# persons, seed 201 at 300,000). Seeds 101-103 are the development seeds the model was tuned
# on; report figures on the others.
#
#   Benchmarks/scripts/linkage-accuracy.sh [PAKT_BINARY] [SEEDS] [SIZES]
#   Benchmarks/scripts/linkage-accuracy.sh .build/release/pakt "201 202 203" "2000 50000"
#
# Writes into a temporary folder (removed afterwards); needs /usr/bin/time for peak memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
pakt=${1:-.build/release/pakt}
seeds=${2:-"201 202 203"}
sizes=${3:-"2000 50000"}
work=$(mktemp -d /tmp/pakt-linkage.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -x "$pakt" ] || { echo "build pakt first: swift build -c release --product pakt" >&2; exit 2; }

printf '%-6s %-8s %-9s %-6s %-6s %-6s %-6s %-6s %-6s %-8s %-8s %s\n' seed persons records \
  P R F1 cP cR cF1 seconds peak_MB "largest/over10/singletons"
run() {
  local seed=$1 persons=$2 dir="$work/$1-$2"
  "$pakt" samples persons --persons "$persons" --seed "$seed" --out "$dir" >/dev/null
  local out
  out=$( { /usr/bin/time -f "TIME %e %M" "$pakt" link "$dir/persons.csv" --config mappings/linkage.yml \
    --out "$dir/clusters.csv" --truth "$dir/truth-pairs.csv" --json; } 2>&1)
  python3 - "$seed" "$persons" "$out" <<'PY'
import json, sys
seed, persons, out = sys.argv[1], sys.argv[2], sys.argv[3]
lines = out.splitlines()
time_line = [l for l in lines if l.startswith("TIME ")][-1].split()
data = json.loads("\n".join(l for l in lines if not l.startswith("TIME ")))
print(f"{seed:<6} {persons:<8} {int(data['records']):<9} "
      f"{data['pairwise_precision']:.4f} {data['pairwise_recall']:.4f} {data['pairwise_f1']:.4f} "
      f"{data['cluster_precision']:.4f} {data['cluster_recall']:.4f} {data['cluster_f1']:.4f} "
      f"{float(time_line[1]):<8.2f} {int(time_line[2]) / 1024:<8.0f} "
      f"{int(data['largest_cluster'])}/{int(data['clusters_over_10'])}/{data['singleton_share']:.3f}")
PY
}
for seed in $seeds; do for persons in $sizes; do run "$seed" "$persons"; done; done
if [ -z "${2:-}" ]; then run 201 300000; fi
