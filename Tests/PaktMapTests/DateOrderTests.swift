import Foundation
import PaktCore
import PaktExtract
import PaktTestSupport
import Testing

@testable import PaktMap

/// Exports whose dates are written month first (a US-made case-management tool) and dates of
/// birth written in three columns (an older case file): read day first, or the year alone, each
/// loses or swaps what the office wrote.
@Suite("Map: dates as offices and their tools write them: month first, in three columns, by name, as serial numbers")
struct DateOrderTests {
  func catalogue() throws -> Catalogue { try MapperFixture.catalogue() }

  func mapper(_ mappingText: String, header: [String], sample: [[String]]) throws -> RecordMapper {
    try MapperFixture.mapper(mappingText, header: header, sample: sample)
  }

  @Test(
    "a date's numbers tell its order only where one of the first two is above 12",
    arguments: [
      ("03/16/2023", DateNormalizer.Order?.some(.mdy)), ("16/03/2023", .dmy), ("16.03.2023", .dmy),
      ("3-16-23", .mdy), ("07/03/2023", nil), ("2023-03-16", nil), ("1990", nil), ("13/13/2023", nil),
      ("03/32/2023", nil), ("Anna", nil), ("03/16/2023 00:00", .mdy),
    ])
  func order(text: String, expected: DateNormalizer.Order?) {
    #expect(DateNormalizer.order(of: text) == expected)
  }

  @Test(
    "dates as other tools write them: an XML date with its time zone, a month by name, a spreadsheet's serial number",
    arguments: [
      ("1990-03-07Z", "1990-03-07"), ("1990-03-07+01:00", "1990-03-07"), ("7. März 1990", "1990-03-07"),
      ("07-Mar-1990", "1990-03-07"), ("March 7, 1990", "1990-03-07"), ("07-Mrz-90", "1990-03-07"),
      ("Mär 1990", "1990-03"), ("31. Februar 1990", nil), ("Kurs Mai 2024", nil), ("Mai", nil),
      ("32939", "1990-03-07"), ("36526", "2000-01-01"), ("99999", nil),
    ] as [(String, String?)])
  func otherTools(text: String, expected: String?) {
    let dates = DateNormalizer(serials: true)
    if case .value(let d) = dates.parse(text) {
      #expect(d.description == expected)
    } else {
      #expect(expected == nil)
    }
  }

  @Test("five digits are a serial day number only where the value is known to be a date")
  func serialsOnlyInDateColumns() {
    // Guessing what a column holds, an id or a postcode of five digits is no date.
    if case .value = DateNormalizer().parse("32939") { Issue.record("read as a date") }
    var profile = ColumnProfile()
    for id in ["32939", "32940", "32941"] { profile.add(id) }
    #expect(profile.dates == 0)
  }

  @Test("a two-digit year of birth is never in the future; a measure's two-digit year may be")
  func twoDigitYearOfBirth() throws {
    let next = (Calendar(identifier: .gregorian).component(.year, from: Date()) + 1) % 100
    let yy = next < 10 ? "0\(next)" : String(next)
    var mapper = try mapper(
      "municipality: X\n", header: ["Nr", "Name", "Vorname", "Geburtsdatum", "Maßnahme", "Beginn"], sample: [])
    let m = mapper.map(
      .row(CSVRow(line: 2, fields: ["1", "Haddad", "Amina", "05.06.\(yy)", "Integrationskurs", "30.06.\(yy)"])))
    #expect(m.person?.birthDate == PartialDate(year: 1900 + next, month: 6, day: 5))
    #expect(m.participations.first?.start == PartialDate(year: 2000 + next, month: 6, day: 30))
    #expect(m.flags.isEmpty)
  }

  static let usHeader = ["Client ID", "Last Name", "First Name", "DOB", "Program", "Start"]
  static let usSample = [
    ["1", "Haddad", "Amina", "03/04/1990", "Integrationskurs", "09/15/2024"],
    ["2", "Tesfaye", "Yonas", "12/25/1985", "Integrationskurs", "10/01/2024"],
  ]

  @Test("a file whose dates can only be month first is read month first where the mapping does not say")
  func monthFirstRead() throws {
    var mapper = try mapper("municipality: X\n", header: Self.usHeader, sample: Self.usSample)
    let m = mapper.map(.row(CSVRow(line: 2, fields: Self.usSample[0])))
    // 03/04/1990 is 4 March, not 3 April; 09/15/2024 is a date, not a 15th month.
    #expect(m.person?.birthDate == PartialDate(year: 1990, month: 3, day: 4))
    #expect(m.participations.first?.start == PartialDate(year: 2024, month: 9, day: 15))
    #expect(m.flags.isEmpty)
    #expect(mapper.notes.contains { $0.hasPrefix("dates read month first: 2 dates can only be read month first") })
    // The note names no date of the file (a date of birth is personal data; notes reach the log).
    #expect(!mapper.notes.joined().contains("12/25/1985"))
  }

  @Test("a mapping that says `dates: dmy` is kept, and the note says the dates disagree")
  func statedOrderKept() throws {
    var mapper = try mapper("municipality: X\ndates: dmy\n", header: Self.usHeader, sample: Self.usSample)
    let m = mapper.map(.row(CSVRow(line: 2, fields: Self.usSample[0])))
    #expect(m.person?.birthDate == PartialDate(year: 1990, month: 4, day: 3))
    #expect(m.flags.map(\.rule) == [.impossibleDate])
    #expect(mapper.notes.contains { $0.contains("the mapping reads dates day first, but 2 dates") })
  }

  @Test("day-first dates, or dates that could be either, stay day first without a note")
  func dayFirstStays() throws {
    let german = [["1", "Haddad", "Amina", "03/04/1990", "Integrationskurs", "16/09/2024"]]
    let ambiguous = [["1", "Haddad", "Amina", "03/04/1990", "Integrationskurs", "01/10/2024"]]
    for sample in [german, ambiguous] {
      var mapper = try mapper("municipality: X\n", header: Self.usHeader, sample: sample)
      let m = mapper.map(.row(CSVRow(line: 2, fields: sample[0])))
      #expect(m.person?.birthDate == PartialDate(year: 1990, month: 4, day: 3))
      #expect(mapper.notes.isEmpty)
    }
  }

  @Test("pakt mappings init writes `dates: mdy` for month-first dates, and a warning where they disagree")
  func draftDetectsOrder() throws {
    let dir = TestSupport.scratch()
    let us = TestSupport.write(
      "Client ID,Last Name,First Name,DOB\n1,Haddad,Amina,03/04/1990\n2,Tesfaye,Yonas,12/25/1985\n", to: "us.csv",
      in: dir)
    let draft = try MappingDraft.make(path: us, municipality: "X")
    #expect(draft.yaml.contains("\ndates: mdy  # detected: 1 date can only be read month first"))
    #expect(!draft.yaml.contains("12/25/1985"))
    let saved = TestSupport.write(draft.yaml, to: "us.yml", in: dir)
    #expect(try MappingFile.load(file: saved, catalogue: try catalogue()).dateOrder == .mdy)

    let mixed = TestSupport.write(
      "Nr;Name;Vorname;Geburtsdatum\n1;Haddad;Amina;25.12.1985\n2;Tesfaye;Yonas;12/25/1985\n", to: "mixed.csv",
      in: dir)
    let mixedDraft = try MappingDraft.make(path: mixed, municipality: "X")
    #expect(!mixedDraft.yaml.contains("\ndates:"))
    #expect(mixedDraft.yaml.contains("# dates: 1 date can only be read month first"))
    #expect(mixedDraft.yaml.contains("1 only day first. pakt reads day first"))

    let german = TestSupport.write("Nr;Name;Vorname;Geburtsdatum\n1;Haddad;Amina;25.12.1985\n", to: "de.csv", in: dir)
    #expect(!(try MappingDraft.make(path: german, municipality: "X").yaml.contains("dates")))
  }

  @Test("a date of birth in three columns loads as one date; 01.01. is a placeholder; an impossible day keeps the year")
  func splitDate() throws {
    let header = ["Nr", "Familienname", "Vorname", "Geb.Tag", "Geb.Monat", "Geb.Jahr"]
    var mapper = try mapper("municipality: X\n", header: header, sample: [])
    func birth(_ day: String, _ month: String, _ year: String) -> (PartialDate?, [QualityRule]) {
      let m = mapper.map(.row(CSVRow(line: 2, fields: ["1", "Haddad", "Amina", day, month, year])))
      return (m.person?.birthDate, m.flags.map(\.rule))
    }
    #expect(birth("7", "3", "1990") == (PartialDate(year: 1990, month: 3, day: 7), []))
    #expect(birth("", "3", "1990") == (PartialDate(year: 1990, month: 3), []))
    #expect(birth("", "", "1990") == (PartialDate(year: 1990), []))
    #expect(birth("1", "1", "1990").0?.placeholder == true)
    #expect(birth("0", "0", "1990").0?.placeholder == true)
    #expect(birth("31", "2", "1990") == (PartialDate(year: 1990), [.impossibleDate]))
  }

  @Test("pakt mappings init finds the three columns, also where the day's column is called Geburtstag")
  func draftSplitDate() throws {
    let dir = TestSupport.scratch()
    let file = TestSupport.write(
      "Nr;Familienname;Vorname;Geburtstag;Geburtsmonat;Geburtsjahr\n1;Haddad;Amina;7;3;1990\n2;Tesfaye;Yonas;25;12;1985\n",
      to: "split.csv", in: dir)
    let draft = try MappingDraft.make(path: file, municipality: "X")
    #expect(draft.yaml.contains("  birth_day: \"Geburtstag\""))
    #expect(draft.yaml.contains("Geburtsmonat → person.birth_month"))
    #expect(draft.yaml.contains("Geburtsjahr → person.birth_year"))
    #expect(draft.unrecognised.isEmpty)
  }
}
