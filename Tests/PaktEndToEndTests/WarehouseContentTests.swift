import Foundation
import GRDB
import PaktCore
import PaktPipeline
import PaktTestSupport
import Testing

@testable import PaktLoad

@Suite("End to end: counting", .serialized)
struct CountingTests {
  @Test("a repeated row is loaded once and counted as a repeat; an empty record is a reject")
  func repeats() throws {
    let dir = TestSupport.scratch("pakt-repeat")
    TestSupport.write(
      "Nr;Name;Vorname;Maßnahme\n1;Haddad;Amina;\n1;Haddad;Amina;\n2;Karimi;Reza;EOK\n", to: "data/a.csv", in: dir)
    TestSupport.write("municipality: Ulm\nperson:\n  id: Nr\n", to: "m.yml", in: dir)
    let pipeline = TestSupport.write(
      """
      catalogue: \(TestSupport.root)/mappings/catalogue.yml
      warehouse: w.sqlite
      reports: reports
      sources:
        - name: a
          files: data/a.csv
          mapping: m.yml
      """, to: "pipeline.yml", in: dir)
    let s = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    let f = try #require(s.files.first)
    #expect(f.read == 3)
    #expect(f.loaded == 3)
    #expect(f.repeated == 1)
    #expect(f.rejected == 0)
    #expect(s.linkage.sourcePersonRecords == 2)
  }
}

@Suite("Load: erasure", .serialized)
struct ErasureTests {
  @Test("pakt erase removes a person everywhere, records only that it happened, and keeps them out later")
  func erase() throws {
    let mappings = try TestSupport.copiedMappings()
    let pipeline = SamplePipeline(mappingsDir: mappings)
    _ = try pipeline.run()
    let warehouse = try Warehouse(path: pipeline.warehouse)
    // A person formed from two municipalities' records.
    let person = try #require(
      try warehouse.read {
        try $0.rows("SELECT person_id, person_key FROM person WHERE records = 2 ORDER BY person_id LIMIT 1")
      }
      .first)
    let records = try warehouse.read {
      try $0.rows("SELECT source, local_id FROM source_person WHERE person_id = ?", [Int64(person["person_id"]!)!])
    }
    #expect(records.count == 2)
    let before = try warehouse.tableCounts()

    let config = try PipelineConfig.load(path: pipeline.file)
    let personID = Int64(person["person_id"]!)!
    #expect(
      try warehouse.read { try $0.count("SELECT count(*) FROM residence_period WHERE person_id = ?", [personID]) } > 0)
    let counts = try Erasure.erase(config: config, person: person["person_key"]!)
    #expect(counts.sourceRecords == 2)
    // Their residence periods go with them, and no report file names them any more.
    #expect(
      try warehouse.read { try $0.count("SELECT count(*) FROM residence_period WHERE person_id = ?", [personID]) } == 0)
    for name in try FileManager.default.contentsOfDirectory(atPath: config.reports) {
      let text = try String(contentsOfFile: "\(config.reports)/\(name)", encoding: .utf8)
      for r in records { #expect(!text.contains("\(r["source"]!)/\(r["local_id"]!)"), "\(name)") }
    }
    #expect(counts.participations > 0)
    let after = try warehouse.tableCounts()
    #expect(after["person"] == before["person"]! - 1)
    #expect(after["source_person"] == before["source_person"]! - 2)
    #expect(after["participation"] == before["participation"]! - counts.participations)
    #expect(after["erasure"] == 1)
    #expect(after["erased_record"] == 2)
    for r in records {
      let left = try warehouse.read {
        try $0.count(
          "SELECT (SELECT count(*) FROM source_person WHERE source = ?1 AND local_id = ?2)"
            + " + (SELECT count(*) FROM participation WHERE source = ?1 AND person_local_id = ?2)"
            + " + (SELECT count(*) FROM residence WHERE source = ?1 AND person_local_id = ?2)",
          [r["source"]!, r["local_id"]!])
      }
      #expect(left == 0)
    }
    // Unknown keys are refused.
    #expect(throws: PaktError.self) { _ = try Erasure.erase(config: config, person: "nobody") }

    // A re-delivery of every source must not bring the person back.
    for name in TestSupport.sampleSources {
      try TestSupport.append("# reload\n", to: "\(mappings)/\(name).yml")
    }
    let again = try pipeline.run()
    #expect(again.status == .committed)
    #expect(again.rejectsByReason.contains { $0.kind == "erased" })
    for r in records {
      let back = try warehouse.read {
        try $0.count(
          "SELECT count(*) FROM source_person WHERE source = ? AND local_id = ?", [r["source"]!, r["local_id"]!])
      }
      #expect(back == 0)
    }
    let erasedRaw = try warehouse.read {
      try $0.count("SELECT count(*) FROM reject WHERE kind = 'erased' AND raw <> ''")
    }
    #expect(erasedRaw == 0)
  }
}

@Suite("End to end: linkage settings")
struct LinkageSettingsTests {
  @Test("linkage settings naming a column person records lack stop the run with exit code 2, nothing written")
  func unknownColumn() throws {
    let pipeline = SamplePipeline()
    let bad = TestSupport.write(
      """
      fields:
        family_name: { kind: name }
        passport: { kind: identifier }
      blocking:
        - [family_name]
      """, to: "link.yml", in: pipeline.dir)
    var text = try String(contentsOfFile: pipeline.file, encoding: .utf8)
    text = text.replacingOccurrences(of: "\(TestSupport.root)/mappings/linkage.yml", with: bad)
    try text.write(toFile: pipeline.file, atomically: true, encoding: .utf8)
    let r = try TestSupport.runPakt(["run", pipeline.file])
    #expect(r.code == 2)
    #expect(r.err.contains("'passport'") && r.err.contains("azr_number"), "\(r.err)")
    #expect(!FileManager.default.fileExists(atPath: pipeline.warehouse))
  }
}

extension LinkageSettingsTests {
  @Test("stewards' must-link and cannot-link decisions hold in every run; unknown records are counted, not fatal")
  func decisions() throws {
    let pipeline = SamplePipeline()
    _ = try pipeline.run()
    let warehouse = try Warehouse(path: pipeline.warehouse)
    func key(_ row: [String: String]) -> String { row["source"]! + "/" + row["local_id"]! }
    // Two records the engine joined, and two records of different persons.
    let joined = try warehouse.read {
      try $0.rows(
        """
        SELECT source, local_id FROM source_person WHERE person_id =
          (SELECT person_id FROM person WHERE records = 2 ORDER BY person_id LIMIT 1) ORDER BY source, local_id
        """)
    }
    let apart = try warehouse.read {
      try $0.rows(
        """
        SELECT sp.source, sp.local_id, sp.person_id FROM source_person sp JOIN person p ON p.person_id = sp.person_id
        WHERE p.records = 1 ORDER BY sp.source, sp.local_id LIMIT 2
        """)
    }
    #expect(joined.count == 2 && apart[0]["person_id"] != apart[1]["person_id"], "\(joined) \(apart)")
    let decisions = TestSupport.write(
      """
      record_a,record_b,match_probability,decision
      \(key(joined[0])),\(key(joined[1])),0.99,cannot-link
      \(key(apart[0])),\(key(apart[1])),,must-link
      nowhere/1,nowhere/2,,must-link
      stuttgart/S-1001,stuttgart/S-1002,0.2,

      """, to: "decisions.csv", in: pipeline.dir)
    var text = try String(contentsOfFile: pipeline.file, encoding: .utf8)
    text = text.replacingOccurrences(
      of: "linkage:\n", with: "linkage:\n  decisions: \(decisions)\n")
    try text.write(toFile: pipeline.file, atomically: true, encoding: .utf8)
    // A fresh warehouse: the decisions must hold from the first run on.
    try FileManager.default.removeItem(atPath: pipeline.warehouse)
    let summary = try pipeline.run()
    #expect(summary.linkage.decisionsIgnored == 1)
    let persons = try Warehouse(path: pipeline.warehouse).read {
      try $0.rows("SELECT source, local_id, person_id, link_rule FROM source_person ORDER BY source, local_id")
    }
    func person(_ row: [String: String]) -> String? {
      persons.first { $0["source"] == row["source"] && $0["local_id"] == row["local_id"] }?["person_id"]
    }
    #expect(person(joined[0]) != person(joined[1]))
    #expect(person(apart[0]) == person(apart[1]))
    #expect(persons.first { $0["local_id"] == apart[0]["local_id"] }?["link_rule"] == "steward: must-link")
    #expect(summary.reports["duplicate-review-csv"] != nil)
    // The decisions in force are recorded in the warehouse, with where they came from.
    let recorded = try Warehouse(path: pipeline.warehouse).read {
      try $0.rows("SELECT record_a, decision, line, applied FROM link_decision ORDER BY line")
    }
    #expect(recorded.map { $0["decision"] } == ["cannot-link", "must-link", "must-link"])
    #expect(recorded.map { $0["applied"] } == ["1", "1", "0"])
    #expect(recorded.map { $0["line"] } == ["2", "3", "4"])
  }
}

extension LinkageSettingsTests {
  @Test("a new steward decision relinks on the next run although no source changed")
  func decisionRelinks() throws {
    let pipeline = SamplePipeline()
    let decisions = TestSupport.write("record_a,record_b,decision\n", to: "decisions.csv", in: pipeline.dir)
    var text = try String(contentsOfFile: pipeline.file, encoding: .utf8)
    text = text.replacingOccurrences(of: "linkage:\n", with: "linkage:\n  decisions: \(decisions)\n")
    try text.write(toFile: pipeline.file, atomically: true, encoding: .utf8)
    _ = try pipeline.run()
    #expect(try pipeline.run().status == .unchanged)
    let ids = try pipeline.personIDs()
    #expect(ids["freiburg/FR2002"] != ids["freiburg/FR2003"])
    TestSupport.write(
      "record_a,record_b,decision\nfreiburg/FR2002,freiburg/FR2003,must-link\n", to: "decisions.csv", in: pipeline.dir)
    let relinked = try pipeline.run()
    #expect(relinked.status == .committed)
    #expect(relinked.files.allSatisfy { $0.status == .unchanged })
    let after = try pipeline.personIDs()
    #expect(after["freiburg/FR2002"] == after["freiburg/FR2003"])
    #expect(try pipeline.run().status == .unchanged)
  }
}

@Suite("Load: record counts that reconcile each file")
struct StoredRecordCountTests {
  @Test("records with rows in the warehouse, counted per file, as SQLite's UNION counts them")
  func againstUnion() throws {
    let pipeline = SamplePipeline()
    let s = try pipeline.run()
    #expect(s.files.count == 6)
    let reference = """
      SELECT count(*) FROM (
        SELECT line, substr(ifnull(path, ''), 1, instr(ifnull(path, '') || '#', '#') - 1) FROM source_person
          WHERE source = ?1 AND file = ?2 AND retired_run IS NULL
        UNION SELECT line, substr(ifnull(path, ''), 1, instr(ifnull(path, '') || '#', '#') - 1) FROM participation
          WHERE source = ?1 AND file = ?2 AND retired_run IS NULL
        UNION SELECT line, substr(ifnull(path, ''), 1, instr(ifnull(path, '') || '#', '#') - 1) FROM residence
          WHERE source = ?1 AND file = ?2 AND retired_run IS NULL
        UNION SELECT line, substr(ifnull(path, ''), 1, instr(ifnull(path, '') || '#', '#') - 1) FROM potential
          WHERE source = ?1 AND file = ?2 AND retired_run IS NULL
        UNION SELECT line, substr(ifnull(path, ''), 1, instr(ifnull(path, '') || '#', '#') - 1) FROM case_fact
          WHERE source = ?1 AND file = ?2 AND retired_run IS NULL)
      """
    try Warehouse(path: pipeline.warehouse).read { load in
      for f in s.files {
        let counted = try load.storedRecordCount(source: f.source, file: f.name)
        #expect(counted == (try load.count(reference, [f.source, f.name])), "\(f.name)")
        #expect(counted > 0 && counted + f.repeated == f.loaded, "\(f.name)")
      }
    }
  }
}
