import Foundation
import GRDB

/// The tables, indexes and views of a SQLite warehouse, read from its own catalogue, so that
/// PostgreSQL gets exactly the same schema without a second, hand-kept copy of it.
struct LocalCatalog: Sendable {
  struct Column: Sendable {
    var name: String
    /// The PostgreSQL type for SQLite's declared type.
    var type: String
    var notNull: Bool
    var integer: Bool
  }

  struct Table: Sendable {
    var name: String
    var columns: [Column]
    var primaryKey: [String]
  }

  var tables: [Table]
  /// `CREATE [UNIQUE] INDEX` statements, rewritten for PostgreSQL.
  var indexes: [String]
  /// View name and SQLite definition, in creation order.
  var views: [View]

  struct View: Sendable {
    var name: String
    var sql: String
  }

  /// The warehouse's own working state, not published: what linking keeps between nights
  /// (record keys and hashes, meaningless outside pakt), the sources whose program names are
  /// to be counted again, and the migrations applied (GRDB's).
  static let workingTables: Set<String> = ["link_state", "program_name_stale", "grdb_migrations"]

  init(_ db: Database) throws {
    tables = []
    for name in try String.fetchAll(
      db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    where !Self.workingTables.contains(name) {
      var columns: [Column] = []
      var keyed: [(Int, String)] = []
      for row in try Row.fetchAll(db, sql: "PRAGMA table_info(\(LocalCatalog.quote(name)))") {
        let column: String = row["name"]
        let declared = (row["type"] as String? ?? "").uppercased()
        let integer = declared.contains("INT")
        let type =
          integer
          ? "bigint"
          : declared.contains("REAL") || declared.contains("FLOA") || declared.contains("DOUB")
            ? "double precision" : declared.contains("BLOB") ? "bytea" : #"text COLLATE "C""#
        let pk: Int = row["pk"]
        if pk > 0 { keyed.append((pk, column)) }
        columns.append(Column(name: column, type: type, notNull: row["notnull"] as Int == 1, integer: integer))
      }
      tables.append(Table(name: name, columns: columns, primaryKey: keyed.sorted { $0.0 < $1.0 }.map(\.1)))
    }
    // SQLite's expression indexes use ifnull; PostgreSQL spells it coalesce. Names and the
    // rest of the syntax are common to both.
    indexes = try String.fetchAll(
      db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid"
    ).map { $0.replacingOccurrences(of: "ifnull(", with: "coalesce(") }
    views = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY rowid").map {
      View(name: $0["name"], sql: $0["sql"])
    }
  }

  static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

  /// `CREATE TABLE` for PostgreSQL: same names, columns, NOT NULL and primary key; text
  /// compares byte by byte (collation "C"), as in SQLite, so views give the same answers.
  func createTable(_ table: Table) -> String {
    var parts = table.columns.map { "\(Self.quote($0.name)) \($0.type)\($0.notNull ? " NOT NULL" : "")" }
    if !table.primaryKey.isEmpty {
      parts.append("PRIMARY KEY (\(table.primaryKey.map(Self.quote).joined(separator: ", ")))")
    }
    return "CREATE TABLE \(Self.quote(table.name)) (\(parts.joined(separator: ", ")))"
  }
}
