/// The kind of a file, judged from its first bytes, not its name.
public enum FileFormat: String, Sendable, Codable {
  case csv, xml, xlsx, xls, ods, html, empty, binary
  /// Excel 2003 XML ("XML-Tabelle 2003", SpreadsheetML).
  case xmlss

  /// A spreadsheet workbook (.xlsx, Excel 97-2003 .xls, OpenDocument .ods, Excel 2003 XML):
  /// sheets of rows, each read with its header.
  public var isWorkbook: Bool { self == .xlsx || self == .xls || self == .ods || self == .xmlss }

  /// Rows under a header, mapped by column name: CSV, workbooks and an HTML page's table.
  public var isTable: Bool { self == .csv || isWorkbook || self == .html }

  /// The first bytes of a legacy Office file (a compound document): an Excel 97-2003 workbook
  /// (.xls), or a Word or Outlook file delivered by mistake (`XLSReader` tells which).
  public static let legacyOfficeSignature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

  /// Detects the format of the file at `path` from its first bytes; nil when it cannot be read.
  public static func detect(path: String) -> FileFormat? {
    (try? ChunkedFile.head(path: path)).map(detect)
  }

  /// Detects the format from the first bytes (after any byte order mark).
  ///
  /// ```swift
  /// FileFormat.detect(Array("<?xml version=\"1.0\"?>".utf8))  // .xml
  /// ```
  public static func detect(_ head: [UInt8]) -> FileFormat {
    if head.isEmpty { return .empty }
    if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
      // An OpenDocument file's first entry is its MIME type, stored as it is ("mimetype").
      let mime = Array(ODSReader.mimeType.utf8)
      if head.count >= 38 + mime.count, Array(head[30..<38]) == Array("mimetype".utf8),
        Array(head[38..<(38 + mime.count)]) == mime
      {
        return .ods
      }
      return .xlsx
    }
    if head.starts(with: legacyOfficeSignature) { return .xls }
    let encoding = TextEncoding.detect(head)
    var transcoder = Transcoder(encoding: encoding)
    var text: [UInt8] = []
    let body = Array(head.dropFirst(head.starts(with: encoding.bom) ? encoding.bom.count : 0).prefix(4096))
    body.withUnsafeBufferPointer { transcoder.transcode($0, into: &text) }
    guard let first = text.first(where: { $0 != 32 && $0 != 9 && $0 != 10 && $0 != 13 }) else { return .empty }
    if first == UInt8(ascii: "<") {
      if HTMLTableReader.isHTML(text) { return .html }
      return SpreadsheetMLReader.isSpreadsheetML(text) ? .xmlss : .xml
    }
    // Many control bytes other than tab and line breaks mean this is not text; a few are
    // damage inside a text file, which costs the rows that hold them, not the file (one NUL
    // in a profession field rejected a 717-row export as a whole).
    let sample = text.prefix(4096)
    let controls = sample.filter { $0 < 32 && $0 != 9 && $0 != 10 && $0 != 13 }.count
    if controls * 10 > sample.count { return .binary }
    return .csv
  }
}
