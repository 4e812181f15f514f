import FuzzSupport
import PaktExtract

/// Any bytes, read as CSV with detected dialect and encoding, must neither crash nor hang;
/// every record is a row with the header's number of fields or a malformed record, and every
/// field is valid UTF-8 (the reader checks text a chunk at a time and builds short Strings
/// itself: a field it wrongly took as checked would show here).
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let path = scratchFile("csv", data, size)
  guard let file = try? OpenedFile(path: path, options: ReadOptions(format: .csv)) else { return 0 }
  var count = 0
  while let record = try? file.next() {
    count += 1
    if case .row(let row) = record, let header = file.layout.header, !header.isEmpty {
      precondition(row.fields.count == header.count, "a row reached the mapper with the wrong number of fields")
    }
    if case .row(let row) = record {
      for field in row.fields {
        precondition(String(validating: Array(field.utf8), as: UTF8.self) == field, "a field is not valid UTF-8")
      }
    }
  }
  precondition(count <= size + 1, "more records than bytes")
  return 0
}

fuzzMain { fuzzOne($0, $1) }
