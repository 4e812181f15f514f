import Foundation

/// Where a PostgreSQL warehouse lives, parsed from `warehouse: postgres://…` in `pipeline.yml`.
///
/// The URL names user, host (or a Unix-socket folder with `?host=/path`), port and database
/// in libpq's manner; the password never appears in it but comes from an environment variable
/// (`PAKT_POSTGRES_PASSWORD` unless `postgres: password_env:` names another).
///
/// ```swift
/// let target = try PostgresTarget(url: "postgres://pakt@localhost:5432/warehouse")
/// print(target.display)   // postgres://pakt@localhost:5432/warehouse
/// ```
public struct PostgresTarget: Sendable, Equatable {
  public enum TLS: String, Sendable { case disable, prefer, require }

  public var user: String
  /// Host name or address; nil when `socket` is set.
  public var host: String?
  public var port: Int
  /// The Unix-domain socket file (`<folder>/.s.PGSQL.<port>`), when `?host=` names a folder.
  public var socket: String?
  public var database: String
  public var tls: TLS
  /// The environment variable holding the password.
  public var passwordVariable = "PAKT_POSTGRES_PASSWORD"
  /// The PostgreSQL schema pakt's tables and views live in.
  public var schema = "pakt"
  /// A role granted the reporting views (and nothing that holds names); nil: no grants.
  public var analystRole: String?

  /// The password from the environment, if set.
  public var password: String? { ProcessInfo.processInfo.environment[passwordVariable] }

  /// The URL as shown in messages and the run summary (never with a password).
  public var display: String {
    if let socket { return "postgres://\(user)@/\(database)?host=\((socket as NSString).deletingLastPathComponent)" }
    return "postgres://\(user)@\(host ?? "localhost"):\(port)/\(database)"
  }

  /// Parses `postgres://user@host:port/database?host=/socket/folder&sslmode=disable|prefer|require`.
  /// Throws a message (without location) that says what is wrong.
  public init(url: String) throws {
    guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "")
    else {
      throw PostgresTarget.Problem("'\(url)' is not a postgres:// URL")
    }
    if components.password != nil {
      throw PostgresTarget.Problem(
        "the URL holds a password; pipeline.yml must not",
        fix: "remove it from the URL and set PAKT_POSTGRES_PASSWORD (or the variable `postgres: password_env:` names)")
    }
    guard let user = components.user, !user.isEmpty else {
      throw PostgresTarget.Problem("the URL names no user", fix: "write postgres://USER@host/database")
    }
    let database = String(components.path.drop(while: { $0 == "/" }))
    guard !database.isEmpty else {
      throw PostgresTarget.Problem("the URL names no database", fix: "write postgres://user@host/DATABASE")
    }
    self.user = user
    self.database = database
    port = components.port ?? 5432
    let query = Dictionary(
      (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
    if let folder = query["host"], folder.hasPrefix("/") {
      socket = (folder as NSString).appendingPathComponent(".s.PGSQL.\(port)")
      host = nil
    } else {
      host = query["host"] ?? components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
    }
    let mode = query["sslmode"] ?? (socket != nil || Self.isLoopback(host) ? "disable" : "prefer")
    guard let tls = TLS(rawValue: mode) else {
      throw PostgresTarget.Problem("unknown sslmode '\(mode)'", fix: "use disable, prefer or require")
    }
    self.tls = tls
  }

  static func isLoopback(_ host: String?) -> Bool {
    ["localhost", "127.0.0.1", "::1"].contains(host ?? "localhost")
  }

  /// What is wrong with a URL, and what to do.
  public struct Problem: Error, Sendable {
    public var message: String
    public var fix: String?
    init(_ message: String, fix: String? = nil) {
      self.message = message
      self.fix = fix
    }
  }
}
