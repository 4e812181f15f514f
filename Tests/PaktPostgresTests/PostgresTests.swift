import Foundation
import GRDB
import PaktLoad
import PaktTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The real PostgreSQL server `Tests/run` starts (Unix socket, password authentication), read
/// back with `psql`, independently of pakt's own PostgreSQL code.
enum PostgresServer {
  static let environment = ProcessInfo.processInfo.environment
  static let url = environment["PAKT_TEST_POSTGRES_URL"]
  static var available: Bool { url != nil && environment["PAKT_TEST_POSTGRES_SOCKET"] != nil }

  /// A schema of its own for each test, so tests run side by side on one database.
  static func schema() -> String { "t_" + UUID().uuidString.prefix(8).lowercased() }

  /// Runs psql; `user` "pakt" is the warehouse owner, "analyst_alice" a member of the analyst role.
  static func psql(_ sql: String, user: String = "pakt") throws -> (code: Int32, out: String, err: String) {
    let password =
      user == "pakt" ? environment["PAKT_POSTGRES_PASSWORD"] : environment["PAKT_TEST_ANALYST_PASSWORD"]
    return try TestSupport.run(
      "/usr/bin/env",
      [
        "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", environment["PAKT_TEST_POSTGRES_SOCKET"] ?? "",
        "-U", user, "-d", "pakt_test", "-c", sql,
      ], environment: ["PGPASSWORD": password ?? ""])
  }

  /// Every row of a table or view, as PostgreSQL's COPY text lines, sorted.
  static func lines(_ schema: String, _ relation: String, columns: String = "*", where filter: String = "true") throws
    -> [String]
  {
    let result = try psql("COPY (SELECT \(columns) FROM \(schema).\(relation) WHERE \(filter)) TO STDOUT")
    guard result.code == 0 else { throw TestFailure("psql: \(result.err)") }
    return result.out.split(separator: "\n", omittingEmptySubsequences: true).map(String.init).sorted()
  }

  /// The same lines from SQLite: NULL as \N, integers in decimal, text with COPY's escapes.
  static func lines(_ db: Database, _ relation: String, columns: String = "*", where filter: String = "1") throws
    -> [String]
  {
    try Row.fetchAll(db, sql: "SELECT \(columns) FROM \"\(relation)\" WHERE \(filter)").map { row in
      row.databaseValues.map { value -> String in
        switch value.storage {
        case .null: return "\\N"
        case .int64(let n): return String(n)
        case .double(let d): return String(d)
        case .string(let s):
          return s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
        case .blob: return "(blob)"
        }
      }.joined(separator: "\t")
    }.sorted()
  }

  /// The published tables and the views: not the warehouse's working state
  /// (`LocalCatalog.workingTables`, written out here: these tests read PostgreSQL without
  /// pakt's PostgreSQL code).
  static func relations(_ db: Database) throws -> (tables: [String], views: [String]) {
    (
      try String.fetchAll(
        db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
      ).filter { !["link_state", "program_name_stale", "grdb_migrations"].contains($0) },
      try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")
    )
  }
}

/// The PostgreSQL warehouse against a real server: the same schema and results as SQLite,
/// the analyst role, night after night, a killed publish.
@Suite("Load: PostgreSQL warehouse", .enabled(if: PostgresServer.available, "needs the server Tests/run starts"))
struct PostgresTests {
  /// One pseudonym key for runs that are compared with each other.
  static let key = ["PAKT_PSEUDONYM_KEY": "5d41402abc4b2a76b9719d911017c592a1b2c3d4e5f60718293a4b5c6d7e8f90"]

  func postgresPipeline(_ schema: String, mappingsDir: String? = nil) -> SamplePipeline {
    SamplePipeline(mappingsDir: mappingsDir, postgres: (PostgresServer.url ?? "", schema))
  }

  @Test("the samples give PostgreSQL the same tables and views as a SQLite run, row by row")
  func sameAsSQLite() throws {
    let sqlite = SamplePipeline()
    let alone = try TestSupport.runPakt(["run", sqlite.file], environment: Self.key)
    #expect(alone.code == 0, "\(alone.err)")
    let schema = PostgresServer.schema()
    let pg = postgresPipeline(schema)
    let published = try TestSupport.runPakt(["run", pg.file], environment: Self.key)
    #expect(published.code == 0, "\(published.err)")
    #expect(published.out.contains("postgresql: published"), "\(published.out)")

    let reference = try DatabaseQueue(path: sqlite.warehouse)
    let copy = try DatabaseQueue(path: pg.warehouse)
    let (tables, views) = try reference.read { try PostgresServer.relations($0) }
    #expect(tables.count >= 15 && views.count >= 8)
    // What differs between two runs by nature: when they ran, their pipeline file, the
    // publish token.
    let volatile: [String: String] = ["run": "run_id, files, records_read, loaded, rejected, persons"]
    for relation in tables + views {
      let columns = volatile[relation] ?? "*"
      let filter = relation == "meta" ? "key <> 'published_token'" : nil
      let expected = try reference.read {
        try PostgresServer.lines($0, relation, columns: columns, where: filter ?? "1")
      }
      let actual = try PostgresServer.lines(schema, relation, columns: columns, where: filter ?? "true")
      #expect(
        !expected.isEmpty
          || ["erasure", "erased_record", "mapping_decision", "person_id_event", "link_decision"].contains(relation))
      #expect(actual == expected, "\(relation): PostgreSQL \(actual.count) rows, SQLite \(expected.count)")
      // And PostgreSQL is an exact copy of its working copy, volatile columns included.
      #expect(try PostgresServer.lines(schema, relation) == copy.read { try PostgresServer.lines($0, relation) })
    }
    _ = try PostgresServer.psql("DROP SCHEMA \(schema) CASCADE")
  }

  @Test("the analyst role runs every reporting view and cannot read names, dates of birth or raw lines")
  func analystRole() throws {
    let schema = PostgresServer.schema()
    let pg = postgresPipeline(schema)
    let run = try TestSupport.runPakt(["run", pg.file])
    #expect(run.code == 0, "\(run.err)")
    let views = try DatabaseQueue(path: pg.warehouse).read { try PostgresServer.relations($0).views }
    for view in views + ["measure"] {
      let read = try PostgresServer.psql("SELECT count(*) FROM \(schema).\(view)", user: "analyst_alice")
      #expect(read.code == 0, "\(view): \(read.err)")
    }
    let keys = try PostgresServer.psql(
      "SELECT count(DISTINCT person_key) FROM \(schema).participation_located", user: "analyst_alice")
    #expect(Int(keys.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 100, "\(keys)")
    for table in [
      "identity", "source_person", "person", "reject", "participation", "residence", "normalization_miss", "meta",
    ] {
      let denied = try PostgresServer.psql("SELECT * FROM \(schema).\(table) LIMIT 1", user: "analyst_alice")
      #expect(denied.code != 0)
      #expect(denied.err.contains("permission denied"), "\(table): \(denied.err)")
    }
    _ = try PostgresServer.psql("DROP SCHEMA \(schema) CASCADE")
  }

  @Test(
    "night after night: nothing changed publishes nothing; a lost working copy is rebuilt; erasure reaches PostgreSQL")
  func nightAfterNight() throws {
    let schema = PostgresServer.schema()
    let pg = postgresPipeline(schema)
    #expect(try TestSupport.runPakt(["run", pg.file]).code == 0)
    let persons = try PostgresServer.lines(schema, "person")
    let meta = try PostgresServer.lines(schema, "meta")

    let again = try TestSupport.runPakt(["run", pg.file])
    #expect(again.code == 0, "\(again.err)")
    #expect(again.out.contains("nothing changed"))
    #expect(!again.out.contains("postgresql: published"))
    #expect(try PostgresServer.lines(schema, "meta") == meta)

    // A new machine, or a lost disk: the working copy comes back from PostgreSQL.
    try FileManager.default.removeItem(atPath: pg.warehouse)
    let rebuilt = try TestSupport.runPakt(["run", pg.file])
    #expect(rebuilt.code == 0, "\(rebuilt.err)")
    #expect(rebuilt.out.contains("working copy rebuilt from PostgreSQL"), "\(rebuilt.out)")
    #expect(rebuilt.out.contains("nothing changed"))
    #expect(try PostgresServer.lines(schema, "person") == persons)

    // Right to erasure: gone from PostgreSQL too.
    let key = try PostgresServer.psql("SELECT person_key FROM \(schema).person ORDER BY person_id LIMIT 1")
      .out.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(key.count == 64)
    let erased = try TestSupport.runPakt(["erase", "--person", key, "--pipeline", pg.file])
    #expect(erased.code == 0, "\(erased.err)")
    #expect(try PostgresServer.lines(schema, "person").count == persons.count - 1)
    #expect(try PostgresServer.lines(schema, "erasure").count == 1)
    let left = try PostgresServer.psql("SELECT count(*) FROM \(schema).person WHERE person_key = '\(key)'")
    #expect(left.out.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(left.out)")
    _ = try PostgresServer.psql("DROP SCHEMA \(schema) CASCADE")
  }

  @Test("a run killed while publishing leaves PostgreSQL as it was; the next run publishes")
  func killedWhilePublishing() throws {
    let mappings = try TestSupport.copiedMappings()
    let schema = PostgresServer.schema()
    let pg = postgresPipeline(schema, mappingsDir: mappings)
    #expect(try TestSupport.runPakt(["run", pg.file]).code == 0)
    let relations = try DatabaseQueue(path: pg.warehouse).read { try PostgresServer.relations($0) }
    let before = try relations.tables.map { try PostgresServer.lines(schema, $0) }

    try TestSupport.append("# changed\n", to: "\(mappings)/ulm.yml")
    let process = try TestSupport.startPaused(["run", pg.file], at: "publish-before-commit")
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal)
    #expect(try relations.tables.map { try PostgresServer.lines(schema, $0) } == before)

    // The working copy committed the run; the next run publishes it.
    let next = try TestSupport.runPakt(["run", pg.file])
    #expect(next.code == 0, "\(next.err)")
    #expect(next.out.contains("postgresql: published"), "\(next.out)")
    let copy = try DatabaseQueue(path: pg.warehouse)
    for table in relations.tables {
      #expect(try PostgresServer.lines(schema, table) == copy.read { try PostgresServer.lines($0, table) }, "\(table)")
    }
    _ = try PostgresServer.psql("DROP SCHEMA \(schema) CASCADE")
  }

  @Test("a wrong password or an unreachable server: one clear message, exit code 3, nothing changed")
  func unreachable() throws {
    let schema = PostgresServer.schema()
    let pg = postgresPipeline(schema)
    let wrong = try TestSupport.runPakt(["run", pg.file], environment: ["PAKT_POSTGRES_PASSWORD": "not-the-password"])
    #expect(wrong.code == 3)
    #expect(wrong.err.contains("password authentication failed"), "\(wrong.err)")
    #expect(wrong.err.contains("PAKT_POSTGRES_PASSWORD"))
    let absent = SamplePipeline(postgres: ("postgres://pakt@/pakt_test?host=/nonexistent", schema))
    let unreachable = try TestSupport.runPakt(["run", absent.file])
    #expect(unreachable.code == 3)
    #expect(unreachable.err.contains("cannot connect to the PostgreSQL warehouse"), "\(unreachable.err)")
    #expect(try PostgresServer.psql("SELECT 1 FROM \(schema).meta").code != 0)  // never created
  }
}
