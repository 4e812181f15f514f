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
    // An upgraded warehouse has the columns a new one has (see TableSpecTests).
    for table in Tables.all.map(\.name) {
      let built = try db.read { db in
        try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]).map {
          $0["name"] as String
        }
      }
      #expect(built == Tables.all.first { $0.name == table }!.columns.map(\.name), "table \(table)")
    }
    // … and the views a new one has, defined alike (version 11 redefined three of them).
    let fresh = "\(TestSupport.scratch())/new.sqlite"
    _ = try Warehouse(path: fresh)
    let viewSQL = "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name"
    let upgradedViews = try db.read {
      try Row.fetchAll($0, sql: viewSQL).map { "\($0["name"] as String): \($0["sql"] as String)" }
    }
    let freshViews = try DatabaseQueue(path: fresh).read {
      try Row.fetchAll($0, sql: viewSQL).map { "\($0["name"] as String): \($0["sql"] as String)" }
    }
    #expect(upgradedViews == freshViews)
    #expect(upgradedViews.contains { $0.hasPrefix("participation_located:") && $0.contains(#"AS "current""#) })
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
