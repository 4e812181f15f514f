import Foundation
import PaktCore
import ZIPFoundation

/// Writes a plain Excel workbook (.xlsx): named sheets of rows, text as inline strings, numbers,
/// and dates as date cells (a serial day number in the "DD.MM.YYYY" format), as an office's
/// spreadsheet saves them. It is what `pakt samples generate` writes for a municipality that
/// exports a workbook, and what tests build small workbooks with; `XLSXReader` reads it back.
///
/// ```swift
/// try XLSXWriter.write(path: "export.xlsx", sheets: [
///   .init(name: "Personen", rows: [[.text("Kennung"), .text("Geburtsdatum")],
///                                  [.text("K-1"), .date(1990, 3, 7)]]),
/// ])
/// ```
public enum XLSXWriter {
  public enum Cell: Sendable, Equatable {
    case text(String)
    case number(Double)
    /// Year, month, day: a date cell.
    case date(Int, Int, Int)
    /// An empty cell.
    case empty
  }

  public struct Sheet: Sendable {
    public var name: String
    public var rows: [[Cell]]
    public init(name: String, rows: [[Cell]]) {
      self.name = name
      self.rows = rows
    }
  }

  /// Writes `sheets` to `path` (replacing a file there), readable only by its owner.
  public static func write(path: String, sheets: [Sheet]) throws {
    try? FileManager.default.removeItem(atPath: path)
    let archive: Archive
    do {
      archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
    } catch {
      throw ExtractError.unreadable("cannot create the workbook \(path)", fix: "check the folder and free disk space")
    }
    let sheetList = sheets.enumerated().map { i, sheet in
      "<sheet name=\"\(escaped(sheet.name))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>"
    }.joined()
    let relationships = sheets.indices.map { i in
      "<Relationship Id=\"rId\(i + 1)\" Type=\"\(officeRelationships)/worksheet\" Target=\"worksheets/sheet\(i + 1).xml\"/>"
    }.joined()
    let overrides = sheets.indices.map { i in
      "<Override PartName=\"/xl/worksheets/sheet\(i + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
    }.joined()
    var parts: [(String, String)] = [
      (
        "[Content_Types].xml",
        "\(prolog)<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
          + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
          + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
          + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
          + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
          + overrides + "</Types>"
      ),
      (
        "_rels/.rels",
        "\(prolog)<Relationships xmlns=\"\(packageRelationships)\"><Relationship Id=\"rId1\" "
          + "Type=\"\(officeRelationships)/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
      ),
      (
        "xl/workbook.xml",
        "\(prolog)<workbook xmlns=\"\(spreadsheetML)\" xmlns:r=\"\(officeRelationships)\"><sheets>\(sheetList)</sheets></workbook>"
      ),
      (
        "xl/_rels/workbook.xml.rels",
        "\(prolog)<Relationships xmlns=\"\(packageRelationships)\">\(relationships)"
          + "<Relationship Id=\"rId\(sheets.count + 1)\" Type=\"\(officeRelationships)/styles\" Target=\"styles.xml\"/>"
          + "</Relationships>"
      ),
      // Style 1: the date format DD.MM.YYYY (a custom number format, as a German Excel saves it).
      (
        "xl/styles.xml",
        "\(prolog)<styleSheet xmlns=\"\(spreadsheetML)\"><numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"DD.MM.YYYY\"/></numFmts>"
          + "<fonts count=\"1\"><font/></fonts><fills count=\"1\"><fill/></fills><borders count=\"1\"><border/></borders>"
          + "<cellStyleXfs count=\"1\"><xf/></cellStyleXfs><cellXfs count=\"2\"><xf numFmtId=\"0\"/>"
          + "<xf numFmtId=\"164\" applyNumberFormat=\"1\"/></cellXfs></styleSheet>"
      ),
    ]
    for (i, sheet) in sheets.enumerated() { parts.append(("xl/worksheets/sheet\(i + 1).xml", worksheet(sheet.rows))) }
    for (part, text) in parts {
      let data = Data(text.utf8)
      try archive.addEntry(with: part, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) {
        position, size in data.subdata(in: Int(position)..<Int(position) + size)
      }
    }
    chmod(path, 0o600)
  }

  static let prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
  static let spreadsheetML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
  static let packageRelationships = "http://schemas.openxmlformats.org/package/2006/relationships"
  static let officeRelationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

  static func worksheet(_ rows: [[Cell]]) -> String {
    var out = "\(prolog)<worksheet xmlns=\"\(spreadsheetML)\">"
    let width = rows.map(\.count).max() ?? 0
    if !rows.isEmpty && width > 0 { out += "<dimension ref=\"A1:\(column(width - 1))\(rows.count)\"/>" }
    out += "<sheetData>"
    for (r, row) in rows.enumerated() {
      out += "<row r=\"\(r + 1)\">"
      for (c, cell) in row.enumerated() {
        let ref = "\(column(c))\(r + 1)"
        switch cell {
        case .text(let s):
          out += "<c r=\"\(ref)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escaped(s))</t></is></c>"
        case .number(let n):
          out += "<c r=\"\(ref)\"><v>\(XLSXReader.numberText(n))</v></c>"
        case .date(let y, let m, let d):
          if let serial = SpreadsheetSerial.serial(year: y, month: m, day: d) {
            out += "<c r=\"\(ref)\" s=\"1\"><v>\(serial)</v></c>"
          }
        case .empty: break
        }
      }
      out += "</row>"
    }
    return out + "</sheetData></worksheet>"
  }

  /// 0 → "A", 26 → "AA".
  static func column(_ index: Int) -> String {
    var n = index + 1
    var letters = ""
    while n > 0 {
      let r = (n - 1) % 26
      letters = String(UnicodeScalar(UInt8(65 + r))) + letters
      n = (n - 1) / 26
    }
    return letters
  }

  /// `s` escaped as XML text, without the control characters XML 1.0 has no place for.
  static func escaped(_ s: String) -> String {
    var text = String.UnicodeScalarView()
    text.append(contentsOf: s.unicodeScalars.lazy.filter { $0.value >= 0x20 || $0 == "\t" || $0 == "\n" || $0 == "\r" })
    return XMLText.escaped(String(text))
  }
}
