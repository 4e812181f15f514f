import PaktCore

/// One record as read from a file, before mapping.
///
/// CSV: one data row with its header's column names. XML: one record element with its subtree.
/// A record that could not be read (a ragged row, an unclosed quote, bytes that are not
/// valid in the file's encoding) arrives as `.malformed` with its raw text and a reason, so
/// it can go to the reject store: nothing is lost.
public enum ExtractedRecord: Sendable {
  case row(CSVRow)
  case element(XMLRecord)
  case malformed(MalformedRecord)

  /// The line the record starts on (1-based).
  public var line: Int {
    switch self {
    case .row(let r): return r.line
    case .element(let e): return e.line
    case .malformed(let m): return m.line
    }
  }
}

/// A CSV data row.
public struct CSVRow: Sendable {
  public var line: Int
  public var fields: [String]
  /// What the reader did to give a row a delimiter too wide its header's width (see
  /// `ColumnProfile`), naming columns only; nil for a row read as written.
  public var repair: String?
  public init(line: Int, fields: [String], repair: String? = nil) {
    self.line = line
    self.fields = fields
    self.repair = repair
  }
}

/// A record that cannot be read, with a reason a steward understands.
///
/// Two words, its texts in one shared object, for the reason given at `XMLRecord`.
public struct MalformedRecord: Sendable {
  public let line: Int
  private let text: Text
  /// The record as it stands in the file (lossy where its bytes are not text).
  public var raw: String { text.raw }
  /// Short label for grouping ("ragged row", "unclosed quote", "invalid encoding").
  public var kind: String { text.kind }
  public var reason: String { text.reason }

  public init(line: Int, raw: String, kind: String, reason: String) {
    self.line = line
    self.text = Text(raw: raw, kind: kind, reason: reason)
  }

  private final class Text: Sendable {
    let raw: String
    let kind: String
    let reason: String
    init(raw: String, kind: String, reason: String) {
      (self.raw, self.kind, self.reason) = (raw, kind, reason)
    }
  }
}

/// What a reader found out about a file: shown by `pakt inspect` and stored in the run ledger.
public struct FileLayout: Sendable, Codable, Equatable {
  public var format: FileFormat
  public var encoding: String
  /// CSV: the delimiter as text ("," ";" "\t" "|").
  public var delimiter: String?
  public var quote: String?
  /// CSV: "LF", "CRLF" or "CR".
  public var lineEnding: String?
  /// CSV: how sure the delimiter is: "20 of 20 sampled lines; runner-up ',' on 3".
  public var certainty: String?
  /// CSV: line of the header row (1-based); lines before it are a preamble.
  public var headerLine: Int?
  /// The column names pakt uses: the header's, made unique (see `uniqueNames`).
  public var header: [String]?
  /// CSV: the header's names as the file writes them, where making them unique changed one
  /// (`pakt extract` writes these: its output is read by position).
  public var writtenHeader: [String]?
  /// CSV: how many lines the header takes (2: a group row above the names); nil for one.
  public var headerRows: Int?
  /// CSV: what is odd about the header line, where it is read otherwise than the records
  /// ("its quotes do not pair: …").
  public var headerNote: String?
  /// CSV: the non-blank lines above the header, skipped (see `CSVDialect.skippedLines`).
  public var skippedLines: [Int]?
  /// CSV: those of them as wide as the header.
  public var skippedWide: [Int]?
  /// XML: the record element(s) and the root element.
  public var recordElements: [String]?
  public var rootElement: String?
  /// XML: namespace URIs by prefix as declared on the root element.
  public var namespaces: [String: String]?
  /// Excel: the sheet read, and the workbook's other sheets that hold rows.
  public var sheet: String?
  public var otherSheets: [String]?

  public init(format: FileFormat, encoding: String) {
    self.format = format
    self.encoding = encoding
  }

  /// What a steward reads about a workbook's sheets that hold rows and that no mapping reads:
  /// "the workbook's sheet 'Maßnahmen' holds rows too; a source reads it where its mapping
  /// says `read: sheet: "Maßnahmen"`, or with this sheet as `sheets: ["Personen", "Maßnahmen"]`
  /// where its rows name their person by this sheet's id".
  public static func unreadSheetsNote(_ sheets: [String], besides sheet: String? = nil) -> String {
    let names = sheets.map { "'\($0)'" }.joined(separator: ", ")
    var note =
      "the workbook's sheet\(sheets.count == 1 ? "" : "s") \(names) hold\(sheets.count == 1 ? "s" : "") rows too; "
      + "a source reads \(sheets.count == 1 ? "it" : "one") where its mapping says `read: sheet: \"\(sheets[0])\"`"
    if let sheet {
      note +=
        ", or with this sheet as `sheets: [\"\(sheet)\", \"\(sheets[0])\"]` where its rows name their person by this sheet's id"
    }
    return note
  }

  /// Column names made unique, so that no column's values are lost to another of the same
  /// name: a repeated name gets `_2`, `_3` …, an empty one `Column_N` (its position).
  ///
  /// ```swift
  /// FileLayout.uniqueNames(["Name", "Name", ""])  // ["Name", "Name_2", "Column_3"]
  /// ```
  public static func uniqueNames(_ header: [String]) -> [String] {
    var taken = Set(header.filter { !$0.isEmpty })
    var seen: Set<String> = []
    var out: [String] = []
    for (i, name) in header.enumerated() {
      var unique = name.isEmpty ? "Column_\(i + 1)" : name
      if name.isEmpty || !seen.insert(name).inserted {
        var n = name.isEmpty ? 1 : 2
        let base = name.isEmpty ? "Column_\(i + 1)" : name
        unique = name.isEmpty ? base : "\(base)_\(n)"
        while taken.contains(unique) {
          n += 1
          unique = "\(base)_\(n)"
        }
        taken.insert(unique)
      }
      out.append(unique)
    }
    return out
  }

  /// A one-line description: "csv, windows-1252, ';'" or "xml, utf-8, <Person>".
  public var summary: String {
    if format == .csv {
      let d = delimiter == "\t" ? "tab" : "'\(delimiter ?? ",")'"
      return "csv, \(encoding), \(d)"
    }
    if format.isWorkbook { return "\(format.rawValue), " + (recordElements ?? []).joined(separator: " ") }
    if format == .html { return "html, \(encoding), table" }
    return "xml, \(encoding), " + (recordElements ?? []).map { "<\($0)>" }.joined(separator: " ")
  }
}

/// Lossy UTF-8 text for showing raw bytes in a reject (undecodable bytes shown as U+FFFD).
func rawText<C: Collection>(_ bytes: C, limit: Int = 2000) -> String where C.Element == UInt8 {
  let text = String(decoding: bytes.prefix(limit * 4), as: UTF8.self)
  return text.count > limit ? String(text.prefix(limit)) + "…" : text
}
