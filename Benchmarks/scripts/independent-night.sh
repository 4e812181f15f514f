#!/usr/bin/env bash
# The whole night on data pakt's own generator did not write: a person file from
# independent-persons.py, turned into municipal exports in the dialects offices write
# (independent-exports.py), mapping files drafted by `pakt mappings init` and left as drafted,
# `mappings/linkage.yml` as shipped, then `pakt run` into a fresh SQLite warehouse. Prints the
# run's stage times, its peak memory and the linkage and mapping scores (score.py).
#
#   bash Benchmarks/scripts/independent-night.sh [PERSONS] [SEED] [PAKT_BINARY]
#
# Writes into a temporary folder, removed afterwards unless KEEP=1 (never committed).
set -euo pipefail
cd "$(dirname "$0")/../.."
persons=${1:-300000}
seed=${2:-7}
pakt=$(realpath "${3:-.build/release/pakt}")
[ -x "$pakt" ] || { echo "build pakt first: swift build -c release --product pakt" >&2; exit 2; }
work=$(mktemp -d /tmp/pakt-independent-night.XXXXXX)
[ "${KEEP:-0}" = 1 ] && echo "corpus kept in $work" || trap 'rm -rf "$work"' EXIT
python3 Benchmarks/scripts/independent-persons.py "$persons" "$seed" "$work"
python3 Benchmarks/scripts/independent-exports.py "$work"
for file in "$work"/exports/*; do
  name=$(basename "${file%.*}")
  "$pakt" mappings init "$file" --municipality "$name" --out "$work/mappings/$name.yml" 2>/dev/null
done
bash Benchmarks/scripts/timed-run.sh "$work" "$pakt"
python3 Benchmarks/scripts/score.py "$work"
