import Foundation
import PaktCore

/// How to read a file: format and dialect hints from pipeline.yml and the mapping file.
public struct ReadOptions: Sendable {
  /// nil: detect from the content.
  public var format: FileFormat?
  public var csv: CSVDialect.Overrides
  /// Record elements for XML; empty: detect with `XMLShape`.
  public var xmlRecords: [XMLPath]
  /// The sheet of an Excel workbook; nil: the first.
  public var sheet: String?
  /// The sheets of a workbook that one source reads, each with its own header, as parts of
  /// one delivery ("Personen" and "Maßnahmen", whose rows name their person by the same id);
  /// empty: the one `sheet`. The reader reads `sheet`; the pipeline opens each part so.
  public var sheets: [String] = []
  /// How much one record, workbook part or entity list may take (pipeline.yml `limits:`).
  public var limits = ReadLimits()

  public init(
    format: FileFormat? = nil, csv: CSVDialect.Overrides = .init(), xmlRecords: [XMLPath] = [], sheet: String? = nil
  ) {
    self.format = format
    self.csv = csv
    self.xmlRecords = xmlRecords
    self.sheet = sheet
  }
}

/// Any supported file opened for streaming: one cursor over its records whatever the format.
///
/// ```swift
/// let file = try OpenedFile(path: "samples/stuttgart.csv")
/// print(file.layout.summary)            // "csv, utf-8, ','"
/// while let record = try file.next() { … }
/// ```
public final class OpenedFile: PaktCursor {
  public let path: String
  public let layout: FileLayout
  private var csv: CSVReader?
  private let xml: XMLReader?
  /// A workbook's sheet or an HTML page's table.
  private var sheet: (any SheetReader)?

  public init(path: String, options: ReadOptions = .init()) throws {
    self.path = path
    // Only regular files (a link is followed to one): reading a FIFO or /dev/zero never ends.
    var info = stat()
    if stat(path, &info) == 0 && info.st_mode & S_IFMT != S_IFREG {
      throw ExtractError.unreadable(
        "\(path) is not a regular file (a folder, pipe or device)", fix: "give the path of an export file")
    }
    let head = try ChunkedFile.head(path: path)
    let format = options.format ?? FileFormat.detect(head)
    switch format {
    case .csv:
      let dialect = CSVDialect.sniff(head: head, overrides: options.csv)
      let reader = try CSVReader(path: path, dialect: dialect, maxRecordBytes: options.limits.recordBytes)
      if reader.header.isEmpty && dialect.headerLine > 0 {
        throw ExtractError.unreadable("the file has no header row", fix: "check that the export is complete")
      }
      csv = reader
      xml = nil
      var l = reader.layout
      l.header = l.header.map(FileLayout.uniqueNames)
      if let written = reader.writtenHeader {
        l.writtenHeader = written
      } else if l.header != reader.layout.header {
        l.writtenHeader = reader.layout.header
      }
      layout = l
    case .xml:
      // With the record elements named, only the root and its namespaces are wanted (for
      // `pakt inspect` and the ledger): reading 50,000 elements for them was 6% of a run.
      let shape = try XMLShape.detect(path: path, maxElements: options.xmlRecords.isEmpty ? 50_000 : 1)
      let records = options.xmlRecords.isEmpty ? shape.recordElements.map { XMLPath($0) } : options.xmlRecords
      if records.isEmpty {
        throw ExtractError.unreadable(
          "no repeating record element found", fix: "name it under `xml: records:` in the mapping")
      }
      xml = try XMLReader(path: path, records: records)
      csv = nil
      var l = FileLayout(format: .xml, encoding: Self.xmlEncoding(head))
      l.rootElement = shape.rootElement
      l.recordElements = records.map(\.description)
      l.namespaces = shape.namespaces.isEmpty ? nil : shape.namespaces
      layout = l
    case .xlsx, .xls, .ods, .xmlss, .html:
      let reader: any SheetReader =
        switch format {
        case .xls: try XLSReader(path: path, sheet: options.sheet, limits: options.limits)
        case .ods: try ODSReader(path: path, sheet: options.sheet, limits: options.limits)
        case .xmlss: try SpreadsheetMLReader(path: path, sheet: options.sheet)
        case .html: try HTMLTableReader(path: path, limits: options.limits)
        default: try XLSXReader(path: path, sheet: options.sheet, limits: options.limits)
        }
      if reader.header.isEmpty {
        throw ExtractError.unreadable(
          reader.sheetName.isEmpty ? "the page's table is empty" : "the sheet '\(reader.sheetName)' is empty",
          fix: "check that the right file was delivered")
      }
      sheet = reader
      csv = nil
      xml = nil
      var l = reader.layout
      l.header = l.header.map(FileLayout.uniqueNames)
      layout = l
    case .empty:
      throw ExtractError.unreadable("the file is empty", fix: "ask the municipality to export again")
    case .binary:
      throw ExtractError.unreadable(
        "the file is neither CSV nor XML text (binary content)", fix: "check that the right file was delivered")
    }
  }

  /// Bytes of the file read so far, for progress; 0 for workbooks (read from their archive).
  public var bytesRead: Int { xml?.bytesRead ?? csv?.bytesRead ?? 0 }

  public func next() throws -> ExtractedRecord? {
    if let xml { return try xml.next() }
    if sheet != nil { return try sheet!.next() }
    return try csv!.next()
  }

  /// The encoding an XML file declares (or implies by its byte order mark).
  static func xmlEncoding(_ head: [UInt8]) -> String {
    let detected = TextEncoding.detect(head)
    if detected == .utf16LE || detected == .utf16BE { return detected.rawValue }
    let prolog = String(decoding: head.prefix(200), as: UTF8.self)
    if let range = prolog.range(of: #"encoding\s*=\s*["']([^"']+)["']"#, options: .regularExpression) {
      let decl = prolog[range]
      if let q = decl.firstIndex(where: { $0 == "\"" || $0 == "'" }) {
        return String(decl[decl.index(after: q)...].dropLast()).lowercased()
      }
    }
    return "utf-8"
  }
}

/// Limits on what is read, enforced on the bytes actually read or inflated, not on what a
/// file declares. Set in pipeline.yml:
///
/// ```yaml
/// limits: { record_mb: 4, workbook_part_mb: 2048, shared_strings_mb: 256 }
/// ```
public struct ReadLimits: Sendable, Equatable {
  /// A CSV record (all its lines) longer than this is a reject ("record too long").
  public var recordBytes = 4 << 20
  /// An .xlsx part that inflates past this is refused, and its workbook with it.
  public var workbookPartBytes: Int64 = 2 << 30
  /// The shared strings, held in memory while a sheet is read, may inflate to this.
  public var sharedStringsBytes: Int64 = 256 << 20
  public init() {}
}
