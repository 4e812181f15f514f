import Foundation
import PaktCore

/// What the sheet readers (.xlsx, .xls, .ods, Excel 2003 XML, an HTML table) share once a
/// sheet gives rows of cell texts: the header is the first row with the most filled cells among
/// the first 20 (title rows above it are skipped), empty rows are skipped, short rows are
/// filled, and a row with values beyond the header's columns is a reject that says so.
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

/// A reader of one sheet of a workbook (or an HTML page's table): rows under a header, read
/// by column name as CSV is.
public protocol SheetReader: AnyObject, PaktCursor<ExtractedRecord> {
  var header: [String] { get }
  var headerRow: Int { get }
  /// The sheet read; empty for an HTML page.
  var sheetName: String { get }
  /// The workbook's other sheets that hold two rows or more.
  var otherSheets: [String] { get }
  var format: FileFormat { get }
  var encoding: String { get }
}

extension SheetReader {
  public var layout: FileLayout {
    var l = FileLayout(format: format, encoding: encoding)
    l.header = header
    l.headerLine = headerRow
    l.recordElements = [sheetName.isEmpty ? "table" : "sheet '\(sheetName)'"]
    l.sheet = sheetName.isEmpty ? nil : sheetName
    l.otherSheets = otherSheets.isEmpty ? nil : otherSheets
    return l
  }

  /// Each sheet of a streamed document and whether it holds rows (how many rows with a value,
  /// counted to 2): a first pass over the document.
  static func survey(_ sheets: some SheetStream) throws -> [(name: String, rows: Int)] {
    var found: [(name: String, rows: Int)] = []
    while let name = try sheets.nextSheet() {
      var filled = 0
      while filled < 2, let row = try sheets.nextRow() {
        if row.cells.contains(where: { !$0.isEmpty }) { filled += 1 }
      }
      found.append((name, filled))
    }
    return found
  }

  /// The sheet a mapping asks for (`wanted`, or else the first), among `sheets` (name and how
  /// many rows with values it holds, counted to 2), and the others that hold rows.
  static func choose(_ sheets: [(name: String, rows: Int)], wanted: String?, noun: String) throws -> (
    chosen: String, others: [String]
  ) {
    guard let first = sheets.first else {
      throw ExtractError.unreadable("the \(noun) has no sheet", fix: "check it")
    }
    var chosen = first.name
    if let wanted {
      guard sheets.contains(where: { $0.name == wanted }) else {
        throw ExtractError.unreadable(
          "the \(noun) has no sheet '\(wanted)'",
          fix: "its sheets are: \(sheets.map(\.name).joined(separator: ", ")); set `read: sheet:` in the mapping")
      }
      chosen = wanted
    }
    return (chosen, sheets.filter { $0.name != chosen && $0.rows >= 2 }.map(\.name))
  }
}

/// The sheets of a document read as a stream (an .ods's content, an Excel 2003 XML file), one
/// after the other, each row by row.
protocol SheetStream: AnyObject {
  /// Moves to the next sheet; its name, or nil after the last.
  func nextSheet() throws -> String?
  /// The current sheet's next row that holds a value; nil at the sheet's end.
  func nextRow() throws -> SheetRows.Row?
}

/// Merged cells that span rows (a person's cells merged beside each of their measures, as a
/// list kept by hand in Excel or Calc has them): the top cell's value is given to every row the
/// merge covers, in the merge's first column, so that each measure keeps its person. A merge
/// across columns only (a title over the table) is left as it is: one cell, as an HTML
/// `colspan` is.
struct VerticalMerges {
  /// Merges by their top row: the first column and the last row each covers.
  private var starting: [Int: [(column: Int, lastRow: Int)]] = [:]
  /// Merges the rows read so far are inside: the top cell's text and the last row, by column.
  private var active: [Int: (text: String, lastRow: Int)] = [:]

  var isEmpty: Bool { starting.isEmpty && active.isEmpty }

  /// A merge from `firstRow` to `lastRow` whose top-left cell is in `column`; one row is none.
  mutating func add(column: Int, firstRow: Int, lastRow: Int) {
    guard lastRow > firstRow, column >= 0, column < TableRows.maxColumns else { return }
    starting[firstRow, default: []].append((column, lastRow))
  }

  /// Row `row`'s cells with the merges above it filled in (where the row's cell is empty).
  mutating func fill(_ row: Int, _ cells: inout [String]) {
    // A row that holds nothing of its own stays empty.
    guard !isEmpty, cells.contains(where: { !$0.isEmpty }) else { return }
    active = active.filter { $0.value.lastRow >= row }
    for (column, merge) in active where column >= cells.count || cells[column].isEmpty {
      XLSXReader.put(merge.text, at: column, in: &cells)
    }
    for merge in starting.removeValue(forKey: row) ?? [] where merge.column < cells.count {
      // Merges do not overlap in a sound file; one that starts inside another in its column is
      // passed over, so a crafted list of merges costs at most one fill per cell.
      if let covering = active[merge.column], covering.lastRow >= row { continue }
      let text = cells[merge.column]
      if !text.isEmpty { active[merge.column] = (text, merge.lastRow) }
    }
  }
}
