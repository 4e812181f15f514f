import Foundation
import PaktCore

/// Escaping for everything a report shows: data from municipal exports is never trusted.
public enum Escape {
  /// Text safe inside HTML elements and quoted attributes.
  ///
  /// ```swift
  /// Escape.html("<b>\"x\" & y</b>")  // "&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;"
  /// ```
  public static func html(_ text: String) -> String { xml(text, referencesAbove: 0x10FFFF) }

  /// The same escaping for XML text and attributes, with characters above `limit` as numeric
  /// references (`&#351;`), for XML written in a single-byte encoding.
  ///
  /// ```swift
  /// Escape.xml("Ayşe & Co", referencesAbove: 0xFF)  // "Ay&#351;e &amp; Co"
  /// ```
  public static func xml(_ text: String, referencesAbove limit: UInt32) -> String {
    XMLText.escaped(text, referencesAbove: limit)
  }

  /// One CSV cell: quoted where needed, and defused where a spreadsheet would run it as a
  /// formula (a leading `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`).
  ///
  /// ```swift
  /// Escape.csvCell("=HYPERLINK(\"http://x\")")  // "\"'=HYPERLINK(\"\"http://x\"\")\""
  /// ```
  public static func csvCell(_ text: String, delimiter: Character = ",") -> String {
    var value = text
    if let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
      value = "'" + value
    }
    // On the bytes when the delimiter is ASCII. Why: walking Characters (grapheme breaking)
    // was most of writing a million-line cluster file.
    // Quoted as well: a value holding another common dialect's delimiter (";", tab, "|"). Why:
    // German Excel opens a CSV file split on ";", so `Nähcafé;=1+2 Kurs` written bare became
    // two cells, the second a formula; quoted, every dialect reads it as one text.
    let special: Bool
    if let d = delimiter.asciiValue {
      special = value.utf8.contains {
        $0 == d || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D || $0 == 0x27 || $0 == 0x3B || $0 == 0x09 || $0 == 0x7C
      }
    } else {
      special = value.contains {
        $0 == delimiter || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "'" || $0 == ";" || $0 == "\t" || $0 == "|"
      }
    }
    if special {
      return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return value
  }

  /// A CSV line from cells.
  public static func csvLine(_ cells: [String]) -> String {
    cells.map { csvCell($0) }.joined(separator: ",") + "\r\n"
  }
}

/// The start of every self-contained report page: one look, no network access needed.
enum HTMLPage {
  static let style = """
    body{font-family:system-ui,sans-serif;margin:2em;max-width:75em;color:#222}
    table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
    th{background:#f3f3f3}.num{text-align:right}code{background:#f5f5f5;padding:0 .2em}
    """

  /// Doctype, head with the shared style plus `extraStyle`, and the opening of the body.
  static func start(title: String, extraStyle: String = "") -> String {
    """
    <!doctype html>
    <html lang="de"><head><meta charset="utf-8"><title>\(Escape.html(title))</title>
    <style>
    \(style)
    \(extraStyle)
    </style></head><body>

    """
  }
}
