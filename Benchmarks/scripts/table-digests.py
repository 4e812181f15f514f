#!/usr/bin/env python3
"""MD5 of every table and view of a pakt warehouse, for comparing two builds' warehouses.

    python3 Benchmarks/scripts/table-digests.py WAREHOUSE.sqlite [OTHER.sqlite]

Each relation's rows are read in a fixed order (all columns, as text), with what differs
between two runs by nature left out: when a run ran and how long it took (`run`), the run's
pipeline file path, the publish token, and pakt's working state (`link_state`: it holds record
names and hashes in an order of its own; `program_name_stale`, `grdb_migrations`). With one
warehouse, prints "relation rows md5" per line; with two, prints only the relations that differ
and exits 1 if any does.
"""
import hashlib
import sqlite3
import sys

SKIP = {"link_state", "program_name_stale", "grdb_migrations", "sqlite_sequence", "sqlite_stat1"}
# Columns that differ between two runs of the same data by nature.
VOLATILE = {
    "run": {"started_at", "finished_at", "pipeline", "summary", "seconds"},
    "meta": set(),
}
VOLATILE_META_KEYS = ("published_token", "last_run_seconds")


def digests(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    out = {}
    relations = db.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    for (name,) in relations:
        if name in SKIP:
            continue
        columns = [r[1] for r in db.execute(f'PRAGMA table_info("{name}")') if r[1] not in VOLATILE.get(name, set())]
        if not columns:
            continue
        listed = ", ".join(f'CAST("{c}" AS TEXT)' for c in columns)
        where = ""
        if name == "meta":
            where = " WHERE key NOT IN (%s)" % ", ".join(f"'{k}'" for k in VOLATILE_META_KEYS)
        rows = db.execute(f'SELECT {listed} FROM "{name}"{where} ORDER BY {listed}').fetchall()
        h = hashlib.md5()
        for row in rows:
            h.update(("\x1f".join("\x00" if v is None else v for v in row) + "\x1e").encode())
        out[name] = (len(rows), h.hexdigest())
    return out


first = digests(sys.argv[1])
if len(sys.argv) == 2:
    for name, (rows, digest) in first.items():
        print(f"{name} {rows} {digest}")
    sys.exit(0)
second = digests(sys.argv[2])
differ = sorted(n for n in set(first) | set(second) if first.get(n) != second.get(n))
for n in differ:
    print(f"{n}: {first.get(n)} vs {second.get(n)}")
print(f"{len(set(first) | set(second))} relations, {len(differ)} differ")
sys.exit(1 if differ else 0)
