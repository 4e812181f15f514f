import Foundation
import PaktCore
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

  @Test("an unknown key names the line and suggests the right one")
  func unknownKey() {
    expectError(
      "catalogue: catalogue.yml\nsorces:\n  - name: a\n", line: 2, containing: "Did you mean 'sources'?")
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
