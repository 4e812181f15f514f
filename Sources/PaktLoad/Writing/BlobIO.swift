import GRDB
import GRDBSQLite

/// Writes and reads one blob of many megabytes through SQLite's incremental blob I/O, so that
/// it is never copied whole.
///
/// Why: the link index is tens of megabytes (80 MB at 500,000 records). Bound as a value, it
/// was copied into a `Data`, by SQLite when bound, and again into the row SQLite builds: 240 MB
/// on the run's peak memory at the end of the link stage (1,124 MB at 501,119 records). Here
/// the row is written with a zero blob of the right size, whose bytes SQLite does not hold in
/// memory, and the bytes go into it a megabyte at a time.
///
/// ```swift
/// try db.execute(sql: "INSERT INTO t(name, data) VALUES (?, zeroblob(?))", arguments: ["index", bytes.count])
/// try BlobIO.write(bytes, table: "t", column: "data", row: db.lastInsertedRowID, db)
/// let back = try BlobIO.read(table: "t", column: "data", row: db.lastInsertedRowID, db)
/// ```
enum BlobIO {
  /// Bytes written per call.
  static let chunk = 1 << 20

  /// Fills the blob in `column` of row `row` of `table`, which holds `bytes.count` bytes.
  static func write(_ bytes: [UInt8], table: String, column: String, row: Int64, _ db: Database) throws {
    try write(count: bytes.count, table: table, column: column, row: row, db) { sink in bytes.withUnsafeBytes(sink) }
  }

  /// Fills the blob in `column` of row `row` of `table`, which holds `count` bytes, with the
  /// bytes `produce` hands its sink in order (none held whole here either). Fails where they
  /// are not exactly `count`.
  static func write(
    count: Int, table: String, column: String, row: Int64, _ db: Database,
    produce: ((UnsafeRawBufferPointer) -> Void) -> Void
  ) throws {
    let blob = try open(table, column, row, writable: true, db)
    defer { sqlite3_blob_close(blob) }
    var offset = 0
    var failure: Int32 = SQLITE_OK
    produce { bytes in
      var at = 0
      while failure == SQLITE_OK && at < bytes.count {
        let n = min(chunk, bytes.count - at)
        guard offset + n <= count else {
          failure = SQLITE_ERROR
          return
        }
        failure = sqlite3_blob_write(blob, bytes.baseAddress! + at, Int32(n), Int32(offset))
        (at, offset) = (at + n, offset + n)
      }
    }
    guard failure == SQLITE_OK else { throw error(failure, table, db) }
    guard offset == count else { throw error(SQLITE_ERROR, table, db) }
  }

  /// The blob in `column` of row `row` of `table`, read into one array.
  static func read(table: String, column: String, row: Int64, _ db: Database) throws -> [UInt8] {
    let blob = try open(table, column, row, writable: false, db)
    defer { sqlite3_blob_close(blob) }
    let count = Int(sqlite3_blob_bytes(blob))
    guard count > 0 else { return [] }
    var code = SQLITE_OK
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      code = sqlite3_blob_read(blob, buffer.baseAddress!, Int32(count), 0)
      initialized = code == SQLITE_OK ? count : 0
    }
    guard code == SQLITE_OK else { throw error(code, table, db) }
    return bytes
  }

  private static func open(_ table: String, _ column: String, _ row: Int64, writable: Bool, _ db: Database) throws
    -> OpaquePointer
  {
    var blob: OpaquePointer?
    let code = sqlite3_blob_open(db.sqliteConnection, "main", table, column, row, writable ? 1 : 0, &blob)
    guard code == SQLITE_OK, let blob else {
      if let blob { sqlite3_blob_close(blob) }
      throw error(code, table, db)
    }
    return blob
  }

  /// SQLite's error, as GRDB reports its own.
  private static func error(_ code: Int32, _ table: String, _ db: Database) -> DatabaseError {
    DatabaseError(
      resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
      sql: "blob I/O on \(table)")
  }
}
