#!/usr/bin/env bash
# Reads a 2 GB CSV file and a 2 GB XML file with `pakt inspect` (which reads every record)
# and prints each run's peak resident memory: extraction memory must not grow with the file.
#   bash Benchmarks/scripts/bounded-memory.sh [GB]
# The files are generated into a temporary folder and deleted afterwards (never committed).
set -euo pipefail
cd "$(dirname "$0")/../.."
GB="${1:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
swift build -c release --product pakt >/dev/null
pakt=".build/release/pakt"

python3 - "$work" "$GB" <<'PY'
import sys
work, gb = sys.argv[1], float(sys.argv[2])
limit = int(gb * (1 << 30))
row = "FR{i};Müller;Zoë;{d:02d}.0{m}.19{y};syrisch;\"Jobcoaching; Träger: IB\";01.03.2024;{c},50 €\n"
with open(f"{work}/big.csv", "w", encoding="utf-8") as f:
    f.write("Klienten-Nr.;Nachname;Vorname;Geburtsdatum;Staatsangehörigkeit;Maßnahme;Beginn;Kosten\n")
    block = "".join(row.format(i=100000 + i, d=1 + i % 28, m=1 + i % 9, y=60 + i % 40, c=i % 2000) for i in range(10000))
    size = 0
    while size < limit:
        f.write(block); size += len(block.encode())
with open(f"{work}/big.xml", "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<Export>\n')
    rec = ('<Person id="U{i}"><Name><Familienname>Müller</Familienname><Vorname>Zoë</Vorname></Name>'
           '<Geburtsdatum>1990-03-07</Geburtsdatum><Massnahmen><Massnahme status="running">'
           '<Bezeichnung>Integrationskurs</Bezeichnung><Beginn>2024-01-08</Beginn></Massnahme></Massnahmen></Person>\n')
    block = "".join(rec.format(i=i) for i in range(10000))
    size = 0
    while size < limit:
        f.write(block); size += len(block.encode())
    f.write("</Export>\n")
PY

for f in big.csv big.xml; do
  bytes=$(stat -c %s "$work/$f")
  /usr/bin/time -f "%e %M" -o "$work/time" "$pakt" inspect "$work/$f" >"$work/out"
  read -r secs kb <"$work/time"
  records=$(grep -m1 'records:.*malformed' "$work/out" | sed 's/^ *//')
  printf '%-8s %6.2f GB  %-32s %6.1f s  %6.0f MB/s  peak RSS %4d MB\n' "$f" \
    "$(echo "$bytes / 1073741824" | bc -l)" "$records" "$secs" "$(echo "$bytes / 1000000 / $secs" | bc -l)" $((kb / 1024))
done
