import Foundation
import PaktCore
import PaktExtract
import PaktTestSupport

@testable import PaktMap

/// A record mapper for a CSV header, from a mapping file's text, as a run prepares one per file;
/// `sample` stands in for the file's first rows.
enum MapperFixture {
  static func catalogue() throws -> Catalogue {
    try Catalogue.load(file: TestSupport.path("mappings/catalogue.yml"))
  }

  static func mapper(_ mappingText: String, header: [String], sample: [[String]] = []) throws -> RecordMapper {
    let catalogue = try catalogue()
    let dir = TestSupport.scratch()
    let mapping = try MappingFile.load(file: TestSupport.write(mappingText, to: "m.yml", in: dir), catalogue: catalogue)
    var layout = FileLayout(format: .csv, encoding: "utf-8")
    layout.header = header
    return try RecordMapper(
      source: "x", fileName: "x.csv", mapping: mapping, layout: layout, matcher: ProgramMatcher(catalogue: catalogue),
      autoApplyThreshold: 0.9, sample: { sample })
  }
}
