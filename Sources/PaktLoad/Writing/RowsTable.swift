import GRDB
import GRDBSQLite

/// `pakt_rows(?)`: a table-valued function (an eponymous virtual table) over one table's rows
/// in an `EncodedRows` buffer, so that the writer inserts a batch's rows of a table with one
/// `INSERT … SELECT … FROM pakt_rows(?)` instead of one statement run per row.
///
/// Why: a statement run per row opens, seeks and closes a cursor on the table and on each of
/// its indexes, every row; one statement over the batch keeps them open and appends. Measured
/// with a C loop against this shape (1,145,002 participations, 327,124 identities, release,
/// this machine): 5.5–6.6 s → 2.5–3.7 s and 1.5–1.6 s → 0.5–0.6 s.
///
/// The batch is bound to the function's one argument with `sqlite3_bind_pointer` (the way
/// SQLite's own `carray` takes its array): a pointer to a `RowsView`, valid while the statement
/// runs. Columns `c0`…`c15` are the values of each row in the order they were encoded.
///
/// ```swift
/// // Registered on every warehouse connection (Warehouse.init), then:
/// let insert = try db.makeStatement(sql: RowsTable.insertSQL("residence", columns: ["source", "municipality"]))
/// try RowsTable.run(insert.sqliteStatement, base: rows.base, offsets: starts, columns: 2, db: db)
/// ```
///
/// With `RowsView.inserted` set, it also tells which rows an `INSERT OR IGNORE` wrote: SQLite
/// asks for the next row only after it has inserted (or ignored) the one before, and an insert
/// sets the connection's last row id. So before each row it sets that to a value no new row id
/// takes, and on the next step it reads whether it changed. `run` checks the rows found
/// inserted against the statement's count of changes, so a SQLite that worked otherwise would
/// stop the load with an error rather than count wrong.
enum RowsTable {
  static let name = "pakt_rows"
  /// Values a row may have (the widest table's insert has 14).
  static let columns = 16

  /// Makes `pakt_rows` known to a connection.
  static func register(_ db: Database) throws {
    let code = sqlite3_create_module_v2(db.sqliteConnection, name, module, nil, nil)
    guard code == SQLITE_OK else {
      throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot register \(name)")
    }
  }

  /// `INSERT [OR IGNORE] INTO table(columns) SELECT c0, … FROM pakt_rows(?)`.
  static func insertSQL(_ table: String, columns: [String], orIgnore: Bool = false) -> String {
    precondition(columns.count <= Self.columns)
    let values = columns.indices.map { "c\($0)" }.joined(separator: ", ")
    return """
      INSERT \(orIgnore ? "OR IGNORE " : "")INTO \(table)(\(columns.joined(separator: ", ")))
      SELECT \(values) FROM \(name)(?)
      """
  }

  /// Runs `statement` (made from `insertSQL`, or another statement over `pakt_rows(?)`) over
  /// the rows that begin at `offsets` in `base`, each of `columns` values. With `inserted`
  /// (one flag per row), sets each flag to whether that row was inserted.
  static func run(
    _ statement: OpaquePointer, base: UnsafeRawPointer, offsets: [Int], columns: Int, db: Database,
    inserted: UnsafeMutablePointer<Bool>? = nil
  ) throws {
    try offsets.withUnsafeBufferPointer { offsets in
      var view = RowsView(
        base: base, offsets: offsets.baseAddress!, count: offsets.count, columns: columns, inserted: inserted,
        connection: db.sqliteConnection!)
      try withUnsafePointer(to: &view) { view in
        sqlite3_bind_pointer(statement, 1, UnsafeMutableRawPointer(mutating: view), pointerType, nil)
        defer { sqlite3_bind_null(statement, 1) }
        try runBound(statement, db)
      }
    }
    guard let inserted else { return }
    let found = (0..<offsets.count).reduce(0) { $0 + (inserted[$1] ? 1 : 0) }
    guard found == Int(sqlite3_changes(db.sqliteConnection)) else {
      throw DatabaseError(
        resultCode: .SQLITE_INTERNAL,
        message: "\(name) found \(found) rows inserted where SQLite counted \(sqlite3_changes(db.sqliteConnection))")
    }
  }

  /// The type name that `sqlite3_bind_pointer` and `sqlite3_value_pointer` match; static, as
  /// SQLite keeps the pointer.
  private static var pointerType: UnsafePointer<CChar> {
    UnsafeRawPointer(("pakt_rows" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
  }

  /// A last row id that no inserted row takes: new row ids are positive.
  private static let noRow = Int64.min

  // MARK: The virtual table

  /// A cursor: SQLite's part first, then ours.
  private struct Cursor {
    var view: UnsafePointer<RowsView>?
    var row = 0
    /// Where each value of the current row begins in the buffer.
    var values: UnsafeMutablePointer<Int>
  }

  private static let cursorOffset = max(
    MemoryLayout<sqlite3_vtab_cursor>.stride, MemoryLayout<Cursor>.alignment)

  private static func cursor(_ base: UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> UnsafeMutablePointer<Cursor> {
    (UnsafeMutableRawPointer(base!) + cursorOffset).assumingMemoryBound(to: Cursor.self)
  }

  /// Finds where each value of the cursor's current row begins.
  private static func locate(_ c: UnsafeMutablePointer<Cursor>) {
    guard let view = c.pointee.view, c.pointee.row < view.pointee.count else { return }
    let buffer = view.pointee.base
    var position = view.pointee.offsets[c.pointee.row]
    for column in 0..<view.pointee.columns {
      c.pointee.values[column] = position
      position = EncodedRows.end(ofValueAt: position, in: buffer)
    }
  }

  /// Records whether the row just passed was inserted (when asked to), and arms the check for
  /// the next.
  private static func track(_ c: UnsafeMutablePointer<Cursor>) {
    guard let view = c.pointee.view, let inserted = view.pointee.inserted else { return }
    let connection = view.pointee.connection
    if c.pointee.row < view.pointee.count {
      inserted[c.pointee.row] = sqlite3_last_insert_rowid(connection) != noRow
    }
    sqlite3_set_last_insert_rowid(connection, noRow)
  }

  private nonisolated(unsafe) static let module: UnsafeMutablePointer<sqlite3_module> = {
    var m = sqlite3_module()
    m.iVersion = 0
    // xCreate left nil: an eponymous-only table, used as `pakt_rows(?)`, never created.
    m.xConnect = { db, _, _, _, table, _ in
      let columns = (0..<RowsTable.columns).map { "c\($0)" }.joined(separator: ", ")
      let code = sqlite3_declare_vtab(db, "CREATE TABLE x(\(columns), batch HIDDEN)")
      guard code == SQLITE_OK else { return code }
      let vtab = UnsafeMutablePointer<sqlite3_vtab>.allocate(capacity: 1)
      vtab.initialize(to: sqlite3_vtab())
      table!.pointee = vtab
      return SQLITE_OK
    }
    m.xBestIndex = { _, info in
      // Usable only with the batch given: `pakt_rows(?)`.
      let info = info!
      for i in 0..<Int(info.pointee.nConstraint) {
        let constraint = info.pointee.aConstraint[i]
        if constraint.iColumn == Int32(RowsTable.columns) && constraint.usable != 0
          && constraint.op == UInt8(SQLITE_INDEX_CONSTRAINT_EQ)
        {
          info.pointee.aConstraintUsage[i].argvIndex = 1
          info.pointee.aConstraintUsage[i].omit = 1
          info.pointee.estimatedCost = 1
          info.pointee.idxNum = 1
          return SQLITE_OK
        }
      }
      return SQLITE_CONSTRAINT
    }
    m.xDisconnect = { vtab in
      vtab?.deallocate()
      return SQLITE_OK
    }
    m.xOpen = { _, out in
      let raw = UnsafeMutableRawPointer.allocate(
        byteCount: RowsTable.cursorOffset + MemoryLayout<Cursor>.size, alignment: MemoryLayout<Cursor>.alignment)
      let base = raw.bindMemory(to: sqlite3_vtab_cursor.self, capacity: 1)
      base.initialize(to: sqlite3_vtab_cursor())
      let values = UnsafeMutablePointer<Int>.allocate(capacity: RowsTable.columns)
      values.initialize(repeating: 0, count: RowsTable.columns)
      (raw + RowsTable.cursorOffset).bindMemory(to: Cursor.self, capacity: 1).initialize(to: Cursor(values: values))
      out!.pointee = base
      return SQLITE_OK
    }
    m.xClose = { base in
      let c = RowsTable.cursor(base)
      c.pointee.values.deallocate()
      c.deinitialize(count: 1)
      UnsafeMutableRawPointer(base!).deallocate()
      return SQLITE_OK
    }
    m.xFilter = { base, _, _, argc, argv in
      let c = RowsTable.cursor(base)
      c.pointee.row = 0
      c.pointee.view = nil
      if argc == 1, let pointer = sqlite3_value_pointer(argv![0], RowsTable.pointerType) {
        c.pointee.view = UnsafePointer(pointer.assumingMemoryBound(to: RowsView.self))
      }
      guard let view = c.pointee.view else { return SQLITE_MISUSE }
      if view.pointee.inserted != nil { sqlite3_set_last_insert_rowid(view.pointee.connection, RowsTable.noRow) }
      RowsTable.locate(c)
      return SQLITE_OK
    }
    m.xNext = { base in
      let c = RowsTable.cursor(base)
      RowsTable.track(c)
      c.pointee.row += 1
      RowsTable.locate(c)
      return SQLITE_OK
    }
    m.xEof = { base in
      let c = RowsTable.cursor(base)
      guard let view = c.pointee.view else { return 1 }
      return c.pointee.row >= view.pointee.count ? 1 : 0
    }
    m.xColumn = { base, context, column in
      let c = RowsTable.cursor(base)
      guard let view = c.pointee.view, Int(column) < view.pointee.columns else {
        sqlite3_result_null(context)
        return SQLITE_OK
      }
      let buffer = view.pointee.base
      let position = c.pointee.values[Int(column)]
      switch buffer.load(fromByteOffset: position, as: UInt8.self) {
      case EncodedRows.Tag.integer.rawValue:
        sqlite3_result_int64(context, buffer.loadUnaligned(fromByteOffset: position + 1, as: Int64.self))
      case EncodedRows.Tag.text.rawValue:
        let length = buffer.loadUnaligned(fromByteOffset: position + 1, as: UInt32.self)
        // Without a copy (SQLITE_STATIC): the buffer outlives the statement's run.
        sqlite3_result_text(
          context, (buffer + position + 5).assumingMemoryBound(to: CChar.self), Int32(length), nil)
      default:
        sqlite3_result_null(context)
      }
      return SQLITE_OK
    }
    m.xRowid = { base, rowid in
      rowid!.pointee = Int64(RowsTable.cursor(base).pointee.row)
      return SQLITE_OK
    }
    let pointer = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
    pointer.initialize(to: m)
    return pointer
  }()
}

/// One table's rows of a batch, as `pakt_rows` reads them: where each row's values begin in
/// the buffer, and how many values it has.
struct RowsView {
  let base: UnsafeRawPointer
  let offsets: UnsafePointer<Int>
  let count: Int
  let columns: Int
  /// Set to whether each row was inserted, when not nil (for `INSERT OR IGNORE`).
  let inserted: UnsafeMutablePointer<Bool>?
  let connection: OpaquePointer
}

/// Rows for `pakt_rows` built from values in memory, a few thousand at a time: for what is
/// written after linking (person ids, persons, residence periods), which is not read from a
/// file.
///
/// ```swift
/// var rows = BuiltRows(update.sqliteStatement, columns: 3, db: db)
/// for change in changes { try rows.add { $0.value(change.rowID); $0.value(change.id); $0.value(change.rule) } }
/// try rows.flush()
/// ```
struct BuiltRows {
  private let rows = EncodedRows(capacity: 1 << 16)
  private var offsets: [Int] = []
  private let statement: OpaquePointer
  private let columns: Int
  private let db: Database
  /// Rows written by one run of the statement.
  static let chunk = 4096

  init(_ statement: OpaquePointer, columns: Int, db: Database) {
    self.statement = statement
    self.columns = columns
    self.db = db
  }

  /// Adds a row: `fill` appends its `columns` values.
  mutating func add(_ fill: (EncodedRows) -> Void) throws {
    // Where the row's values begin: the encoded bytes so far (`byteCount` also counts kept
    // raw texts, which are not in the buffer).
    offsets.append(rows.bytes.count)
    fill(rows)
    if offsets.count == Self.chunk { try flush() }
  }

  /// Writes the rows added since the last flush.
  mutating func flush() throws {
    guard !offsets.isEmpty else { return }
    try withExtendedLifetime(rows.bytes) {
      try RowsTable.run(statement, base: rows.bytes.base, offsets: offsets, columns: columns, db: db)
    }
    rows.bytes.removeAll()
    offsets.removeAll(keepingCapacity: true)
  }
}
