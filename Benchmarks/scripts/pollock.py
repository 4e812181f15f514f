#!/usr/bin/env python3
"""pakt on the Pollock CSV-loading benchmark (Hasso Plattner Institute, VLDB 2023).

    python3 Benchmarks/scripts/pollock.py POLLOCK_CHECKOUT [PAKT_BINARY] [DATASET]

POLLOCK_CHECKOUT is a work tree of github.com/HPI-Information-Systems/Pollock (its
polluted_files/ and survey_sample/ folders, pollock/metrics.py and pollock_weights.json are
used; `pip install chardet joblib multiset dateparser price-parser numpy`). DATASET is
polluted_files (default: 2,290 polluted versions of one file with their clean versions) or
survey_sample (real files from open-data portals). Every file is read by `pakt extract` in
auto-detect mode (no dialect given); a file pakt refuses counts as "Application Error", as
Pollock counts a failed load. The score is Pollock's: per file, success and the precision,
recall and F1 of header, records and cells (10 measures, each 0-1), averaged over files
(simple) or weighted by how often each pollution occurs in real files (weighted, polluted files
only). Prints both and the score per pollution family.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

checkout = os.path.abspath(sys.argv[1])
pakt = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ".build/release/pakt")
dataset = sys.argv[3] if len(sys.argv) > 3 else "polluted_files"
sys.path.insert(0, checkout)
import pollock.metrics as metrics  # noqa: E402

source = os.path.join(checkout, dataset, "csv")
clean = os.path.join(checkout, dataset, "clean")
files = sorted(f for f in os.listdir(source) if f.lower().endswith(".csv"))
out = tempfile.mkdtemp(prefix="pakt-pollock-")
# One pakt process for all files; a file it refuses leaves no output (and a line on stderr).
proc = subprocess.run([pakt, "extract", *[os.path.join(source, f) for f in files], "--out", out],
                      capture_output=True, text=True)
MEASURES = ["success", "header_precision", "header_recall", "header_f1", "record_precision", "record_recall",
            "record_f1", "cell_precision", "cell_recall", "cell_f1"]
scores = {}
for f in files:
    produced = os.path.join(out, os.path.splitext(f)[0] + ".csv")
    if not os.path.exists(produced):
        scores[f] = [0.0] * 10
        continue
    try:
        values = metrics.header_record_cell_measures_csv(os.path.join(clean, f), produced)
        scores[f] = [1.0] + list(values)
    except Exception:
        scores[f] = [0.0] * 10
simple = sum(sum(s) for s in scores.values()) / len(scores)
print(f"pakt on Pollock {dataset}: {len(files)} files, {sum(1 for s in scores.values() if s[0])} read")
print(f"  simple score   {simple:.3f}")
if dataset == "polluted_files":
    with open(os.path.join(checkout, "pollock_weights.json")) as w:
        weights = json.load(w)
    total = sum(weights.get(f, -1) for f in files)
    weighted = sum(sum(scores[f]) * weights.get(f, -1) / total for f in files)
    print(f"  weighted score {weighted:.3f}")
    families = {}
    for f in files:
        family = re.sub(r"(_0x[0-9A-Fa-f]+|_\d+)?\.csv$", "", f)
        families.setdefault(family, []).append(sum(scores[f]))
    print("  by pollution (mean of 10 measures, files):")
    for family, values in sorted(families.items(), key=lambda kv: sum(kv[1]) / len(kv[1])):
        print(f"    {family:<40} {sum(values) / len(values):6.3f}  ({len(values)})")
for f in files:
    if not scores[f][0]:
        pass
subprocess.run(["rm", "-rf", out])
