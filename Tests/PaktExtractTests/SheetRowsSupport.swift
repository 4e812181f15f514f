import PaktExtract
import Testing

/// Every row a sheet reader gives, recording an issue for anything else (a reject).
func sheetRows(_ reader: some SheetReader) throws -> [CSVRow] {
  var reader = reader
  var rows: [CSVRow] = []
  while let r = try reader.next() {
    guard case .row(let row) = r else {
      Issue.record("not a row: \(r)")
      continue
    }
    rows.append(row)
  }
  return rows
}
