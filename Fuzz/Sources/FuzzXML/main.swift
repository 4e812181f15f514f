import FuzzSupport
import PaktExtract

/// Any bytes, read as XML with detected record elements, must neither crash nor hang; a
/// malformed document ends in an `ExtractError`, never a trap.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let path = scratchFile("xml", data, size)
  guard let file = try? OpenedFile(path: path, options: ReadOptions(format: .xml)) else { return 0 }
  do {
    while let record = try file.next() {
      if case .element(let e) = record { _ = e.element.render(limit: 200) }
    }
  } catch {
    _ = "\(error)"
  }
  return 0
}

fuzzMain { fuzzOne($0, $1) }
