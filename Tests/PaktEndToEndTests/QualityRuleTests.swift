import Foundation
import GRDB
import PaktCore
import PaktPipeline
import PaktTestSupport
import Testing

/// Record-level quality rules: each rule on a hand-made line of a LibreOffice-style `;` export
/// (Windows-1252, decimal commas, a title line, a multi-line comment), what loads, what is
/// flagged, what is rejected, and what a steward's severities change.
@Suite("Quality rules")
struct QualityRuleTests {
  static let header =
    "Klienten-Nr.;Nachname;Vorname;Geburtsdatum;Geschlecht;Staatsangehörigkeit;Maßnahme;Träger;Beginn;Ende;Status;Kosten (EUR);Sprachniveau;Schuljahre"

  /// One line per rule (numbers are file lines: the title is line 1, the header line 3).
  static let lines: [(id: String, text: String)] = [
    (
      "Q1",
      "Q1;Haddad;Amina;07.03.1990;weiblich;syrisch;Integrationskurs;VHS;01.02.2024;30.06.2024;läuft;1.306,42 €;B1;10"
    ),
    (
      "Q2",
      "Q2;Haddad;Omar;07.03.1991;männlich;syrisch;Integrationskurs;VHS;01.02.2024;30.06.2024;läuft;-418,55 €;B1;10"
    ),
    (
      "Q3",
      "Q3;Karimi;Sara;01.05.1988;weiblich;afghanisch;Integrationskurs;VHS;01.09.2024;01.03.2024;läuft;100,00 €;A2;8"
    ),
    (
      "Q4",
      "Q4;Tesfaye;Yonas;31.02.1985;männlich;eritreisch;Integrationskurs;VHS;01.02.2024;30.06.2024;läuft;100,00 €;A2;6"
    ),
    ("Q5", "Q5;Ali;Noor;12.12.2091;weiblich;irakisch;Integrationskurs;VHS;01.02.2024;30.06.2024;läuft;100,00 €;A2;6"),
    ("Q6", "Q6;Ali;Hassan;03.04.1887;männlich;irakisch;Integrationskurs;VHS;01.02.2024;30.06.2024;läuft;100,00 €;A2;6"),
    ("Q7", "Q7;Osman;Leyla;05.06.2000;weiblich;syrisch;Integrationskurs;VHS;01.02.1999;30.06.2024;läuft;100,00 €;A2;6"),
    (
      "Q8",
      "Q8;Musa;Ab\u{07}dul;05.06.1999;männlich;somalisch;Integrationskurs;V\u{1B}HS;01.02.2024;30.06.2024;läuft;100,00 €;A2;6"
    ),
    ("Q9", "Q9;;;05.06.1999;männlich;somalisch;Integrationskurs;VHS;01.02.2024;30.06.2024;läuft;100,00 €;A2;6"),
    (
      "Q10",
      "Q10;Rahimi;Zahra;05.06.1995;weiblich;afghanisch;Integrationskurs;VHS;01.02.2024;30.06.2024;läuft;250.000,00 €;A2;6"
    ),
  ]

  /// Writes the export (Windows-1252, CRLF) and a one-source pipeline; returns the pipeline's path.
  static func night(extra: String = "", sourceExtra: String = "", lines: [(id: String, text: String)] = lines)
    -> (dir: String, pipeline: String)
  {
    let dir = TestSupport.scratch("pakt-quality")
    let text =
      (["Export Stadt Wangen, Integrationsmanagement, Stand 31.01.2025", "", header] + lines.map(\.text))
      .joined(separator: "\r\n") + "\r\n"
    TestSupport.write(Array(text.data(using: .windowsCP1252)!), to: "inbox/export.csv", in: dir)
    let pipeline = TestSupport.onePipeline(
      in: dir, source: "wangen", files: "csv", mapping: "freiburg", extra: extra, sourceExtra: sourceExtra)
    return (dir, pipeline)
  }

  static func run(_ pipeline: String, today: PartialDate = PartialDate(year: 2025, month: 1, day: 31)) throws
    -> RunSummary
  {
    var config = try PipelineConfig.load(path: pipeline)
    for i in config.sources.indices { config.sources[i].quality.today = today }
    return try PipelineRunner(config: config).run()
  }

  /// The flags in the warehouse: "record rule field severity".
  static func flags(_ dir: String) throws -> [String] {
    try DatabaseQueue(path: "\(dir)/warehouse.sqlite").read { db throws in
      try Row.fetchAll(db, sql: "SELECT record, rule, field, severity FROM quality_flag ORDER BY id").map {
        "\($0["record"] as String? ?? "-") \($0["rule"] as String) \($0["field"] as String) \($0["severity"] as String)"
      }
    }
  }

  @Test("each rule flags its line; unusable values load as empty, control characters are removed")
  func eachRule() throws {
    let (dir, pipeline) = Self.night()
    let summary = try Self.run(pipeline)
    let flags = try Self.flags(dir)
    #expect(
      Set(flags) == [
        "Q2 cost_negative participation.cost flag",
        "Q3 end_before_start participation.end flag",
        "Q4 impossible_date person.birth_date flag",
        "Q5 birth_date_in_future person.birth_date flag",
        "Q6 birth_date_before_1900 person.birth_date flag",
        "Q7 start_before_birth participation.start flag",
        "Q8 control_characters person.given_name flag",
        "Q8 control_characters participation.provider flag",
        "Q9 names_missing person.family_name reject",
        "Q10 cost_absurd participation.cost flag",
      ])
    #expect(flags.count == 10)
    let db = try DatabaseQueue(path: "\(dir)/warehouse.sqlite")
    try db.read { db throws in
      func value(_ sql: String) throws -> String? { try String.fetchOne(db, sql: sql) }
      // Flagged records load; what cannot be used is empty.
      #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM source_person") == 9)
      #expect(try value("SELECT cost_cents FROM participation WHERE person_local_id = 'Q1'") == "130642")
      #expect(try value("SELECT cost_cents FROM participation WHERE person_local_id = 'Q2'") == nil)
      #expect(try value("SELECT cost_cents FROM participation WHERE person_local_id = 'Q10'") == nil)
      #expect(try value("SELECT end_date FROM participation WHERE person_local_id = 'Q3'") == nil)
      #expect(try value("SELECT start_date FROM participation WHERE person_local_id = 'Q3'") == "2024-09-01")
      for id in ["Q4", "Q5", "Q6"] {
        #expect(try value("SELECT birth_date FROM identity WHERE local_id = '\(id)'") == nil)
      }
      #expect(try value("SELECT start_date FROM participation WHERE person_local_id = 'Q7'") == "1999-02-01")
      #expect(try value("SELECT given_name FROM identity WHERE local_id = 'Q8'") == "Abdul")
      #expect(try value("SELECT provider FROM participation WHERE person_local_id = 'Q8'") == "VHS")
      // The names-missing record is a reject that says why and what to do.
      let reject = try Row.fetchOne(db, sql: "SELECT kind, reason, line FROM reject")
      #expect(reject?["kind"] as String? == "quality: names_missing")
      #expect((reject?["reason"] as String?)?.contains("names_missing: flag") == true)
      #expect(reject?["line"] as Int? == 12)
      // A flag keeps no value, only its class.
      let classes = try String.fetchAll(db, sql: "SELECT value_class FROM quality_flag")
      #expect(!classes.contains { $0.contains("2091") || $0.contains("418") || $0.contains("Ab") })
      #expect(classes.contains("U+0007 in a 6-character value"))
    }
    #expect(summary.totals.rejected == 1)
    // The summary and the report's Quality section count them per source and rule.
    let costNegative = try #require(summary.quality.first { $0.rule == "cost_negative" })
    #expect(costNegative.count == 1)
    #expect(costNegative.examples == ["inbox/export.csv:5"])
    #expect(costNegative.trend == [1])
    let html = try String(contentsOfFile: "\(dir)/reports/mapping-report.html", encoding: .utf8)
    #expect(html.contains("<h2>Quality (10 flags)</h2>"))
    #expect(html.contains("end_before_start"))
    let csv = try String(contentsOfFile: "\(dir)/reports/quality-flags.csv", encoding: .utf8)
    #expect(csv.contains("wangen,control_characters,flag,2,"))
  }

  /// Rows a delimiter too wide, below the ten rules' rows (lines 14-16).
  static let strayLines: [(id: String, text: String)] = [
    // Doubled after the provider: only dropping that empty field fits the columns.
    (
      "Q11",
      "Q11;Nasser;Rami;02.03.1992;männlich;syrisch;Integrationskurs;VHS;;01.02.2024;30.06.2024;läuft;100,00 €;A2;6"
    ),
    // Typed into the status, between a date and an amount: only joining its parts fits.
    (
      "Q12",
      "Q12;Nasser;Lina;02.03.1994;weiblich;syrisch;Integrationskurs;VHS;01.02.2024;30.06.2024;läuft; verlängert;250,00 €;A2;6"
    ),
    // Between two names: "Abdi;Mohamed | Ali" or "Abdi | Mohamed;Ali" fit alike, so it stays a reject.
    (
      "Q13",
      "Q13;Abdi;Mohamed;Ali;02.03.1990;männlich;somalisch;Integrationskurs;VHS;01.02.2024;30.06.2024;läuft;100,00 €;A2;6"
    ),
  ]

  @Test("a delimiter too many: read the one way the columns allow and flagged, or a reject where two ways fit")
  func strayDelimiter() throws {
    let (dir, pipeline) = Self.night(lines: Self.lines + Self.strayLines)
    let summary = try Self.run(pipeline)
    #expect(summary.totals.rejected == 2)
    try DatabaseQueue(path: "\(dir)/warehouse.sqlite").read { db throws in
      func value(_ sql: String) throws -> String? { try String.fetchOne(db, sql: sql) }
      #expect(try value("SELECT provider FROM participation WHERE person_local_id = 'Q11'") == "VHS")
      #expect(try value("SELECT start_date FROM participation WHERE person_local_id = 'Q11'") == "2024-02-01")
      #expect(try value("SELECT cost_cents FROM participation WHERE person_local_id = 'Q11'") == "10000")
      #expect(try value("SELECT cost_cents FROM participation WHERE person_local_id = 'Q12'") == "25000")
      #expect(try value("SELECT end_date FROM participation WHERE person_local_id = 'Q12'") == "2024-06-30")
      let flags = try Row.fetchAll(
        db, sql: "SELECT record, value_class, line FROM quality_flag WHERE rule = 'stray_delimiter' ORDER BY line")
      #expect(flags.map { $0["record"] as String } == ["Q11", "Q12"])
      #expect(
        (flags.first?["value_class"] as String?) == "a delimiter too many: the empty field after 'Träger' was dropped")
      #expect((flags.last?["value_class"] as String?)?.contains("joined in 'Status'") == true)
      let reject = try Row.fetchOne(db, sql: "SELECT kind, line FROM reject WHERE kind = 'ragged row'")
      #expect(reject?["line"] as Int? == 16)
    }
    // A steward who wants such rows fixed at the source makes the rule reject them.
    let (strictDir, strictPipeline) = Self.night(
      extra: "quality: { stray_delimiter: reject }", lines: Self.lines + Self.strayLines)
    let strict = try Self.run(strictPipeline)
    #expect(strict.totals.rejected == 4)
    let kinds = try DatabaseQueue(path: "\(strictDir)/warehouse.sqlite").read { db throws in
      try String.fetchAll(db, sql: "SELECT kind FROM reject ORDER BY line")
    }
    #expect(kinds == ["quality: names_missing", "quality: stray_delimiter", "quality: stray_delimiter", "ragged row"])
  }

  @Test("severities are a steward's: pipeline-wide, per source, and the cost limit")
  func severities() throws {
    let (dir, pipeline) = Self.night(
      extra: "quality: { end_before_start: reject, names_missing: flag, max_cost_eur: 300000 }",
      sourceExtra: "    quality: { cost_negative: ignore, control_characters: ignore }")
    let summary = try Self.run(pipeline)
    let flags = try Self.flags(dir)
    #expect(flags.contains("Q3 end_before_start participation.end reject"))
    #expect(flags.contains("Q9 names_missing person.family_name flag"))
    #expect(!flags.contains { $0.contains("cost_negative") || $0.contains("cost_absurd") })
    #expect(!flags.contains { $0.contains("control_characters") })
    #expect(summary.totals.rejected == 1)
    try DatabaseQueue(path: "\(dir)/warehouse.sqlite").read { db throws in
      #expect(try String.fetchOne(db, sql: "SELECT kind FROM reject") == "quality: end_before_start")
      // Ignored: the value loads as written.
      #expect(try Int.fetchOne(db, sql: "SELECT cost_cents FROM participation WHERE person_local_id = 'Q2'") == -41855)
      #expect(
        try Int.fetchOne(db, sql: "SELECT cost_cents FROM participation WHERE person_local_id = 'Q10'") == 25_000_000)
      #expect(try String.fetchOne(db, sql: "SELECT given_name FROM identity WHERE local_id = 'Q8'") == "Ab\u{07}dul")
    }
  }

  @Test("a changed severity reloads the source; the trend keeps each run's count")
  func trend() throws {
    let (dir, pipeline) = Self.night()
    _ = try Self.run(pipeline)
    var text = try String(contentsOfFile: pipeline, encoding: .utf8)
    text = "quality: { cost_negative: ignore }\n" + text
    try text.write(toFile: pipeline, atomically: true, encoding: .utf8)
    let summary = try Self.run(pipeline)
    #expect(summary.files.first?.status == .loaded)
    #expect(!summary.quality.contains { $0.rule == "cost_negative" })
    let trend = try #require(summary.quality.first { $0.rule == "end_before_start" })
    #expect(trend.trend == [1, 1])
    _ = dir
  }

  @Test("a bad severity word is a configuration error that names the line")
  func badSeverity() throws {
    let (_, pipeline) = Self.night(extra: "quality: { end_before_start: warn }")
    #expect {
      _ = try PipelineConfig.load(path: pipeline)
    } throws: { error in
      "\(error)".contains("unknown severity 'warn'") && "\(error)".contains("pipeline.yml")
    }
  }

  @Test("pakt run --strict exits 1 on a record a quality rule rejected, 0 when the rule only flags")
  func strict() throws {
    let (dir, pipeline) = Self.night()
    // Every program name of the export maps, so only the quality reject can fail the run.
    let strict = try TestSupport.runPakt(["run", "--strict", pipeline], in: dir)
    #expect(strict.code == 1, "\(strict.err)")
    #expect(strict.out.contains("quality flags:"))
    var text = try String(contentsOfFile: pipeline, encoding: .utf8)
    text = "quality: { names_missing: flag }\n" + text
    try text.write(toFile: pipeline, atomically: true, encoding: .utf8)
    let relaxed = try TestSupport.runPakt(["run", "--strict", pipeline], in: dir)
    #expect(relaxed.code == 0, "\(relaxed.out)\(relaxed.err)")
  }

  @Test("dates are compared at the precision both have")
  func partialDates() {
    #expect(PartialDate.before(PartialDate(year: 2024, month: 4), PartialDate(year: 2024, month: 5, day: 1)))
    #expect(!PartialDate.before(PartialDate(year: 2024), PartialDate(year: 2024, month: 5, day: 1)))
    #expect(!PartialDate.before(PartialDate(year: 2024, month: 5, day: 1), PartialDate(year: 2024, month: 5)))
    #expect(PartialDate.before(PartialDate(year: 2023, month: 12, day: 31), PartialDate(year: 2024)))
  }

  @Test("control characters: found in bytes, removed, described without the value")
  func controlCharacters() {
    #expect(!ControlCharacters.contains("Müller\tSohn\r\n"))
    #expect(!ControlCharacters.contains("§ 45 SGB III"))
    #expect(ControlCharacters.contains("A\u{0}B"))
    #expect(ControlCharacters.contains("A\u{85}B"))
    #expect(ControlCharacters.removed(from: "A\u{7}B\u{1B}") == "AB")
    #expect(ControlCharacters.describe("A\u{0}B\u{0}") == "U+0000 in a 4-character value")
  }
}
