import Foundation
import PaktCore

/// Streams the rows of one sheet of an Excel 2003 XML spreadsheet ("XML-Tabelle 2003",
/// SpreadsheetML: `<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">`), which
/// web applications and older case-management software write as their "Excel" export, as
/// `XLSXReader` does for .xlsx: the header found the same way (`SheetRows`), `ss:Index` gaps
/// kept, DateTime cells as ISO dates, numbers without a needless ".0", booleans TRUE / FALSE,
/// comments left out. Read as a stream through libxml2 (no entity expansion, no network).
///
/// ```swift
/// let reader = try SpreadsheetMLReader(path: "export.xml")
/// print(reader.header)
/// ```
public final class SpreadsheetMLReader: SheetReader {
  public let path: String
  public let sheetName: String
  /// The workbook's other sheets that hold two rows or more.
  public let otherSheets: [String]
  public var header: [String] { rows.header }
  public var headerRow: Int { rows.headerRow }
  private var rows = SheetRows()
  private let table: Rows

  /// The namespace of the format, which its root element declares.
  static let namespace = "urn:schemas-microsoft-com:office:spreadsheet"

  /// Whether a file's first bytes (as UTF-8) begin such a workbook.
  static func isSpreadsheetML(_ text: [UInt8]) -> Bool {
    let lead = String(decoding: text.prefix(4096), as: UTF8.self)
    return lead.contains(namespace) && (lead.contains("<Workbook") || lead.contains(":Workbook"))
  }

  public init(path: String, sheet: String? = nil) throws {
    self.path = path
    let sheets = try Self.survey(Rows(events: try XMLEvents(path: path, what: "the spreadsheet")))
    (sheetName, otherSheets) = try Self.choose(sheets, wanted: sheet, noun: "spreadsheet")
    table = Rows(events: try XMLEvents(path: path, what: "the spreadsheet"))
    while let name = try table.nextSheet(), name != sheetName {}
    try rows.readHeader { try self.table.nextRow() }
  }

  public func next() throws -> ExtractedRecord? {
    try rows.next { try self.table.nextRow() }
  }

  public var format: FileFormat { .xmlss }
  public var encoding: String { "utf-8" }

  /// The worksheets of the file and their rows.
  final class Rows: SheetStream {
    private let events: XMLEvents
    private var inSheet = false
    private var rowNumber = 0

    init(events: XMLEvents) {
      self.events = events
    }

    /// Moves to the next worksheet; its name, or nil after the last.
    func nextSheet() throws -> String? {
      while inSheet, try nextRow() != nil {}
      while try events.next() {
        if events.kind == .start && events.name == "Worksheet" && !events.isEmpty {
          inSheet = true
          rowNumber = 0
          return events.attribute("Name") ?? ""
        }
      }
      return nil
    }

    /// The current sheet's next row that holds a value; nil at the sheet's end.
    func nextRow() throws -> (row: Int, cells: [String])? {
      guard inSheet else { return nil }
      while try events.next() {
        switch (events.kind, events.name) {
        case (.end, "Worksheet"):
          inSheet = false
          return nil
        case (.start, "Row"):
          rowNumber = Int(events.attribute("Index") ?? "").map { max($0, rowNumber + 1) } ?? (rowNumber + 1)
          if events.isEmpty { continue }
          let cells = try readCells()
          if cells.contains(where: { !$0.isEmpty }) { return (rowNumber, cells) }
        default: continue
        }
      }
      inSheet = false
      return nil
    }

    private func readCells() throws -> [String] {
      var cells: [String] = []
      var column = 0
      while try events.next() {
        switch (events.kind, events.name) {
        case (.end, "Row"):
          return cells
        case (.start, "Cell"):
          column = Int(events.attribute("Index") ?? "").map { max($0 - 1, column) } ?? column
          let across = min(max(Int(events.attribute("MergeAcross") ?? "") ?? 0, 0), 16_384)
          let text = events.isEmpty ? "" : try cellText()
          if !text.isEmpty && column < 16_384 { XLSXReader.put(text, at: column, in: &cells) }
          column += 1 + across
        default: continue
        }
      }
      return cells
    }

    /// The value of the cell whose start was just read (its Data, not its Comment); reads to
    /// the cell's end.
    private func cellText() throws -> String {
      var type = ""
      var text = ""
      var inData = false
      var comment = 0
      while try events.next() {
        switch (events.kind, events.name) {
        case (.end, "Cell"):
          return Self.value(text, type: type)
        case (.start, "Comment") where !events.isEmpty:
          comment += 1
        case (.end, "Comment"):
          comment -= 1
        case (.start, "Data") where comment == 0:
          type = events.attribute("Type") ?? ""
          inData = !events.isEmpty
        case (.end, "Data") where comment == 0:
          inData = false
        case (.text, _) where inData:
          text += events.text
        default: continue
        }
      }
      return Self.value(text, type: type)
    }

    static func value(_ text: String, type: String) -> String {
      switch type {
      case "Number": return TableRows.number(text)
      case "DateTime": return String(text.prefix(10))
      case "Boolean": return text == "1" || text.lowercased() == "true" ? "TRUE" : "FALSE"
      default: return text
      }
    }
  }
}
