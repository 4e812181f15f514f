import Foundation
import GRDB
import GRDBSQLite

/// The raw limit of loading: the rows a warehouse holds, copied into a fresh warehouse by the
/// most minimal loop SQLite allows (one prepared INSERT per table, each value bound straight
/// from the source row with `sqlite3_bind_value`, one transaction). The end-to-end benchmark
/// sets the load stage's rate against it.
///
/// ```swift
/// let raw = try RawLimit.measure(warehouse: "out/warehouse.sqlite", scratch: "/tmp/raw.sqlite")
/// print(Double(raw.rows) / raw.seconds, "rows/s")
/// ```
public enum RawLimit {
  /// The tables the load stage writes row by row.
  static let tables = LoadSession.recordTables

  public static func measure(warehouse: String, scratch: String) throws -> (rows: Int, seconds: Double) {
    try? FileManager.default.removeItem(atPath: scratch)
    // The same schema and indexes as the load stage writes into.
    let target = try Warehouse(path: scratch)
    var rows = 0
    var seconds = 0.0
    try target.queue.writeWithoutTransaction { db in
      try db.execute(sql: "ATTACH DATABASE ? AS src", arguments: [warehouse])
      defer { try? db.execute(sql: "DETACH DATABASE src") }
      let started = Date()
      try db.inTransaction {
        for table in tables {
          let columns = try Row.fetchAll(db, sql: "PRAGMA main.table_info(\(table))").map { $0["name"] as String }
            .filter { $0 != "id" && $0 != "retired_run" && $0 != "person_id" && $0 != "link_rule" }
          let list = columns.joined(separator: ", ")
          let select = try db.makeStatement(sql: "SELECT \(list) FROM src.\(table)")
          let insert = try db.makeStatement(
            sql: "INSERT INTO main.\(table)(\(list)) VALUES (\(columns.map { _ in "?" }.joined(separator: ",")))")
          let s = select.sqliteStatement
          let i = insert.sqliteStatement
          while sqlite3_step(s) == SQLITE_ROW {
            for c in 0..<Int32(columns.count) { sqlite3_bind_value(i, c + 1, sqlite3_column_value(s, c)) }
            let code = sqlite3_step(i)
            sqlite3_reset(i)
            guard code == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
            rows += 1
          }
          sqlite3_reset(s)
        }
        return .commit
      }
      seconds = Date().timeIntervalSince(started)
    }
    return (rows, seconds)
  }
}
