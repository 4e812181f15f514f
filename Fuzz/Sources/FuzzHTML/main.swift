import FuzzSupport
import PaktExtract

/// Any bytes, read as an HTML page with a table, must neither crash nor hang: a page without a
/// table, or one libxml2 cannot make sense of, ends in an `ExtractError`, never a trap.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let path = scratchFile("html", data, size)
  guard let file = try? OpenedFile(path: path, options: ReadOptions(format: .html)) else { return 0 }
  do {
    while try file.next() != nil {}
  } catch {
    _ = "\(error)"
  }
  return 0
}

fuzzMain { fuzzOne($0, $1) }
