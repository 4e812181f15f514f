import Foundation
import GRDB
import PaktCore
import PaktExtract
import PaktMap
import PaktPipeline
import PaktTestSupport
import Testing

/// Persons in one table, their measures in another, each measure naming its person by id: two
/// sheets of a workbook ("Personen", "Maßnahmen"), or two CSV files of one source.
@Suite("Persons and their measures in two tables")
struct SplitTableTests {
  typealias Cell = XLSXWriter.Cell

  static let persons: [[Cell]] = [
    ["Kennung", "Nachname", "Vorname", "Geburtsdatum"].map(Cell.text),
    [.text("K-1"), .text("Haddad"), .text("Amina"), .date(1990, 3, 7)],
    [.text("K-2"), .text("Okafor"), .text("Musa"), .date(2001, 11, 30)],
  ]
  /// Three measures of K-1 and K-2, and one of a person the workbook does not list (row 5).
  static let measures: [[Cell]] = [
    ["Kennung", "Maßnahme", "Beginn", "Ende"].map(Cell.text),
    [.text("K-1"), .text("Integrationskurs"), .date(2024, 1, 8), .date(2024, 6, 28)],
    [.text("K-2"), .text("Integrationskurs"), .date(2024, 2, 5), .empty],
    [.text("K-1"), .text("Kompetenzfeststellung"), .date(2024, 9, 2), .date(2024, 9, 3)],
    [.text("K-9"), .text("Integrationskurs"), .date(2024, 3, 1), .empty],
  ]

  /// A night of `inbox/*.ext` through a mapping `mapping`; the warehouse's persons (id, names,
  /// date of birth) and participations (id, program, start) as text.
  static func night(_ dir: String, ext: String, mapping: String) throws -> (
    summary: RunSummary, persons: [String], participations: [String]
  ) {
    let mappingPath = TestSupport.write("municipality: Testheim\n" + mapping, to: "m.yml", in: dir)
    let pipeline = TestSupport.onePipeline(in: dir, source: "testheim", files: ext, mappingPath: mappingPath)
    let summary = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    let rows = try DatabaseQueue(path: "\(dir)/warehouse.sqlite").read { db in
      (
        try String.fetchAll(
          db,
          sql:
            "SELECT local_id || '|' || ifnull(family_name, '') || '|' || ifnull(given_name, '') || '|' || ifnull(birth_date, '') FROM identity ORDER BY 1"
        ),
        try String.fetchAll(
          db,
          sql:
            "SELECT person_local_id || '|' || program_name || '|' || ifnull(start_date, '') FROM participation WHERE retired_run IS NULL ORDER BY 1"
        )
      )
    }
    return (summary, rows.0, rows.1)
  }

  static let expectedPersons = ["K-1|Haddad|Amina|1990-03-07", "K-2|Okafor|Musa|2001-11-30"]
  static let expectedMeasures = [
    "K-1|Integrationskurs|2024-01-08", "K-1|Kompetenzfeststellung|2024-09-02", "K-2|Integrationskurs|2024-02-05",
  ]

  @Test("a workbook's sheets of persons and measures load as one delivery; a measure of no listed person is rejected")
  func workbookSheets() throws {
    let dir = TestSupport.scratch("pakt-sheets")
    try FileManager.default.createDirectory(atPath: "\(dir)/inbox", withIntermediateDirectories: true)
    try XLSXWriter.write(
      path: "\(dir)/inbox/book.xlsx",
      sheets: [.init(name: "Personen", rows: Self.persons), .init(name: "Maßnahmen", rows: Self.measures)])
    let (summary, persons, measures) = try Self.night(
      dir, ext: "xlsx", mapping: "read:\n  sheets: [Personen, Maßnahmen]\nperson:\n  id: Kennung\n")
    #expect(persons == Self.expectedPersons)
    #expect(measures == Self.expectedMeasures)
    #expect(
      summary.files.map(\.name).map { ($0 as NSString).lastPathComponent } == [
        "book.xlsx [Personen]", "book.xlsx [Maßnahmen]",
      ])
    let sheet = try #require(summary.files.last)
    #expect(sheet.read == 4 && sheet.loaded == 3 && sheet.rejected == 1)
    let reject = try DatabaseQueue(path: "\(dir)/warehouse.sqlite").read { db in
      try Row.fetchOne(db, sql: "SELECT file, line, kind, reason FROM reject")
    }
    #expect((reject?["file"] as String?)?.hasSuffix("book.xlsx [Maßnahmen]") == true)
    #expect(reject?["line"] == 5)
    #expect(reject?["kind"] == "unknown person reference")
    #expect((reject?["reason"] as String?)?.contains("'K-9'") == true)

    // The same workbook again changes nothing.
    let again = try Self.night(
      dir, ext: "xlsx", mapping: "read:\n  sheets: [Personen, Maßnahmen]\nperson:\n  id: Kennung\n")
    #expect(again.summary.files.allSatisfy { $0.status == .unchanged })
    #expect(again.persons == persons && again.participations == measures)
  }

  @Test("`mappings init` drafts both sheets where the second names its persons by the first's id")
  func draftReadsBothSheets() throws {
    let dir = TestSupport.scratch("pakt-sheets")
    let path = "\(dir)/book.xlsx"
    let notes: [[Cell]] = [["Hinweis"].map(Cell.text), [.text("Stand Januar")]]
    try XLSXWriter.write(
      path: path,
      sheets: [
        .init(name: "Personen", rows: Self.persons), .init(name: "Maßnahmen", rows: Self.measures),
        .init(name: "Notizen", rows: notes),
      ])
    let draft = try MappingDraft.make(path: path, municipality: "Testheim")
    #expect(draft.yaml.contains("sheets: [\"Personen\", \"Maßnahmen\"]"), "\(draft.yaml)")
    #expect(draft.yaml.contains("Maßnahme → participation.program"))
    // A sheet that names no person is not read with them, and is named.
    #expect(draft.yaml.contains("the workbook's sheet 'Notizen' holds rows too"))
  }

  @Test("an Excel 97-2003 workbook (.xls, written by xlwt) is drafted and loaded as an .xlsx is: both sheets")
  func legacyWorkbook() throws {
    let dir = TestSupport.scratch("pakt-xls")
    try FileManager.default.createDirectory(atPath: "\(dir)/inbox", withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: TestSupport.path("Tests/Fixtures/xls/small.xls"), toPath: "\(dir)/inbox/book.xls")
    let draft = try MappingDraft.make(path: "\(dir)/inbox/book.xls", municipality: "Testheim")
    #expect(draft.yaml.contains("sheets: [\"Personen\", \"Maßnahmen\"]"), "\(draft.yaml)")
    let mappingPath = TestSupport.write(draft.yaml, to: "m.yml", in: dir)
    let pipeline = TestSupport.onePipeline(in: dir, source: "testheim", files: "xls", mappingPath: mappingPath)
    let summary = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    #expect(summary.status == .committed)
    #expect(summary.files.map(\.format) == ["xls", "xls"])
    let (persons, measures) = try DatabaseQueue(path: "\(dir)/warehouse.sqlite").read { db in
      (
        try String.fetchAll(
          db,
          sql:
            "SELECT local_id || '|' || family_name || '|' || given_name || '|' || ifnull(birth_date, '') || '|' || ifnull(azr_number, '') FROM identity ORDER BY 1"
        ),
        try String.fetchAll(db, sql: "SELECT person_local_id || '|' || program_name FROM participation")
      )
    }
    // 01.01.2001 is kept as a year: the day of a date written 01.01. is not known.
    #expect(
      persons == [
        "K-1|Haddad|Amina|1990-03-05|012345678901", "K-2|Müller-Çelik|José|1985-12-31|",
        "K-3|Ahmadi|Reza|2001|123456789012", "K-4|Tesfay|Selam||",
      ])
    #expect(measures == ["K-1|Integrationskurs"])
  }

  @Test("an HTML page delivered as .xls is drafted and loaded as a table")
  func htmlAsExcel() throws {
    let dir = TestSupport.scratch("pakt-html")
    let page = """
      <html><head><meta charset="utf-8"></head><body><table>
      <tr><th>Kennung</th><th>Nachname</th><th>Vorname</th><th>Geburtsdatum</th><th>Maßnahme</th></tr>
      <tr><td rowspan="2">K-1</td><td rowspan="2">Haddad</td><td rowspan="2">Amina</td><td rowspan="2">07.03.1990</td><td>Integrationskurs</td></tr>
      <tr><td>Kompetenzfeststellung</td></tr>
      <tr><td>K-2</td><td>Okafor</td><td>Musa</td><td>30.11.2001</td><td>Integrationskurs</td></tr>
      </table></body></html>
      """
    TestSupport.write(page, to: "inbox/export.xls", in: dir)
    let draft = try MappingDraft.make(path: "\(dir)/inbox/export.xls", municipality: "Testheim")
    let mappingPath = TestSupport.write(draft.yaml, to: "m.yml", in: dir)
    let pipeline = TestSupport.onePipeline(in: dir, source: "testheim", files: "xls", mappingPath: mappingPath)
    let summary = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    #expect(summary.status == .committed)
    #expect(summary.files.map(\.format) == ["html"])
    let (persons, measures) = try DatabaseQueue(path: "\(dir)/warehouse.sqlite").read { db in
      (
        try String.fetchAll(
          db, sql: "SELECT local_id || '|' || family_name || '|' || ifnull(birth_date, '') FROM identity ORDER BY 1"),
        try String.fetchAll(
          db, sql: "SELECT person_local_id || '|' || program_name FROM participation ORDER BY 1")
      )
    }
    #expect(persons == ["K-1|Haddad|1990-03-07", "K-2|Okafor|2001-11-30"])
    #expect(measures == ["K-1|Integrationskurs", "K-1|Kompetenzfeststellung", "K-2|Integrationskurs"])
  }

  @Test("a column the mapping names that no sheet has rejects every sheet of the workbook with the reason")
  func columnOnNoSheet() throws {
    let dir = TestSupport.scratch("pakt-sheets")
    try FileManager.default.createDirectory(atPath: "\(dir)/inbox", withIntermediateDirectories: true)
    try XLSXWriter.write(
      path: "\(dir)/inbox/book.xlsx",
      sheets: [.init(name: "Personen", rows: Self.persons), .init(name: "Maßnahmen", rows: Self.measures)])
    let (summary, persons, _) = try Self.night(
      dir, ext: "xlsx", mapping: "read:\n  sheets: [Personen, Maßnahmen]\nperson:\n  id: Kennung\n  azr: AZR-Nummer\n")
    #expect(persons.isEmpty)
    #expect(summary.files.count == 2)
    for file in summary.files {
      #expect(file.status == .unreadable)
      #expect(file.problem?.contains("'AZR-Nummer'") == true, "\(file.problem ?? "")")
    }
  }

  @Test("two CSV files of one source: the measures file names its persons by id, whichever file is read first")
  func twoCSVFiles() throws {
    let dir = TestSupport.scratch("pakt-two-files")
    // "a-…" is read before "b-…": the measures come first.
    TestSupport.write(
      "Kennung;Maßnahme;Beginn\nK-1;Integrationskurs;08.01.2024\nK-2;Integrationskurs;05.02.2024\n"
        + "K-1;Kompetenzfeststellung;02.09.2024\nK-9;Integrationskurs;01.03.2024\n",
      to: "inbox/a-massnahmen.csv", in: dir)
    TestSupport.write(
      "Kennung;Nachname;Vorname;Geburtsdatum\nK-1;Haddad;Amina;07.03.1990\nK-2;Okafor;Musa;30.11.2001\n",
      to: "inbox/b-personen.csv", in: dir)
    let (summary, persons, measures) = try Self.night(dir, ext: "csv", mapping: "person:\n  id: Kennung\n")
    // Read as persons, K-1 and K-2 were persons with an id and nothing else, and their names
    // and dates of birth from the second file were dropped as repeats.
    #expect(persons == Self.expectedPersons)
    #expect(measures == Self.expectedMeasures)
    let measuresFile = try #require(summary.files.first { $0.name.hasSuffix("a-massnahmen.csv") })
    #expect(measuresFile.rejected == 1)
    #expect(measuresFile.note?.contains("read as measures of the persons") == true, "\(measuresFile.note ?? "")")
  }

  @Test(
    "a file of ids and language levels read before the persons file does not stand in for the persons; an id of no person is rejected"
  )
  func potentialsFileFirst() throws {
    let dir = TestSupport.scratch("pakt-two-files")
    // K-7 is no person of the delivery (a mistyped id, or a person the persons table lacks);
    // K-2's second row holds nothing.
    TestSupport.write(
      "Kennung;Sprachniveau;Zuzug\nK-1;B1;01.02.2023\nK-2;A2;\nK-7;B2;\nK-2;;\n", to: "inbox/a-sprachstand.csv", in: dir
    )
    TestSupport.write(
      "Kennung;Nachname;Vorname;Geburtsdatum;Maßnahme;Beginn\nK-1;Haddad;Amina;07.03.1990;Integrationskurs;08.01.2024\n"
        + "K-2;Okafor;Musa;30.11.2001;Integrationskurs;05.02.2024\n",
      to: "inbox/b-personen.csv", in: dir)
    let (summary, persons, _) = try Self.night(dir, ext: "csv", mapping: "person:\n  id: Kennung\n")
    #expect(persons == Self.expectedPersons)
    #expect(summary.files.map { ($0.name as NSString).lastPathComponent } == ["b-personen.csv", "a-sprachstand.csv"])
    let (levels, rejects, residences) = try DatabaseQueue(path: "\(dir)/warehouse.sqlite").read { db in
      (
        try String.fetchAll(db, sql: "SELECT person_local_id || ' ' || value FROM potential ORDER BY 1"),
        try String.fetchAll(db, sql: "SELECT line || ' ' || kind || ': ' || reason FROM reject ORDER BY line"),
        try String.fetchAll(
          db, sql: "SELECT person_local_id || ' ' || ifnull(from_date, '') FROM residence ORDER BY 1")
      )
    }
    #expect(levels == ["K-1 B1", "K-2 A2"])
    // Read as persons, K-7 became a person with an id and no name.
    let facts = try #require(summary.files.first { $0.name.hasSuffix("a-sprachstand.csv") })
    #expect(facts.rejected == 2)
    #expect(facts.note?.contains("read as facts about the persons") == true, "\(facts.note ?? "")")
    #expect(
      rejects == [
        "4 unknown person reference: refers to person id 'K-7', which this delivery does not contain",
        "5 empty record: the row holds no value that the mapping loads for its person",
      ])
    #expect(residences.contains("K-1 2023-02-01"), "\(residences)")
  }

  @Test("a file of ids and measures alone, with no table of persons beside it, still loads its persons")
  func measuresAlone() throws {
    let dir = TestSupport.scratch("pakt-two-files")
    TestSupport.write(
      "Kennung;Maßnahme;Beginn\nK-1;Integrationskurs;08.01.2024\nK-2;Integrationskurs;05.02.2024\n",
      to: "inbox/massnahmen.csv", in: dir)
    let (summary, persons, measures) = try Self.night(dir, ext: "csv", mapping: "person:\n  id: Kennung\n")
    #expect(persons == ["K-1|||", "K-2|||"])
    #expect(measures.count == 2)
    #expect(summary.files.first?.rejected == 0)
  }

  @Test("`read:` takes one sheet or a list, not both, and each sheet once")
  func readSheetsParsed() throws {
    let catalogue = try Catalogue.load(file: TestSupport.root + "/mappings/catalogue.yml")
    func parse(_ read: String) throws -> MappingFile {
      let dir = TestSupport.scratch("pakt-sheets")
      let path = TestSupport.write("municipality: T\nread:\n" + read, to: "m.yml", in: dir)
      return try MappingFile.load(file: path, catalogue: catalogue)
    }
    #expect(try parse("  sheet: Personen\n").read.sheet == "Personen")
    #expect(try parse("  sheets: [Personen, Maßnahmen]\n").read.sheets == ["Personen", "Maßnahmen"])
    #expect(try parse("  sheet: [Personen, Maßnahmen]\n").read.sheets == ["Personen", "Maßnahmen"])
    #expect(throws: PaktError.self) { try parse("  sheet: Personen\n  sheets: [Personen, Maßnahmen]\n") }
    #expect(throws: PaktError.self) { try parse("  sheets: [Personen, Personen]\n") }
  }

  @Test("a workbook written with XLSXWriter reads back: text, numbers and date cells")
  func writerRoundTrip() throws {
    let dir = TestSupport.scratch("pakt-sheets")
    let path = "\(dir)/round.xlsx"
    try XLSXWriter.write(
      path: path,
      sheets: [
        .init(
          name: "A & B",
          rows: [["Name", "Zahl", "Datum"].map(Cell.text), [.text("<Ölçek>"), .number(12.5), .date(2024, 2, 29)]])
      ])
    let file = try OpenedFile(path: path)
    #expect(file.layout.sheet == "A & B")
    guard case .row(let row) = try file.next() else { Issue.record("no row"); return }
    #expect(row.fields == ["<Ölçek>", "12.5", "2024-02-29"])
    #expect(SpreadsheetSerial.serial(year: 1990, month: 3, day: 7) == 32_939)
    #expect(SpreadsheetSerial.serial(year: 2024, month: 2, day: 30) == nil)
    for serial in [61, 32_939, 45_351] {
      let d = try #require(SpreadsheetSerial.day(serial))
      #expect(SpreadsheetSerial.serial(year: d.year, month: d.month, day: d.day) == serial)
    }
  }
}
