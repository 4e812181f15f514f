import FuzzSupport
import PaktExtract

/// Any bytes, read as an Excel 97-2003 workbook, must neither crash nor hang: a damaged
/// compound file or BIFF stream ends in an `ExtractError`, never a trap.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let path = scratchFile("xls", data, size)
  guard let file = try? OpenedFile(path: path, options: ReadOptions(format: .xls)) else { return 0 }
  do {
    while try file.next() != nil {}
  } catch {
    _ = "\(error)"
  }
  return 0
}

fuzzMain { fuzzOne($0, $1) }
