#!/usr/bin/env python3
"""Writes pakt's small synthetic sample exports (samples/*). Every person is invented.

Run from the repository root: python3 samples/tools/make-samples.py
The output is deterministic (fixed seed); the files are committed because the README's
quick start and the tests read them. Bad records are added on purpose, each marked below.
"""
import random

rnd = random.Random(20241)

GIVEN_M = ["Mohammed", "Ahmad", "Omar", "Yusuf", "Hussein", "Ali", "Khaled", "Tesfaye", "Dawit", "Reza",
           "Mustafa", "Ibrahim", "Abdullah", "Hamid", "Samir", "Bilal", "Taras", "Oleksandr", "Jamal", "Karim"]
GIVEN_F = ["Amina", "Fatima", "Zainab", "Mariam", "Layla", "Nour", "Selam", "Helen", "Zahra", "Parisa",
           "Rania", "Hanan", "Aisha", "Yasmin", "Olena", "Iryna", "Samira", "Leila", "Dalia", "Huda"]
FAMILY = ["Al-Hassan", "Haddad", "Rahimi", "Tesfamariam", "Mohammadi", "Khalil", "Ahmadi", "Hussaini",
          "Ghebremedhin", "Nasser", "Saleh", "Karimi", "Yousef", "Abdi", "Osman", "Bakr", "Hosseini",
          "Shevchenko", "Kovalenko", "El-Amin", "Darwish", "Sultani", "Habibi", "Mansour", "Qasim"]
NAT = ["SYR", "AFG", "IRQ", "ERI", "IRN", "SOM", "NGA", "TUR", "UKR", "GMB"]
NAT_EN = {"SYR": "Syrian", "AFG": "Afghan", "IRQ": "Iraqi", "ERI": "Eritrean", "IRN": "Iranian", "SOM": "Somali",
          "NGA": "Nigerian", "TUR": "Turkish", "UKR": "Ukrainian", "GMB": "Gambian"}
NAT_DE = {"SYR": "syrisch", "AFG": "afghanisch", "IRQ": "Irak", "ERI": "eritreisch", "IRN": "Iran",
          "SOM": "Somalia", "NGA": "nigerianisch", "TUR": "türkisch", "UKR": "ukrainisch", "GMB": "Gambia"}
ALPHA2 = {"SYR": "SY", "AFG": "AF", "IRQ": "IQ", "ERI": "ER", "IRN": "IR", "SOM": "SO", "NGA": "NG", "TUR": "TR",
          "UKR": "UA", "GMB": "GM"}
# Transliteration variants used when a person appears in a second municipality.
VARIANTS = {"Mohammed": "Muhammad", "Hussein": "Husain", "Yusuf": "Youssef", "Omar": "Umar", "Ahmad": "Ahmed",
            "Khaled": "Chaled", "Mustafa": "Mostafa", "Ibrahim": "Ebrahim", "Zainab": "Zeinab", "Fatima": "Fatma",
            "Al-Hassan": "Alhassan", "Haddad": "Hadad", "Mohammadi": "Muhammadi", "Hussaini": "Husseini",
            "Yousef": "Yusuf", "Hosseini": "Husseini", "El-Amin": "Elamin", "Qasim": "Kasim", "Rahimi": "Rahimy"}

# Local program names per municipality: catalogue names, synonyms, local variants, unmapped ones.
PROGRAMS = {
    "stuttgart": ["Integrationskurs", "Integration course (general)", "Berufssprachkurs B2", "Jobcoaching",
                  "Kompetenzfeststellung", "Migrationsberatung", "Urban Gardening Project", "Kita",
                  "Bewerbungstraining", "Einstiegsqualifizierung"],
    "freiburg": ["IK Alpha Caritas", "Integrationskurs (VHS) A1-B1", "Sprachcafé", "Praktikum",
                 "Anerkennungsberatung", "Nähcafé für Frauen", "Flüchtlingssozialarbeit", "EOK",
                 "Ehrenamtlicher Deutschkurs", "Psychosoziales Zentrum"],
    "mannheim": ["Alphakurs", "Jugendintegrationskurs", "PerF", "AGH", "Fahrradwerkstatt", "BSK B2",
                 "Integrationsmanagement", "Patenschaft", "Mama lernt Deutsch", "Wohnungssuche"],
    "ulm": ["Integrationskurs", "Frauenintegrationskurs", "KompAS", "Assistierte Ausbildung", "JMD",
            "Sportverein", "Integrationskurs m. Alphabetisierung", "Lerncafé Weststadt", "VKL", "Umschulung"],
    "karlsruhe": ["IK Intensiv", "Berufssprachkurs Basismodul", "Einstiegsqualifizierung", "MBE",
                  "Hausaufgabenhilfe Oststadt", "Kinderbetreuung", "Praktikum", "Studienkolleg",
                  "Integrationslotse", "FIM"],
}

STATUS = ["completed", "running", "planned", "aborted"]


def person(i):
    sex = rnd.choice("MF")
    given = rnd.choice(GIVEN_M if sex == "M" else GIVEN_F)
    if rnd.random() < 0.2:
        given += " " + rnd.choice(GIVEN_M if sex == "M" else GIVEN_F)
    year = rnd.randint(1960, 2006)
    month, day = rnd.randint(1, 12), rnd.randint(1, 28)
    placeholder = rnd.random() < 0.12
    if placeholder:
        month, day = 1, 1
    return {"i": i, "given": given, "family": rnd.choice(FAMILY), "sex": sex, "year": year, "month": month,
            "day": day, "nat": rnd.choice(NAT), "azr": str(rnd.randint(10**9, 10**10 - 1)) if rnd.random() < 0.5 else "",
            "school": str(rnd.randint(0, 14)), "lang": rnd.choice(["A1", "A2.1", "B1 (DTZ)", "Niveau B2", "keine", ""])}


def variant(p):
    """The same person as another municipality wrote them down."""
    q = dict(p)
    kind = rnd.choice(["translit", "swap", "placeholder", "translit"])
    if kind == "translit":
        q["given"] = " ".join(VARIANTS.get(w, w) for w in p["given"].split())
        q["family"] = VARIANTS.get(p["family"], p["family"])
    elif kind == "swap":
        q["given"], q["family"] = p["family"], p["given"]
    else:
        q["month"], q["day"] = 1, 1
    return q


def dates(rng_year=2023):
    start_m = rnd.randint(1, 12)
    start = (rng_year + rnd.randint(0, 1), start_m, rnd.randint(1, 28))
    end = (start[0] + (1 if start_m > 6 else 0), (start_m + 5) % 12 + 1, rnd.randint(1, 28))
    return start, end


base = [person(i) for i in range(1, 181)]
cities = ["stuttgart", "freiburg", "mannheim", "ulm", "karlsruhe"]
population = {c: [] for c in cities}
for idx, p in enumerate(base):
    population[cities[idx % 5]].append(p)
# 20 persons moved (or are registered twice): they appear in a second municipality, spelled differently.
for p in rnd.sample(base, 20):
    home = next(c for c in cities if p in population[c])
    other = rnd.choice([c for c in cities if c != home])
    population[other].append(variant(p))


def participations(city, p):
    out = []
    for _ in range(rnd.randint(1, 3)):
        (sy, sm, sd), (ey, em, ed) = dates()
        out.append({"program": rnd.choice(PROGRAMS[city]), "start": (sy, sm, sd), "end": (ey, em, ed),
                    "status": rnd.choice(STATUS), "cost": rnd.choice([0, 350, 1234.5, 2890, 415.75, 0])})
    return out


def de_date(t):
    return f"{t[2]:02d}.{t[1]:02d}.{t[0]}"


def iso(t):
    return f"{t[0]}-{t[1]:02d}-{t[2]:02d}"


# 1. Stuttgart: UTF-8, comma, English headers, one row per participation.
# The case manager (invented) and the day the case opened (the first measure's start): derived,
# not drawn, so the random stream and every other file stay as they were.
MANAGERS = ["Frau Keller", "Herr Öztürk", "Frau Nguyen", "Herr Brandt"]
rows = ["client_id,first_name,last_name,date_of_birth,gender,nationality,azr_number,german_level,programme,provider,start_date,end_date,status,cost_eur,case_manager,case_opened"]
for n, p in enumerate(population["stuttgart"], 1):
    parts = list(participations("stuttgart", p))
    opened = iso(min(part["start"] for part in parts)) if parts else ""
    for part in parts:
        status = {"completed": "completed", "running": "ongoing", "planned": "planned", "aborted": "dropped out"}[part["status"]]
        rows.append(",".join([f"S-{1000 + n}", p["given"], p["family"], iso((p["year"], p["month"], p["day"])),
                              p["sex"], NAT_EN[p["nat"]], p["azr"], p["lang"], f'"{part["program"]}"', '"Caritas, Stuttgart"',
                              iso(part["start"]), iso(part["end"]), status, f'{part["cost"]:.2f}', MANAGERS[n % 4], opened]))
rows.append("S-9001,Samir,Nasser,1988-02-31,M,Syrian,,A2,Integrationskurs,VHS,2024-01-08,2024-07-01,running,0.00,,")  # bad: impossible date
rows.append("S-9002,Layla,Haddad,1991-05-17,F,Atlantis,,B1,Jobcoaching,IB,2024-02-01,2024-05-01,completed,120.00,,")  # bad: unknown nationality
rows.append(",,,1990-01-01,F,Syrian,,,Kita,,2024-03-01,,running,0,,")  # bad: no id, no name
rows.append("S-9003,Omar,Saleh,1979-09-09,M,Iraqi,,A1,Integrationskurs,VHS, Stuttgart,2024-01-08,2024-07-01,running,0.00,Frau Keller,2024-01-08")  # bad: unquoted comma
open("samples/stuttgart/clients.csv", "w", encoding="utf-8", newline="").write("\n".join(rows) + "\n")

# 2. Freiburg: Windows-1252, semicolon, German headers with umlauts, title line, dd.mm.yyyy, decimal commas, CRLF.
rows = ["Export Stadt Freiburg im Breisgau, Integrationsmanagement, Stand 31.01.2025", "",
        "Klienten-Nr.;Nachname;Vorname;Geburtsdatum;Geschlecht;Staatsangehörigkeit;Maßnahme;Träger;Beginn;Ende;Status;Kosten (EUR);Sprachniveau;Schuljahre"]
for n, p in enumerate(population["freiburg"], 1):
    for part in participations("freiburg", p):
        status = {"completed": "abgeschlossen", "running": "läuft", "planned": "geplant", "aborted": "abgebrochen"}[part["status"]]
        cost = f'{part["cost"]:,.2f}'.replace(",", "X").replace(".", ",").replace("X", ".")
        rows.append(";".join([f"FR{2000 + n}", p["family"], p["given"], de_date((p["year"], p["month"], p["day"])),
                              "männlich" if p["sex"] == "M" else "weiblich", NAT_DE[p["nat"]], part["program"],
                              "Diakonie Freiburg", de_date(part["start"]), de_date(part["end"]), status, f"{cost} €",
                              p["lang"], p["school"]]))
rows.append('FR2901;Osman;Hanan;12.03.1985;weiblich;eritreisch;"Integrationskurs" Abend;VHS;01.02.2024;01.08.2024;läuft;0,00 €;A1;8')  # bad: stray quote
rows.append("FR2902;Karimi;Reza;07.07.1977;männlich;Iran;Praktikum;Firma Müller;01.03.2024;31.03.2024;abgeschlossen;viel;B1;12")  # bad: cost not a number
open("samples/freiburg/klienten_2025-01.csv", "w", encoding="cp1252", newline="").write("\r\n".join(rows) + "\r\n")

# 3. Mannheim: Excel "Unicode text": UTF-16LE with BOM, tab-separated, CRLF; sex as 1/2 codes.
rows = ["Kennung\tFamilienname\tVorname\tGeb.-Datum\tGeschlecht\tNationalität\tAZR-Nr\tMaßnahme\tBeginn\tEnde\tStatus\tKosten"]
for n, p in enumerate(population["mannheim"], 1):
    for part in participations("mannheim", p):
        status = {"completed": "beendet", "running": "aktiv", "planned": "angemeldet", "aborted": "Abbruch"}[part["status"]]
        cost = f'{part["cost"]:.2f}'.replace(".", ",")
        rows.append("\t".join([f"MA-{300 + n}", p["family"], p["given"], de_date((p["year"], p["month"], p["day"])),
                               "1" if p["sex"] == "M" else "2", ALPHA2[p["nat"]], p["azr"], part["program"],
                               de_date(part["start"]), de_date(part["end"]), status, cost]))
rows.append("MA-990\tBakr\tJamal\t03.03.1993\t1\tSY")  # bad: row cut short
open("samples/mannheim/export_mannheim.txt", "wb").write(b"\xff\xfe" + ("\r\n".join(rows) + "\r\n").encode("utf-16-le"))

# 4. Ulm: XML, persons containing their measures.
out = ['<?xml version="1.0" encoding="UTF-8"?>', '<Export gemeinde="Ulm" stand="2025-01-31">', "  <Personen>"]
for n, p in enumerate(population["ulm"], 1):
    out.append(f'    <Person id="U{4000 + n}">')
    out.append(f"      <Name><Familienname>{p['family']}</Familienname><Vorname>{p['given']}</Vorname></Name>")
    out.append(f"      <Geburtsdatum>{iso((p['year'], p['month'], p['day']))}</Geburtsdatum>")
    out.append(f"      <Geschlecht>{'m' if p['sex'] == 'M' else 'w'}</Geschlecht>")
    out.append(f"      <Staatsangehoerigkeit>{p['nat']}</Staatsangehoerigkeit>")
    if p["azr"]:
        out.append(f"      <AZR>{p['azr']}</AZR>")
    out.append(f"      <Potenzial><Sprache>{p['lang']}</Sprache><Schuljahre>{p['school']}</Schuljahre></Potenzial>")
    out.append("      <Massnahmen>")
    for part in participations("ulm", p):
        out.append(f"        <Massnahme status=\"{part['status']}\"><Bezeichnung>{part['program'].replace('&', '&amp;')}</Bezeichnung>"
                   f"<Beginn>{iso(part['start'])}</Beginn><Ende>{iso(part['end'])}</Ende><Kosten>{part['cost']}</Kosten></Massnahme>")
    out.append("      </Massnahmen>")
    out.append("    </Person>")
out.append('    <Person><Geschlecht>w</Geschlecht><Massnahmen><Massnahme status="running"><Bezeichnung>Integrationskurs</Bezeichnung></Massnahme></Massnahmen></Person>')  # bad: no id, no name
out.append("  </Personen>")
out.append("</Export>")
open("samples/ulm/ulm_export.xml", "w", encoding="utf-8").write("\n".join(out) + "\n")

# 5. Karlsruhe: XML with a namespace; persons once, participations separate, referring by id. ISO-8859-1.
out = ['<?xml version="1.0" encoding="ISO-8859-1"?>', '<ka:Meldung xmlns:ka="urn:example:karlsruhe:integration:2">', "  <ka:Personen>"]
for n, p in enumerate(population["karlsruhe"], 1):
    out.append(f'    <ka:Person ka:nr="KA{5000 + n}" geschlecht="{p["sex"].lower()}" staat="{p["nat"]}">'
               f"<ka:Nachname>{p['family']}</ka:Nachname><ka:Vornamen>{p['given']}</ka:Vornamen>"
               f"<ka:GebDatum>{de_date((p['year'], p['month'], p['day']))}</ka:GebDatum></ka:Person>")
out.append("  </ka:Personen>")
out.append("  <ka:Teilnahmen>")
for n, p in enumerate(population["karlsruhe"], 1):
    for part in participations("karlsruhe", p):
        out.append(f'    <ka:Teilnahme person="KA{5000 + n}"><ka:Programm>{part["program"]}</ka:Programm>'
                   f"<ka:Von>{de_date(part['start'])}</ka:Von><ka:Bis>{de_date(part['end'])}</ka:Bis>"
                   f"<ka:Stand>{part['status']}</ka:Stand></ka:Teilnahme>")
out.append('    <ka:Teilnahme person="KA9999"><ka:Programm>Praktikum</ka:Programm><ka:Von>01.02.2024</ka:Von></ka:Teilnahme>')  # bad: unknown person
out.append("    <ka:Teilnahme><ka:Programm>MBE</ka:Programm></ka:Teilnahme>")  # bad: no person reference
out.append("  </ka:Teilnahmen>")
out.append("</ka:Meldung>")
open("samples/karlsruhe/meldung_2025q1.xml", "w", encoding="latin-1").write("\n".join(out) + "\n")
print("samples written")

# 6. Heidelberg: an Excel workbook (.xlsx) as Excel writes it: a title row, shared strings,
# dates stored as serial numbers with a date style, numbers, an inline string. Written with
# the standard library's zipfile so that no extra package is needed. Its own random stream
# keeps the five files above unchanged.
import datetime
import zipfile
from xml.sax.saxutils import escape

hd = random.Random(6221)
# Three base persons who have not moved yet now appear in Heidelberg too, spelled differently.
stayers = [p for p in base if sum(1 for c in cities for q in population[c] if q["i"] == p["i"]) == 1]
heidelberg = [dict(person(1000 + i)) for i in range(30)]
for p in stayers[:3]:
    q = dict(p)
    q["given"] = " ".join(VARIANTS.get(w, w) for w in p["given"].split())
    q["family"] = VARIANTS.get(p["family"], p["family"]) if q["given"] != p["given"] else p["given"]
    if q["given"] == p["given"]:
        q["given"], q["family"] = p["family"], p["given"]  # swapped where no spelling variant exists
    heidelberg.append(q)

shared, shared_index = [], {}


def sst(text):
    if text not in shared_index:
        shared_index[text] = len(shared)
        shared.append(text)
    return shared_index[text]


def serial(y, m, d):
    return (datetime.date(y, m, d) - datetime.date(1899, 12, 30)).days


def col(i):
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]


HEID_PROGRAMS = ["Integrationskurs", "Sprachcafé", "Bewerbungswerkstatt", "Kindergarten", "Umschulung",
                 "Anerkennungsberatung", "Sportverein", "Repair-Café"]
header = ["Personen-ID", "Name", "Vorname", "Geburtsdatum", "Geschlecht", "Staatsangehörigkeit", "Maßnahme",
          "Beginn", "Kosten"]
rows_xml = []
rown = 1
rows_xml.append(f'<row r="{rown}"><c r="A1" t="s"><v>{sst("Stadt Heidelberg – Teilnahmen 2024")}</v></c></row>')
rown = 3
rows_xml.append(f'<row r="{rown}">' + "".join(f'<c r="{col(i)}{rown}" t="s"><v>{sst(h)}</v></c>' for i, h in enumerate(header)) + "</row>")
for n, p in enumerate(heidelberg, 1):
    for _ in range(hd.randint(1, 2)):
        rown += 1
        (sy, sm, sd), _e = dates()
        cells = [
            f'<c r="A{rown}" t="s"><v>{sst(f"HD-{700 + n}")}</v></c>',
            f'<c r="B{rown}" t="s"><v>{sst(p["family"])}</v></c>',
            f'<c r="C{rown}" t="inlineStr"><is><t>{escape(p["given"])}</t></is></c>',
            f'<c r="D{rown}" s="1"><v>{serial(p["year"], p["month"], p["day"])}</v></c>',
            f'<c r="E{rown}" t="s"><v>{sst("m" if p["sex"] == "M" else "w")}</v></c>',
            f'<c r="F{rown}" t="s"><v>{sst(NAT_DE[p["nat"]])}</v></c>',
            f'<c r="G{rown}" t="s"><v>{sst(hd.choice(HEID_PROGRAMS))}</v></c>',
            f'<c r="H{rown}" s="1"><v>{serial(sy, sm, sd)}</v></c>',
            f'<c r="I{rown}" s="2"><v>{hd.choice([0, 350, 1234.5, 89.9])}</v></c>',
        ]
        rows_xml.append(f'<row r="{rown}">' + "".join(cells) + "</row>")
rown += 1  # bad: neither id nor name
rows_xml.append(f'<row r="{rown}"><c r="D{rown}" s="1"><v>{serial(1990, 1, 1)}</v></c><c r="G{rown}" t="s"><v>{sst("Sprachcafé")}</v></c></row>')

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
parts = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {NS} {RNS}><sheets><sheet name="Teilnahmen" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
    "xl/styles.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00\\ &quot;€&quot;"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>',
    "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {NS} {RNS}><sheetData>' + "".join(rows_xml) + "</sheetData></worksheet>",
    "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {NS} count="{len(shared)}" uniqueCount="{len(shared)}">' + "".join(f"<si><t>{escape(t)}</t></si>" for t in shared) + "</sst>",
}
with zipfile.ZipFile("samples/heidelberg/teilnahmen_2024.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in parts.items():
        info = zipfile.ZipInfo(name, date_time=(2025, 1, 31, 12, 0, 0))  # fixed: deterministic bytes
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, text)
print("heidelberg written")

# Ground truth for the linkage tests: which invented person each source record is.
# (Written last and without random draws, so the exports above stay byte for byte the same.)
prefixes = {"stuttgart": ("S-", 1000), "freiburg": ("FR", 2000), "mannheim": ("MA-", 300), "ulm": ("U", 4000),
            "karlsruhe": ("KA", 5000)}
truth = ["source,local_id,true_person"]
for city in cities:
    prefix, offset = prefixes[city]
    for n, p in enumerate(population[city], 1):
        truth.append(f"{city},{prefix}{offset + n},P{p['i']}")
for n, p in enumerate(heidelberg, 1):
    truth.append(f"heidelberg,HD-{700 + n},P{p['i']}")
open("samples/tools/truth.csv", "w", encoding="utf-8").write("\n".join(truth) + "\n")
print("truth written")
