import Foundation
import GRDB
import PaktCore

/// The SQLite warehouse (through GRDB): opened, created or upgraded on `init`; written only
/// inside `transaction`, so a failed or killed run leaves it exactly as it was.
///
/// ```swift
/// let warehouse = try Warehouse(path: "out/warehouse.sqlite")
/// try warehouse.transaction { load in
///   try load.replaceSource("freiburg")
///   try load.insert(person)
/// }
/// ```
public final class Warehouse: Sendable {
  public let path: String
  let queue: DatabaseQueue

  public init(path: String) throws {
    self.path = path
    let folder = (path as NSString).deletingLastPathComponent
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw PaktError.failed(
        file: path, "cannot create the warehouse's folder \(folder) (read-only, no permission, or the disk is full)",
        fix: "make the folder writable for the user running pakt, or point `warehouse:` in pipeline.yml elsewhere")
    }
    var config = Configuration()
    // A second run on the same warehouse waits for the first instead of failing at once.
    config.busyMode = .timeout(Self.lockWait)
    config.label = "pakt-warehouse"
    // The loader writes each table's rows of a batch through it (see RowsTable).
    config.prepareDatabase { db in try RowsTable.register(db) }
    do {
      queue = try DatabaseQueue(path: path, configuration: config)
      try migrate()
    } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
      throw Self.busy(path)
    } catch let error as DatabaseError {
      throw Self.explained(error, path)
        ?? PaktError.failed(
          file: path, "cannot open the warehouse: \(error.message ?? "\(error)")",
          fix: "check that the path is a pakt warehouse (SQLite file) and writable")
    }
  }

  /// A storage error SQLite reports, as a pakt message that says what to do (nil for others).
  /// Why: a full disk or a read-only folder printed SQLite's own words ("database or disk is
  /// full", "attempt to write a readonly database") with no hint that nothing was written.
  static func explained(_ error: DatabaseError, _ path: String) -> PaktError? {
    let folder = (path as NSString).deletingLastPathComponent
    switch error.resultCode.primaryResultCode {
    case .SQLITE_FULL:
      return PaktError.failed(
        file: path, "the disk is full: the warehouse could not be written, and nothing of this run was kept",
        fix:
          "free space on the disk that holds \(folder) (a run needs about twice the warehouse's size), then run again")
    case .SQLITE_READONLY:
      return PaktError.failed(
        file: path, "the warehouse is read-only: nothing of this run was written",
        fix: "make \(path) and its folder writable for the user running pakt, then run again")
    case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
      return PaktError.failed(
        file: path, "the warehouse cannot be opened for writing (permissions or a missing folder)",
        fix: "check that \(folder) exists and the user running pakt may write there")
    case .SQLITE_IOERR:
      return PaktError.failed(
        file: path, "the disk reported an error while writing the warehouse; nothing of this run was kept",
        fix: "check the disk (free space, health) and run again")
    case .SQLITE_CORRUPT, .SQLITE_NOTADB:
      return PaktError.failed(
        file: path, "the file is not a readable pakt warehouse (damaged, or another kind of file)",
        fix: "restore the warehouse from its backup, or point `warehouse:` in pipeline.yml at the right file")
    default:
      return nil
    }
  }

  /// Seconds a run waits for another run, or a reader, on the same warehouse before it gives
  /// up: `PAKT_LOCK_WAIT`, 600 by default. Why that long: a nightly run that gave up after 30 s
  /// failed because an analyst's query ran for 45; waiting costs the night nothing.
  static var lockWait: TimeInterval {
    ProcessInfo.processInfo.environment["PAKT_LOCK_WAIT"].flatMap(TimeInterval.init).map { max(0, $0) } ?? 600
  }

  static func busy(_ path: String) -> PaktError {
    PaktError.failed(
      file: path,
      "the warehouse stayed busy for \(Int(lockWait)) s: another pakt run holds the warehouse, or a reader "
        + "(an analyst's query, a report tool) kept it open; nothing was written",
      fix: "wait for it to finish, then run again; PAKT_LOCK_WAIT sets how many seconds a run waits")
  }

  /// Upgrades the warehouse in place with the named migrations (`Schema.migrator`); refuses
  /// one a newer pakt made.
  private func migrate() throws {
    let migrator = Schema.migrator
    try queue.write { db in
      let hasSchema = try db.tableExists("schema_version")
      let current = hasSchema ? (try Int.fetchOne(db, sql: "SELECT max(version) FROM schema_version") ?? 0) : 0
      if try current > Schema.version || migrator.hasBeenSuperseded(db) {
        throw PaktError.failed(
          file: path, "the warehouse has schema version \(current), newer than this pakt (\(Schema.version))",
          fix: "run a newer pakt, or point pipeline.yml at another warehouse")
      }
      try Schema.adoptVersions(db)
    }
    // Two first runs may migrate at once, and GRDB's migrator reads what is applied before it
    // takes the write lock: the one that loses a migration to the other fails on it (its
    // transaction rolled back, nothing half-done) and reads again.
    for attempt in 1...3 {
      do {
        try migrator.migrate(queue)
        return
      } catch  where attempt < 3 {
        if try queue.read({ try migrator.hasCompletedMigrations($0) }) { return }
      }
    }
  }

  /// Runs `body` in one immediate transaction: committed when it returns (rolled back instead
  /// when `commit` is false, for a dry run), rolled back when it throws.
  public func transaction<T>(commit: Bool = true, _ body: (LoadSession) throws -> T) throws -> T {
    var result: T?
    let writeBehind = WriteBehind(path: path)
    // After the transaction has ended: see WriteBehind on why not sooner.
    defer { writeBehind?.finish() }
    do {
      try queue.inTransaction(.immediate) { db in
        result = try body(LoadSession(db: db, writeBehind: writeBehind))
        return commit ? .commit : .rollback
      }
    } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
      throw Self.busy(path)
    } catch let error as DatabaseError {
      throw Self.explained(error, path) ?? error
    }
    return result!
  }

  /// The schema version of the open warehouse.
  public func schemaVersion() throws -> Int {
    try queue.read { try Int.fetchOne($0, sql: "SELECT max(version) FROM schema_version") ?? 0 }
  }

  /// Read-only access for reports and tests.
  public func read<T>(_ body: (LoadSession) throws -> T) throws -> T {
    do {
      return try queue.read { db in try body(LoadSession(db: db)) }
    } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
      throw Self.busy(path)
    }
  }

  /// Row counts of every table (for tests and `pakt status`).
  public func tableCounts() throws -> [String: Int] {
    try queue.read { db in
      let tables = try String.fetchAll(
        db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      var counts: [String: Int] = [:]
      for t in tables { counts[t] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(t)\"") ?? 0 }
      return counts
    }
  }
}
