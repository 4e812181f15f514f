#!/usr/bin/env python3
"""Scores a warehouse that `pakt run` built from a generated corpus against its ground truth.

    python3 Benchmarks/scripts/score.py CORPUS_DIR

Reads CORPUS_DIR/out/warehouse.sqlite, CORPUS_DIR/out/reports/run-summary.json and
CORPUS_DIR/truth/{persons,programs}.csv (written by `pakt samples generate`) and prints:
- linkage: pairwise precision, recall and F1 of the warehouse's person ids against the true
  persons (records the truth does not list, the malformed ones, count as persons of their own);
- mapping: the share of distinct local program names whose catalogue code is right, counting
  names mapped automatically, and, for names left to a steward, whether the top suggestion is
  right.
"""
import csv
import json
import sqlite3
import sys
from collections import defaultdict

corpus = sys.argv[1]
db = sqlite3.connect(f"{corpus}/out/warehouse.sqlite")

truth = {}
with open(f"{corpus}/truth/persons.csv", newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        truth[(row["source"], row["local_id"])] = row["true_person"]


def pair_count(groups):
    return sum(len(g) * (len(g) - 1) // 2 for g in groups.values())


assigned = {(s, l): p for s, l, p in db.execute("SELECT source, local_id, person_id FROM source_person")}
by_predicted = defaultdict(list)
by_true = defaultdict(list)
joint = defaultdict(int)
for key, person in assigned.items():
    t = truth.get(key, "unlisted:" + "/".join(key))
    by_predicted[person].append(key)
    by_true[t].append(key)
    joint[(person, t)] += 1
predicted_pairs = pair_count(by_predicted)
true_pairs = pair_count(by_true)
correct_pairs = sum(n * (n - 1) // 2 for n in joint.values())
precision = correct_pairs / predicted_pairs if predicted_pairs else 1.0
recall = correct_pairs / true_pairs if true_pairs else 1.0
f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
print(f"linkage: {len(assigned)} source person records, {len(by_predicted)} persons "
      f"(truth: {len(by_true)}); pairwise precision {precision:.4f}, recall {recall:.4f}, F1 {f1:.4f}")

codes = {}
with open(f"{corpus}/truth/programs.csv", newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        codes[(row["source"], row["local_name"])] = row["code"]
summary = json.load(open(f"{corpus}/out/reports/run-summary.json", encoding="utf-8"))
top = {}
for entry in summary.get("unmapped", []):
    suggestions = entry.get("suggestions") or []
    top[(entry["source"], entry["name"])] = suggestions[0]["code"] if suggestions else None
auto_right = auto_total = top_right = top_total = 0
for source, name, code, method in db.execute(
        "SELECT DISTINCT source, program_name, catalogue_code, mapping_method FROM participation"):
    want = codes.get((source, name))
    if want is None:
        continue
    if method == "unmapped":
        top_total += 1
        top_right += top.get((source, name)) == want
    else:
        auto_total += 1
        auto_right += code == want
names = auto_total + top_total
print(f"mapping: {names} distinct local names; mapped without a steward {auto_total} "
      f"({auto_right} right); left for a steward {top_total}, top suggestion right for {top_right}; "
      f"top-1 accuracy {(auto_right + top_right) / max(1, names):.3f}")
