import Foundation
import PaktCore
import ZIPFoundation

/// Streams the rows of one sheet of an OpenDocument spreadsheet (.ods, LibreOffice Calc) as
/// `XLSXReader` does for .xlsx, so that the same mappings apply: the header is found the same
/// way (`SheetRows`), dates are ISO dates, numbers are written as their value (not as the cell
/// shows them: "1.234,50 €" is 1234.5), booleans TRUE / FALSE, a text's paragraphs joined by
/// line breaks, and comments left out.
///
/// `content.xml` is unpacked (ZIPFoundation, with `ReadLimits.workbookPartBytes` counted on the
/// bytes inflated) to a private scratch folder and streamed through libxml2. Rows and cells an
/// application repeats (`number-rows-repeated`, `number-columns-repeated`: LibreOffice writes
/// the empty rest of a sheet so) take no memory while they are empty.
///
/// ```swift
/// let reader = try ODSReader(path: "export.ods")
/// print(reader.header)
/// while let record = try reader.next() { … }
/// ```
public final class ODSReader: SheetReader {
  public let path: String
  public let sheetName: String
  /// The spreadsheet's other sheets that hold two rows or more.
  public let otherSheets: [String]
  public var header: [String] { rows.header }
  public var headerRow: Int { rows.headerRow }
  private var rows = SheetRows()
  private let scratch: String
  private let table: TableRows

  /// The MIME type an OpenDocument spreadsheet names in its first entry.
  static let mimeType = "application/vnd.oasis.opendocument.spreadsheet"

  public init(path: String, sheet: String? = nil, limits: ReadLimits = ReadLimits()) throws {
    self.path = path
    let archive: Archive
    do {
      archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    } catch {
      throw ExtractError.unreadable(
        "the file is not a readable OpenDocument spreadsheet (zip)", fix: "save it again in LibreOffice")
    }
    let scratch = try XLSXReader.makeScratch()
    self.scratch = scratch
    do {
      guard
        let content = try XLSXReader.unpack(
          "content.xml", from: archive, into: scratch, limit: limits.workbookPartBytes)
      else {
        throw ExtractError.unreadable(
          "the OpenDocument spreadsheet has no content.xml", fix: "save it again in LibreOffice")
      }
      // The sheets, and which of them hold two rows or more (a first pass over the content).
      let sheets = try Self.survey(TableRows(events: try XMLEvents(path: content)))
      (sheetName, otherSheets) = try Self.choose(sheets, wanted: sheet, noun: "spreadsheet")
      table = TableRows(events: try XMLEvents(path: content))
      while let name = try table.nextSheet(), name != sheetName {}
    } catch {
      try? FileManager.default.removeItem(atPath: scratch)
      throw error
    }
    try rows.readHeader { try self.table.nextRow() }
  }

  deinit { try? FileManager.default.removeItem(atPath: scratch) }

  public func next() throws -> ExtractedRecord? {
    try rows.next { try self.table.nextRow() }
  }

  public var format: FileFormat { .ods }
  public var encoding: String { "utf-8" }
}

/// The tables of an OpenDocument `content.xml` and their rows, from libxml2's reader.
final class TableRows: SheetStream {
  private let events: XMLEvents
  private var inTable = false
  private var rowNumber = 0
  /// A row the document repeats: its cells and how many times more it is to be given.
  private var repeating: (cells: [String], left: Int)?
  /// Cells merged over several rows (`number-rows-spanned`), filled into the rows below.
  private var merges = VerticalMerges()

  /// A sheet's last row and column (Calc's and Excel's): rows and cells beyond them, which only
  /// a crafted file's repeats reach, are not given (a sheet of a few bytes repeating one row a
  /// million times a hundred times over).
  static let maxRows = 1_048_576
  static let maxColumns = 16_384

  init(events: XMLEvents) {
    self.events = events
  }

  /// Moves to the next table (sheet); its name, or nil after the last.
  func nextSheet() throws -> String? {
    // The rest of the current table is passed over.
    while inTable, try nextRow() != nil {}
    while try events.next() {
      if events.kind == .start && events.name == "table" && !events.isEmpty {
        inTable = true
        rowNumber = 0
        repeating = nil
        return events.attribute("name") ?? ""
      }
    }
    return nil
  }

  /// The current table's next row that holds a value (empty rows are counted, not given); nil
  /// at the table's end.
  func nextRow() throws -> (row: Int, cells: [String])? {
    if let r = repeating, rowNumber < Self.maxRows {
      rowNumber += 1
      repeating = r.left > 1 ? (r.cells, r.left - 1) : nil
      var cells = r.cells
      merges.fill(rowNumber, &cells)
      return (rowNumber, cells)
    }
    guard inTable else { return nil }
    while try events.next() {
      switch (events.kind, events.name) {
      case (.end, "table"):
        inTable = false
        return nil
      case (.start, "table-row"):
        let times = min(max(Int(events.attribute("number-rows-repeated") ?? "") ?? 1, 1), Self.maxRows)
        var cells = events.isEmpty ? [] : try readCells()
        if cells.allSatisfy({ $0.isEmpty }) {
          rowNumber += times
          continue
        }
        guard rowNumber < Self.maxRows else {
          rowNumber += times
          continue
        }
        rowNumber += 1
        repeating = times > 1 ? (cells, times - 1) : nil
        merges.fill(rowNumber, &cells)
        return (rowNumber, cells)
      default: continue
      }
    }
    inTable = false
    return nil
  }

  /// The cells of the row whose start was just read, up to its end.
  private func readCells() throws -> [String] {
    var cells: [String] = []
    var column = 0
    while try events.next() {
      switch (events.kind, events.name) {
      case (.end, "table-row"):
        return cells
      case (.start, "table-cell"), (.start, "covered-table-cell"):
        let times = min(max(Int(events.attribute("number-columns-repeated") ?? "") ?? 1, 1), Self.maxColumns)
        let down = min(max(Int(events.attribute("number-rows-spanned") ?? "") ?? 1, 1), Self.maxRows)
        // The row being read is the one after the last given.
        merges.add(column: column, firstRow: rowNumber + 1, lastRow: rowNumber + down)
        let text = try cellText()
        if !text.isEmpty {
          for c in column..<min(column + times, Self.maxColumns) { XLSXReader.put(text, at: c, in: &cells) }
        }
        column += times
      default: continue
      }
    }
    return cells
  }

  /// The value of the cell whose start was just read, as text; reads to the cell's end.
  private func cellText() throws -> String {
    let type = events.attribute("value-type") ?? ""
    let typed: String?
    switch type {
    case "float", "percentage", "currency":
      typed = events.attribute("value").map(Self.number)
    case "date":
      typed = events.attribute("date-value").map { String($0.prefix(10)) }
    case "boolean":
      typed = events.attribute("boolean-value").map { $0 == "true" ? "TRUE" : "FALSE" }
    case "string":
      typed = events.attribute("string-value")
    default:
      typed = nil
    }
    if events.isEmpty { return typed ?? "" }
    // The text: paragraphs joined by line breaks; <text:s text:c="3"/> spaces, tabs, line
    // breaks; a comment (office:annotation) is not the cell's value.
    var paragraphs: [String] = []
    var current = ""
    var inParagraph = false
    var annotation = 0
    let element = events.name
    var depth = 1
    while try events.next() {
      switch events.kind {
      case .start where !events.isEmpty:
        depth += 1
        if events.name == "annotation" { annotation += 1 }
        if annotation == 0 && events.name == "p" { (inParagraph, current) = (true, "") }
      case .start where annotation == 0 && inParagraph:
        switch events.name {
        case "s": current += String(repeating: " ", count: min(max(1, Int(events.attribute("c") ?? "") ?? 1), 1_000))
        case "tab": current += "\t"
        case "line-break": current += "\n"
        default: break
        }
      case .text where annotation == 0 && inParagraph:
        current += events.text
      case .end:
        depth -= 1
        if events.name == "annotation" {
          annotation -= 1
        } else if annotation == 0 && events.name == "p" && inParagraph {
          paragraphs.append(current)
          inParagraph = false
        }
        if depth == 0 && events.name == element { return typed ?? paragraphs.joined(separator: "\n") }
      default: break
      }
    }
    return typed ?? paragraphs.joined(separator: "\n")
  }

  /// A number's text as XLSXReader gives it (`XLSXReader.numberText`); a text that is no number
  /// stays as it is.
  static func number(_ raw: String) -> String {
    Double(raw).map(XLSXReader.numberText) ?? raw
  }
}
