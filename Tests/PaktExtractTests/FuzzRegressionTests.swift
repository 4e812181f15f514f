import Foundation
import PaktExtract
import PaktTestSupport
import Testing

/// Inputs fuzzing or hostile deliveries met, read to the end with the fuzz targets' checks:
/// no crash, no hang, rows as wide as the header, valid UTF-8, XML errors as `ExtractError`.
@Suite("Robustness: fuzz regression inputs")
struct FuzzRegressionTests {
  static func inputs(_ kind: String) throws -> [String] {
    let dir = TestSupport.path("Tests/Fixtures/fuzz/\(kind)")
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    return names.map { "\(dir)/\($0)" }
  }

  @Test("every CSV input reads to its end: rows as wide as the header, valid UTF-8")
  func csv() throws {
    let inputs = try Self.inputs("csv")
    #expect(inputs.count >= 10)
    for path in inputs {
      let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
      guard let file = try? OpenedFile(path: path, options: ReadOptions(format: .csv)) else { continue }
      var count = 0
      while let record = try file.next() {
        count += 1
        if case .row(let row) = record {
          if let header = file.layout.header, !header.isEmpty {
            #expect(row.fields.count == header.count, "\(path): row \(row.line)")
          }
          for field in row.fields {
            #expect(String(validating: Array(field.utf8), as: UTF8.self) == field, "\(path): row \(row.line)")
          }
        }
      }
      #expect(count <= size + 1, "\(path)")
    }
  }

  @Test("every XML input reads to its end or stops with an ExtractError")
  func xml() throws {
    let inputs = try Self.inputs("xml")
    #expect(inputs.count >= 5)
    for path in inputs {
      guard let file = try? OpenedFile(path: path, options: ReadOptions(format: .xml)) else { continue }
      do {
        while let record = try file.next() {
          if case .element(let e) = record { _ = e.element.render(limit: 200) }
        }
      } catch is ExtractError {
        // A malformed document ends in an error that names it.
      }
    }
  }

  @Test("every HTML input reads to its end or stops with an ExtractError")
  func html() throws {
    let inputs = try Self.inputs("html")
    #expect(!inputs.isEmpty)
    for path in inputs {
      do {
        let file = try OpenedFile(path: path, options: ReadOptions(format: .html))
        while try file.next() != nil {}
      } catch is ExtractError {
        // A page without a table ends in an error that names it.
      }
    }
  }

  @Test("every .xls input reads to its end or stops with an ExtractError")
  func xls() throws {
    let inputs = try Self.inputs("xls")
    #expect(!inputs.isEmpty)
    for path in inputs {
      do {
        let file = try OpenedFile(path: path, options: ReadOptions(format: .xls))
        while try file.next() != nil {}
      } catch is ExtractError {
        // A damaged workbook ends in an error that names it.
      }
    }
  }
}
