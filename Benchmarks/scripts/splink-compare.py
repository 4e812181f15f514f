#!/usr/bin/env python3
"""pakt and Splink 5 (DuckDB) link the same person file; prints time, peak memory and F1 of both.

    pip install splink pandas     # Splink 5, with DuckDB
    python3 Benchmarks/scripts/splink-compare.py CORPUS_DIR [PAKT_BINARY] [--tuned]

CORPUS_DIR holds persons.csv and truth-pairs.csv (Benchmarks/scripts/persons-from-corpus.py
writes them from a generated corpus). pakt links with mappings/linkage.yml through `pakt link`;
Splink is set up as its documentation recommends for person data: ForenameSurnameComparison
(names that may be swapped) and DateOfBirthComparison, exact matches for sex, nationality
(with term frequencies), the identifiers and the municipality (as pakt compares it), blocking on exact and prefix names, birth year
and date,
u by random sampling, λ from a deterministic rule, m by EM on two training blocking rules.
With --tuned, Splink is also run as a competent user tunes it in half an hour (issue #21
lists what such a user did): names cleaned (lower case, accents and punctuation dropped, "al"
and "el" joined to the name, a one-name person's repeated name kept once), the date of birth
compared as exact, one keyed digit off, or the same year (placeholder and year-only dates keep
their year only), identifiers with a level for one digit wrong or two swapped, a comparison of
the names' words in any order (as levels of the name comparison), and blocking on a phonetic
key (Soundex) of each name with the birth year and on the names' words sorted. m from EM on
pairs sharing an AZR number and on pairs sharing date of birth, sex and nationality.
Each tool runs in its own process; peak memory is that process's maximum resident set.
Scores are pairwise, from clusters at match probability 0.5.
"""
import csv
import json
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict

arguments = [a for a in sys.argv[1:] if a != "--tuned"]
tuned = "--tuned" in sys.argv[1:]
corpus = arguments[0]
pakt = arguments[1] if len(arguments) > 1 else ".build/release/pakt"
persons = f"{corpus}/persons.csv"


def truth_pairs():
    pairs = set()
    with open(f"{corpus}/truth-pairs.csv", newline="") as f:
        for row in csv.DictReader(f):
            pairs.add(tuple(sorted((row["a"], row["b"]))))
    return pairs


def score(clusters):
    """Pairwise precision, recall, F1 of {record: cluster} against the true pairs."""
    groups = defaultdict(list)
    for record, cluster in clusters.items():
        groups[cluster].append(record)
    predicted = set()
    for members in groups.values():
        members.sort()
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                predicted.add((members[i], members[j]))
    truth = truth_pairs()
    correct = len(predicted & truth)
    p = correct / len(predicted) if predicted else 1.0
    r = correct / len(truth) if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def make_linker(df, settings):
    """A Splink linker over `df` on DuckDB, quiet."""
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    return Linker(DuckDBAPI().register(df), settings, log_level=40)


def report(linker, started):
    """Predicts, clusters at 0.5 and prints the child's JSON: seconds since `started`, peak
    memory, each record's cluster."""
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.5)
    result = clusters.as_pandas_dataframe()
    seconds = time.time() - started
    mapping = dict(zip(result["unique_id"].astype(str), result["cluster_id"].astype(str)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peak": peak, "clusters": mapping}))


def run_splink():
    """Runs in a child process (see __main__) so its peak memory is its own."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    started = time.time()
    df = pd.read_csv(persons, dtype=str, keep_default_na=False)
    df = df.rename(columns={"record_id": "unique_id"})
    # Splink's date comparison reads ISO dates: German dates become ISO, and a placeholder
    # (01.01.YYYY, 00.00.YYYY, a year alone) YYYY-01-01, as a user would clean them first.
    def iso(d):
        d = d.strip()
        if len(d) == 10 and d[2] == "." and d[5] == ".":
            day, month, year = d[:2], d[3:5], d[6:]
            return f"{year}-01-01" if day in ("00", "01") and month in ("00", "01") else f"{year}-{month}-{day}"
        if len(d) == 4 and d.isdigit():
            return f"{d}-01-01"
        return d
    df["birth_date"] = df["birth_date"].map(iso)
    # Name placeholders are no names: cleaned to empty, as a user would.
    placeholders = {"-", "--", "nn", "n.n.", "unbekannt", "k.a.", "?", "xxx", "x"}
    for column in ("family_name", "given_name"):
        df[column] = df[column].map(lambda n: "" if n.strip().lower() in placeholders else n)
    df["birth_year"] = df["birth_date"].str[:4]
    df["full_name"] = df["given_name"] + " " + df["family_name"]
    for column in df.columns:
        df[column] = df[column].replace("", None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            # Splink's comparison for names that may be swapped, with the concatenated column
            # its documentation recommends for term frequencies.
            cl.ForenameSurnameComparison(
                "given_name", "family_name", forename_surname_concat_col_name="full_name"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality").configure(term_frequency_adjustments=True),
            cl.ExactMatch("azr_number"),
            cl.ExactMatch("bamf_number"),
            # The municipality, as pakt's linkage.yml compares it (where the file has one).
            *([cl.ExactMatch("municipality")] if "municipality" in df.columns else []),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("family_name", "given_name"),
            block_on("birth_date", "sex"),
            block_on("family_name", "birth_year"),
            block_on("given_name", "birth_year"),
            block_on("substr(given_name, 1, 3)", "substr(family_name, 1, 3)"),
            block_on("azr_number"),
            block_on("bamf_number"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = make_linker(df, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("family_name", "given_name", "birth_date")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date", "sex", "nationality"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("family_name", "given_name", "sex", "nationality"))
    report(linker, started)


def soundex(word):
    """American Soundex of one word ("" for none)."""
    codes = {c: d for d, letters in (("1", "bfpv"), ("2", "cgjkqsxz"), ("3", "dt"), ("4", "l"), ("5", "mn"), ("6", "r"))
             for c in letters}
    word = "".join(c for c in word.lower() if c.isalpha())
    if not word:
        return ""
    out, last = word[0], codes.get(word[0], "")
    for c in word[1:]:
        code = codes.get(c, "")
        if code and code != last:
            out += code
        if c not in "hw":
            last = code
    return (out + "000")[:4]


def run_splink_tuned():
    """Splink as a competent user tunes it (see the module's text); in a child process."""
    import unicodedata
    import pandas as pd
    import splink.comparison_library as cl
    import splink.comparison_level_library as cll
    from splink import SettingsCreator, block_on

    started = time.time()
    df = pd.read_csv(persons, dtype=str, keep_default_na=False)
    df = df.rename(columns={"record_id": "unique_id"})
    placeholders = {"-", "--", "nn", "n.n.", "n.n", "unbekannt", "k.a.", "ka", "?", "xxx", "x", "null", "none"}

    def clean(name):
        name = unicodedata.normalize("NFKD", name.strip().lower())
        name = "".join(c for c in name if not unicodedata.combining(c))
        if name in placeholders:
            return ""
        name = "".join(c if c.isalpha() or c == " " else " " for c in name)
        words = name.split()
        # "al hassan", "el amin": the article belongs to the name.
        joined = []
        for w in words:
            if joined and joined[-1] in ("al", "el"):
                joined[-1] += w
            else:
                joined.append(w)
        return " ".join(joined)

    df["family"] = df["family_name"].map(clean)
    df["given"] = df["given_name"].map(clean)
    # One name entered in both fields is one name.
    same = df["family"] == df["given"]
    df.loc[same, "given"] = ""

    def dob(d):
        d = d.strip()
        if len(d) == 10 and d[2] == "." and d[5] == ".":
            day, month, year = d[:2], d[3:5], d[6:]
        elif len(d) == 10 and d[4] == "-" and d[7] == "-":
            year, month, day = d[:4], d[5:7], d[8:]
        elif len(d) == 4 and d.isdigit():
            return "", d
        else:
            return "", ""
        if (day, month) in (("00", "00"), ("01", "01")):
            return "", year
        return f"{year}-{month}-{day}", year

    dates = df["birth_date"].map(dob)
    df["dob"] = dates.map(lambda t: t[0])
    df["birth_year"] = dates.map(lambda t: t[1])
    df["full_name"] = (df["given"] + " " + df["family"]).str.strip()
    df["name_words"] = df["full_name"].map(lambda n: sorted(set(n.split())) if n else None)
    df["name_sorted"] = df["name_words"].map(lambda w: " ".join(w) if w else "")
    df["sx_family"] = df["family"].map(lambda n: soundex(n.split()[0]) if n else "")
    df["sx_given"] = df["given"].map(lambda n: soundex(n.split()[0]) if n else "")
    for column in df.columns:
        if column != "name_words":
            df[column] = df[column].replace("", None)

    def identifier(column):
        return cl.CustomComparison(
            output_column_name=column,
            comparison_levels=[
                cll.NullLevel(column),
                cll.ExactMatchLevel(column),
                cll.DamerauLevenshteinLevel(column, 1),
                cll.ElseLevel(),
            ])

    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            # Splink's forename-surname levels, with the names' words in any order as levels of
            # the same comparison (a comparison of its own counted one agreement twice, and
            # namesakes born years apart scored p 0.5).
            cl.CustomComparison(
                output_column_name="names",
                comparison_levels=[
                    cll.And(cll.NullLevel("given"), cll.NullLevel("family")),
                    cll.ExactMatchLevel("full_name", term_frequency_adjustments=True),
                    cll.ColumnsReversedLevel("given", "family", symmetrical=True),
                    cll.And(cll.JaroWinklerLevel("given", 0.92), cll.JaroWinklerLevel("family", 0.92)),
                    cll.ArrayIntersectLevel("name_words", 2),
                    cll.And(cll.JaroWinklerLevel("given", 0.88), cll.JaroWinklerLevel("family", 0.88)),
                    cll.ExactMatchLevel("family", term_frequency_adjustments=True),
                    cll.ExactMatchLevel("given", term_frequency_adjustments=True),
                    cll.ArrayIntersectLevel("name_words", 1),
                    cll.ElseLevel(),
                ]),
            cl.CustomComparison(
                output_column_name="dob",
                comparison_levels=[
                    cll.NullLevel("birth_year"),
                    cll.ExactMatchLevel("dob"),
                    cll.DamerauLevenshteinLevel("dob", 1),
                    cll.ExactMatchLevel("birth_year"),
                    cll.ElseLevel(),
                ]),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality").configure(term_frequency_adjustments=True),
            identifier("azr_number"),
            identifier("bamf_number"),
            *([cl.ExactMatch("municipality")] if "municipality" in df.columns else []),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name_sorted"),
            block_on("dob"),
            block_on("sx_family", "birth_year"),
            block_on("sx_given", "birth_year"),
            block_on("azr_number"),
            block_on("bamf_number"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = make_linker(df, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("family", "given", "dob")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7)
    # Pairs sharing an AZR number are nearly all matches: they show what a match's date of
    # birth looks like (EM on pairs sharing a common name took namesakes for matches).
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("azr_number"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob", "sex", "nationality"))
    report(linker, started)


def run_pakt():
    out = f"{corpus}/pakt-clusters.csv"
    started = time.time()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", pakt, "link", persons, "--config", "mappings/linkage.yml", "--out", out],
        capture_output=True, text=True)
    seconds = time.time() - started
    if proc.returncode != 0:
        sys.exit(f"pakt link failed: {proc.stderr}")
    peak = int(proc.stderr.strip().splitlines()[-1]) * 1024
    clusters = {}
    with open(out, newline="") as f:
        for row in csv.DictReader(f):
            clusters[row["record_id"]] = row["cluster_id"]
    return seconds, peak, clusters


if __name__ == "__main__":
    if os.environ.get("SPLINK_CHILD"):
        run_splink_tuned() if os.environ["SPLINK_CHILD"] == "tuned" else run_splink()
        sys.exit(0)
    records = sum(1 for _ in open(persons)) - 1
    print(f"{records:,} person records, {len(truth_pairs()):,} true pairs")
    pakt_seconds, pakt_peak, pakt_clusters = run_pakt()
    rows = [("pakt", pakt_seconds, pakt_peak, score(pakt_clusters))]
    for mode, name in [("documented", "Splink 5 (DuckDB)")] + ([("tuned", "Splink 5 tuned")] if tuned else []):
        child = subprocess.run([sys.executable, __file__, corpus], env={**os.environ, "SPLINK_CHILD": mode},
                               capture_output=True, text=True)
        if child.returncode != 0:
            sys.exit(f"Splink ({mode}) failed: {child.stderr[-2000:]}")
        splink = json.loads(child.stdout.strip().splitlines()[-1])
        rows.append((name, splink["seconds"], splink["peak"], score(splink["clusters"])))
    print(f"{'tool':<20} {'seconds':>9} {'peak MB':>9} {'precision':>10} {'recall':>8} {'F1':>8}")
    for name, seconds, peak, (p, r, f1) in rows:
        print(f"{name:<20} {seconds:>9.1f} {peak / 1e6:>9.0f} {p:>10.4f} {r:>8.4f} {f1:>8.4f}")
    for name, seconds, peak, (_, _, f1) in rows[1:]:
        print(f"pakt / {name}: {seconds / rows[0][1]:.1f}x faster, {peak / rows[0][2]:.1f}x less memory, "
              f"F1 {rows[0][3][2] - f1:+.4f}")
