#!/usr/bin/env python3
"""Turns a person file written by `independent-persons.py` into a night of municipal exports,
so that the whole pipeline (`pakt run`) can be measured on data pakt's own generator did not
write.

    python3 Benchmarks/scripts/independent-exports.py DIR

Reads DIR/persons.csv and DIR/truth-pairs.csv and writes:
- DIR/exports/NN-gemeinde-NN.{csv,txt,xlsx,xls,xml}: one export per municipality of the person file, one
  row per record with a measure the person took part in. The exports come in the dialects
  offices write (see DIALECTS): semicolon and UTF-8 with a byte-order mark from Excel, comma
  and ISO dates from a case-management tool, tab-separated from a database dump, semicolon in
  Windows-1252 (a name it cannot hold becomes "?", as such exports lose it), with German or
  English headers and sex as M/F, m/w, 1/2, Male/Female or männlich/weiblich. Dates of birth
  stay as the person file has them (several formats within one export, the year alone,
  00.00.YYYY). Five more dialects: a US-made tool's (dates month first, 03/16/2023),
  an older case file's (the date of birth in three columns, Geb.Tag / Geb.Monat / Geb.Jahr),
  two with the name in one column ("FAMILY, Given"; "Given Family", no comma), and an export a
  spreadsheet opened with the wrong encoding and saved ("YÄ±lmaz" for "Yılmaz"). Two more: a
  DOS-era program's (code page 850, a Ctrl-Z last line, nationality as the Destatis key), and
  an Excel workbook with the persons on a sheet "Personen" and their measures on a sheet
  "Maßnahmen" (dates as date cells, the AZR number as a number). And two "Excel" exports
  that are no workbooks: a portal's HTML page named .xls (a title row over the table), and a
  web application's Excel 2003 XML spreadsheet (dates as DateTime cells).
- DIR/mappings/municipalities.csv, DIR/mappings/{catalogue,linkage}.yml (copied from the repository)
  and DIR/pipeline.yml, with no mapping files: `independent-night.sh` drafts them with
  `pakt mappings init`, as a data steward would.
- DIR/truth/persons.csv (source, local_id, true_person: the true persons are the connected
  groups of truth-pairs.csv) and DIR/truth/programs.csv (each local program name's code), the
  files `score.py` reads.
"""
import csv
import datetime
import os
import random
import shutil
import sys
from collections import defaultdict

out = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.normpath(os.path.join(here, "..", ".."))
rng = random.Random(20261207)

# The Destatis key (Staats- und Gebietssystematik) of the nationalities the person file holds,
# as registration software writes it; 997 stateless, 998 unresolved.
DESTATIS = {"SYR": "475", "AFG": "423", "IRQ": "438", "IRN": "439", "ERI": "224", "SOM": "273", "GMB": "237",
            "GIN": "261", "NGA": "232", "TUR": "163", "UKR": "166", "GEO": "430", "ALB": "121", "PAK": "461",
            "LBN": "451", "ETH": "225", "SDN": "277", "KEN": "243", "RUS": "160", "MDA": "146", "XXA": "997",
            "XXX": "998"}

# The measures: local names a steward would find in the catalogue, with their codes.
PROGRAMS = [
    ("Integrationskurs", "SPR-IK"),
    ("Alphakurs", "SPR-IK-ALPHA"),
    ("Erstorientierungskurs", "SPR-EOK"),
    ("Sprachcafé", "SPR-NS"),
    ("Kompetenzfeststellung", "ARB-KF"),
    ("PerF", "ARB-PERF"),
]

# header names per canonical column, separator, encoding, line end, date format of the
# measure's dates, sex values.
GERMAN = ["Kennung", "Vorname", "Nachname", "Geburtsdatum", "Geschlecht", "Staatsangehörigkeit",
          "AZR-Nummer", "BAMF-Aktenzeichen", "Maßnahme", "Beginn", "Ende"]
ENGLISH = ["client_id", "first_name", "last_name", "date_of_birth", "gender", "nationality",
           "azr_number", "bamf_number", "programme", "start_date", "end_date"]
US = ["Client ID", "First Name", "Last Name", "DOB", "Sex", "Citizenship", "AZR", "BAMF", "Program",
      "Start", "End"]
SPLIT = ["Kennung", "Vorname", "Nachname", "Geb.Tag", "Geb.Monat", "Geb.Jahr", "Geschlecht", "Staatsangehörigkeit",
         "AZR-Nummer", "BAMF-Aktenzeichen", "Maßnahme", "Beginn", "Ende"]
FULL = ["Aktenzeichen", "Name, Vorname", "Geburtsdatum", "Geschlecht", "Staatsangehörigkeit", "AZR-Nummer",
        "BAMF-Aktenzeichen", "Maßnahme", "Beginn", "Ende"]
# birth: the date of birth as the person file has it ("asis"), month first where it is a full
# date ("us"), or in three columns ("split"); names: two columns or one "FAMILY, Given";
# mojibake: written as UTF-8, read back as Windows-1252 and saved as UTF-8 again.
DIALECTS = [
    dict(header=GERMAN, sep=";", encoding="utf-8-sig", end="\r\n", dates="%d.%m.%Y", sex={"M": "m", "F": "w"}, ext="csv"),
    dict(header=ENGLISH, sep=",", encoding="utf-8", end="\n", dates="%Y-%m-%d", sex={}, ext="csv"),
    dict(header=GERMAN, sep="\t", encoding="utf-8", end="\n", dates="%Y-%m-%d", sex={}, ext="txt"),
    dict(header=GERMAN, sep=";", encoding="cp1252", end="\r\n", dates="%d.%m.%Y", sex={"M": "m", "F": "w"}, ext="csv"),
    dict(header=US, sep=",", encoding="utf-8", end="\r\n", dates="%m/%d/%Y", sex={"M": "Male", "F": "Female"}, ext="csv",
         birth="us"),
    dict(header=SPLIT, sep=";", encoding="cp1252", end="\r\n", dates="%d.%m.%Y", sex={"M": "1", "F": "2"}, ext="csv",
         birth="split"),
    dict(header=FULL, sep=";", encoding="utf-8", end="\n", dates="%d.%m.%Y", sex={"M": "männlich", "F": "weiblich"},
         ext="csv", names="full"),
    dict(header=ENGLISH, sep=",", encoding="utf-8", end="\n", dates="%Y-%m-%d", sex={}, ext="csv", mojibake=True),
    dict(header=["Aktenzeichen", "Name"] + FULL[2:], sep=";", encoding="utf-8-sig", end="\r\n", dates="%d.%m.%Y",
         sex={"M": "m", "F": "w"}, ext="csv", names="one column"),
    dict(header=GERMAN, sep=";", encoding="cp850", end="\r\n", dates="%d.%m.%Y", sex={"M": "m", "F": "w"}, ext="csv",
         dos=True, nationality="destatis"),
    dict(header=GERMAN, dates="%d.%m.%Y", sex={"M": "1", "F": "2"}, ext="xlsx", workbook=True),
    # A case-management portal's "Excel" export: an HTML page named .xls.
    dict(header=GERMAN, dates="%d.%m.%Y", sex={"M": "männlich", "F": "weiblich"}, ext="xls", html=True),
    # A web application's Excel 2003 XML ("XML-Tabelle 2003"), dates as DateTime cells.
    dict(header=ENGLISH, dates="%Y-%m-%d", sex={"M": "male", "F": "female"}, ext="xml", xmlss=True),
]


def xlsx_cell(ref, value):
    """A cell: a datetime.date as a date cell (style 1), an int as a number, else inline text."""
    if isinstance(value, datetime.date):
        return f'<c r="{ref}" s="1"><v>{(value - datetime.date(1899, 12, 30)).days}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def write_workbook(path, sheets):
    """A plain .xlsx with the named sheets of rows (stdlib only: zipfile)."""
    import zipfile
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    col = lambda i: (col(i // 26 - 1) if i >= 26 else "") + chr(65 + i % 26)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
                   f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                   + "".join(f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, (name, _) in enumerate(sheets))
                   + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
                   + "".join(f'<Relationship Id="rId{i + 1}" Type="{rel}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                             for i in range(len(sheets)))
                   + f'<Relationship Id="rId{len(sheets) + 1}" Type="{rel}/styles" Target="styles.xml"/></Relationships>')
        z.writestr("xl/styles.xml", f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{main}">'
                   '<numFmts count="1"><numFmt numFmtId="164" formatCode="DD.MM.YYYY"/></numFmts>'
                   '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>')
        for i, (_, rows) in enumerate(sheets):
            body = "".join(f'<row r="{r + 1}">' + "".join(xlsx_cell(f"{col(c)}{r + 1}", v) for c, v in enumerate(row)
                                                         if v != "") + "</row>" for r, row in enumerate(rows))
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml",
                       f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>{body}</sheetData></worksheet>')


def escape(value):
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_html(path, header, rows):
    """A portal's export: a page with a heading and one table, a title row over the header."""
    with open(path, "w", encoding="utf-8") as f:
        f.write('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
                "<title>Export</title></head><body><h1>Teilnehmende</h1>\n<table border=\"1\">\n")
        f.write(f'<tr><th colspan="{len(header)}">Export vom 01.12.2026</th></tr>\n')
        f.write("<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>\n")
        for row in rows:
            f.write("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>\n")
        f.write("</table></body></html>\n")


def write_xmlss(path, header, rows):
    """Excel 2003 XML: strings, numbers, and dates as DateTime cells with a date style."""
    def cell(value):
        if isinstance(value, datetime.date):
            return f'<Cell ss:StyleID="d"><Data ss:Type="DateTime">{value.isoformat()}T00:00:00.000</Data></Cell>'
        if isinstance(value, int):
            return f'<Cell><Data ss:Type="Number">{value}</Data></Cell>'
        if value == "":
            return "<Cell/>"
        return f'<Cell><Data ss:Type="String">{escape(value)}</Data></Cell>'
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
                '<Styles><Style ss:ID="d"><NumberFormat ss:Format="Short Date"/></Style></Styles>\n'
                '<Worksheet ss:Name="Export"><Table>\n')
        f.write("<Row>" + "".join(cell(h) for h in header) + "</Row>\n")
        for row in rows:
            f.write("<Row>" + "".join(cell(v) for v in row) + "</Row>\n")
        f.write("</Table></Worksheet></Workbook>\n")


def birth_parts(text):
    """(day, month, year) of a date of birth as the person file writes it; 0 where unknown."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            d = datetime.datetime.strptime(text, fmt).date()
            return d.day, d.month, d.year
        except ValueError:
            pass
    if text[-4:].isdigit():
        return 0, 0, int(text[-4:])
    return None


def birth_columns(d, text):
    if d.get("birth") == "us":
        parts = birth_parts(text)
        return [f"{parts[1]:02d}/{parts[0]:02d}/{parts[2]}" if parts and parts[0] else text]
    if d.get("birth") == "split":
        parts = birth_parts(text)
        return [str(parts[0]), str(parts[1]), str(parts[2])] if parts else ["", "", ""]
    return [text]


def name_columns(d, given, family):
    if d.get("names") == "full":
        return [f"{family}, {given}" if family.strip() and given.strip() else (family.strip() or given.strip())]
    if d.get("names") == "one column":
        return [f"{given} {family}".strip()]
    return [given, family]


def mojibake(text):
    """UTF-8 bytes read as Windows-1252 (its five undefined bytes kept as control characters)."""
    return "".join(chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
                   for b in text.encode("utf-8"))

records = list(csv.DictReader(open(os.path.join(out, "persons.csv"), newline="", encoding="utf-8")))

# True persons: connected groups of the truth pairs.
parent = {}


def find(x):
    parent.setdefault(x, x)
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


with open(os.path.join(out, "truth-pairs.csv"), newline="", encoding="utf-8") as f:
    reader = csv.reader(f)
    next(reader)
    for a, b in reader:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

by_municipality = defaultdict(list)
for r in records:
    by_municipality[r["municipality"] or "unknown"].append(r)
names = sorted(by_municipality, key=lambda m: (len(m), m))

os.makedirs(os.path.join(out, "exports"), exist_ok=True)
os.makedirs(os.path.join(out, "mappings"), exist_ok=True)
os.makedirs(os.path.join(out, "truth"), exist_ok=True)
for name in ("catalogue.yml", "linkage.yml"):
    shutil.copy(os.path.join(repo, "mappings", name), os.path.join(out, "mappings", name))

truth_rows = []
sources = []
for k, municipality in enumerate(names, start=1):
    d = DIALECTS[(k - 1) % len(DIALECTS)]
    source = f"{k:02d}-gemeinde-{k:02d}"
    sources.append((source, f"Gemeinde {k:02d}", f"exports/{source}.{d['ext']}"))
    rows = []
    for r in by_municipality[municipality]:
        name, _ = rng.choice(PROGRAMS)
        start_year, start_day = rng.randint(2023, 2026), rng.randint(0, 300)
        start = datetime.date(start_year, 1, 1) + datetime.timedelta(days=start_day)
        end = start + datetime.timedelta(days=rng.randint(30, 240))
        row = ([r["record_id"]] + name_columns(d, r["given_name"], r["family_name"])
               + birth_columns(d, r["birth_date"])
               + [d["sex"].get(r["sex"], r["sex"]),
                  DESTATIS.get(r["nationality"], r["nationality"]) if d.get("nationality") == "destatis" else r["nationality"],
                  r["azr_number"], r["bamf_number"],
                  name, start.strftime(d["dates"]), end.strftime(d["dates"]) if rng.random() > 0.2 else ""])
        rows.append([mojibake(v) for v in row] if d.get("mojibake") else row)
        truth_rows.append((source, r["record_id"], find(r["record_id"])))
    path = os.path.join(out, sources[-1][2])
    if d.get("html"):
        write_html(path, d["header"], rows)
    elif d.get("xmlss"):
        def typed_cell(value, column):
            if column in (3, 9, 10):
                try:
                    return datetime.datetime.strptime(value, d["dates"]).date()
                except ValueError:
                    return value
            return int(value) if column == 6 and value.isdigit() else value
        write_xmlss(path, d["header"], [[typed_cell(v, c) for c, v in enumerate(row)] for row in rows])
    elif d.get("workbook"):
        # Persons on one sheet, their measures on another: Excel keeps full dates as date
        # cells and the AZR number as a number (its leading zeros gone).
        def cell(value, column):
            if column in (3, 9, 10):
                try:
                    return datetime.datetime.strptime(value, d["dates"]).date()
                except ValueError:
                    parts = birth_parts(value) if column == 3 else None
                    return datetime.date(parts[2], parts[1], parts[0]) if parts and parts[0] else value
            return int(value) if column == 6 and value.isdigit() else value
        typed = [[cell(v, c) for c, v in enumerate(row)] for row in rows]
        write_workbook(path, [("Personen", [d["header"][:8]] + [row[:8] for row in typed]),
                              ("Maßnahmen", [[d["header"][0]] + d["header"][8:]] + [[row[0]] + row[8:] for row in typed])])
    else:
        with open(path, "w", newline="", encoding=d["encoding"], errors="replace") as f:
            w = csv.writer(f, delimiter=d["sep"], lineterminator=d["end"], quoting=csv.QUOTE_MINIMAL)
            w.writerow(d["header"])
            w.writerows(rows)
            if d.get("dos"):
                f.write("\x1a")  # DOS's end-of-file mark
    os.chmod(path, 0o600)

with open(os.path.join(out, "mappings", "municipalities.csv"), "w", encoding="utf-8") as f:
    f.write("ags;name;aliases\n")
    for k, (_, name, _) in enumerate(sources, start=1):
        f.write(f"0819{k:04d};{name};\n")

with open(os.path.join(out, "truth", "persons.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["source", "local_id", "true_person"])
    w.writerows(truth_rows)
with open(os.path.join(out, "truth", "programs.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["source", "local_name", "code"])
    for source, _, _ in sources:
        w.writerows((source, name, code) for name, code in PROGRAMS)

with open(os.path.join(out, "pipeline.yml"), "w", encoding="utf-8") as f:
    f.write("# Written by Benchmarks/scripts/independent-exports.py: invented people and places only.\n")
    f.write("catalogue: mappings/catalogue.yml\nwarehouse: out/warehouse.sqlite\nreports: out/reports\n")
    f.write("municipalities: mappings/municipalities.csv\n")
    f.write("linkage:\n  settings: mappings/linkage.yml\n")
    f.write("sources:\n")
    for source, _, file in sources:
        f.write(f"  - name: {source}\n    files: {file}\n    mapping: mappings/{source}.yml\n")

print(f"{len(records)} records in {len(sources)} exports → {out}/exports")
