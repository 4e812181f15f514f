import Foundation
import GRDB
import PaktCore

/// Reads for reports and checks.
extension LoadSession {
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
  /// Counted per source and kept (`program_name_tally`): only the sources whose
  /// participations changed since (`program_name_stale`, marked by `replaceSource` and by
  /// erasure) are counted again. Why: a night that changes one export of forty counted 1.1
  /// million participations again for the forty (0.8 s at 300,000 persons).
  ///
  /// ```swift
  /// let unmapped = try load.programNameCounts().filter { $0.method == "unmapped" }
  /// ```
  public func programNameCounts() throws -> [ProgramNameCount] {
    let stale = try count("SELECT count(*) FROM program_name_stale")
    if stale > 0 {
      // Where most sources are counted again (a first night, a full reload), the table in its
      // own order: through the index on the source, every row was a jump to another page
      // (0.47 s against 0.26 s in the sqlite3 shell at 425,780 participations).
      let known = try count(
        "SELECT count(*) FROM (SELECT source FROM program_name_tally UNION SELECT source FROM program_name_stale)")
      let counts = try countProgramNames(
        "SELECT source, program_name, catalogue_code, mapping_method FROM participation"
          + (stale * 4 >= known ? " NOT INDEXED" : "")
          + " WHERE source IN (SELECT source FROM program_name_stale)")
      try db.execute(
        sql: "DELETE FROM program_name_tally WHERE source IN (SELECT source FROM program_name_stale)")
      let insert = try db.makeStatement(
        sql: RowsTable.insertSQL(
          "program_name_tally",
          columns: ["source", "program_name", "catalogue_code", "mapping_method", "participations"]))
      var rows = BuiltRows(insert.sqliteStatement, columns: 5, db: db)
      for c in counts {
        try rows.add {
          $0.value(c.source)
          $0.value(c.name)
          $0.value(c.code)
          $0.value(c.method)
          $0.value(Int64(c.count))
        }
      }
      try rows.flush()
      try db.execute(sql: "DELETE FROM program_name_stale")
    }
    let rows = RawRows(
      try db.makeStatement(
        sql: "SELECT source, program_name, catalogue_code, mapping_method, participations FROM program_name_tally"))
    var out: [ProgramNameCount] = []
    while try rows.next(db) {
      out.append(
        ProgramNameCount(
          source: rows.text(0) ?? "", name: rows.text(1) ?? "", code: rows.text(2), method: rows.text(3) ?? "",
          count: Int(rows.int64(4) ?? 0)))
    }
    return out
  }

  /// Marks a source's program name counts for counting again.
  func programNamesChanged(source: String) throws {
    try db.execute(sql: "INSERT OR IGNORE INTO program_name_stale(source) VALUES (?)", arguments: [source])
  }

  /// Counts the rows of `sql` (source, program name, code, method) in memory.
  ///
  /// One scan counted by the columns' bytes (`ByteKeys`); Strings are made once per distinct
  /// combination. Why: SQLite grouped by these four columns through its sorter, and four
  /// Strings made and hashed per participation were most of describing the warehouse (perf,
  /// 1.1 million participations).
  func countProgramNames(_ sql: String) throws -> [ProgramNameCount] {
    let rows = RawRows(try db.makeStatement(sql: sql))
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
