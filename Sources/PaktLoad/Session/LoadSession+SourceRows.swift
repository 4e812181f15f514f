import Foundation
import GRDB
import PaktCore

/// A source's rows: replacing a source's delivery (keeping the records it no longer holds as
/// retired), rejects, quality flags and misses, orphan participations, and counting a file's
/// stored records for the read = loaded + rejected check.
extension LoadSession {
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
  static let recordTables = Tables.all.map(\.name)

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
  static let countedTables = recordTables.filter { $0 != Tables.identity.name }

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
}
