import Foundation
import GRDB
import PaktCore
import PaktPipeline
import PaktTestSupport
import Testing

@testable import PaktLoad

@Suite("End to end: the sample pipeline", .serialized)
struct PipelineTests {
  /// Facts of the committed samples (samples/tools/make-samples.py marks each bad record).
  static let expected: [String: (read: Int, rejected: Int)] = [
    "clients.csv": (95, 2), "klienten_2025-01.csv": (83, 1), "export_mannheim.txt": (78, 1),
    "ulm_export.xml": (42, 1), "meldung_2025q1.xml": (116, 2), "teilnahmen_2024.xlsx": (48, 1),
  ]

  @Test("every file loads with the expected counts, rejects with reasons, links the movers")
  func samples() throws {
    let pipeline = SamplePipeline()
    let s = try pipeline.run()
    #expect(s.status == .committed)
    #expect(s.files.count == 6)
    for f in s.files {
      let name = (f.name as NSString).lastPathComponent
      guard let e = Self.expected[name] else {
        Issue.record("unexpected file \(name)")
        continue
      }
      #expect(f.read == e.read, "\(name) read")
      #expect(f.rejected == e.rejected, "\(name) rejected")
      #expect(f.read == f.loaded + f.rejected)
    }
    #expect(Set(s.files.map(\.encoding)) == ["utf-8", "windows-1252", "utf-16le", "iso-8859-1"])
    #expect(
      Set(s.rejectsByReason.map(\.kind)) == [
        "no person", "ragged row", "stray quote", "unknown person reference", "missing person reference",
      ])
    // A participation whose person the delivery lacks keeps its raw text for the steward.
    let orphans = try DatabaseQueue(path: "\(pipeline.dir)/warehouse.sqlite").read { db in
      try Row.fetchAll(db, sql: "SELECT line, raw FROM reject WHERE kind = 'unknown person reference'")
    }
    #expect(!orphans.isEmpty)
    #expect(orphans.allSatisfy { ($0["raw"] as String? ?? "").count > 10 && ($0["line"] as Int? ?? 0) > 0 })
    // 23 persons appear in two municipalities under variant spellings or placeholder dates.
    #expect(s.linkage.linkedPersons == 23)
    #expect(s.linkage.persons == s.linkage.sourcePersonRecords - 23)
    #expect(
      Set(s.unmapped.map(\.name)) == [
        "Nähcafé für Frauen", "Fahrradwerkstatt", "Lerncafé Weststadt", "Repair-Café", "Bewerbungswerkstatt",
      ])
    #expect(s.unmapped.filter { $0.name != "Fahrradwerkstatt" }.allSatisfy { !$0.suggestions.isEmpty })
    // 1988-02-31 is a date no calendar has: a quality flag, loaded as empty.
    #expect(s.quality.contains { $0.rule == "impossible_date" && $0.count == 1 && $0.severity == "flag" })
    #expect(s.normalizationMisses.contains { $0.value == "Atlantis" })
    #expect(s.normalizationMisses.contains { $0.value == "viel" && $0.field == "participation.cost" })
    for key in ["html", "unmapped_csv", "rejects_csv", "json"] {
      #expect(FileManager.default.fileExists(atPath: s.reports[key] ?? "/nonexistent"), "\(key) report")
    }
  }

  @Test("persons in the warehouse match the samples' ground truth, pair for pair")
  func linkageAgainstTruth() throws {
    let pipeline = SamplePipeline()
    _ = try pipeline.run()
    // samples/tools/truth.csv: which invented person each source record is (written by
    // make-samples.py). Records it does not list (the bad ones) are persons of their own.
    let text = try String(contentsOfFile: TestSupport.path("samples/tools/truth.csv"), encoding: .utf8)
    var truth: [String: String] = [:]
    for line in text.split(whereSeparator: \.isNewline).dropFirst() {
      let cells = line.split(separator: ",").map(String.init)
      truth["\(cells[0])/\(cells[1])"] = cells[2]
    }
    let assigned = try pipeline.personIDs()
    #expect(assigned.count == 236)
    func pairs<K: Hashable>(_ groupOf: [String: K]) -> Set<String> {
      var groups: [K: [String]] = [:]
      for (record, group) in groupOf { groups[group, default: []].append(record) }
      var out: Set<String> = []
      for members in groups.values where members.count > 1 {
        let sorted = members.sorted()
        for i in 0..<sorted.count { for j in (i + 1)..<sorted.count { out.insert(sorted[i] + " ~ " + sorted[j]) } }
      }
      return out
    }
    let predicted = pairs(assigned)
    let actual = pairs(Dictionary(uniqueKeysWithValues: assigned.keys.map { ($0, truth[$0] ?? $0) }))
    #expect(actual.count == 23)
    #expect(predicted.subtracting(actual).isEmpty, "records linked that are different people")
    #expect(actual.subtracting(predicted).isEmpty, "records of one person left apart")
  }

  @Test("a second run over the same files changes nothing and keeps every person id")
  func idempotent() throws {
    let pipeline = SamplePipeline()
    _ = try pipeline.run()
    let counts = try Warehouse(path: pipeline.warehouse).tableCounts()
    let ids = try pipeline.personIDs()
    let again = try pipeline.run()
    #expect(again.status == .unchanged)
    #expect(try Warehouse(path: pipeline.warehouse).tableCounts() == counts)
    #expect(try pipeline.personIDs() == ids)
    #expect(again.totals.read == 462)
  }

  @Test("analysis views carry a pseudonymous key; the secret stays outside the warehouse; another key is refused")
  func pseudonyms() throws {
    let pipeline = SamplePipeline()
    _ = try pipeline.run()
    let keyFile = "\(pipeline.dir)/pseudonym.key"
    let secret = try #require(FileManager.default.contents(atPath: keyFile))
    #expect(secret.count == 32)
    let warehouseBytes = try #require(FileManager.default.contents(atPath: pipeline.warehouse))
    #expect(warehouseBytes.range(of: secret) == nil)
    let rows = try Warehouse(path: pipeline.warehouse).read {
      try $0.rows("SELECT person_key FROM participation_by_person")
    }
    #expect(!rows.isEmpty)
    #expect(
      rows.allSatisfy { ($0["person_key"] ?? "").range(of: "^[0-9a-f]{64}$", options: .regularExpression) != nil })
    try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: keyFile))
    #expect {
      _ = try pipeline.run()
    } throws: { error in
      (error as? PaktError)?.kind == .configuration && "\(error)".contains("pseudonym key")
    }
  }

  @Test("a changed mapping reloads its source; person ids persist")
  func reloadKeepsIDs() throws {
    let mappings = try TestSupport.copiedMappings()
    let pipeline = SamplePipeline(mappingsDir: mappings)
    _ = try pipeline.run()
    let ids = try pipeline.personIDs()
    try TestSupport.append("# a steward's comment\n", to: "\(mappings)/ulm.yml")
    let second = try pipeline.run()
    #expect(second.status == .committed)
    #expect(try pipeline.personIDs() == ids)
    let events = try Warehouse(path: pipeline.warehouse).read { try $0.count("SELECT count(*) FROM person_id_event") }
    #expect(events == 0)
  }

  /// The sample pipeline with one more source: the XML files in `files`, mapped as Ulm's.
  static func withUlmSource(_ name: String, files: String) -> SamplePipeline {
    SamplePipeline(
      extraSources: """
          - name: \(name)
            files: \(files)/*.xml
            mapping: \(TestSupport.root)/mappings/ulm.yml
        """)
  }

  @Test("an unreadable file is rejected as a whole; the other files load")
  func unreadableFile() throws {
    let broken = TestSupport.scratch("pakt-broken")
    TestSupport.write("<Export><Person id=\"1\"><Name><Familienname>X</Familienname>", to: "cut.xml", in: broken)
    let pipeline = Self.withUlmSource("broken", files: broken)
    let s = try pipeline.run()
    let cut = try #require(s.files.first { $0.source == "broken" })
    #expect(cut.status == .unreadable)
    #expect(cut.problem?.contains("ends inside") == true || cut.problem?.contains("not well-formed") == true)
    #expect(s.files.filter { $0.status == .loaded }.count == 6)
    let stored = try Warehouse(path: pipeline.warehouse).read {
      try $0.count("SELECT count(*) FROM source_person WHERE source = 'broken'")
    }
    #expect(stored == 0)
    #expect(s.rejectsByReason.contains { $0.kind == "unreadable file" })
  }

  /// The file after one that fails part-way was started ahead while the failing one was
  /// written: it is started again from the session, and loads in full.
  @Test("a file that fails part-way is undone; the files around it load")
  func failingFileBetweenOthers() throws {
    let dir = TestSupport.scratch("pakt-failing")
    func persons(_ prefix: String, _ count: Int) -> String {
      (1...count).map {
        """
        <Person id="\(prefix)\($0)"><Name><Familienname>Test\($0)</Familienname></Name>\
        <Massnahmen><Massnahme><Bezeichnung>Sprachkurs</Bezeichnung></Massnahme></Massnahmen></Person>
        """
      }.joined(separator: "\n")
    }
    TestSupport.write("<Export>\n\(persons("A", 3))\n</Export>\n", to: "a.xml", in: dir)
    // Two batches of records, then the file ends inside an element.
    TestSupport.write("<Export>\n\(persons("B", 400))\n<Person id=\"B401\"><Name>", to: "b.xml", in: dir)
    TestSupport.write("<Export>\n\(persons("C", 3))\n</Export>\n", to: "c.xml", in: dir)
    let pipeline = Self.withUlmSource("three", files: dir)
    let s = try pipeline.run()
    let files = s.files.filter { $0.source == "three" }.sorted { $0.name < $1.name }
    #expect(files.map(\.status) == [.loaded, .unreadable, .loaded])
    #expect(files.map(\.loaded) == [3, 0, 3])
    let stored = try Warehouse(path: pipeline.warehouse).read {
      try $0.rows("SELECT local_id FROM source_person WHERE source = 'three' ORDER BY local_id").compactMap {
        $0["local_id"]
      }
    }
    #expect(stored == ["A1", "A2", "A3", "C1", "C2", "C3"])
  }

  @Test("an XML mapping whose family name path matches no record rejects the file, as a missing CSV column does")
  func missingXMLPathRejectsFile() throws {
    let mappings = try TestSupport.copiedMappings()
    let text = try String(contentsOfFile: "\(mappings)/ulm.yml", encoding: .utf8)
    try text.replacingOccurrences(of: "family_name: Name/Familienname", with: "family_name: Name/Nachname")
      .write(toFile: "\(mappings)/ulm.yml", atomically: true, encoding: .utf8)
    let pipeline = SamplePipeline(mappingsDir: mappings)
    let summary = try pipeline.run()
    let ulm = summary.files.filter { $0.source == "ulm" }
    #expect(!ulm.isEmpty && ulm.allSatisfy { $0.status == .unreadable })
    #expect(ulm.first?.problem?.contains("'Name/Nachname'") == true, "\(ulm.first?.problem ?? "")")
    #expect(summary.files.contains { $0.source == "karlsruhe" && $0.loaded > 0 })
  }

  @Test("a mapping naming a column its file lacks rejects that file with the reason; the rest of the night loads")
  func missingColumnRejectsFile() throws {
    let mappings = try TestSupport.copiedMappings()
    let text = try String(contentsOfFile: "\(mappings)/stuttgart.yml", encoding: .utf8)
    try text.replacingOccurrences(of: "id: client_id", with: "id: kunden_id")
      .write(toFile: "\(mappings)/stuttgart.yml", atomically: true, encoding: .utf8)
    let pipeline = SamplePipeline(mappingsDir: mappings)
    let summary = try pipeline.run()
    let stuttgart = summary.files.filter { $0.source == "stuttgart" }
    #expect(!stuttgart.isEmpty && stuttgart.allSatisfy { $0.status == .unreadable })
    #expect(stuttgart.first?.problem?.contains("kunden_id") == true)
    #expect(summary.files.contains { $0.source == "freiburg" && $0.loaded > 0 })
  }
}

@Suite("Load: warehouse")
struct WarehouseTests {
  @Test("a transaction that throws leaves the warehouse as it was")
  func rollback() throws {
    let dir = TestSupport.scratch()
    let w = try Warehouse(path: "\(dir)/w.sqlite")
    let before = try w.tableCounts()
    struct Boom: Error {}
    #expect(throws: Boom.self) {
      try w.transaction { load in
        try load.insert(
          SourcePersonRecord(source: "s", localID: "1", familyName: "X", lineage: Lineage(file: "f", line: 1)))
        throw Boom()
      }
    }
    #expect(try w.tableCounts() == before)
  }

  @Test("rows bound through SQLite's C API keep empty text, NULL, numbers and any script apart")
  func rawBinding() throws {
    let dir = TestSupport.scratch()
    let w = try Warehouse(path: "\(dir)/w.sqlite")
    let long = String(repeating: "Ağa Müller-ʿAbd al-Raḥmān € ", count: 40)
    try w.transaction { load in
      let fresh = try load.insert(
        SourcePersonRecord(
          source: "s", localID: "1", familyName: long, givenName: "",
          birthDate: PartialDate(year: 1990, placeholder: true),
          lineage: Lineage(file: "f.csv", line: 7)))
      #expect(fresh)
      let again = try load.insert(
        SourcePersonRecord(source: "s", localID: "1", lineage: Lineage(file: "f.csv", line: 8)))
      #expect(!again)
      let id = try load.insert(
        Participation(
          source: "s", personLocalID: "1", programName: "Sprachcafé", mappingMethod: .unmapped, costCents: 123_450,
          lineage: Lineage(file: "f.csv", line: 7, path: "/x[1]")))
      #expect(id > 0)
    }
    let rows = try w.read { load in
      try load.rows(
        """
        SELECT i.family_name, i.given_name, typeof(i.given_name) AS t, i.birth_date, sp.birth_date_placeholder AS ph,
               i.birth_name IS NULL AS no_birth_name, sp.line, sp.birth_year
        FROM source_person sp JOIN identity i USING (source, local_id)
        """)
    }
    #expect(rows.count == 1)
    #expect(rows.first?["family_name"] == long)
    #expect(rows.first?["t"] == "text")
    #expect(rows.first?["given_name"] == "")
    #expect(rows.first?["ph"] == "1")
    #expect(rows.first?["no_birth_name"] == "1")
    #expect(rows.first?["line"] == "7")
    #expect(rows.first?["birth_year"] != nil)
    let parts = try w.read { try $0.rows("SELECT program_name, cost_cents, path, catalogue_code FROM participation") }
    #expect(parts.first?["program_name"] == "Sprachcafé")
    #expect(parts.first?["cost_cents"] == "123450")
    #expect(parts.first?["path"] == "/x[1]")
    #expect(parts.first?["catalogue_code"] == nil)
  }

  @Test("an older warehouse is upgraded in place")
  func upgrade() throws {
    let dir = TestSupport.scratch()
    let path = "\(dir)/w.sqlite"
    // A version-1 warehouse, as the first pakt wrote it.
    let db = try DatabaseQueue(path: path)
    try db.write { db in
      for sql in Schema.v1 { try db.execute(sql: sql) }
      try db.execute(sql: "INSERT INTO schema_version(version) VALUES (1)")
      try db.execute(sql: "INSERT INTO person(person_id, sex, records) VALUES (7, 'female', 1)")
      try db.execute(
        sql: """
          INSERT INTO source_person(source, local_id, family_name, given_name, birth_date, sex, azr_number, file, line,
            person_id) VALUES ('ulm', 'K1', 'Haddad', 'Amal', '1990-04-02', 'female', '123456789', 'a.csv', 2, 7)
          """)
    }
    let upgraded = try Warehouse(path: path)
    #expect(try upgraded.schemaVersion() == Schema.version)
    // Every named migration applied once, the first adopted from schema_version.
    let applied = try db.read { try Schema.migrator.appliedIdentifiers($0) }
    #expect(applied == Set(Schema.migrations.map(\.name)))
    #expect(try db.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM schema_version WHERE version = 1") } == 1)
    #expect(try upgraded.tableCounts()["mapping_decision"] == 0)
    #expect(try upgraded.tableCounts()["person"] == 1)
    let columns = try db.read { try $0.columns(in: "person").map(\.name) }
    #expect(columns.contains("person_key"))
    #expect(try db.read { try $0.columns(in: "participation").map(\.name) }.contains("retired_run"))
    // Version 7 moved names, dates of birth and identifiers into the identity vault.
    let personColumns = try db.read { try $0.columns(in: "source_person").map(\.name) }
    #expect(!personColumns.contains("family_name") && !personColumns.contains("birth_date"))
    #expect(!personColumns.contains("azr_number"))
    let identity = try upgraded.read {
      try $0.rows(
        "SELECT i.family_name, i.birth_date, i.azr_number, sp.birth_year FROM identity i JOIN source_person sp USING (source, local_id)"
      )
    }
    #expect(identity.first?["family_name"] == "Haddad")
    #expect(identity.first?["birth_date"] == "1990-04-02")
    #expect(identity.first?["azr_number"] == "123456789")
    #expect(identity.first?["birth_year"] == "1990")
  }

  @Test("a warehouse from a newer pakt is refused with a clear message")
  func newerSchema() throws {
    let dir = TestSupport.scratch()
    let path = "\(dir)/w.sqlite"
    _ = try Warehouse(path: path)
    let db = try DatabaseQueue(path: path)
    try db.write { try $0.execute(sql: "INSERT INTO schema_version(version) VALUES (99)") }
    // A migration this pakt does not know, as a newer pakt would have recorded it: refused too.
    let other = TestSupport.scratch()
    _ = try Warehouse(path: "\(other)/w.sqlite")
    try DatabaseQueue(path: "\(other)/w.sqlite").write {
      try $0.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99 from the future')")
    }
    #expect(throws: PaktError.self) { try Warehouse(path: "\(other)/w.sqlite") }
    #expect {
      _ = try Warehouse(path: path)
    } throws: { error in
      "\(error)".contains("schema version 99")
    }
  }
}

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
