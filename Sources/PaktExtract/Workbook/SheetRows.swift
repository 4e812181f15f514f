import Foundation

/// What the workbook readers (.xlsx, .xls) share once a sheet gives rows of cell texts: the
/// header is the first row with the most filled cells among the first 20 (title rows above it
/// are skipped), empty rows are skipped, short rows are filled, and a row with values beyond
/// the header's columns is a reject that says so.
struct SheetRows {
  typealias Row = (row: Int, cells: [String])
  private(set) var header: [String] = []
  private(set) var headerRow = 0
  private var pending: [Row] = []

  mutating func readHeader(_ read: () throws -> Row?) rethrows {
    while pending.count < 20, let row = try read() { pending.append(row) }
    let filled = pending.map { $0.cells.filter { !$0.isEmpty }.count }
    guard let most = filled.max(), most > 0, let index = filled.firstIndex(of: most) else { return }
    header = pending[index].cells.map { $0.trimmingCharacters(in: .whitespaces) }
    while let last = header.last, last.isEmpty { header.removeLast() }
    headerRow = pending[index].row
    pending.removeFirst(index + 1)
  }

  mutating func next(_ read: () throws -> Row?) rethrows -> ExtractedRecord? {
    while true {
      let row: Row
      if !pending.isEmpty {
        row = pending.removeFirst()
      } else if let r = try read() {
        row = r
      } else {
        return nil
      }
      var cells = row.cells
      if cells.allSatisfy({ $0.isEmpty }) { continue }
      if cells.count < header.count { cells += Array(repeating: "", count: header.count - cells.count) }
      if cells.count > header.count {
        if cells[header.count...].allSatisfy({ $0.isEmpty }) {
          cells = Array(cells.prefix(header.count))
        } else {
          return .malformed(
            MalformedRecord(
              line: row.row, raw: cells.joined(separator: " | "), kind: "ragged row",
              reason: "row \(row.row) has values beyond the \(header.count) columns of the header (row \(headerRow))"))
        }
      }
      return .row(CSVRow(line: row.row, fields: cells))
    }
  }
}
