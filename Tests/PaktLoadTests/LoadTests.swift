import Foundation
import GRDB
import PaktCore
import PaktTestSupport
import Testing

@testable import PaktLoad

@Suite("Load: repeated rows and person references")
struct LoadTests {
  /// A row repeated by a later record loads once; ids that differ only in their Unicode form
  /// are two records, as SQLite compares them; a rolled-back savepoint's rows load again.
  @Test("a repeat loads once, by bytes; a rollback's rows load again")
  func repeatsSkippedExactly() throws {
    let warehouse = try Warehouse(path: "\(TestSupport.scratch())/warehouse.sqlite")
    let at = Lineage(file: "f.csv", line: 2)
    try warehouse.transaction { load in
      func person(_ id: String) throws -> Bool {
        try load.insert(SourcePersonRecord(source: "ulm", localID: id, familyName: "Test", lineage: at))
      }
      // "Ä1" precomposed and decomposed: equal Strings in Swift, two keys for SQLite.
      #expect(try person("\u{C4}1") == true)
      #expect(try person("\u{C4}1") == false)
      #expect(try person("A\u{308}1") == true)
      func residence(_ place: String, from: PartialDate?) throws -> Bool {
        try load.insert(
          Residence(source: "ulm", personLocalID: "\u{C4}1", municipality: place, from: from, lineage: at))
      }
      #expect(try residence("Ulm", from: nil) == true)
      #expect(try residence("Ulm", from: nil) == false)
      #expect(try residence("Ulm", from: PartialDate(year: 2024, month: 3, day: 1)) == true)
      #expect(try residence("Ulm\u{E9}", from: nil) == true)
      #expect(try residence("Ulme\u{301}", from: nil) == true)
      func potential(_ value: String) throws -> Bool {
        try load.insert(
          Potential(source: "ulm", personLocalID: "\u{C4}1", kind: .languageLevel, value: value, lineage: at))
      }
      #expect(try potential("B1") == true)
      #expect(try potential("B1") == false)
      #expect(try potential("B1 ") == true)
      // What a rolled-back savepoint loaded is gone, and loads again.
      try load.savepoint { () throws -> Bool in
        #expect(try person("X") == true)
        #expect(try potential("C1") == true)
        return false
      }
      #expect(try person("X") == true)
      #expect(try potential("C1") == true)
      #expect(try person("X") == false)
    }
    let counts = try warehouse.tableCounts()
    #expect(counts["source_person"] == 3)
    #expect(counts["identity"] == 3)
    #expect(counts["residence"] == 4)
    #expect(counts["potential"] == 3)
  }

  /// A source's persons file and measures file load in savepoints of their own, each encoded
  /// by the encoder the session hands out and takes back (as the load stage does): persons of
  /// the first still vouch for the participations of the second, so no raw text is kept aside.
  @Test("persons loaded by an earlier file of the delivery are known to the next file")
  func personsKnownAcrossFiles() throws {
    let warehouse = try Warehouse(path: "\(TestSupport.scratch())/warehouse.sqlite")
    try warehouse.transaction { load in
      var counts = LoadSession.WriteCounts()
      try load.savepoint { () throws -> Bool in
        var encoder = load.encoder()
        for id in ["P1", "P2"] {
          encoder.record()
          encoder.person(SourcePersonRecord(source: "ulm", localID: id, lineage: Lineage(file: "p.csv", line: 2)))
        }
        try load.write(encoder.takeRows(), runID: 1, counts: &counts)
        load.resume(encoder)
        return true
      }
      try load.savepoint { () throws -> Bool in
        var encoder = load.encoder()
        for id in ["P1", "P2", "P1"] {
          encoder.record()
          encoder.participation(
            Participation(
              source: "ulm", personLocalID: id, programName: "Sprachkurs", lineage: Lineage(file: "m.csv", line: 2)),
            raw: { "\(id);Sprachkurs" })
        }
        try load.write(encoder.takeRows(), runID: 1, counts: &counts)
        load.resume(encoder)
        return true
      }
      #expect(counts.read == 5 && counts.rejected == 0 && counts.repeated == 0)
      #expect(try load.count("SELECT count(*) FROM sqlite_temp_master WHERE name = 'pending_ref'") == 0)
      #expect(try load.removeOrphanParticipations(source: "ulm").isEmpty)
    }
  }

  /// A file rolled back leaves the delivery's encoder as it was: a person of that file no
  /// longer vouches for a participation, whose raw text is then kept for the reject.
  @Test("a rolled-back file's persons vouch for nothing")
  func rolledBackPersonsUnknown() throws {
    let warehouse = try Warehouse(path: "\(TestSupport.scratch())/warehouse.sqlite")
    try warehouse.transaction { load in
      var counts = LoadSession.WriteCounts()
      try load.savepoint { () throws -> Bool in
        var encoder = load.encoder()
        encoder.record()
        encoder.person(SourcePersonRecord(source: "ulm", localID: "P1", lineage: Lineage(file: "p.csv", line: 2)))
        try load.write(encoder.takeRows(), runID: 1, counts: &counts)
        return false
      }
      let id = try load.insert(
        Participation(
          source: "ulm", personLocalID: "P1", programName: "Sprachkurs", lineage: Lineage(file: "m.csv", line: 4)),
        raw: { "P1;Sprachkurs" })
      #expect(id > 0)
      let orphans = try load.removeOrphanParticipations(source: "ulm")
      #expect(orphans.map(\.raw) == ["P1;Sprachkurs"])
      #expect(orphans.first?.line == 4)
    }
  }

  /// Records that are rejected, repeat a row already written, or are new are counted apart.
  @Test("write counts read, rejected and repeated records")
  func writeCounts() throws {
    let warehouse = try Warehouse(path: "\(TestSupport.scratch())/warehouse.sqlite")
    try warehouse.transaction { load in
      var encoder = load.encoder()
      let at = Lineage(file: "f.csv", line: 2)
      let person = SourcePersonRecord(source: "ulm", localID: "P1", lineage: at)
      encoder.record()
      encoder.person(person)
      encoder.record()
      encoder.reject(Reject(source: "ulm", file: "f.csv", line: 3, raw: "x", kind: "ragged row", reason: "r"))
      // The same person again, not just after itself: SQLite ignores it.
      encoder.record()
      encoder.person(SourcePersonRecord(source: "ulm", localID: "P2", lineage: at))
      encoder.record()
      encoder.person(person)
      encoder.miss(NormalizationMiss(source: "ulm", field: "sex", column: "G", value: "q", lineage: at))
      #expect(encoder.records == 4)
      var counts = LoadSession.WriteCounts()
      try load.write(encoder.takeRows(), runID: 1, counts: &counts)
      #expect(counts.read == 4 && counts.rejected == 1 && counts.repeated == 1)
      #expect(encoder.records == 0)
      #expect(try load.count("SELECT count(*) FROM reject") == 1)
      #expect(try load.count("SELECT count(*) FROM normalization_miss") == 1)
      #expect(try load.count("SELECT count(*) FROM source_person") == 2)
      #expect(try load.count("SELECT count(*) FROM identity") == 2)
    }
  }

  /// Each table's rows of a batch go in by one statement (`pakt_rows`); what SQLite ignored is
  /// still known row by row: repeats spread through the batch (not just after themselves) make
  /// their records repeated, an identity goes in only with its new person, and a kept raw text
  /// belongs to its own participation, also in a later batch.
  @Test("a batch written table by table: repeats anywhere counted exactly, identities and raw texts on their rows")
  func batchWrittenByTable() throws {
    let warehouse = try Warehouse(path: "\(TestSupport.scratch())/warehouse.sqlite")
    try warehouse.transaction { load in
      var encoder = load.encoder()
      func at(_ line: Int) -> Lineage { Lineage(file: "f.csv", line: line) }
      func person(_ id: String, _ family: String, _ line: Int) {
        encoder.person(SourcePersonRecord(source: "ulm", localID: id, familyName: family, lineage: at(line)))
      }
      func residence(_ id: String, _ line: Int) {
        encoder.residence(Residence(source: "ulm", personLocalID: id, municipality: "Ulm", lineage: at(line)))
      }
      func potential(_ id: String, _ value: String, _ line: Int) {
        encoder.potential(
          Potential(source: "ulm", personLocalID: id, kind: .languageLevel, value: value, lineage: at(line)))
      }
      func course(_ id: String, _ line: Int) {
        encoder.participation(
          Participation(source: "ulm", personLocalID: id, programName: "Kurs \(line)", lineage: at(line)),
          raw: { "\(id);Kurs \(line)" })
      }
      func caseFact(_ id: String, _ line: Int) {
        encoder.caseFact(
          CaseRecord(
            source: "ulm", personLocalID: id, municipality: "Ulm", opened: PartialDate(year: 2024, month: 1),
            lineage: at(line)),
          managerKey: "k1")
      }
      encoder.record()
      person("P1", "First", 2)
      residence("P1", 2)
      course("P1", 2)
      encoder.record()
      person("P2", "Second", 3)
      residence("P2", 3)
      potential("P2", "B1", 3)
      // P1 again with its residence, neither just after itself: nothing new.
      encoder.record()
      person("P1", "Other", 4)
      residence("P1", 4)
      // A participation naming a person the batch lacks: its raw text is kept.
      encoder.record()
      course("P9", 5)
      encoder.record()
      person("P3", "Third", 6)
      potential("P3", "C1", 6)
      caseFact("P3", 6)
      // P2 and its potential again: nothing new.
      encoder.record()
      person("P2", "Second", 7)
      potential("P2", "B1", 7)
      // P3's case again, with a new potential: something new.
      encoder.record()
      caseFact("P3", 8)
      potential("P3", "A2", 8)
      var counts = LoadSession.WriteCounts()
      try load.write(encoder.takeRows(), runID: 1, counts: &counts)
      #expect(counts.read == 7 && counts.rejected == 0 && counts.repeated == 2)
      #expect(
        try load.rows(
          "SELECT s.local_id, s.line, i.family_name FROM source_person s JOIN identity i USING (source, local_id) ORDER BY s.rowid"
        ).map {
          "\($0["local_id"]!)@\($0["line"]!) \($0["family_name"]!)"
        } == ["P1@2 First", "P2@3 Second", "P3@6 Third"])
      #expect(try load.count("SELECT count(*) FROM identity") == 3)
      #expect(try load.rows("SELECT line FROM residence ORDER BY id").map { $0["line"]! } == ["2", "3"])
      #expect(try load.rows("SELECT line FROM potential ORDER BY id").map { $0["line"]! } == ["3", "6", "8"])
      #expect(try load.count("SELECT count(*) FROM case_fact") == 1)
      // A second batch: participation ids run on; the kept raw text is on the middle one.
      encoder.record()
      course("P1", 9)
      encoder.record()
      course("P8", 10)
      encoder.record()
      course("P2", 11)
      try load.write(encoder.takeRows(), runID: 1, counts: &counts)
      #expect(
        try load.rows("SELECT id, line FROM participation ORDER BY id").map { "\($0["id"]!):\($0["line"]!)" } == [
          "1:2", "2:5", "3:9", "4:10", "5:11",
        ])
      let orphans = try load.removeOrphanParticipations(source: "ulm")
      #expect(orphans.map { "\($0.line) \($0.raw)" }.sorted() == ["10 P8;Kurs 10", "5 P9;Kurs 5"])
      #expect(try load.rows("SELECT line FROM participation ORDER BY id").map { $0["line"]! } == ["2", "9", "11"])
    }
  }

  /// Person ids and persons are written a few thousand rows per statement: more rows than
  /// one statement takes all arrive, each on its own row.
  @Test("person ids and persons written in chunks: every row gets its own")
  func personsWrittenInChunks() throws {
    let warehouse = try Warehouse(path: "\(TestSupport.scratch())/warehouse.sqlite")
    let count = BuiltRows.chunk + 905
    try warehouse.transaction { load in
      var encoder = load.encoder()
      for i in 1...count {
        encoder.record()
        encoder.person(SourcePersonRecord(source: "ulm", localID: "P\(i)", lineage: Lineage(file: "f.csv", line: i)))
      }
      var counts = LoadSession.WriteCounts()
      try load.write(encoder.takeRows(), runID: 1, counts: &counts)
      // Two records to a person, the odd row with its even neighbour.
      let changes = (1...count).map {
        (rowID: Int64($0), id: Int64(($0 + 1) / 2) as Int64?, rule: "rule \($0)" as String?)
      }
      let persons = (1...(count + 1) / 2).map {
        (
          id: Int64($0), key: "key \($0)", sex: Sex.unknown, birthYear: 1990 + $0 % 20 as Int?,
          nationality: nil as String?, records: 2
        )
      }
      try load.writePersons(changes: changes, records: count, persons: persons, events: [], runID: 1)
      #expect(
        try load.count(
          "SELECT count(*) FROM source_person WHERE person_id = (rowid + 1) / 2 AND link_rule = 'rule ' || rowid")
          == count)
      #expect(
        try load.count(
          "SELECT count(*) FROM person WHERE person_key = 'key ' || person_id AND birth_year = 1990 + person_id % 20")
          == persons.count)
    }
  }

  /// Program names are counted by their bytes: NULL and empty codes apart, values that run
  /// together alike ("ab" + "c", "a" + "bc") apart, canonically equivalent spellings apart.
  @Test("program names counted as SQL groups them")
  func programNameCounts() throws {
    let warehouse = try Warehouse(path: "\(TestSupport.scratch())/warehouse.sqlite")
    try warehouse.transaction { load in
      let at = Lineage(file: "f.csv", line: 2)
      let rows: [(String, String, String?)] = [
        ("ab", "c", nil), ("a", "bc", nil), ("ab", "c", nil), ("ab", "c", ""), ("ulm", "Sprachkurs", "SPR-01"),
        ("ulm", "\u{C4}rztin", nil), ("ulm", "A\u{308}rztin", nil), ("ulm", "Sprachkurs", "SPR-01"),
        ("s1", "Kurs", nil), ("s2", "Kurs", nil), ("s3", "Kurs", nil),
      ]
      func insert(_ source: String, _ name: String, _ code: String?) throws {
        try load.insert(
          Participation(
            source: source, personLocalID: "P1", programName: name, catalogueCode: code,
            mappingMethod: code == nil ? .unmapped : .explicit, lineage: at))
      }
      for (source, name, code) in rows { try insert(source, name, code) }
      func expected() throws -> [String] {
        try load.rows(
          """
          SELECT source, program_name, ifnull(catalogue_code, '-') AS code, mapping_method, count(*) AS n
          FROM participation GROUP BY source, CAST(program_name AS BLOB), catalogue_code, mapping_method
          """
        ).map { "\($0["source"]!)|\($0["program_name"]!)|\($0["code"]!)|\($0["mapping_method"]!)|\($0["n"]!)" }
      }
      func counted() throws -> [String] {
        try load.programNameCounts().map { "\($0.source)|\($0.name)|\($0.code ?? "-")|\($0.method)|\($0.count)" }
      }
      // Every source counted (the table read in its own order).
      #expect(try counted().count == 9)
      #expect(try counted().sorted() == expected().sorted())
      // One source of six counted again (through the index on the source), the rest kept.
      try insert("ulm", "Sprachkurs", "SPR-01")
      try load.db.execute(sql: "INSERT OR IGNORE INTO program_name_stale(source) VALUES ('ulm')")
      #expect(try counted().sorted() == expected().sorted())
      #expect(try load.count("SELECT count(*) FROM program_name_stale") == 0)
    }
  }

  /// Keys numbered in first-seen order, each once, across the table's growth; keys of the
  /// same bytes in another length or with a trailing zero are other keys.
  @Test("byte keys: each distinct key one number, in first-seen order")
  func byteKeys() {
    var keys = ByteKeys()
    var expected: [[UInt8]: Int] = [:]
    var random = SystemRandomNumberGenerator()
    for _ in 0..<20_000 {
      let key = (0..<Int.random(in: 0...20, using: &random)).map { _ in UInt8.random(in: 0...3, using: &random) }
      let (n, isNew) = key.withUnsafeBytes { keys.number($0) }
      if let known = expected[key] {
        #expect(n == known && !isNew)
      } else {
        #expect(n == expected.count && isNew)
        expected[key] = n
      }
    }
    #expect(keys.count == expected.count)
    #expect(expected.count > 1_000)
  }

  /// A participation naming a person id that differs from a loaded one only in its Unicode form
  /// is an orphan for SQLite, so its raw text must have been kept for the reject.
  @Test("an orphan whose id equals a loaded one only as a Swift String keeps its raw text")
  func orphanByBytes() throws {
    let warehouse = try Warehouse(path: "\(TestSupport.scratch())/warehouse.sqlite")
    try warehouse.transaction { load in
      let at = Lineage(file: "f.csv", line: 2)
      try load.insert(SourcePersonRecord(source: "ulm", localID: "\u{C4}1", lineage: at))
      let named = Participation(
        source: "ulm", personLocalID: "A\u{308}1", programName: "Sprachkurs", lineage: Lineage(file: "f.csv", line: 3))
      try load.insert(named, raw: { "A\u{308}1;Sprachkurs" })
      let orphans = try load.removeOrphanParticipations(source: "ulm")
      #expect(orphans.count == 1)
      #expect(orphans.first?.raw == "A\u{308}1;Sprachkurs")
      #expect(orphans.first?.line == 3)
    }
  }
}

@Suite("Load: dates read back from the warehouse")
struct StoredDateTests {
  /// The reading before the digit-by-digit one: kept here as the reference.
  static func reference(_ iso: String?, placeholder: Bool) -> PartialDate? {
    guard let iso else { return nil }
    let parts = iso.split(separator: "-").compactMap { Int($0) }
    guard let year = parts.first else { return nil }
    return PartialDate(
      year: year, month: parts.count > 1 ? parts[1] : nil, day: parts.count > 2 ? parts[2] : nil,
      placeholder: placeholder)
  }

  @Test("every date pakt writes reads back as itself; other text reads as before")
  func roundTrip() {
    var dates: [PartialDate] = []
    for year in [1, 999, 1950, 1990, 2024, 9999] {
      dates.append(PartialDate(year: year))
      dates.append(PartialDate(year: year, month: 3))
      dates.append(PartialDate(year: year, month: 12, day: 31, placeholder: false))
      dates.append(PartialDate(year: year, month: 1, day: 1, placeholder: true))
    }
    for date in dates {
      #expect(PartialDate(iso: date.iso, placeholder: date.placeholder) == date)
    }
    for text in ["", "-", "1990-", "1990--07", "-1990", "1990-3-7", "1990-03-07-01", "19x0", "1990-ab-07", "٢٠٢٤"] {
      #expect(PartialDate(iso: text, placeholder: false) == Self.reference(text, placeholder: false), "\(text)")
    }
    #expect(PartialDate(iso: nil, placeholder: true) == nil)
  }
}

@Suite("Load: the stored persons linking reads")
struct StoredPersonOrderTests {
  /// `storedPersons()` reads the tables in their own order and sorts the records itself: the
  /// order must be SQLite's `ORDER BY source, local_id` (by bytes: "é" and "e\u{301}" apart,
  /// "ä" after "z"), and each record must have its own identity, whether the loader wrote it
  /// beside the record (the same row id) or elsewhere.
  @Test("stored persons come in SQLite's key order, each with its own identity, however the rows lie")
  func keyOrder() throws {
    let warehouse = try Warehouse(path: "\(TestSupport.scratch())/warehouse.sqlite")
    #expect(try warehouse.read { try $0.storedPersons() }.isEmpty)
    let keys = [
      ("b", "2"), ("a", "10"), ("a", "9"), ("b", "e\u{301}"), ("b", "é"), ("a", "1"), ("ä", "1"), ("z", "1"),
      ("e\u{301}", "1"), ("é", "1"), ("a", ""), ("b", "10"),
    ]
    try warehouse.transaction { load in
      for (line, key) in keys.enumerated() {
        try load.db.execute(
          sql: "INSERT INTO source_person(source, local_id, sex, file, line) VALUES (?, ?, 'F', 'f.csv', ?)",
          arguments: [key.0, key.1, line + 2])
      }
      // The first half's identities beside their records, the rest in reverse; one has none.
      let identities = Array(keys.prefix(6)) + keys.dropFirst(6).dropLast().reversed()
      for key in identities {
        try load.db.execute(
          sql: "INSERT INTO identity(source, local_id, family_name) VALUES (?, ?, ?)",
          arguments: [key.0, key.1, "\(key.0)|\(key.1)"])
      }
      let stored = try load.storedPersons()
      let expected = try String.fetchAll(
        load.db, sql: "SELECT source || '/' || local_id FROM source_person ORDER BY source, local_id")
      #expect(stored.map { Array($0.key.utf8) } == expected.map { Array($0.utf8) })
      for record in stored {
        let own = Array("\(record.source)|\(record.localID)".utf8)
        if Array(record.source.utf8) == Array("b".utf8) && Array(record.localID.utf8) == Array("10".utf8) {
          #expect(record.familyName == nil)
        } else {
          #expect(record.familyName.map { Array($0.utf8) } == own)
        }
      }
    }
  }
}
