import Foundation
import GRDB
import PaktCore

/// A delivery as recorded in the ledger.
public struct DeliveryRecord: Sendable, Codable {
  public var source: String
  public var path: String
  public var sha256: String
  public var fingerprint: String
  public var file: RunSummary.File
}

/// A source person record as stored, for linking.
public struct StoredPerson: Sendable {
  public var key: String
  public var familyName: String?
  public var givenName: String?
  public var birthDate: PartialDate?
  public var sex: Sex
  public var nationality: String?
  public var azrNumber: String?
  public var bamfNumber: String?
  public var personID: Int64?
  /// The reason the record was linked as it is (`link_rule`), as the warehouse holds it now.
  public var linkRule: String?
  /// The row's id in `source_person`, for writing its person back.
  public var rowID: Int64
}

/// Writing and reading inside one warehouse transaction. Statements are prepared once and
/// reused: the hot ones from numbered slots, run through SQLite's C API over encoded rows
/// (`write(_:runID:counts:)`, RowWriting.swift, and `RowsTable`) or with `RawInsert`, the rest
/// through GRDB's `cachedStatement`.
public struct LoadSession {
  let db: Database
  /// The hot insert statements, found by slot instead of by hashing their SQL text on every
  /// row as `cachedStatement` does.
  let prepared = PreparedStatements()
  /// Writes the file's pages to disk early, for a shorter commit (`nil` when reading).
  var writeBehind: WriteBehind? = nil

  /// Starts writing what the transaction has written so far to disk on another thread, so
  /// that the commit has less left to write. Call it before long work that writes little
  /// (linking after loading). It changes nothing about what is committed or when.
  ///
  /// ```swift
  /// try warehouse.transaction { load in
  ///   // … load the sources …
  ///   load.writeToDiskMeanwhile()
  ///   // … link …
  /// }
  /// ```
  public func writeToDiskMeanwhile() { writeBehind?.start() }

  /// Runs `body` in a savepoint: `false` from `body`, or a throw, undoes what it wrote.
  public func savepoint(_ body: () throws -> Bool) throws {
    do {
      try db.inSavepoint {
        if try body() { return .commit }
        // Rows the undone part loaded are no longer there (to vouch for participations, or
        // to make a repeat redundant).
        prepared.forgetWritten()
        return .rollback
      }
    } catch {
      prepared.forgetWritten()
      throw error
    }
  }

  // MARK: Replacing a source

  /// The person records a source holds that are current (in its latest delivery, not retired).
  public func currentRecords(source: String) throws -> Int {
    try count("SELECT count(*) FROM source_person WHERE source = ? AND retired_run IS NULL", [source])
  }

  /// Deletes everything a source's earlier delivery loaded (rows, rejects, misses, ledger).
  public func replaceSource(_ source: String) throws {
    prepared.forgetWritten()
    for table in Self.recordTables + ["reject", "normalization_miss", "quality_flag", "delivery"] {
      try db.execute(sql: "DELETE FROM \(table) WHERE source = ?", arguments: [source])
    }
  }

  /// The tables that hold a source's records, person first (its identity beside it).
  static let recordTables = ["source_person", "identity", "participation", "residence", "potential", "case_fact"]

  /// Keeps a copy of what a source holds now, before `replaceSource`, so that
  /// `retireMissing` can keep the records its new delivery no longer contains.
  public func setAside(source: String) throws {
    for table in Self.recordTables {
      try db.execute(sql: "DROP TABLE IF EXISTS temp.prior_\(table)")
      try db.execute(
        sql: "CREATE TEMP TABLE prior_\(table) AS SELECT * FROM main.\(table) WHERE source = ?", arguments: [source])
    }
  }

  /// Puts back, as retired, the set-aside person records of `source` that its new delivery
  /// no longer contains, with their facts: a person who left a municipality's caseload keeps
  /// the measures they received there; gives the records delivered again unchanged their
  /// person. Returns how many records were retired by this run.
  public func retireMissing(source: String, runID: Int64) throws -> Int {
    try db.execute(sql: "DROP TABLE IF EXISTS temp.retiring")
    try db.execute(
      sql: """
        CREATE TEMP TABLE retiring AS SELECT local_id, retired_run FROM temp.prior_source_person p
        WHERE NOT EXISTS (SELECT 1 FROM main.source_person s WHERE s.source = ?1 AND s.local_id = p.local_id)
        """, arguments: [source])
    let newlyRetired = try count("SELECT count(*) FROM temp.retiring WHERE retired_run IS NULL")
    // A reloaded record whose linked values are what they were keeps its person: linking in
    // proportion to the change then links only the records that changed.
    try db.execute(
      sql: """
        UPDATE main.source_person SET person_id = p.person_id, link_rule = p.link_rule
        FROM temp.prior_source_person p
        JOIN temp.prior_identity pi ON pi.source = p.source AND pi.local_id = p.local_id
        JOIN main.identity i ON i.source = p.source AND i.local_id = p.local_id
        WHERE main.source_person.source = ?1 AND main.source_person.local_id = p.local_id
          AND main.source_person.person_id IS NULL AND p.retired_run IS NULL
          AND i.family_name IS pi.family_name AND i.given_name IS pi.given_name
          AND i.birth_date IS pi.birth_date AND i.azr_number IS pi.azr_number AND i.bamf_number IS pi.bamf_number
          AND main.source_person.birth_date_placeholder IS p.birth_date_placeholder
          AND main.source_person.sex IS p.sex AND main.source_person.nationality IS p.nationality
        """, arguments: [source])
    for table in Self.recordTables {
      let owner = table == "source_person" || table == "identity" ? "local_id" : "person_local_id"
      // Facts get new row ids: the reload may have reused the old ones.
      let columns = try Row.fetchAll(db, sql: "PRAGMA main.table_info(\(table))")
        .map { $0["name"] as String }.filter { $0 != "id" }.joined(separator: ", ")
      try db.execute(
        sql: """
          INSERT INTO main.\(table)(\(columns)) SELECT \(columns) FROM temp.prior_\(table)
          WHERE \(owner) IN (SELECT local_id FROM temp.retiring)
          """)
      // An identity is retired with its source record.
      if table != "identity" {
        try db.execute(
          sql: """
            UPDATE main.\(table) SET retired_run = ?2
            WHERE source = ?1 AND retired_run IS NULL AND \(owner) IN (SELECT local_id FROM temp.retiring)
            """, arguments: [source, runID])
      }
      try db.execute(sql: "DROP TABLE temp.prior_\(table)")
    }
    try db.execute(sql: "DROP TABLE temp.retiring")
    return newlyRetired
  }

  public func replaceCatalogue(_ catalogue: Catalogue) throws {
    try db.execute(sql: "DELETE FROM measure")
    let statement = try db.cachedStatement(
      sql: "INSERT INTO measure(code, category, name_de, name_en, legal_basis, funder, synonyms) VALUES (?,?,?,?,?,?,?)"
    )
    for m in catalogue.measures {
      try statement.execute(arguments: [
        m.code, m.category, m.nameDE, m.nameEN, m.legalBasis, m.funder, m.synonyms.joined(separator: "|"),
      ])
    }
  }

  // MARK: Inserting rows (the canonical rows: RowWriting.swift)

  /// Rebuilds the municipality dimension: the gazetteer's entries and every municipality a
  /// residence or case names (with the AGS it was delivered with, where the gazetteer has none).
  public func replaceMunicipalities(_ entries: [(name: String, ags: String?)]) throws {
    try db.execute(sql: "DELETE FROM municipality")
    let insert = try db.makeStatement(sql: "INSERT OR IGNORE INTO municipality(name, ags) VALUES (?, ?)")
    for e in entries { try insert.execute(arguments: [e.name, e.ags]) }
    try db.execute(
      sql: """
        INSERT OR IGNORE INTO municipality(name, ags)
          SELECT municipality, max(ags) FROM residence GROUP BY municipality
          UNION ALL SELECT DISTINCT municipality, NULL FROM case_fact
        """)
  }

  public func insert(_ r: Reject, runID: Int64) throws {
    let statement = try db.cachedStatement(
      sql: "INSERT INTO reject(source, file, line, kind, reason, raw, run_id) VALUES (?,?,?,?,?,?,?)")
    try statement.execute(arguments: [r.source, r.file, r.line, r.kind, r.reason, r.raw, runID])
  }

  public func insert(_ f: QualityFlag, runID: Int64) throws {
    let statement = try db.cachedStatement(
      sql: """
        INSERT INTO quality_flag(source, file, line, path, record, rule, field, value_class, severity, run_id)
        VALUES (?,?,?,?,?,?,?,?,?,?)
        """)
    try statement.execute(arguments: [
      f.source, f.lineage.file, f.lineage.line, f.lineage.path, f.record, f.rule.rawValue, f.field, f.valueClass,
      f.severity.rawValue, runID,
    ])
  }

  /// Records this run's quality flags per source and rule, for the report's trend.
  func recordQualityTrend(runID: Int64) throws {
    try db.execute(sql: "DELETE FROM quality_trend WHERE run_id = ?", arguments: [runID])
    try db.execute(
      sql: """
        INSERT OR REPLACE INTO quality_trend(run_id, source, rule, flags)
          SELECT ?, source, rule, count(*) FROM quality_flag GROUP BY source, rule
        """, arguments: [runID])
  }

  public func insert(_ m: NormalizationMiss) throws {
    let statement = try db.cachedStatement(
      sql: "INSERT INTO normalization_miss(source, field, column_name, value, file, line) VALUES (?,?,?,?,?,?)")
    try statement.execute(arguments: [m.source, m.field, m.column, m.value, m.lineage.file, m.lineage.line])
  }

  /// The temporary table of raw texts kept for participations until their person reference is
  /// checked.
  static let pendingTableSQL =
    "CREATE TEMP TABLE IF NOT EXISTS pending_ref (participation_id INTEGER PRIMARY KEY, raw TEXT NOT NULL)"

  /// Participations of `source` whose person id is not among the source's persons: deleted
  /// and returned with their place and raw text, so that the caller rejects their records.
  ///
  /// Only participations whose raw text was kept can be orphans: the encoder keeps it for
  /// every participation naming a person the delivery had not shown by then (see
  /// `RowEncoder`), and the others name a person loaded before them, or their own record's.
  /// Why only those: checking every participation of a source took 1.5 s of the load's
  /// writer at 300,000 persons (timing laps). CROSS JOIN keeps SQLite from walking the
  /// source's participations to find the few kept.
  public func removeOrphanParticipations(source: String) throws -> [(
    file: String, line: Int, personLocalID: String, raw: String
  )] {
    try db.execute(sql: Self.pendingTableSQL)
    let rows = try Row.fetchAll(
      db,
      sql: """
        SELECT p.id, p.file, p.line, p.person_local_id, r.raw FROM pending_ref r
        CROSS JOIN participation p ON p.id = r.participation_id
        WHERE p.source = ? AND NOT EXISTS (
          SELECT 1 FROM source_person sp WHERE sp.source = p.source AND sp.local_id = p.person_local_id)
        ORDER BY p.file, p.line
        """, arguments: [source])
    for row in rows { try db.execute(sql: "DELETE FROM participation WHERE id = ?", arguments: [row["id"] as Int64]) }
    try db.execute(sql: "DELETE FROM pending_ref")
    prepared.encoder.knownPersons = []
    return rows.map { ($0["file"], $0["line"], $0["person_local_id"], $0["raw"]) }
  }

  /// The last row id of each table that holds records (see `storedRecordCount`).
  public struct RowIDs: Sendable {
    var last: [Int64]
  }

  /// Where a file's rows lie in each table: after the last row ids before it loaded, up to
  /// those after.
  public struct FileRows: Sendable {
    public var after: RowIDs
    public var upTo: RowIDs

    public init(after: RowIDs, upTo: RowIDs) {
      self.after = after
      self.upTo = upTo
    }
  }

  /// The last row ids now: taken before and after a file loads, they bound its rows.
  public func lastRowIDs() throws -> RowIDs {
    RowIDs(
      last: try Self.countedTables.map { try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM \($0)") ?? 0 })
  }

  /// The tables whose rows `storedRecordCount` counts.
  static let countedTables = ["source_person", "participation", "residence", "potential", "case_fact"]

  /// How many distinct records of a file have rows in the warehouse: the independent count
  /// that `records read = loaded + rejected` is checked against before commit. A record is
  /// its line and record path (nested XML groups add "#…" to the path of their record).
  ///
  /// With `within` (the file's rows: see `FileRows`), only the rows in between are read, in
  /// row id order. Why: a file's rows are written one after the
  /// other, and finding them through the source's index read them one by one, 2.2 s of a
  /// 300,000-person load (timing laps). Rows outside the range would go uncounted, and the
  /// check would then fail rather than pass wrongly.
  public func storedRecordCount(source: String, file: String, within rows: FileRows? = nil) throws -> Int {
    var lines = Set<Int64>()
    var records = LineKeys()
    for (t, table) in Self.countedTables.enumerated() {
      let statement: Statement
      if let rows {
        // NOT INDEXED: by row id, not through the source's index.
        statement = try db.cachedStatement(
          sql: """
            SELECT line, path FROM \(table) NOT INDEXED
            WHERE rowid > ? AND rowid <= ? AND source = ? AND file = ? AND retired_run IS NULL
            """)
        try statement.setArguments([rows.after.last[t], rows.upTo.last[t], source, file])
      } else {
        statement = try db.cachedStatement(
          sql: "SELECT line, path FROM \(table) WHERE source = ? AND file = ? AND retired_run IS NULL")
        try statement.setArguments([source, file])
      }
      let rows = RawRows(statement)
      while try rows.next(db) {
        let line = rows.int64(0) ?? 0
        // The record's own path: an XML row's path may go on past '#' (a nested element).
        let path = rows.bytes(1)
        let end = path.firstIndex(of: UInt8(ascii: "#")) ?? path.count
        if end == 0 {
          lines.insert(line)
        } else {
          records.insert(line, UnsafeRawBufferPointer(rebasing: path[..<end]))
        }
      }
    }
    return lines.count + records.count
  }

  public func rejectCount(source: String, file: String) throws -> Int {
    try count("SELECT count(*) FROM reject WHERE source = ? AND file = ?", [source, file])
  }

  /// Records a steward's mapping decision (who, when), kept across reloads of the source.
  public func recordDecision(source: String, localName: String, code: String, by: String, at: Date) throws {
    try db.execute(
      sql: "INSERT INTO mapping_decision(source, local_name, code, decided_by, decided_at) VALUES (?,?,?,?,?)",
      arguments: [source, localName, code, by, ISO8601DateFormatter().string(from: at)])
  }

  // MARK: Erasure

  /// What an erasure removed, in counts only.
  public struct ErasureCounts: Sendable, Codable {
    public var sourceRecords = 0
    public var participations = 0
    public var residences = 0
    public var cases = 0
    public var potentials = 0
    public var rejects = 0
    public var misses = 0
    /// Quality flags of the person's records.
    public var flags = 0
  }

  /// The person id for a pseudonymous key (or for the id itself written as a number).
  public func personID(forKey key: String) throws -> Int64? {
    if let id = try Int64.fetchOne(db, sql: "SELECT person_id FROM person WHERE person_key = ?", arguments: [key]) {
      return id
    }
    guard let number = Int64(key) else { return nil }
    return try Int64.fetchOne(db, sql: "SELECT person_id FROM person WHERE person_id = ?", arguments: [number])
  }

  /// Removes a person everywhere: facts, source records, identity, links and id events, the
  /// normalisation misses of their lines and the rejected lines that hold their name. Leaves a
  /// tombstone per source record (`tombstone(source, localID)`, a keyed hash) and one row in
  /// `erasure` with the time and the number of records.
  /// One source record of a person, as an erasure needs to know it.
  public struct HeldRecord: Sendable {
    public var source: String
    public var localID: String
    public var familyName: String?
    public var givenName: String?
    public var azrNumber: String?
    public var bamfNumber: String?
  }

  /// The source records the person holds, with the names and numbers their identity holds.
  public func records(ofPerson personID: Int64) throws -> [HeldRecord] {
    try Row.fetchAll(
      db,
      sql: """
        SELECT sp.source, sp.local_id, i.family_name, i.given_name, i.azr_number, i.bamf_number
        FROM source_person sp LEFT JOIN identity i ON i.source = sp.source AND i.local_id = sp.local_id
        WHERE sp.person_id = ? ORDER BY sp.source, sp.local_id
        """, arguments: [personID]
    ).map {
      HeldRecord(
        source: $0["source"], localID: $0["local_id"], familyName: $0["family_name"], givenName: $0["given_name"],
        azrNumber: $0["azr_number"], bamfNumber: $0["bamf_number"])
    }
  }

  public func erase(personID: Int64, tombstone: (String, String) -> String) throws -> ErasureCounts {
    prepared.forgetWritten()
    var counts = ErasureCounts()
    let records = try Row.fetchAll(
      db,
      sql: """
        SELECT sp.source, sp.local_id, i.family_name, i.given_name FROM source_person sp
        LEFT JOIN identity i ON i.source = sp.source AND i.local_id = sp.local_id WHERE sp.person_id = ?
        """,
      arguments: [personID])
    for r in records {
      let source: String = r["source"]
      let local: String = r["local_id"]
      // Lines of this record in the misses: those of its own rows.
      for table in ["participation", "residence", "potential", "case_fact"] {
        try db.execute(
          sql: """
            DELETE FROM normalization_miss WHERE source = ?1 AND EXISTS (
              SELECT 1 FROM \(table) t WHERE t.source = ?1 AND t.person_local_id = ?2
                AND t.file = normalization_miss.file AND t.line = normalization_miss.line)
            """, arguments: [source, local])
        counts.misses += db.changesCount
      }
      try db.execute(
        sql: """
          DELETE FROM normalization_miss WHERE source = ?1 AND EXISTS (
            SELECT 1 FROM source_person sp WHERE sp.source = ?1 AND sp.local_id = ?2
              AND sp.file = normalization_miss.file AND sp.line = normalization_miss.line)
          """, arguments: [source, local])
      counts.misses += db.changesCount
      try db.execute(sql: "DELETE FROM quality_flag WHERE source = ? AND record = ?", arguments: [source, local])
      counts.flags += db.changesCount
      try db.execute(
        sql: "DELETE FROM participation WHERE source = ? AND person_local_id = ?", arguments: [source, local])
      counts.participations += db.changesCount
      try db.execute(sql: "DELETE FROM residence WHERE source = ? AND person_local_id = ?", arguments: [source, local])
      counts.residences += db.changesCount
      try db.execute(sql: "DELETE FROM potential WHERE source = ? AND person_local_id = ?", arguments: [source, local])
      counts.potentials += db.changesCount
      try db.execute(sql: "DELETE FROM case_fact WHERE source = ? AND person_local_id = ?", arguments: [source, local])
      counts.cases += db.changesCount
      // Rejected lines of this source that name the person (the raw text is all a reject has).
      if let family = r["family_name"] as String?, let given = r["given_name"] as String? {
        try db.execute(
          sql:
            "DELETE FROM reject WHERE source = ? AND instr(lower(raw), lower(?)) > 0 AND instr(lower(raw), lower(?)) > 0",
          arguments: [source, family, given])
        counts.rejects += db.changesCount
      }
      try db.execute(sql: "DELETE FROM source_person WHERE source = ? AND local_id = ?", arguments: [source, local])
      counts.sourceRecords += db.changesCount
      try db.execute(sql: "DELETE FROM identity WHERE source = ? AND local_id = ?", arguments: [source, local])
      try db.execute(
        sql: "INSERT OR IGNORE INTO erased_record(tombstone) VALUES (?)", arguments: [tombstone(source, local)])
    }
    try db.execute(sql: "DELETE FROM person WHERE person_id = ?", arguments: [personID])
    // Where they lived when: derived from their records, gone with them (until now it stayed
    // until the next changing run).
    try db.execute(sql: "DELETE FROM residence_period WHERE person_id = ?", arguments: [personID])
    try db.execute(
      sql: "DELETE FROM person_id_event WHERE old_person_id = ?1 OR new_person_id = ?1", arguments: [personID])
    try db.execute(
      sql: "INSERT INTO erasure(erased_at, records) VALUES (?, ?)",
      arguments: [ISO8601DateFormatter().string(from: Date()), counts.sourceRecords])
    return counts
  }

  /// Records the stewards' link decisions this run applied (all of them, replacing the last
  /// run's): records as "source/local id", decision "must-link" or "cannot-link".
  public func replaceLinkDecisions(
    _ decisions: [(a: String, b: String, decision: String, file: String, line: Int, applied: Bool)], runID: Int64
  ) throws {
    try db.execute(sql: "DELETE FROM link_decision")
    let insert = try db.makeStatement(
      sql: "INSERT INTO link_decision(record_a, record_b, decision, file, line, applied, run_id) VALUES (?,?,?,?,?,?,?)"
    )
    for d in decisions {
      try insert.execute(arguments: [d.a, d.b, d.decision, d.file, d.line, d.applied, runID])
    }
  }

  /// Tombstones of erased source records, for the loader to skip them.
  public func tombstones() throws -> Set<String> {
    Set(try String.fetchAll(db, sql: "SELECT tombstone FROM erased_record"))
  }

  // MARK: Ledger and runs

  public func deliveries() throws -> [DeliveryRecord] {
    try Row.fetchAll(db, sql: "SELECT * FROM delivery ORDER BY source, path").map { row in
      var record = DeliveryRecord(
        source: row["source"], path: row["path"], sha256: row["sha256"], fingerprint: row["fingerprint"],
        file: RunSummary.File(
          source: row["source"], name: row["name"], path: row["path"], format: row["format"],
          encoding: row["encoding"], layout: row["layout"], sha256: row["sha256"], status: row["status"],
          read: row["records_read"], loaded: row["loaded"], rejected: row["rejected"], problem: row["problem"]))
      // The `problem` column holds an unreadable file's problem or another file's note.
      if record.file.status != "unreadable" {
        record.file.note = record.file.problem
        record.file.problem = nil
      }
      return record
    }
  }

  public func recordDelivery(_ f: RunSummary.File, fingerprint: String, runID: Int64) throws {
    try db.execute(
      sql: """
        INSERT OR REPLACE INTO delivery(source, path, name, sha256, fingerprint, format, encoding, layout, status, problem,
          records_read, loaded, rejected, run_id)
        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
        """,
      arguments: [
        f.source, f.path, f.name, f.sha256, fingerprint, f.format, f.encoding, f.layout, f.status, f.problem ?? f.note,
        f.read,
        f.loaded, f.rejected, runID,
      ])
  }

  /// Opens the run's row in the ledger; `finishRun` completes it in the same transaction.
  public func startRun(pipeline: String, startedAt: Date) throws -> Int64 {
    let now = ISO8601DateFormatter().string(from: startedAt)
    try db.execute(
      sql: """
        INSERT INTO run(started_at, finished_at, pipeline, files, records_read, loaded, rejected, persons)
        VALUES (?, ?, ?, 0, 0, 0, 0, 0)
        """, arguments: [now, now, pipeline])
    return db.lastInsertedRowID
  }

  public func finishRun(_ runID: Int64, summary: RunSummary) throws {
    try db.execute(
      sql: """
        UPDATE run SET finished_at = ?, files = ?, records_read = ?, loaded = ?, rejected = ?, persons = ?
        WHERE run_id = ?
        """,
      arguments: [
        ISO8601DateFormatter().string(from: Date()), summary.totals.files, summary.totals.read, summary.totals.loaded,
        summary.totals.rejected, summary.linkage.persons, runID,
      ])
    try recordQualityTrend(runID: runID)
  }

  public func meta(_ key: String) throws -> String? {
    try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
  }

  public func setMeta(_ key: String, _ value: String) throws {
    try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
  }

  // MARK: Persons

  /// Every source person record, for linking, with the person id it had before this run.
  public func storedPersons() throws -> [StoredPerson] {
    // Read through SQLite's C API: decoding 300,000 GRDB rows took 3 s of the link stage.
    let statement = try db.makeStatement(
      sql: """
        SELECT sp.source, sp.local_id, i.family_name, i.given_name, i.birth_date, sp.birth_date_placeholder, sp.sex,
               sp.nationality, i.azr_number, i.bamf_number, sp.person_id, sp.link_rule, sp.rowid
        FROM source_person sp LEFT JOIN identity i ON i.source = sp.source AND i.local_id = sp.local_id
        ORDER BY sp.source, sp.local_id
        """)
    let rows = RawRows(statement)
    var out: [StoredPerson] = []
    while try rows.next(db) {
      out.append(
        StoredPerson(
          key: (rows.text(0) ?? "") + "/" + (rows.text(1) ?? ""), familyName: rows.text(2), givenName: rows.text(3),
          birthDate: PartialDate(iso: rows.text(4), placeholder: rows.int64(5) == 1),
          sex: rows.text(6).flatMap { Sex(rawValue: $0) } ?? .unknown, nationality: rows.text(7),
          azrNumber: rows.text(8), bamfNumber: rows.text(9), personID: rows.int64(10), linkRule: rows.text(11),
          rowID: rows.int64(12) ?? 0))
    }
    return out
  }

  /// Person ids by source record key, as the warehouse holds them now.
  public func personIDs() throws -> [String: Int64] {
    var result: [String: Int64] = [:]
    let rows = try Row.fetchCursor(
      db, sql: "SELECT source, local_id, person_id FROM source_person WHERE person_id IS NOT NULL")
    while let row = try rows.next() {
      result["\(row["source"] as String)/\(row["local_id"] as String)"] = row["person_id"]
    }
    return result
  }

  /// Writes the persons formed by linking: ids and rules on the source records whose person
  /// or reason changed (`changes`, by `source_person` row id; `records` in all), the person
  /// dimension rebuilt, id events recorded.
  public func writePersons(
    changes: [(rowID: Int64, id: Int64?, rule: String?)], records: Int,
    persons: [PersonRow],
    events: [(kind: String, old: Int64, new: Int64)], runID: Int64
  ) throws {
    try writePersonIDs(changes: changes, records: records)
    try writePersons(persons, events: events, runID: runID)
  }

  /// A person of the person dimension, as linking makes it.
  public typealias PersonRow = (
    id: Int64, key: String, sex: Sex, birthYear: Int?, nationality: String?, records: Int
  )

  /// Writes ids and rules on the source records whose person or reason changed (`changes`,
  /// by `source_person` row id; `records` in all).
  public func writePersonIDs(changes: [(rowID: Int64, id: Int64?, rule: String?)], records: Int) throws {
    // In row id order, the table's own: a first load walks it once; a night that keeps every
    // person writes nothing here.
    let changes = changes.sorted { $0.rowID < $1.rowID }
    try withIndexes(of: "source_person", rebuiltIf: changes.count > records / 4) {
      // Through `pakt_rows`: a statement over a few thousand rows, not one per row.
      let update = try db.makeStatement(
        sql: """
          UPDATE source_person SET person_id = r.c1, link_rule = r.c2
          FROM \(RowsTable.name)(?) AS r WHERE source_person.rowid = r.c0
          """)
      var rows = BuiltRows(update.sqliteStatement, columns: 3, db: db)
      for change in changes {
        try rows.add {
          $0.value(change.rowID)
          $0.value(change.id)
          $0.value(change.rule)
        }
      }
      try rows.flush()
    }
  }

  /// Rebuilds the person dimension and records the run's person id events.
  public func writePersons(
    _ persons: [PersonRow],
    events: [(kind: String, old: Int64, new: Int64)], runID: Int64
  ) throws {
    try db.execute(sql: "DELETE FROM person")
    try withIndexes(of: "person", rebuiltIf: persons.count > 10_000) {
      let insert = try db.makeStatement(
        sql: RowsTable.insertSQL(
          "person", columns: ["person_id", "person_key", "sex", "birth_year", "nationality", "records"]))
      var rows = BuiltRows(insert.sqliteStatement, columns: 6, db: db)
      for p in persons {
        try rows.add {
          $0.value(p.id)
          $0.value(p.key)
          $0.value(p.sex.rawValue)
          $0.value(p.birthYear)
          $0.value(p.nationality)
          $0.value(p.records)
        }
      }
      try rows.flush()
    }
    let event = try db.cachedStatement(
      sql: "INSERT INTO person_id_event(run_id, kind, old_person_id, new_person_id) VALUES (?,?,?,?)")
    for e in events { try event.execute(arguments: [runID, e.kind, e.old, e.new]) }
  }

  /// Replaces some persons of the person dimension: the rows of `removing` go, `persons` come
  /// in; the run's person id events are recorded. For a night linked in proportion to its change.
  public func replacePersons(
    _ persons: [PersonRow], removing: Set<Int64>, events: [(kind: String, old: Int64, new: Int64)], runID: Int64
  ) throws {
    let delete = try db.makeStatement(
      sql: "DELETE FROM person WHERE person_id IN (SELECT c0 FROM \(RowsTable.name)(?))")
    var ids = BuiltRows(delete.sqliteStatement, columns: 1, db: db)
    for id in removing.sorted() { try ids.add { $0.value(id) } }
    try ids.flush()
    let insert = try db.makeStatement(
      sql: RowsTable.insertSQL(
        "person", columns: ["person_id", "person_key", "sex", "birth_year", "nationality", "records"]))
    var rows = BuiltRows(insert.sqliteStatement, columns: 6, db: db)
    for p in persons {
      try rows.add {
        $0.value(p.id)
        $0.value(p.key)
        $0.value(p.sex.rawValue)
        $0.value(p.birthYear)
        $0.value(p.nationality)
        $0.value(p.records)
      }
    }
    try rows.flush()
    let event = try db.cachedStatement(
      sql: "INSERT INTO person_id_event(run_id, kind, old_person_id, new_person_id) VALUES (?,?,?,?)")
    for e in events { try event.execute(arguments: [runID, e.kind, e.old, e.new]) }
  }

  /// Runs `body`, which writes many rows of `table`; with `rebuiltIf`, the table's own
  /// indexes are dropped first and built again after. Why: an index built once from sorted
  /// keys is far cheaper than one entry placed at a random spot per row (the person ids and
  /// keys of a first load are in no order the table has). Inside the run's transaction, so a
  /// crash leaves the indexes as they were.
  func withIndexes(of table: String, rebuiltIf rebuild: Bool, _ body: () throws -> Void) throws {
    guard rebuild else { return try body() }
    let indexes = try Row.fetchAll(
      db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
      arguments: [table]
    ).map { (name: $0["name"] as String, sql: $0["sql"] as String) }
    for index in indexes { try db.execute(sql: "DROP INDEX \"\(index.name)\"") }
    try body()
    for index in indexes { try db.execute(sql: index.sql) }
  }

  // MARK: Queries for reports and checks

  /// Generic read for reports: rows as dictionaries of text.
  public func rows(_ sql: String, _ arguments: [(any DatabaseValueConvertible)?] = []) throws -> [[String: String]] {
    try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
      var out: [String: String] = [:]
      for column in row.columnNames {
        let value: DatabaseValue = row[column]
        switch value.storage {
        case .null: break
        case .int64(let i): out[column] = String(i)
        case .double(let d): out[column] = String(d)
        case .string(let s): out[column] = s
        case .blob: out[column] = "<blob>"
        }
      }
      return out
    }
  }

  public func count(_ sql: String, _ arguments: [(any DatabaseValueConvertible)?] = []) throws -> Int {
    try Int.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)) ?? 0
  }

  /// Participations counted by source, program name, catalogue code and mapping method, in
  /// no particular order: what the run summary says about coverage and unmapped names.
  ///
  /// One table scan counted in memory. Why: SQLite grouped by these four columns through its
  /// sorter, and the coverage query walked the table in index order; with the total count
  /// that took 2 s of a 300,000-person run, this takes about a third of it.
  ///
  /// ```swift
  /// let unmapped = try load.programNameCounts().filter { $0.method == "unmapped" }
  /// ```
  public func programNameCounts() throws -> [ProgramNameCount] {
    let rows = RawRows(
      try db.makeStatement(sql: "SELECT source, program_name, catalogue_code, mapping_method FROM participation"))
    // Counted by the columns' bytes (`ByteKeys`); Strings are made once per distinct
    // combination. Why: four Strings made and hashed per participation were most of
    // describing the warehouse (perf, 1.1 million participations).
    var counts: [ProgramNameCount] = []
    var keys = ByteKeys()
    var key: [UInt8] = []
    while try rows.next(db) {
      key.removeAll(keepingCapacity: true)
      for column in Int32(0)..<4 {
        // The type first (SQLite's type of a value is undefined once it was read as text),
        // then the length, so that no two different rows give the same key.
        if rows.isNull(column) {
          key.append(0)
          continue
        }
        let bytes = rows.bytes(column)
        key.append(1)
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: bytes.count).littleEndian) { key.append(contentsOf: $0) }
        key.append(contentsOf: bytes)
      }
      let (n, isNew) = key.withUnsafeBytes { keys.number($0) }
      if !isNew {
        counts[n].count += 1
        continue
      }
      counts.append(
        ProgramNameCount(
          source: rows.text(0) ?? "", name: rows.text(1) ?? "", code: rows.text(2), method: rows.text(3) ?? "",
          count: 1))
    }
    return counts
  }
}

/// Participations of one source, program name, catalogue code and mapping method.
public struct ProgramNameCount: Sendable, Equatable {
  public var source: String
  public var name: String
  public var code: String?
  public var method: String
  public var count: Int
}

extension PartialDate {
  /// Reads ISO text as stored ("1990-03-07", "1990-03", "1990").
  init?(iso: String?, placeholder: Bool) {
    guard let iso else { return nil }
    // Digit by digit for the forms pakt writes (splitting into substrings and parsing each
    // was half of reading 300,000 persons for linking, perf).
    var fields = (0, 0, 0)
    var count = 0
    var digits = 0
    var plain = true
    for byte in iso.utf8 {
      if byte == UInt8(ascii: "-") && digits > 0 && count < 2 {
        count += 1
        digits = 0
      } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") && digits < 9 {
        let value = Int(byte - UInt8(ascii: "0"))
        switch count {
        case 0: fields.0 = fields.0 * 10 + value
        case 1: fields.1 = fields.1 * 10 + value
        default: fields.2 = fields.2 * 10 + value
        }
        digits += 1
      } else {
        plain = false
        break
      }
    }
    if plain && digits > 0 {
      self.init(
        year: fields.0, month: count > 0 ? fields.1 : nil, day: count > 1 ? fields.2 : nil, placeholder: placeholder)
      return
    }
    let parts = iso.split(separator: "-").compactMap { Int($0) }
    guard let year = parts.first else { return nil }
    self.init(
      year: year, month: parts.count > 1 ? parts[1] : nil, day: parts.count > 2 ? parts[2] : nil,
      placeholder: placeholder)
  }
}

/// Statements prepared once per session and kept in one slot each.
final class PreparedStatements {
  enum Slot: Int, CaseIterable {
    case sourcePerson, identity, participation, residence, potential, caseFact, pendingReference
  }
  private var slots = [Statement?](repeating: nil, count: Slot.allCases.count)
  var pendingTableReady = false
  /// The batch `write` is writing.
  let batch = PendingBatch()
  /// What the rows written so far (and still in the warehouse) tell the next ones: the
  /// delivery's persons, the last person, residence and potential (see `RowEncoder`). Handed
  /// to the thread that maps a file, and taken back when the file has loaded.
  var encoder = RowEncoder()

  /// Forgets everything remembered about written rows (a savepoint undone, a source replaced,
  /// a person erased).
  func forgetWritten() { encoder = RowEncoder() }

  func statement(_ slot: Slot, _ db: Database, _ sql: String) throws -> Statement {
    if let statement = slots[slot.rawValue] { return statement }
    let statement = try db.makeStatement(sql: sql)
    slots[slot.rawValue] = statement
    return statement
  }
}

/// The values of one unique key (up to five), compared byte for byte as SQLite's unique
/// indexes compare them (Swift's `==` on Strings would take canonically equivalent spellings
/// for the same). Plain properties rather than an array: an allocation and the reference
/// counting per row cost as much as the statement it saves (perf, 300,000-person run).
struct LastKey {
  private var values = ("", "", "", "", "")
  private var isSet = false

  /// True when the key is byte for byte the remembered one; otherwise remembers it.
  mutating func repeats(_ a: String, _ b: String, _ c: String = "", _ d: String = "", _ e: String = "") -> Bool {
    if matches(a, b, c, d, e) { return true }
    values = (a, b, c, d, e)
    isSet = true
    return false
  }

  func matches(_ a: String, _ b: String, _ c: String = "", _ d: String = "", _ e: String = "") -> Bool {
    isSet && Self.sameBytes(a, values.0) && Self.sameBytes(b, values.1) && Self.sameBytes(c, values.2)
      && Self.sameBytes(d, values.3) && Self.sameBytes(e, values.4)
  }

  @inline(__always)
  static func sameBytes(_ a: String, _ b: String) -> Bool {
    // The same two words are the same small string or the same storage: the same bytes.
    if MemoryLayout<String>.size == 16
      && unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self)
    {
      return true
    }
    var a = a
    var b = b
    return a.withUTF8 { x in b.withUTF8 { y in x.count == y.count && x.elementsEqual(y) } }
  }
}

/// A set of (line, bytes) keys, compared byte for byte, kept without a String per key.
struct LineKeys {
  private var keys = ByteKeys()
  private var key: [UInt8] = []

  /// Keys held.
  var count: Int { keys.count }

  mutating func insert(_ line: Int64, _ path: UnsafeRawBufferPointer) {
    key.removeAll(keepingCapacity: true)
    withUnsafeBytes(of: line.littleEndian) { key.append(contentsOf: $0) }
    key.append(contentsOf: path)
    _ = key.withUnsafeBytes { keys.number($0) }
  }
}
