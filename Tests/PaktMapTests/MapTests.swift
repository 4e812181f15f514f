import Foundation
import PaktCore
import PaktExtract
import PaktTestSupport
import Testing

@testable import PaktMap

@Suite("Map: normalizers")
struct NormalizerTests {
  let dates = DateNormalizer()

  static let dateCases: [(String, String?)] = [
    ("07.03.1990", "1990-03-07"), ("7.3.1990", "1990-03-07"), ("07/03/1990", "1990-03-07"),
    ("07-03-1990", "1990-03-07"), ("1990-03-07", "1990-03-07"), ("1990-03-07T00:00:00", "1990-03-07"),
    ("07.03.1990 00:00", "1990-03-07"), ("19900307", "1990-03-07"), ("07031990", "1990-03-07"),
    ("03.1990", "1990-03"), ("1990-03", "1990-03"), ("1990", "1990"), ("7.3.90", "1990-03-07"),
    ("7.3.05", "2005-03-07"), ("29.02.2000", "2000-02-29"),
    ("31.02.1990", nil), ("29.02.1900", nil), ("13.13.1990", nil), ("heute", nil), ("1850", nil), ("1.2", nil),
  ]

  @Test(
    "identifiers: spaces, dashes and slashes dropped, upper-cased, in any script",
    arguments: [
      ("123 456-78", "12345678"), ("ab/12 c", "AB12C"), ("  ", ""), ("x\t9", "X9"), ("ä-12", "Ä12"),
      ("١٢٣-a", "١٢٣A"),
    ])
  func identifier(raw: String, expected: String) {
    #expect(TextFold.identifier(raw) == expected)
  }

  @Test(
    "whole years of a count as exports write it",
    arguments: [
      ("4", 4), ("4,5", 4), ("4.5", 4), ("12.", 12), (",5", 0), (".5", 0), ("0", 0), ("-1", nil), ("vier", nil),
      ("4 Jahre", nil), (",", nil), ("+3", 3),
    ] as [(String, Int?)])
  func wholeYears(raw: String, expected: Int?) {
    #expect(RecordMapper.wholeYears(raw) == expected)
  }

  @Test("trimming: visible ends kept as they are, spaces of any kind removed")
  func trimming() {
    #expect("Ulm".trimmingWhitespace() == "Ulm")
    #expect(" Ulm\t".trimmingWhitespace() == "Ulm")
    #expect("\u{00A0}Ulm\u{2003}".trimmingWhitespace() == "Ulm")
    #expect("Ülm ".trimmingWhitespace() == "Ülm")
    #expect("  ".trimmingWhitespace() == "")
    #expect("".trimmingWhitespace() == "")
    #expect(("[ Ulm ]".dropFirst().dropLast()).trimmingWhitespace() == "Ulm")
  }

  @Test("dates in the formats exports use", arguments: dateCases)
  func date(text: String, expected: String?) {
    switch dates.parse(text) {
    case .value(let d): #expect(d.iso == expected)
    case .invalid: #expect(expected == nil)
    case .empty: Issue.record("unexpected empty")
    }
  }

  @Test(
    "placeholder birth dates become year-only, marked",
    arguments: ["01.01.1990", "00.00.1990", "XX.XX.1990", "1990-01-01", "0.0.1990"])
  func placeholder(text: String) {
    guard case .value(let d) = dates.parse(text, placeholders: true) else {
      Issue.record("not parsed: \(text)")
      return
    }
    #expect(d.year == 1990)
    #expect(d.precision == .year)
    #expect(d.placeholder)
  }

  @Test("01.01. is a real date where placeholders are not expected (a course start)")
  func notPlaceholder() throws {
    let d = try #require(dates.parse("01.01.2024").value)
    #expect(d.iso == "2024-01-01")
  }

  @Test("month-first dates when the mapping says mdy")
  func mdy() throws {
    let d = try #require(DateNormalizer(order: .mdy).parse("03/07/1990").value)
    #expect(d.iso == "1990-03-07")
  }

  @Test(
    "sex",
    arguments: [
      ("m", Sex.male), ("männlich", .male), ("Herr", .male), ("MALE", .male), ("w", .female), ("weibl.", .female),
      ("F", .female), ("Frau", .female), ("divers", .diverse), ("k.A.", .unknown),
      // A salutation column ("Anrede") stands for sex in many exports.
      ("Hr.", .male), ("Fr.", .female), ("Mr", .male), ("Mrs.", .female), ("Ms", .female),
    ])
  func sex(text: String, expected: Sex) {
    guard case .value(let s) = SexNormalizer.parse(text) else {
      Issue.record("not parsed: \(text)")
      return
    }
    #expect(s == expected)
  }

  @Test(
    "status words",
    arguments: [
      ("läuft", ParticipationStatus.running), ("laufend", .running), ("aktiv", .running), ("ongoing", .running),
      ("abgeschlossen", .completed), ("beendet", .completed), ("erfolgreich beendet", .completed),
      ("vorzeitig beendet", .aborted), ("abgebr.", .aborted), ("Abbruch", .aborted), ("dropped out", .aborted),
      ("geplant", .planned), ("angemeldet", .planned), ("Warteliste", .planned),
    ])
  func status(text: String, expected: ParticipationStatus) {
    guard case .value(let s) = StatusNormalizer.parse(text) else {
      Issue.record("not parsed: \(text)")
      return
    }
    #expect(s == expected)
  }

  @Test("ISO dates are written as precise as they are known, zero-padded")
  func isoDates() {
    for year in [0, 7, 99, 1972, 2024, 9999, 12_345] {
      for month in [nil, 1, 9, 12] as [Int?] {
        for day in [nil, 1, 9, 31] as [Int?] {
          let date = PartialDate(year: year, month: month, day: day)
          var expected = String(format: "%04d", year)
          if let month {
            expected += String(format: "-%02d", month)
            if let day { expected += String(format: "-%02d", day) }
          }
          #expect(date.iso == expected)
        }
      }
    }
  }

  @Test(
    "money to euro cents",
    arguments: [
      ("1.234,50 €", Int64(123_450)), ("1234.5", 123_450), ("1,234.50", 123_450), ("EUR 300", 30_000),
      ("300,-", 30_000), ("0,00 €", 0), ("12,5", 1250), ("1.234", 123_400), ("-15,00", -1500),
    ])
  func money(text: String, cents: Int64) {
    guard case .value(let v) = MoneyNormalizer.parse(text) else {
      Issue.record("not parsed: \(text)")
      return
    }
    #expect(v == cents)
  }

  @Test(
    "unreadable money is invalid, never guessed",
    arguments: ["viel", "1.23.4,5", "12,345,6", "99999999999999999", "99999999999999999999,00"])
  func badMoney(text: String) {
    guard case .invalid = MoneyNormalizer.parse(text) else {
      Issue.record("should be invalid: \(text)")
      return
    }
  }

  @Test(
    "CEFR levels",
    arguments: [
      ("A2.1", "A2"), ("Niveau B1", "B1"), ("B1 (DTZ)", "B1"), ("b2", "B2"), ("C1 Hochschule", "C1"),
      ("keine", "none"),
    ])
  func cefr(text: String, expected: String) {
    guard case .value(let v) = LanguageLevelNormalizer.parse(text) else {
      Issue.record("not parsed: \(text)")
      return
    }
    #expect(v == expected)
  }

  @Test(
    "nationality to ISO alpha-3",
    arguments: [
      ("syrisch", "SYR"), ("Syrien", "SYR"), ("Syrian", "SYR"), ("SY", "SYR"), ("syr", "SYR"),
      ("afghanische", "AFG"), ("Irak", "IRQ"), ("eritreisch", "ERI"), ("türkisch", "TUR"), ("Türkei", "TUR"),
      ("staatenlos", "XXA"), ("ungeklärt", "XXX"), ("Ukraine", "UKR"), ("UA", "UKR"),
      // The Destatis key, alone or with its name.
      ("475", "SYR"), ("423", "AFG"), ("224", "ERI"), ("232", "NGA"), ("997", "XXA"), ("000", "DEU"),
      ("475 Syrien", "SYR"), ("423 - afghanisch", "AFG"),
    ])
  func nationality(text: String, expected: String) {
    guard case .value(let v) = NationalityNormalizer.parse(text) else {
      Issue.record("not parsed: \(text)")
      return
    }
    #expect(v == expected)
  }

  @Test("a column of Destatis keys reads as nationalities; a column of ISO numeric codes has none read as a key")
  func nationalityCodeColumns() throws {
    let header = ["Nr", "Nachname", "Staatsangehörigkeit"]
    func rows(_ codes: [String]) -> [[String]] { codes.enumerated().map { [String($0 + 1), "Haddad", $1] } }
    // Destatis: Syria, Afghanistan, Nigeria, Eritrea, Iraq, stateless.
    let destatis = rows(["475", "423", "232", "224", "438", "997"])
    var keys = try MapperFixture.mapper("municipality: X\n", header: header, sample: destatis)
    let read = destatis.enumerated().map { keys.map(.row(CSVRow(line: $0 + 2, fields: $1))).person?.nationality }
    #expect(read == ["SYR", "AFG", "NGA", "ERI", "IRQ", "XXA"])
    #expect(keys.notes.isEmpty)
    // ISO 3166 numeric: Syria, Afghanistan, Eritrea, Somalia, Iraq, Turkey. 232 is Nigeria's
    // Destatis key: read as one, an Eritrean would become Nigerian.
    let iso = rows(["760", "004", "232", "706", "368", "792"])
    var numeric = try MapperFixture.mapper("municipality: X\n", header: header, sample: iso)
    let eritrean = numeric.map(.row(CSVRow(line: 4, fields: iso[2])))
    #expect(eritrean.person?.nationality == nil)
    #expect(eritrean.misses.map(\.field) == ["person.nationality"])
    #expect(numeric.notes.first?.contains("cannot be a Destatis key") == true, "\(numeric.notes)")
    // A value map reads them.
    var mapped = try MapperFixture.mapper(
      "municipality: X\nvalues:\n  nationality: { \"232\": ERI }\n", header: header, sample: iso)
    #expect(mapped.map(.row(CSVRow(line: 4, fields: iso[2]))).person?.nationality == "ERI")
  }

  @Test(
    "an unknown country is invalid, and so is a number that is no Destatis key", arguments: ["Atlantis", "760", "4"])
  func unknownCountry(text: String) {
    guard case .invalid = NationalityNormalizer.parse(text) else {
      Issue.record("\(text) should not map")
      return
    }
  }
}

@Suite("Map: headers and program names")
struct RecognitionTests {
  @Test("a second column named like a field another one feeds is left to the steward, as loading leaves it")
  func secondColumnForOneField() throws {
    let dir = TestSupport.scratch()
    let file = TestSupport.write(
      "Nr;Name;Vorname;Staatsangehörigkeit;Herkunftsland\n1;Haddad;Amina;syrisch;Syrien\n", to: "x.csv", in: dir)
    let draft = try MappingDraft.make(path: file, municipality: "X")
    #expect(draft.recognised.filter { $0.field == "person.nationality" }.map(\.column) == ["Staatsangehörigkeit"])
    #expect(draft.unrecognised == ["Herkunftsland"])
    #expect(draft.yaml.contains("named like person.nationality too, which \"Staatsangehörigkeit\" feeds"))
  }

  @Test(
    "headers recognised without a mapping line",
    arguments: [
      ("Geburtsdatum", "person.birth_date"), ("Geb.-Datum", "person.birth_date"), ("DOB", "person.birth_date"),
      ("date_of_birth", "person.birth_date"), ("Staatsangehörigkeit", "person.nationality"),
      ("StaatsangehÃ¶rigkeit", "person.nationality"), ("Nationalität", "person.nationality"),
      ("Maßnahme", "participation.program"), ("Massnahme", "participation.program"),
      ("Kosten (EUR)", "participation.cost"), ("Vorname", "person.given_name"), ("last_name", "person.family_name"),
      ("Träger", "participation.provider"), ("StA", "person.nationality"), ("Staat", "person.nationality"),
      ("Staatsang.", "person.nationality"), ("Stand", "participation.status"),
      ("Sprache", "potential.language_level"),
      // A two-row header's group before the name.
      ("Person Nachname", "person.family_name"), ("Person Vorname", "person.given_name"),
      ("Maßnahme Programm", "participation.program"),
      // An English export's identifiers and a date of birth in three columns.
      ("bamf_number", "person.bamf"), ("BAMF-Aktenzeichen", "person.bamf"), ("Geb.Tag", "person.birth_day"),
      ("Geb.Monat", "person.birth_month"), ("Geb.Jahr", "person.birth_year"), ("Geburtsmonat", "person.birth_month"),
      // Headers of real exports that were not recognised (a program column lost its measures).
      ("Kursbezeichnung", "participation.program"), ("Maßnahmeträger", "participation.provider"),
      ("Schulbildung (Jahre)", "potential.school_years"), ("Given names", "person.given_name"),
      ("Country of origin", "person.nationality"), ("Years of schooling", "potential.school_years"),
      ("Case worker", "case.manager"), ("AZR No.", "person.azr"),
      // A phrase after the name: its head names the field, not the phrase's last word.
      ("Beruf im Herkunftsland", "potential.occupation"), ("Ende der Maßnahme", "participation.end"),
      // A salutation (Herr / Frau) where no column says sex.
      ("Anrede", "person.sex"), ("Salutation", "person.sex"),
    ])
  func header(text: String, field: String) {
    #expect(HeaderSynonyms.field(for: text)?.description == field)
  }

  @Test("a short last word names no field on its own (provider_id is no person id), unless its group names the section")
  func shortTail() {
    #expect(HeaderSynonyms.field(for: "Datum der Einreise") == nil)
    #expect(HeaderSynonyms.field(for: "provider_id") == nil)
    #expect(HeaderSynonyms.field(for: "kunden_id") == nil)
    // A two-row header's joined names: the group above says which section the short name is of.
    #expect(HeaderSynonyms.field(for: "Teilnahme Ende") == FieldRef(.participation, "end"))
    #expect(HeaderSynonyms.field(for: "Maßnahme bis") == FieldRef(.participation, "end"))
    #expect(HeaderSynonyms.field(for: "Person ID") == FieldRef(.person, "id"))
    #expect(HeaderSynonyms.field(for: "Person Ende") == nil)
  }

  func catalogue() throws -> Catalogue {
    try Catalogue.load(file: TestSupport.path("mappings/catalogue.yml"))
  }

  @Test("the catalogue holds all 46 measures")
  func catalogueSize() throws {
    let c = try catalogue()
    #expect(c.measures.count == 46)
    #expect(c["SPR-IK-ALPHA"]?.nameDE == "Integrationskurs mit Alphabetisierung")
  }

  @Test(
    "exact matches after normalisation",
    arguments: [
      ("Integrationskurs (VHS) A1-B1", "SPR-IK"), ("IK Alpha", "SPR-IK-ALPHA"), ("Alphakurs", "SPR-IK-ALPHA"),
      ("BSK B2", "SPR-BSK-B"), ("Sprachcafé", "SPR-NS"), ("PerF", "ARB-PERF"), ("Kita", "FAM-KITA"),
      ("Einstiegsqualifizierung (EQ)", "ARB-EQ"), ("jobcoaching", "ARB-COACH"),
    ])
  func exact(name: String, code: String) throws {
    #expect(ProgramMatcher(catalogue: try catalogue()).exact(name) == code)
  }

  @Test("suggestions for names nobody mapped, best first")
  func suggest() throws {
    let m = ProgramMatcher(catalogue: try catalogue())
    #expect(m.suggest("Integrationskurs m. Alphabetisierung").first?.code == "SPR-IK-ALPHA")
    #expect(m.suggest("IK Alpha Caritas").first?.code == "SPR-IK-ALPHA")
    let s = m.suggest("Jugendintegrationskurs Modul 3")
    #expect(s.count == 3)
    #expect(s[0].code == "SPR-IK-JUG")
    #expect(s[0].score >= s[1].score && s[1].score >= s[2].score)
  }
}

@Suite("Map: mapping files")
struct MappingFileTests {
  func catalogue() throws -> Catalogue { try Catalogue.load(file: TestSupport.path("mappings/catalogue.yml")) }

  @Test("an unknown catalogue code fails with file, line and a fix")
  func unknownCode() throws {
    let dir = TestSupport.scratch()
    let file = TestSupport.write("municipality: X\nprograms:\n  Alphakurs: SPR-IK-ALFA\n", to: "m.yml", in: dir)
    do {
      _ = try MappingFile.load(file: file, catalogue: try catalogue())
      Issue.record("should fail")
    } catch let error as PaktError {
      #expect(error.kind == .configuration)
      #expect(error.line == 3)
      #expect(error.message.contains("SPR-IK-ALFA"))
      #expect(error.message.contains("SPR-IK-ALPHA"))
    }
  }

  @Test("an unknown key names the allowed ones")
  func unknownKey() throws {
    let dir = TestSupport.scratch()
    let file = TestSupport.write("municipality: X\nperson:\n  geburtsdatum: Geb\n", to: "m.yml", in: dir)
    #expect {
      _ = try MappingFile.load(file: file, catalogue: try catalogue())
    } throws: { error in
      guard let e = error as? PaktError else { return false }
      return e.line == 3 && e.message.contains("geburtsdatum") && (e.fix ?? "").contains("birth_date")
    }
  }

  @Test("a mapping that names a missing column fails before loading, listing the columns")
  func missingColumn() throws {
    let dir = TestSupport.scratch()
    let file = TestSupport.write("municipality: X\nperson:\n  id: Kundennummer\n", to: "m.yml", in: dir)
    let mapping = try MappingFile.load(file: file, catalogue: try catalogue())
    var layout = FileLayout(format: .csv, encoding: "utf-8")
    layout.header = ["Nr", "Name"]
    #expect {
      _ = try RecordMapper(
        source: "x", fileName: "x.csv", mapping: mapping, layout: layout,
        matcher: ProgramMatcher(catalogue: try catalogue()), autoApplyThreshold: 0.9)
    } throws: { error in
      guard let e = error as? PaktError else { return false }
      return e.line == 3 && e.message.contains("Kundennummer") && (e.fix ?? "").contains("'Nr'")
    }
  }

  @Test("a CSV row maps onto person, participation, residence and potentials")
  func mapRow() throws {
    let dir = TestSupport.scratch()
    let file = TestSupport.write(
      "municipality: Ulm\nags: \"08421000\"\nvalues:\n  sex:\n    \"2\": female\nprograms:\n  Lerncafé: SPR-NS\n",
      to: "m.yml", in: dir)
    let mapping = try MappingFile.load(file: file, catalogue: try catalogue())
    var layout = FileLayout(format: .csv, encoding: "utf-8")
    layout.header = [
      "Nr", "Name", "Vorname", "Geb.-Datum", "Geschlecht", "Maßnahme", "Beginn", "Kosten", "Sprachniveau",
    ]
    var mapper = try RecordMapper(
      source: "ulm", fileName: "u.csv", mapping: mapping, layout: layout,
      matcher: ProgramMatcher(catalogue: try catalogue()), autoApplyThreshold: 0.9)
    let row = CSVRow(
      line: 2, fields: ["17", "Haddad", "Amina", "01.01.1990", "2", "Lerncafé", "31.02.2024", "1.234,50 €", "A2.1"])
    let m = mapper.map(.row(row))
    #expect(m.reject == nil)
    #expect(m.person?.localID == "17")
    #expect(m.person?.sex == .female)
    #expect(m.person?.birthDate?.placeholder == true)
    #expect(m.participations.first?.catalogueCode == "SPR-NS")
    #expect(m.participations.first?.mappingMethod == .explicit)
    #expect(m.participations.first?.costCents == 123_450)
    #expect(m.residences.first?.ags == "08421000")
    #expect(m.potentials.first?.value == "A2")
    // 31.02.2024 is written like a date but no calendar has it: a quality flag, not a miss.
    #expect(m.misses.isEmpty)
    #expect(m.flags.map(\.rule) == [.impossibleDate])
    #expect(m.flags.first?.lineage.line == 2)
    #expect(m.flags.first?.valueClass == "day 31 in month 2")
    #expect(m.participations.first?.start == nil)
  }
}

@Suite("Map: municipalities")
struct GazetteerTests {
  @Test(
    "municipality names to AGS, with prefixes and aliases",
    arguments: [
      ("Stadt Freiburg i. Br.", "08311000"), ("Freiburg im Breisgau", "08311000"), ("MANNHEIM", "08222000"),
      ("Landeshauptstadt Stuttgart", "08111000"), ("Ulm", "08421000"),
    ])
  func lookup(name: String, ags: String) throws {
    let g = try Gazetteer.load(file: TestSupport.path("mappings/municipalities.csv"))
    #expect(g.ags(for: name) == ags)
  }

  @Test("an unknown place has no AGS; a malformed AGS is a configuration error")
  func unknown() throws {
    let g = try Gazetteer.load(file: TestSupport.path("mappings/municipalities.csv"))
    #expect(g.ags(for: "Atlantis") == nil)
    let bad = TestSupport.write("ags;name\n8311;Freiburg\n", to: "m.csv", in: TestSupport.scratch())
    #expect(throws: PaktError.self) { _ = try Gazetteer.load(file: bad) }
  }
}

@Suite("Map: canonical fields")
struct FieldRefTests {
  @Test("fields are equal when section and name are; a set and a dictionary find each field, known or not")
  func identity() {
    var all: [FieldRef] = []
    for section in Section.allCases {
      for name in section.fields { all.append(FieldRef(section, name)) }
      all.append(FieldRef(section, "not_a_field"))
      all.append(FieldRef(section, "another_one"))
    }
    // "municipality" is a field of two sections: two different fields.
    #expect(FieldRef(.residence, "municipality") != FieldRef(.caseManagement, "municipality"))
    #expect(Set(all).count == all.count)
    var index: [FieldRef: Int] = [:]
    for (i, field) in all.enumerated() { index[field] = i }
    for (i, field) in all.enumerated() {
      #expect(index[FieldRef(field.section, field.name)] == i, "\(field)")
      #expect(FieldRef(field.section, field.name) == field)
      #expect(FieldRef(field.section, field.name).hashValue == field.hashValue)
    }
  }
}

@Suite("Map: values read once")
struct MemoTests {
  @Test("a remembered value is what the normalizer says; past the limit values are still read, not kept")
  func memo() {
    var memo = Memo<Int64>()
    var reads = 0
    let read: (String) -> Normalized<Int64> = { raw in
      reads += 1
      return MoneyNormalizer.parse(raw)
    }
    for _ in 0..<3 {
      for raw in ["1.234,50 €", "", "kostenlos"] {
        let value = memo.value(raw, read)
        switch (value, MoneyNormalizer.parse(raw)) {
        case (.value(let a), .value(let b)): #expect(a == b)
        case (.empty, .empty), (.invalid, .invalid): break
        default: Issue.record("\(raw): \(value) against \(MoneyNormalizer.parse(raw))")
        }
      }
    }
    #expect(reads == 3)
    reads = 0
    for i in 0..<(Memo<Int64>.limit + 100) { _ = memo.value("\(i)", read) }
    for i in 0..<(Memo<Int64>.limit + 100) { _ = memo.value("\(i)", read) }
    // The first pass read every value; the second only those past the limit.
    #expect(reads == Memo<Int64>.limit + 100 + 103)
  }
}
