#!/usr/bin/env bash
# Linkage and mapping as a new user gets them: a generated corpus run twice, once with the
# generator's own mapping files and once with mappings drafted by `pakt mappings init` from
# each export (left as drafted), each scored against the corpus's truth.
#
#   bash Benchmarks/scripts/drafted-mappings.sh [PERSONS] [MUNICIPALITIES] [SEED] [PAKT_BINARY]
#
# Writes into a temporary folder (removed afterwards).
set -euo pipefail
cd "$(dirname "$0")/../.."
persons=${1:-20000}
municipalities=${2:-10}
seed=${3:-211}
pakt=$(realpath "${4:-.build/release/pakt}")
[ -x "$pakt" ] || { echo "build pakt first: swift build -c release --product pakt" >&2; exit 2; }
work=$(mktemp -d /tmp/pakt-drafted.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$pakt" samples generate --persons "$persons" --municipalities "$municipalities" --seed "$seed" --out "$work" \
  --gazetteer mappings/municipalities.csv --linkage mappings/linkage.yml >/dev/null
echo "== the generator's mappings"
"$pakt" run "$work/pipeline.yml" | grep -E "^records:|^persons:"
python3 Benchmarks/scripts/score.py "$work" | grep -E "^linkage|^mapping"
echo "== mappings drafted by pakt mappings init"
for file in "$work"/exports/*; do
  name=$(basename "${file%.*}")
  rm -f "$work/mappings/$name.yml"
  "$pakt" mappings init "$file" --municipality "$name" --out "$work/mappings/$name.yml" 2>&1 | grep recognised
done
rm -rf "$work/out"
"$pakt" run "$work/pipeline.yml" | grep -E "^records:|^persons:"
python3 Benchmarks/scripts/score.py "$work" | grep -E "^linkage|^mapping"
