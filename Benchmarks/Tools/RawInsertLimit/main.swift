import Foundation
import GRDB
import GRDBSQLite
import PaktLoad

// The raw SQLite insert limit for the end-to-end benchmark: copies the rows a warehouse holds
// into a fresh one (the same schema and indexes as the load stage writes into) by the most
// minimal loop SQLite allows: one prepared INSERT per table, each value bound straight from
// the source row with `sqlite3_bind_value`, one transaction. Prints `rows seconds`. Run by
// Benchmarks/scripts/end-to-end.sh:
//   swift run -c release --package-path Benchmarks RawInsertLimit WAREHOUSE SCRATCH
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
  FileHandle.standardError.write(Data("usage: RawInsertLimit WAREHOUSE SCRATCH\n".utf8))
  exit(2)
}
let (warehouse, scratch) = (arguments[1], arguments[2])
try? FileManager.default.removeItem(atPath: scratch)
_ = try Warehouse(path: scratch)  // creates the schema
// The tables the load stage writes row by row, and the columns it leaves to later stages.
let tables = ["source_person", "identity", "participation", "residence", "potential", "case_fact"]
let later: Set<String> = ["id", "retired_run", "person_id", "link_rule"]
var rows = 0
var seconds = 0.0
let target = try DatabaseQueue(path: scratch)
try target.writeWithoutTransaction { db in
  try db.execute(sql: "ATTACH DATABASE ? AS src", arguments: [warehouse])
  defer { try? db.execute(sql: "DETACH DATABASE src") }
  let started = Date()
  try db.inTransaction {
    for table in tables {
      let columns = try Row.fetchAll(db, sql: "PRAGMA main.table_info(\(table))").map { $0["name"] as String }
        .filter { !later.contains($0) }
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
print(rows, seconds)
