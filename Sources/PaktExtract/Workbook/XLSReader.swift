import Foundation
import PaktCore

/// Streams the rows of one sheet of an Excel 97-2003 workbook (.xls) as `XLSXReader` does
/// for .xlsx, so that the same mappings apply: the header is found the same way, shared
/// strings are resolved, numbers in date formats become ISO dates.
///
/// The compound file is read whole (`CompoundFile`) and the sheet's cells parsed from its
/// "Workbook" stream (`BIFFWorkbook`); an .xls sheet holds at most 65,536 rows, so memory is
/// bounded by the format. A workbook larger than `ReadLimits.workbookPartBytes` is refused.
///
/// ```swift
/// let reader = try XLSReader(path: "export.xls")
/// print(reader.header)
/// while let record = try reader.next() { … }
/// ```
public final class XLSReader: SheetReader {
  public let path: String
  public let sheetName: String
  /// The workbook's other worksheets that hold two rows or more.
  public let otherSheets: [String]
  public var header: [String] { rows.header }
  public var headerRow: Int { rows.headerRow }
  private var rows = SheetRows()
  private var cells: [(row: Int, cells: [String])]
  private var position = 0

  public init(path: String, sheet: String? = nil, limits: ReadLimits = ReadLimits()) throws {
    self.path = path
    let fix = "open it in Excel or LibreOffice and save it again, or save it as .xlsx or CSV"
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw ExtractError.unreadable("the file cannot be opened", fix: "check its permissions")
    }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    if Int64(size) > limits.workbookPartBytes {
      throw ExtractError.unreadable(
        "the workbook is larger than \(limits.workbookPartBytes >> 20) MB, more than pakt reads", fix: "split it")
    }
    try handle.seek(toOffset: 0)
    let bytes = [UInt8](try handle.readToEnd() ?? Data())
    let book: BIFFWorkbook
    do {
      let file = try CompoundFile(bytes: bytes)
      // A password-protected .xlsx is a compound file too: its package is encrypted inside.
      if file.streams.contains(where: { $0.name == "EncryptedPackage" }) {
        throw BIFFWorkbook.Unreadable(
          reason: "the workbook is protected by a password (encrypted)",
          fix: "ask the municipality for the export without a password, or open it and save it without one")
      }
      guard let stream = try file.stream(named: "Workbook") ?? file.stream(named: "Book") else {
        let names = file.streams.map(\.name)
        let kind =
          names.contains("WordDocument")
          ? "a Word document"
          : names.contains { $0.hasPrefix("__substg") } ? "an Outlook message" : "not an Excel workbook"
        throw ExtractError.unreadable(
          "the file is a legacy Office file but \(kind): it holds no workbook",
          fix: "check that the right file was delivered")
      }
      book = try BIFFWorkbook(stream: stream)
    } catch let error as CompoundFile.Damaged {
      throw ExtractError.unreadable("the Excel 97-2003 workbook (.xls) is damaged: \(error.what)", fix: fix)
    } catch let error as BIFFWorkbook.Unreadable {
      throw ExtractError.unreadable(error.reason, fix: error.fix)
    }
    let worksheets = book.sheets.filter { $0.kind == 0 }
    do {
      // Every worksheet's cells (a .xls file is small): which hold rows, and the one read.
      let parsed = try worksheets.map { try book.cells(of: $0) }
      let sheets = zip(worksheets, parsed).map { (name: $0.name, rows: $1.rows.count) }
      let (name, others) = try Self.choose(sheets, wanted: sheet, noun: "workbook")
      (sheetName, otherSheets) = (name, others)
      let chosen = parsed[worksheets.firstIndex { $0.name == name }!]
      // Rows as Excel numbers them (the file counts from 0).
      var merges = VerticalMerges()
      for m in chosen.merged { merges.add(column: m.column, firstRow: m.first + 1, lastRow: m.last + 1) }
      cells = chosen.rows.sorted { $0.key < $1.key }.map { row, byColumn in
        var texts: [String] = []
        for (column, text) in byColumn.sorted(by: { $0.key < $1.key }) { XLSXReader.put(text, at: column, in: &texts) }
        merges.fill(row + 1, &texts)
        return (row + 1, texts)
      }
    } catch let error as BIFFWorkbook.Unreadable {
      throw ExtractError.unreadable(error.reason, fix: error.fix)
    }
    rows.readHeader { self.readRow() }
  }

  private func readRow() -> (row: Int, cells: [String])? {
    guard position < cells.count else { return nil }
    defer { position += 1 }
    return cells[position]
  }

  public func next() throws -> ExtractedRecord? {
    rows.next { self.readRow() }
  }

  public var format: FileFormat { .xls }
  public var encoding: String { "utf-16le" }
}
