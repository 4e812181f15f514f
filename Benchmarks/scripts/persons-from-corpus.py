#!/usr/bin/env python3
"""Writes the person records of a generated corpus's warehouse as one person file with its true
pairs, for `pakt link` and Splink to link side by side.

    python3 Benchmarks/scripts/persons-from-corpus.py CORPUS_DIR

Reads CORPUS_DIR/out/warehouse.sqlite (after `pakt run CORPUS_DIR/pipeline.yml`) and
CORPUS_DIR/truth/persons.csv; writes CORPUS_DIR/persons.csv (record_id, names, birth date with
placeholders written as 01.01.YYYY, sex, nationality, identifiers, municipality) and
CORPUS_DIR/truth-pairs.csv (every pair of records of one true person).
"""
import csv, sqlite3, sys
from collections import defaultdict
corpus = sys.argv[1]
db = sqlite3.connect(f"{corpus}/out/warehouse.sqlite")
truth = {}
with open(f"{corpus}/truth/persons.csv", newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        truth[(row["source"], row["local_id"])] = row["true_person"]
groups = defaultdict(list)
with open(f"{corpus}/persons.csv", "w", newline="", encoding="utf-8") as out:
    w = csv.writer(out)
    w.writerow(["record_id", "family_name", "given_name", "birth_date", "birth_date_placeholder", "sex", "nationality", "azr_number", "bamf_number", "municipality"])
    # Names, dates of birth and identifiers live in the identity vault (schema 7).
    for row in db.execute("SELECT sp.source, sp.local_id, i.family_name, i.given_name, i.birth_date, sp.birth_date_placeholder, sp.sex, sp.nationality, i.azr_number, i.bamf_number, sp.municipality FROM source_person sp JOIN identity i USING (source, local_id) ORDER BY sp.source, sp.local_id"):
        rid = row[0] + "/" + row[1]
        bd = row[4] or ""
        if row[5] == 1 and len(bd) >= 4: bd = "01.01." + bd[:4]
        w.writerow([rid, row[2] or "", row[3] or "", bd, row[5], row[6] or "", row[7] or "", row[8] or "", row[9] or "", row[10] or ""])
        groups[truth.get((row[0], row[1]), "u:" + rid)].append(rid)
with open(f"{corpus}/truth-pairs.csv", "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["a", "b"])
    for g in groups.values():
        for i in range(len(g)):
            for j in range(i + 1, len(g)):
                w.writerow([g[i], g[j]])
