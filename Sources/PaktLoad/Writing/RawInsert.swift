import GRDB
import GRDBSQLite

/// Binds values straight into one of GRDB's prepared statements through SQLite's C API and
/// runs it.
///
/// Why: on statements run once per row (one person-id update per source person record, one
/// residence period per stay), building `StatementArguments` boxed every value in an
/// existential and converted it again; the platform notes measure GRDB's argument path at
/// 620k rows/s against 890k for the C API. (The load stage's inserts bind `EncodedRows`.)
/// Used only for plain INSERTs and UPDATEs inside the session's transaction.
///
/// ```swift
/// var insert = RawInsert(statement)
/// insert.bind("stuttgart"); insert.bind(17 as Int64); insert.bind(nil as String?)
/// try insert.run(db)
/// ```
struct RawInsert {
  /// Held so that the statement outlives this value (GRDB finalizes it when released).
  private let owner: Statement
  private let statement: OpaquePointer
  private var index: Int32 = 1

  /// SQLite copies each value before `bind` returns.
  private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
  private static let empty: StaticString = ""

  init(_ statement: Statement) {
    owner = statement
    self.statement = statement.sqliteStatement
    sqlite3_reset(self.statement)
  }

  mutating func bind(_ value: String?) {
    defer { index += 1 }
    guard var value else {
      sqlite3_bind_null(statement, index)
      return
    }
    value.withUTF8 { bytes in
      // An empty buffer may have no address, which SQLite would store as NULL.
      let base = bytes.baseAddress ?? UnsafeRawPointer(Self.empty.utf8Start).assumingMemoryBound(to: UInt8.self)
      _ = base.withMemoryRebound(to: CChar.self, capacity: max(1, bytes.count)) {
        sqlite3_bind_text(statement, index, $0, Int32(bytes.count), Self.transient)
      }
    }
  }

  mutating func bind(_ value: Int64?) {
    defer { index += 1 }
    if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
  }

  mutating func bind(_ value: Int?) { bind(value.map(Int64.init)) }

  mutating func bind(_ value: Bool) { bind(Int64(value ? 1 : 0)) }

  /// Runs the statement once; throws SQLite's error as GRDB does.
  func run(_ db: Database) throws {
    assert(index - 1 == sqlite3_bind_parameter_count(statement), "bind every parameter before each run")
    try runBound(statement, db)
  }
}

/// Runs a statement whose values are bound, once, and resets it; throws SQLite's error as
/// GRDB does.
func runBound(_ statement: OpaquePointer, _ db: Database) throws {
  let code = sqlite3_step(statement)
  sqlite3_reset(statement)
  guard code == SQLITE_DONE else { throw sqliteError(code, statement, db) }
}

/// Steps through the rows of one of GRDB's prepared statements with SQLite's C API, for a
/// read that decodes hundreds of thousands of rows.
///
/// ```swift
/// var rows = RawRows(statement)
/// while try rows.next(db) { print(rows.text(0) ?? "NULL") }
/// ```
struct RawRows {
  /// Held so that the statement outlives this value (GRDB finalizes it when released).
  private let owner: Statement
  private let statement: OpaquePointer

  init(_ statement: Statement) {
    owner = statement
    self.statement = statement.sqliteStatement
    sqlite3_reset(self.statement)
  }

  /// Moves to the next row; false after the last.
  func next(_ db: Database) throws -> Bool {
    let code = sqlite3_step(statement)
    if code == SQLITE_ROW { return true }
    sqlite3_reset(statement)
    if code == SQLITE_DONE { return false }
    throw sqliteError(code, statement, db)
  }

  /// Column `i` as text, nil for NULL.
  func text(_ i: Int32) -> String? {
    guard let bytes = sqlite3_column_text(statement, i) else { return nil }
    return String(
      decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, i))), as: UTF8.self)
  }

  /// Column `i`'s text bytes, valid until the next step (empty for NULL).
  func bytes(_ i: Int32) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: sqlite3_column_text(statement, i), count: Int(sqlite3_column_bytes(statement, i)))
  }

  /// Whether column `i` is NULL.
  func isNull(_ i: Int32) -> Bool { sqlite3_column_type(statement, i) == SQLITE_NULL }

  /// Column `i` as an integer, nil for NULL.
  func int64(_ i: Int32) -> Int64? {
    isNull(i) ? nil : sqlite3_column_int64(statement, i)
  }
}

/// SQLite's error for a failed step, as GRDB reports its own.
func sqliteError(_ code: Int32, _ statement: OpaquePointer, _ db: Database) -> DatabaseError {
  DatabaseError(
    resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
    sql: String(cString: sqlite3_sql(statement)))
}
