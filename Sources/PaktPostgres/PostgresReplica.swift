import Foundation
import GRDB
import Logging
import NIOCore
import PaktCore
import PaktLoad

/// The PostgreSQL warehouse, kept as an exact copy of the SQLite warehouse pakt works on.
///
/// Every stage runs against a local SQLite working copy (the same engine, code and
/// guarantees as the embedded warehouse); a committed run is then *published*: in one
/// PostgreSQL transaction, every table's rows are replaced by the working copy's (streamed
/// with `COPY`), the schema, indexes and reporting views are created when missing, and the
/// analyst role is granted the views. Readers see the previous night until that transaction
/// commits, and a failed publish leaves PostgreSQL exactly as it was.
///
/// PostgreSQL is the truth: each publish leaves a token in both databases, and before a run
/// `synchronise()` rebuilds the working copy from PostgreSQL whenever the tokens differ (the
/// copy is missing, was made on another machine, or its publish failed after a local commit).
///
/// ```swift
/// let replica = PostgresReplica(target: config.postgres!, localCopy: config.warehouse)
/// _ = try replica.synchronise()        // before the run
/// // … the run commits into config.warehouse …
/// let published = try replica.publish() // after it
/// print(published.rows)
/// ```
public struct PostgresReplica: Sendable {
  public let target: PostgresTarget
  public let localCopy: String
  let logger: Logger

  /// Meta keys: the token of the PostgreSQL state the working copy matches, and the mark of
  /// committed local changes not yet published.
  public static let tokenKey = "published_token"
  public static let pendingKey = "pending_publish"

  public init(target: PostgresTarget, localCopy: String, logger: Logger = Logger(label: "pakt.postgres")) {
    self.target = target
    self.localCopy = localCopy
    self.logger = logger
  }

  public enum Synchronised: Sendable, Equatable {
    /// PostgreSQL holds no pakt warehouse yet: the first publish creates it.
    case empty
    /// The working copy already matches PostgreSQL.
    case upToDate
    /// The working copy was rebuilt from PostgreSQL (rows copied).
    case pulled(rows: Int)
  }

  public struct Published: Sendable, Equatable {
    public var rows = 0
    public var tables = 0
    public var createdSchema = false
  }

  var schema: String { LocalCatalog.quote(target.schema) }

  /// Before a run: makes the working copy match PostgreSQL, rebuilding it from there when it
  /// does not. Throws `PaktError` when the server cannot be reached or holds a newer schema.
  public func synchronise() throws -> Synchronised {
    try withSession { replica, session in try await replica.synchronise(session) }
  }

  /// Runs `body` on a connection of its own (from synchronous code), closed afterwards.
  func withSession<T: Sendable>(_ body: @escaping @Sendable (PostgresReplica, PostgresSession) async throws -> T)
    throws -> T
  {
    let replica = self
    return try Blocking.run {
      let session = try await PostgresSession.connect(replica.target, logger: replica.logger)
      do {
        let result = try await body(replica, session)
        await session.close()
        return result
      } catch {
        await session.close()
        throw error
      }
    }
  }

  /// Whether the working copy holds committed changes PostgreSQL does not have yet.
  public func pending() throws -> Bool {
    guard FileManager.default.fileExists(atPath: localCopy) else { return false }
    let warehouse = try Warehouse(path: localCopy)
    return try warehouse.read { try $0.meta(Self.pendingKey) } != nil
  }

  func remoteState(_ session: PostgresSession) async throws -> (version: Int, token: String?)? {
    guard try await session.scalar("SELECT CAST(to_regclass($1) AS text)", ["\(schema).meta"]) != nil else {
      return nil
    }
    let version =
      Int(try await session.scalar("SELECT CAST(max(version) AS text) FROM \(schema).schema_version") ?? "0") ?? 0
    let token = try await session.scalar("SELECT value FROM \(schema).meta WHERE key = $1", [Self.tokenKey])
    return (version, token)
  }

  func synchronise(_ session: PostgresSession) async throws -> Synchronised {
    let local = try Warehouse(path: localCopy)
    let localToken = try local.read { try $0.meta(Self.tokenKey) }
    guard let remote = try await remoteState(session) else {
      // An existing SQLite warehouse moving to PostgreSQL: publish it as it stands.
      if try local.read({ try $0.count("SELECT count(*) FROM run") }) > 0 {
        try local.transaction { try $0.setMeta(Self.pendingKey, "1") }
      }
      return .empty
    }
    if remote.token != nil && remote.token == localToken { return .upToDate }
    let version = try local.schemaVersion()
    guard remote.version == version else {
      throw PaktError.failed(
        file: target.display,
        "the PostgreSQL warehouse has schema version \(remote.version), this pakt has \(version)",
        fix: remote.version > version
          ? "run the newer pakt that published it" : "publish once with the pakt that wrote it, then upgrade")
    }
    logger.info("the working copy differs from PostgreSQL: rebuilding it from there")
    return .pulled(rows: try await pull(session))
  }

  /// Rebuilds the working copy from PostgreSQL into a new file, then puts it in place (a
  /// rename: the old copy stays whole until the new one is complete).
  func pull(_ session: PostgresSession) async throws -> Int {
    let fresh = localCopy + ".pulling"
    for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: fresh + suffix) }
    _ = try Warehouse(path: fresh)  // the current schema, empty
    // No journal and no syncs while filling: the file is put in place only when complete
    // (and synced then), so a crash leaves the old copy (rebuild of 3 M rows: 77 s before).
    var configuration = Configuration()
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA journal_mode = OFF")
      try db.execute(sql: "PRAGMA synchronous = OFF")
    }
    let queue = try DatabaseQueue(path: fresh, configuration: configuration)
    let catalog = try await queue.read { try LocalCatalog($0) }
    var rows = 0
    for table in catalog.tables {
      try await queue.write { db in try db.execute(sql: "DELETE FROM \(LocalCatalog.quote(table.name))") }
      let names = table.columns.map { LocalCatalog.quote($0.name) }
      let insert =
        "INSERT INTO \(LocalCatalog.quote(table.name)) (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))"
      var batch: [[DatabaseValue]] = []
      let integer = table.columns.map(\.integer)
      func flush() throws {
        guard !batch.isEmpty else { return }
        let rowsToWrite = batch
        try queue.inTransaction { db in
          let statement = try db.makeStatement(sql: insert)
          for row in rowsToWrite { try statement.execute(arguments: StatementArguments(row)) }
          return .commit
        }
        batch.removeAll(keepingCapacity: true)
      }
      let select = names.map { "CAST(\($0) AS text)" }.joined(separator: ", ")
      try await session.textRows("SELECT \(select) FROM \(schema).\(LocalCatalog.quote(table.name))") { cells in
        var row: [DatabaseValue] = []
        row.reserveCapacity(cells.count)
        for (i, cell) in cells.enumerated() {
          guard let cell else {
            row.append(.null)
            continue
          }
          row.append(integer[i] ? (Int64(cell).map { $0.databaseValue } ?? cell.databaseValue) : cell.databaseValue)
        }
        batch.append(row)
        rows += 1
        if batch.count >= 20_000 { try flush() }
      }
      try flush()
    }
    try queue.close()
    if let handle = FileHandle(forUpdatingAtPath: fresh) {
      try handle.synchronize()
      try handle.close()
    }
    for suffix in ["-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: localCopy + suffix) }
    guard rename(fresh, localCopy) == 0 else {
      throw PaktError.failed(
        file: localCopy, "cannot replace the working copy: \(String(cString: strerror(errno)))",
        fix: "check that its folder is writable")
    }
    return rows
  }

  /// After a committed local run: replaces PostgreSQL's content with the working copy's in
  /// one transaction. Refuses when another run published since this one synchronised.
  /// `pause` is called with "publish-before-commit" once everything is copied, for the
  /// fault-injection tests.
  public func publish(pause: @escaping @Sendable (String) -> Void = { _ in }) throws -> Published {
    try withSession { replica, session in try await replica.publish(session, pause: pause) }
  }

  func publish(_ session: PostgresSession, pause: @Sendable (String) -> Void) async throws -> Published {
    let queue = try DatabaseQueue(path: localCopy)
    let (catalog, localToken, version) = try await queue.read { db in
      (
        try LocalCatalog(db),
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [Self.tokenKey]),
        try Int.fetchOne(db, sql: "SELECT max(version) FROM schema_version") ?? 0
      )
    }
    var published = Published()
    let token = UUID().uuidString
    try await session.execute("BEGIN")
    do {
      // One publisher at a time per schema; readers are not blocked (they see the previous
      // content until COMMIT).
      try await session.execute("SELECT pg_advisory_xact_lock(7301, hashtext($1))", [target.schema])
      let remote = try await remoteState(session)
      if let remote {
        if remote.version > version {
          throw PaktError.failed(
            file: target.display,
            "the PostgreSQL warehouse has schema version \(remote.version), newer than this pakt (\(version))",
            fix: "run the newer pakt that published it")
        }
        if remote.token != localToken {
          throw PaktError.failed(
            file: target.display, "another pakt run published to this PostgreSQL warehouse while this one ran",
            fix: "run again: the next run starts from what PostgreSQL holds")
        }
      }
      let rebuild = remote == nil || remote?.version != version
      if rebuild {
        try await session.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        try await session.execute("CREATE SCHEMA \(schema)")
      }
      try await session.execute("SET LOCAL search_path TO \(schema)")
      for table in catalog.tables {
        if rebuild {
          try await session.execute(catalog.createTable(table))
        } else {
          try await session.execute("DELETE FROM \(LocalCatalog.quote(table.name))")
        }
        published.rows += try await copy(table, from: queue, into: session)
        published.tables += 1
      }
      if rebuild {
        for index in catalog.indexes { try await session.execute(index) }
        for view in catalog.views { try await session.execute(PostgresViews.overrides[view.name] ?? view.sql) }
        published.createdSchema = true
      }
      try await session.execute(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [Self.tokenKey, token])
      try await grant(catalog, session)
      pause("publish-before-commit")
      try await session.execute("COMMIT")
    } catch {
      try? await session.execute("ROLLBACK")
      throw error
    }
    try await queue.write { db in
      try db.execute(
        sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        arguments: [Self.tokenKey, token])
      try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [Self.pendingKey])
    }
    try queue.close()
    return published
  }

  /// The analyst role may read the reporting views and the catalogue, nothing else: the
  /// views show pseudonymous person keys and counts; the tables behind them (names, dates
  /// of birth, identifiers, raw rejected lines) stay closed to it.
  func grant(_ catalog: LocalCatalog, _ session: PostgresSession) async throws {
    try await session.execute("REVOKE ALL ON ALL TABLES IN SCHEMA \(schema) FROM PUBLIC")
    guard let role = target.analystRole else { return }
    let quoted = LocalCatalog.quote(role)
    if try await session.scalar("SELECT rolname FROM pg_roles WHERE rolname = $1", [role]) == nil {
      try await session.execute("CREATE ROLE \(quoted) NOLOGIN")
    }
    try await session.execute("GRANT USAGE ON SCHEMA \(schema) TO \(quoted)")
    let readable = ["measure"] + catalog.views.map(\.name)
    try await session.execute(
      "GRANT SELECT ON \(readable.map { "\(schema).\(LocalCatalog.quote($0))" }.joined(separator: ", ")) TO \(quoted)")
  }

  /// Streams one table with COPY, 20,000 rows per read of the working copy (bounded memory).
  func copy(_ table: LocalCatalog.Table, from queue: DatabaseQueue, into session: PostgresSession) async throws -> Int {
    let names = table.columns.map { LocalCatalog.quote($0.name) }
    let pendingRow = table.name == "meta"
    var total = 0
    try await session.copy(into: table.name, columns: table.columns.map(\.name)) { send in
      var after = Int64.min
      while true {
        let start = after
        let page = try await queue.read { db -> (bytes: [UInt8], last: Int64, rows: Int) in
          var bytes: [UInt8] = []
          bytes.reserveCapacity(1 << 20)
          var last = start
          var count = 0
          let rows = try Row.fetchCursor(
            db,
            sql:
              "SELECT rowid, \(names.joined(separator: ", ")) FROM \(LocalCatalog.quote(table.name)) WHERE rowid > ? ORDER BY rowid LIMIT 20000",
            arguments: [start])
          while let row = try rows.next() {
            last = row[0]
            count += 1
            // The mark of unpublished changes is the working copy's own business.
            if pendingRow, row[1] as String? == Self.pendingKey { continue }
            for i in 1..<row.count {
              if i > 1 { bytes.append(UInt8(ascii: "\t")) }
              CopyText.append(row[i] as DatabaseValue, to: &bytes)
            }
            bytes.append(UInt8(ascii: "\n"))
          }
          return (bytes, last, count)
        }
        if page.rows == 0 { break }
        total += page.rows
        after = page.last
        if !page.bytes.isEmpty { try await send(ByteBuffer(bytes: page.bytes)) }
      }
    }
    return total
  }
}

/// PostgreSQL's COPY text format: `\N` for NULL, backslash escapes for the delimiter and line
/// breaks.
enum CopyText {
  static func append(_ value: DatabaseValue, to bytes: inout [UInt8]) {
    switch value.storage {
    case .null:
      bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
    case .int64(let n):
      bytes.append(contentsOf: String(n).utf8)
    case .double(let d):
      bytes.append(contentsOf: "\(d)".utf8)
    case .string(let s):
      for byte in s.utf8 {
        switch byte {
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        default: bytes.append(byte)
        }
      }
    case .blob(let data):
      bytes.append(contentsOf: "\\\\x".utf8)
      for byte in data { bytes.append(contentsOf: String(format: "%02x", byte).utf8) }
    }
  }
}
