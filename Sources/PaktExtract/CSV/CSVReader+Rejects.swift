import Foundation
import PaktCore

/// Why a row is rejected: rows that are not records though as wide as the header
/// (`notARecord`), and what a steward reads for a row that could not be parsed (`describe`).
extension CSVReader {
  /// The kind and the reason a steward reads for `problem`.
  func describe(_ problem: Problem) -> (kind: String, reason: String) {
    switch problem {
    case .invalidEncoding(let field):
      let column = field < header.count ? "'\(header[field])'" : "\(field + 1)"
      return (
        "invalid encoding",
        "column \(column) holds bytes that are not valid \(dialect.encoding.rawValue); "
          + "set `encoding:` in the source's mapping file if the file is in another encoding"
      )
    case .strayQuote(let field):
      return (
        "stray quote",
        "field \(field + 1) has text after its closing quote; a quote inside a quoted value must be doubled (\"\")"
      )
    }
  }

  /// Rows that are not records though as wide as the header: the header again (two exports
  /// appended, or a header on every page), and a total line ("Summe;;;;1.234,00"). Each is
  /// rejected with what it is, never loaded as a person.
  ///
  /// Checked on every row, so by bytes (spaces and tabs trimmed, ASCII letters lower-cased):
  /// trimming and folding each row's text through Foundation doubled the time to load a
  /// 300,000-person corpus (perf).
  static func notARecord(_ fields: [String], header written: [String]) -> (kind: String, reason: String)? {
    guard let first = fields.first else { return nil }
    // Two or more names, some of them words: a one-column file may hold its header's text as data.
    if fields.count == written.count, written.count >= 2,
      written.contains(where: { $0.contains(where: \.isLetter) }),
      zip(fields, written).allSatisfy({ Self.trimmedEquals($0, $1) })
    {
      return ("repeated header", "the header row again inside the file (exports appended, or a header per page)")
    }
    if fields.count > 2, Self.startsWithTotalWord(first),
      2 * fields.dropFirst().filter({ Self.isBlank($0) }).count >= fields.count - 1
    {
      return ("total line", "a line of totals ('\(first)'), not a record")
    }
    return nil
  }

  /// A row that is not a record, as the reject store keeps it: its fields joined as the file
  /// writes them. Static for the reason given at `notARecord`'s call.
  static func rowReject(_ line: Int, _ fields: [String], delimiter: String, kind: String, reason: String)
    -> ExtractedRecord
  {
    .malformed(MalformedRecord(line: line, raw: fields.joined(separator: delimiter), kind: kind, reason: reason))
  }

  /// A row of another width that names columns as the header does: at least two of its
  /// fields, and half of the shorter of the two, are the header's names (`names`, trimmed,
  /// those with a letter): a second table appended with a column more or less.
  static func namesColumns(_ fields: [String], width: Int, names: Set<String>) -> Bool {
    var shared = 0
    for f in fields {
      // Trimmed only where it has spaces at an end: Foundation's trimming on every field of every
      // ragged row was most of reading a file of them.
      let edged = f.utf8.first.map(isSpace) == true || f.utf8.last.map(isSpace) == true
      if names.contains(edged ? f.trimmingCharacters(in: .whitespaces) : f) { shared += 1 }
    }
    return shared >= 2 && 2 * shared >= min(fields.count, width)
  }

  /// The header's names as `namesColumns` compares them.
  static func headerNames(_ header: [String]) -> Set<String> {
    Set(header.map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.contains(where: \.isLetter) })
  }

  /// Whether a row whose first field is `first` may be the header again or a total line: its
  /// first byte is that of the header's first name, a space or tab, or s, g, i, t or z.
  @inline(__always)
  static func mayNotBeRecord(_ first: String, headerLead: UInt8) -> Bool {
    guard let lead = first.utf8.first else { return false }
    switch lead | 0x20 {
    case 0x73, 0x67, 0x69, 0x74, 0x7A, 0x20, 0x29: return true  // also a space or tab first
    default: return lead == headerLead
    }
  }

  /// Words that begin a line of totals, lower-case ASCII.
  static let totalWords: [[UInt8]] = [
    "summe", "gesamt", "gesamtsumme", "insgesamt", "total", "sum", "totals", "zwischensumme",
  ].map { Array($0.utf8) }

  static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

  static func isBlank(_ text: String) -> Bool { text.utf8.allSatisfy(isSpace) }

  /// `text` with spaces and tabs trimmed at both ends is `other`.
  static func trimmedEquals(_ text: String, _ other: String) -> Bool {
    if text == other { return true }
    let bytes = text.utf8
    guard let head = bytes.first, let tail = bytes.last, isSpace(head) || isSpace(tail) else { return false }
    guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return other.isEmpty }
    let last = bytes.lastIndex(where: { !isSpace($0) })!
    return bytes[first...last].elementsEqual(other.utf8)
  }

  /// Whether `text` (after spaces) begins with one of `totalWords`, in any case, as a whole
  /// word: "Summe", "GESAMT:", "Total 2024".
  static func startsWithTotalWord(_ text: String) -> Bool {
    var bytes = text.utf8[...]
    while let b = bytes.first, isSpace(b) { bytes = bytes.dropFirst() }
    var length = 0
    for c in bytes {
      let lower = c | 0x20
      if lower >= 0x61 && lower <= 0x7A {
        length += 1
        if length > 13 { return false }
      } else if c >= 0x80 {
        return false  // a letter beyond ASCII: no total word
      } else {
        break
      }
    }
    let word = bytes.prefix(length)
    return totalWords.contains { w in w.count == length && zip(w, word).allSatisfy { $0 == $1 | 0x20 } }
  }
}
