import Foundation
import Logging
import NIOCore
import NIOSSL
import PaktCore
import PostgresNIO

/// One connection to the PostgreSQL warehouse (postgres-nio), with the few operations the
/// replica needs: run a statement, read rows as text, stream a `COPY … FROM STDIN`.
///
/// ```swift
/// let session = try await PostgresSession.connect(target, logger: logger)
/// try await session.execute("SELECT 1")
/// try await session.close()
/// ```
final class PostgresSession: Sendable {
  let connection: PostgresConnection
  let target: PostgresTarget
  let logger: Logger

  private init(connection: PostgresConnection, target: PostgresTarget, logger: Logger) {
    self.connection = connection
    self.target = target
    self.logger = logger
  }

  static func connect(_ target: PostgresTarget, logger: Logger) async throws -> PostgresSession {
    var configuration: PostgresConnection.Configuration
    if let socket = target.socket {
      configuration = .init(
        unixSocketPath: socket, username: target.user, password: target.password, database: target.database)
    } else {
      let tls: PostgresConnection.Configuration.TLS
      switch target.tls {
      case .disable: tls = .disable
      case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
      case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
      }
      configuration = .init(
        host: target.host ?? "localhost", port: target.port, username: target.user, password: target.password,
        database: target.database, tls: tls)
    }
    configuration.options.connectTimeout = .seconds(10)
    do {
      let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
      return PostgresSession(connection: connection, target: target, logger: logger)
    } catch {
      throw PostgresSession.problem(error, target: target, doing: "cannot connect to the PostgreSQL warehouse")
    }
  }

  func close() async {
    try? await connection.close()
  }

  /// Runs one statement, with text parameters ($1, $2, …) where given. pakt builds its own
  /// DDL and quotes every name in it.
  func execute(_ sql: String, _ values: [String?] = []) async throws {
    var bindings = PostgresBindings()
    for value in values { bindings.append(value) }
    do {
      try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
    } catch {
      throw PostgresSession.problem(error, target: target, doing: "PostgreSQL refused `\(Self.shorten(sql))`")
    }
  }

  /// The rows of a query, every cell as text (cast in SQL where needed) or NULL.
  func textRows(_ sql: String, _ values: [String?] = [], each: (_ row: [String?]) async throws -> Void)
    async throws
  {
    var bindings = PostgresBindings()
    for value in values { bindings.append(value) }
    do {
      let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
      for try await row in rows {
        var cells: [String?] = []
        cells.reserveCapacity(row.count)
        for cell in row { cells.append(try cell.decode(String?.self)) }
        try await each(cells)
      }
    } catch let error as PaktError {
      throw error
    } catch {
      throw PostgresSession.problem(error, target: target, doing: "PostgreSQL refused `\(Self.shorten(sql))`")
    }
  }

  /// The first column of the first row, as text.
  func scalar(_ sql: String, _ values: [String?] = []) async throws -> String? {
    var result: String?
    var seen = false
    try await textRows(sql, values) { row in
      if !seen { result = row.first ?? nil }
      seen = true
    }
    return result
  }

  /// Streams rows into `table` with `COPY … FROM STDIN` (text format); `produce` hands each
  /// buffer of encoded lines to `send`.
  func copy(
    into table: String, columns: [String], produce: (_ send: (ByteBuffer) async throws -> Void) async throws -> Void
  ) async throws {
    do {
      try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
        try await produce { try await writer.write($0) }
      }
    } catch let error as PaktError {
      throw error
    } catch {
      throw PostgresSession.problem(error, target: target, doing: "PostgreSQL refused the rows for table \(table)")
    }
  }

  static func shorten(_ sql: String) -> String {
    let line = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(
      separator: " ")
    return line.count > 80 ? String(line.prefix(77)) + "…" : line
  }

  /// A postgres-nio error as a message a person can act on (the server's own words where it
  /// sent any; postgres-nio's descriptions deliberately say little).
  static func problem(_ error: any Error, target: PostgresTarget, doing what: String) -> PaktError {
    if let error = error as? PaktError { return error }
    var detail = "\(error)"
    var fix = "check that the server runs and that pipeline.yml's `warehouse:` URL is right"
    if let psql = error as? PSQLError {
      if let message = psql.serverInfo?[.message] {
        detail = message
        if let state = psql.serverInfo?[.sqlState] { detail += " (SQLSTATE \(state))" }
        if let hint = psql.serverInfo?[.hint] { detail += "; \(hint)" }
        if psql.serverInfo?[.sqlState] == "28P01" || psql.serverInfo?[.sqlState] == "28000" {
          fix = "set the password in \(target.passwordVariable) (never in pipeline.yml)"
        } else if psql.serverInfo?[.sqlState] == "42501" {
          fix = "grant the user `\(target.user)` the privilege named, or ask the database administrator"
        } else {
          fix = "the server's message says what failed; the warehouse is unchanged"
        }
      } else if psql.code == .authMechanismRequiresPassword {
        detail = "the server asks for a password"
        fix = "set the password in \(target.passwordVariable) (never in pipeline.yml)"
      } else if let underlying = psql.underlying {
        detail = "\(psql.code): \(underlying)"
      } else {
        detail = "\(psql.code)"
      }
    }
    return PaktError.failed(file: target.display, "\(what): \(detail)", fix: fix)
  }
}

/// Runs async work from synchronous code (the pipeline is synchronous; postgres-nio is
/// async). Must not be called from a task on Swift's cooperative pool: `pakt` calls it from
/// its main thread.
enum Blocking {
  final class Box<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
  }

  static func run<T>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = Box<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
      do {
        box.result = .success(try await body())
      } catch {
        box.result = .failure(error)
      }
      done.signal()
    }
    done.wait()
    return try box.result!.get()
  }
}
