import Foundation
import PaktCore
import PaktTestSupport
import Testing

@Suite("Core: pipeline.yml")
struct ConfigTests {
  func load(_ text: String) throws -> PipelineConfig {
    let dir = TestSupport.scratch()
    TestSupport.write("measures: []\n", to: "catalogue.yml", in: dir)
    TestSupport.write("municipality: X\n", to: "m.yml", in: dir)
    TestSupport.write("a,b\n1,2\n", to: "data/a.csv", in: dir)
    return try PipelineConfig.load(path: TestSupport.write(text, to: "pipeline.yml", in: dir))
  }

  func expectError(_ text: String, line: Int, containing: String) {
    do {
      _ = try load(text)
      Issue.record("should fail: \(containing)")
    } catch let e as PaktError {
      #expect(e.kind == .configuration)
      #expect(e.line == line, "\(e)")
      #expect(e.description.contains(containing), "\(e)")
      #expect(e.file?.hasSuffix("pipeline.yml") == true)
    } catch {
      Issue.record("unexpected error \(error)")
    }
  }

  @Test("a valid pipeline resolves paths against its own folder")
  func valid() throws {
    let c = try load("catalogue: catalogue.yml\nsources:\n  - name: a\n    files: data/*.csv\n    mapping: m.yml\n")
    #expect(c.sources.first?.files.first?.hasSuffix("/data/a.csv") == true)
    #expect(c.warehouse.hasSuffix("/out/warehouse.sqlite"))
  }

  @Test("a PostgreSQL warehouse: URL parts, the working copy, and clear errors for what is wrong")
  func postgres() throws {
    let sources = "sources:\n  - name: a\n    files: data/*.csv\n    mapping: m.yml\n"
    let c = try load(
      "catalogue: catalogue.yml\nwarehouse: postgres://etl@db.example:6432/pakt?sslmode=require\n"
        + "postgres:\n  local_copy: work/copy.sqlite\n  analyst_role: evaluators\n  password_env: PAKT_DB_PW\n"
        + sources)
    #expect(c.postgres?.user == "etl")
    #expect(c.postgres?.host == "db.example")
    #expect(c.postgres?.port == 6432)
    #expect(c.postgres?.database == "pakt")
    #expect(c.postgres?.tls == .require)
    #expect(c.postgres?.schema == "pakt")
    #expect(c.postgres?.analystRole == "evaluators")
    #expect(c.postgres?.passwordVariable == "PAKT_DB_PW")
    #expect(c.warehouse.hasSuffix("/work/copy.sqlite"))
    let socket = try load("catalogue: catalogue.yml\nwarehouse: postgres://etl@/pakt?host=/run/pg\n" + sources)
    #expect(socket.postgres?.socket == "/run/pg/.s.PGSQL.5432")
    #expect(socket.postgres?.tls == .disable)
    #expect(socket.warehouse.hasSuffix("/out/local-copy.sqlite"))
    expectError(
      "catalogue: catalogue.yml\nwarehouse: postgres://etl:secret@db/pakt\n" + sources, line: 2,
      containing: "PAKT_POSTGRES_PASSWORD")
    expectError("catalogue: catalogue.yml\nwarehouse: postgres://db/pakt\n" + sources, line: 2, containing: "no user")
    expectError(
      "catalogue: catalogue.yml\npostgres:\n  schema: x\n" + sources, line: 3,
      containing: "the warehouse is a SQLite file")
    expectError(
      "catalogue: catalogue.yml\nwarehouse: postgres://etl@db/pakt\npostgres:\n  schema: Pakt-1\n" + sources,
      line: 4, containing: "not a plain PostgreSQL name")
  }

  @Test("an unknown key names the line and suggests the right one")
  func unknownKey() {
    expectError(
      "catalogue: catalogue.yml\nsorces:\n  - name: a\n", line: 2, containing: "Did you mean 'sources'?")
  }

  @Test("a source's format hint takes every format pakt reads; another names the line and the formats")
  func formatHint() throws {
    for format in ["csv", "xml", "xlsx", "xls", "ods", "html", "xmlss", "auto"] {
      let c = try load(
        "catalogue: catalogue.yml\nsources:\n  - name: a\n    files: data/*.csv\n    mapping: m.yml\n    format: \(format)\n"
      )
      #expect(c.sources.first?.format == (format == "auto" ? nil : format))
    }
    expectError(
      "catalogue: catalogue.yml\nsources:\n  - name: a\n    files: data/*.csv\n    mapping: m.yml\n    format: pdf\n",
      line: 6, containing: "use csv, xml, xlsx, xls, ods, html")
  }

  @Test("a missing file names the line")
  func missingFile() {
    expectError(
      "catalogue: catalogue.yml\nsources:\n  - name: a\n    files: data/*.xml\n    mapping: m.yml\n", line: 4,
      containing: "no file matches")
  }

  @Test("a wrong type names the line")
  func wrongType() {
    expectError(
      "catalogue: catalogue.yml\nlinkage:\n  threshold: high\nsources:\n  - name: a\n    files: data/*.csv\n    mapping: m.yml\n",
      line: 3, containing: "must be a number")
  }

  @Test("broken YAML names the line")
  func brokenYAML() {
    expectError("catalogue: catalogue.yml\nsources: [\n", line: 3, containing: "not valid YAML")
  }
}
