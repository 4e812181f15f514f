import Foundation
import GRDB
import PaktCore
import PaktLoad
import PaktMap
import PaktPipeline
import PaktTestSupport
import Testing

/// Decisions made once apply everywhere: shared program decisions and value maps, the
/// source's own lines over them, and the report saying which decision mapped what.
@Suite("Map: shared decisions", .serialized)
struct SharedDecisionTests {
  /// Two municipalities' exports that use the same local names and words.
  static func night() -> (dir: String, pipeline: String) {
    let dir = TestSupport.scratch("pakt-shared")
    let header =
      "client_id,first_name,last_name,date_of_birth,gender,nationality,programme,start_date,status,school_years"
    TestSupport.write(
      header
        + "\nA1,Amina,Haddad,1990-03-07,2,\"Syrien, Arabische Republik\",Deutsch-Treff Nord,2024-01-08,fertig,7 Jahre\n"
        + "A2,Omar,Haddad,1991-04-02,1,Suriya,Nähcafé,2024-02-01,in Maßnahme,ca. 9\n",
      to: "a/export.csv", in: dir)
    TestSupport.write(
      header + "\nB1,Yonas,Tesfaye,1985-01-02,1,Ertra,Deutsch-Treff Nord,2024-03-04,Abschluss erreicht,keine\n"
        + "B2,Sara,Karimi,1988-05-01,2,Afghanestan,Nähcafé,2024-05-06,läuft,12 (Abitur)\n",
      to: "b/export.csv", in: dir)
    let root = TestSupport.root
    let pipeline = TestSupport.write(
      """
      catalogue: \(root)/mappings/catalogue.yml
      warehouse: \(dir)/warehouse.sqlite
      reports: \(dir)/reports
      sources:
        - name: aalen
          files: \(dir)/a/*.csv
          mapping: \(dir)/mappings/aalen.yml
        - name: biberach
          files: \(dir)/b/*.csv
          mapping: \(dir)/mappings/biberach.yml
      """, to: "pipeline.yml", in: dir)
    for source in ["aalen", "biberach"] {
      TestSupport.write(
        "municipality: \(source.capitalized)\nperson:\n  id: client_id\n", to: "mappings/\(source).yml", in: dir)
    }
    return (dir, pipeline)
  }

  static func codes(_ dir: String) throws -> [String] {
    try DatabaseQueue(path: "\(dir)/warehouse.sqlite").read { db in
      try Row.fetchAll(
        db, sql: "SELECT person_local_id, catalogue_code, mapping_method FROM participation ORDER BY person_local_id"
      ).map { "\($0[0] as String) \($0[1] as String? ?? "-") \($0[2] as String)" }
    }
  }

  @Test("a decision accepted once maps the name in every source; a source's own line wins for that source")
  func programsShared() throws {
    let (dir, pipeline) = Self.night()
    _ = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    #expect(try Self.codes(dir).allSatisfy { !$0.hasSuffix("shared") && !$0.hasSuffix("explicit") })
    let bench = try MappingWorkbench(config: try PipelineConfig.load(path: pipeline))
    try bench.accept(source: "aalen", name: "Deutsch-Treff Nord", code: "SPR-NS", by: "steward")
    try bench.accept(source: "aalen", name: "Nähcafé", code: "SPR-NS", by: "steward")
    let shared = try String(contentsOfFile: "\(dir)/mappings/programs.yml", encoding: .utf8)
    #expect(shared.contains("  \"Deutsch-Treff Nord\": SPR-NS"))
    #expect(shared.hasPrefix("# Decisions every source shares"))
    // Biberach decides otherwise for one name, for itself only.
    let notes = try bench.accept(
      source: "biberach", name: "Nähcafé", code: "TEI-PATE", by: "steward", scope: .source)
    #expect(notes.isEmpty)
    let summary = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    #expect(
      try Self.codes(dir) == [
        "A1 SPR-NS shared", "A2 SPR-NS shared", "B1 SPR-NS shared", "B2 TEI-PATE explicit",
      ])
    let biberach = try #require(summary.coverage.first { $0.source == "biberach" })
    #expect(biberach.byMethod == ["shared": 1, "explicit": 1])
    let html = try String(contentsOfFile: "\(dir)/reports/mapping-report.html", encoding: .utf8)
    #expect(html.contains("<th>shared decisions</th>"))
    // Deciding the shared name again says which source keeps its own line.
    let again = try bench.accept(source: nil, name: "Nähcafé", code: "SPR-NS", by: "steward")
    #expect(again.count == 1 && again[0].hasPrefix("biberach keeps its own decision"))
    let recorded = try Warehouse(path: "\(dir)/warehouse.sqlite").read {
      try $0.rows("SELECT source FROM mapping_decision ORDER BY id")
    }
    #expect(recorded.map { $0["source"] } == ["*", "*", "biberach", "*"])
  }

  @Test("shared value maps and the built-in vocabularies read what offices write")
  func valuesShared() throws {
    let (dir, pipeline) = Self.night()
    TestSupport.write(
      "values:\n  status:\n    Abschluss erreicht: completed\n", to: "mappings/values.yml", in: dir)
    _ = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    try DatabaseQueue(path: "\(dir)/warehouse.sqlite").read { db throws in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT sp.local_id, sp.sex, sp.nationality, p.status,
                 (SELECT value FROM potential WHERE person_local_id = sp.local_id AND kind = 'school_years') AS years
          FROM source_person sp JOIN participation p ON p.person_local_id = sp.local_id ORDER BY sp.local_id
          """
      ).map {
        "\($0[0] as String) \($0[1] as String) \($0[2] as String? ?? "-") \($0[3] as String? ?? "-") \($0[4] as String? ?? "-")"
      }
      #expect(
        rows == [
          "A1 female SYR completed 7", "A2 male SYR running 9", "B1 male ERI completed 0", "B2 female AFG running 12",
        ])
      #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM normalization_miss") == 0)
    }
  }

  @Test("a wrong code in the shared decisions fails the run with its file and line")
  func wrongSharedCode() throws {
    let (dir, pipeline) = Self.night()
    TestSupport.write("programs:\n  Nähcafé: SPR-NOPE\n", to: "mappings/programs.yml", in: dir)
    #expect {
      _ = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    } throws: { error in
      "\(error)".contains("programs.yml") && "\(error)".contains("SPR-NOPE")
    }
  }

  @Test("vocabularies: school years, status words, sex codes, long and foreign country names")
  func vocabularies() {
    for (raw, years) in [
      ("7", 7), ("7 Jahre", 7), ("ca. 9", 9), ("9-10", 9), ("12 (Abitur)", 12), ("keine", 0),
      ("keine Schulbildung", 0), ("4,5", 4), ("circa 6 J.", 6),
    ] {
      guard case .value(let n) = YearsNormalizer.parse(raw) else {
        Issue.record("\(raw) not read")
        continue
      }
      #expect(n == years, "\(raw)")
    }
    for raw in ["Hauptschule ohne Abschluss", "viele", "120"] {
      if case .value = YearsNormalizer.parse(raw) { Issue.record("\(raw) read as a number of years") }
    }
    for (raw, status) in [
      ("fertig", ParticipationStatus.completed), ("in Maßnahme", .running), ("noch nicht begonnen", .planned),
      ("ausgeschieden", .aborted),
    ] {
      guard case .value(let s) = StatusNormalizer.parse(raw) else {
        Issue.record("\(raw) not read")
        continue
      }
      #expect(s == status, "\(raw)")
    }
    for (raw, sex) in [("1", Sex.male), ("2", .female), ("9", .unknown)] {
      guard case .value(let s) = SexNormalizer.parse(raw) else {
        Issue.record("\(raw) not read")
        continue
      }
      #expect(s == sex, "\(raw)")
    }
    for (raw, code) in [
      ("Syrien, Arabische Republik", "SYR"), ("Iran, Islamische Republik", "IRN"), ("Republik Irak", "IRQ"),
      ("Islamic Republic of Afghanistan", "AFG"), ("Kongo, Demokratische Republik", "COD"), ("Ertra", "ERI"),
      ("Soomaaliya", "SOM"), ("Al-Iraq", "IRQ"), ("سوريا", "SYR"), ("Shqipëri", "ALB"),
    ] {
      guard case .value(let c) = NationalityNormalizer.parse(raw) else {
        Issue.record("\(raw) not read")
        continue
      }
      #expect(c == code, "\(raw)")
    }
    if case .value = NationalityNormalizer.parse("Republik") { Issue.record("a state word alone is no country") }
  }
}
