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
  /// "source/local id".
  public var key: String
  public var source: String
  public var localID: String
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
    try programNamesChanged(source: source)
    try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS replaced_source (source TEXT PRIMARY KEY)")
    try db.execute(sql: "INSERT OR IGNORE INTO temp.replaced_source VALUES (?)", arguments: [source])
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

  // MARK: Ledger and runs

  public func deliveries() throws -> [DeliveryRecord] {
    try Row.fetchAll(db, sql: "SELECT * FROM delivery ORDER BY source, path").map { row in
      var record = DeliveryRecord(
        source: row["source"], path: row["path"], sha256: row["sha256"], fingerprint: row["fingerprint"],
        file: RunSummary.File(
          source: row["source"], name: row["name"], path: row["path"], format: row["format"],
          encoding: row["encoding"], layout: row["layout"], sha256: row["sha256"],
          status: FileStatus(rawValue: row["status"] ?? "") ?? .loaded,
          read: row["records_read"], loaded: row["loaded"], rejected: row["rejected"], problem: row["problem"]))
      // The `problem` column holds an unreadable file's problem or another file's note.
      if record.file.status != .unreadable {
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
        f.source, f.path, f.name, f.sha256, fingerprint, f.format, f.encoding, f.layout, f.status.rawValue,
        f.problem ?? f.note,
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

}
