import Foundation
import PaktCore

/// Where the header is, and what it is when it cannot be read as the records are: the header
/// line, a record taken for it, a header with a delimiter too many, a header whose quotes do
/// not pair.
extension CSVDialect {
  /// The header line: the first line exactly as wide as most lines, or as wide on all its
  /// delimiters with content beyond the first field; else the first line at least as wide;
  /// else the first line with content.
  static func headerLine(
    _ complete: [LogicalLine], best: (delimiter: UInt8, consistent: Int, mode: Int), fullMode: Int?
  ) -> Int {
    if best.mode > 0,
      let first = complete.first(where: { line in
        guard !line.blank else { return false }
        let before = line.counts[best.delimiter] ?? 0
        // Exactly as wide as most lines, or as wide on all its delimiters with content beyond
        // the first field (a header whose last names are empty: "id;Name;Name;"). Exactly:
        // a preamble line wider than the table ("Created as New Dataset,Sample 022,February
        // 11 2017" above two columns) is no header.
        return before == best.mode
          || (before >= 1 && (line.allCounts[best.delimiter] ?? 0) == (fullMode ?? .max))
      }) ?? complete.first(where: { !$0.blank && ($0.counts[best.delimiter] ?? 0) >= best.mode })
    {
      return first.line
    }
    return complete.first(where: { !$0.blank })?.line ?? 1
  }

  /// Whether `line` has non-blank lines above it and reads like data (`isData`) against the
  /// records below it: taken for the header, it would be a record neither loaded nor rejected.
  static func readsAsRecord(_ complete: [LogicalLine], text: [UInt8], line: Int, delimiter: UInt8, quote: UInt8)
    -> Bool
  {
    guard let index = complete.firstIndex(where: { $0.line == line }),
      complete[..<index].contains(where: { !$0.blank })
    else { return false }
    let body = complete[index...].filter { !$0.blank }.prefix(21).map {
      fields(of: $0, in: text, delimiter: delimiter, quote: quote)
    }
    guard let candidate = body.first else { return false }
    return isData(candidate, body: Array(body.dropFirst()))
  }

  /// The line above `headerLine`, a record (`readsAsRecord`), when it names exactly the
  /// table's `width` columns once its empty names are left out ("Qty,,PRODUCTID": a delimiter
  /// too many, as a hand-edited header has). Nil otherwise. Why: the wider header line was
  /// skipped as a title line and the first record taken for the header, so that record was
  /// neither loaded nor rejected (Pollock's `row_more_sep_row0_*`).
  static func headerWithEmptyNames(
    _ complete: [LogicalLine], text: [UInt8], headerLine: Int, width: Int, delimiter: UInt8, quote: UInt8
  ) -> Int? {
    guard width > 1, let (line, names) = namesAbove(complete, text: text, headerLine: headerLine, delimiter, quote)
    else { return nil }
    let named = names.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    guard names.count > width, named.count == width, !isData(names, body: []) else { return nil }
    return line
  }

  /// The first non-blank line above `headerLine`, and its fields.
  static func namesAbove(
    _ complete: [LogicalLine], text: [UInt8], headerLine: Int, _ delimiter: UInt8, _ quote: UInt8
  ) -> (line: Int, names: [String])? {
    guard let index = complete.firstIndex(where: { $0.line == headerLine }),
      let above = complete[..<index].last(where: { !$0.blank })
    else { return nil }
    return (above.line, fields(of: above, in: text, delimiter: delimiter, quote: quote))
  }

  /// The line `line` has, in every column, the shape most of the 20 lines below have there,
  /// and one of them is a date or a number: it reads like a record where `readsAsRecord`
  /// (numbers only) cannot tell ("K-0","Haddad","Amina","10.04.1990").
  static func shapedLikeRecords(_ complete: [LogicalLine], text: [UInt8], line: Int, delimiter: UInt8, quote: UInt8)
    -> Bool
  {
    guard let index = complete.firstIndex(where: { $0.line == line }) else { return false }
    let lines = complete[index...].filter { !$0.blank }.prefix(21).map {
      fields(of: $0, in: text, delimiter: delimiter, quote: quote).map(ColumnProfile.shape)
    }
    guard let candidate = lines.first, lines.count > 2 else { return false }
    let body = lines.dropFirst().filter { $0.count == candidate.count }
    guard 2 * body.count > lines.count - 1 else { return false }
    var typed = false
    for (c, shape) in candidate.enumerated() {
      var counts: [ColumnProfile.Shape: Int] = [:]
      for row in body { counts[row[c], default: 0] += 1 }
      guard let common = counts.max(by: { $0.value < $1.value })?.key, common == shape else { return false }
      if [.integer, .decimal, .date, .time].contains(shape) { typed = true }
    }
    return typed
  }

  /// The line above the one taken for the header, and how many names it has beyond the rows'
  /// width, where it names more columns than any row fills: every name given and different,
  /// none reading like the records (a form's columns left for someone to fill: MTurk exports
  /// end in "Approve","Reject" that no row reaches). Nil otherwise. Why: the file was taken
  /// for headerless, its names rejected as a ragged row, and the columns named by position.
  static func headerWiderThanRows(
    _ complete: [LogicalLine], text: [UInt8], headerLine: Int, width: Int, delimiter: UInt8, quote: UInt8
  ) -> (line: Int, unfilled: Int)? {
    guard width > 1, let (line, written) = namesAbove(complete, text: text, headerLine: headerLine, delimiter, quote)
    else { return nil }
    let names = written.map { $0.trimmingCharacters(in: .whitespaces) }
    guard names.count > width, !names.contains(where: \.isEmpty), Set(names).count == names.count,
      !isData(names, body: [])
    else { return nil }
    return (line, names.count - width)
  }

  /// The first line's names read as written, and the byte that splits them, where the line
  /// cannot be read as the records are and, so split, names exactly the table's `width`
  /// columns without reading like the records below it. Nil otherwise. Two ways a header line
  /// breaks: its quotes do not pair (a stray quote: `"DATE,TIME,…` or `…,"URL","Comments`),
  /// split at the delimiter; or it is written with another delimiter than the rows (`DATE TIME
  /// Qty` above comma rows), split at that one. Why: such a line could not be read, the file
  /// was taken for headerless and the line rejected, and the names a steward maps by were lost
  /// (Pollock's `row_extra_quote0_*`, `row_field_delimiter_0_*`).
  static func literalHeader(
    _ first: LogicalLine, text: [UInt8], width: Int, delimiter: UInt8, quote: UInt8, body: [[String]]
  ) -> (names: [String], delimiter: UInt8)? {
    guard width > 1 else { return nil }
    var end = first.start
    while end < text.count && text[end] != 10 && text[end] != 13 { end += 1 }
    let bytes = text[first.start..<end]
    let line = String(decoding: bytes, as: UTF8.self)
    let splitters: [UInt8]
    if bytes.contains(delimiter) {
      guard !quotesPair(line, delimiter: delimiter, quote: quote) else { return nil }
      splitters = [delimiter]
    } else {
      splitters = (candidates + [UInt8(ascii: " ")]).filter { $0 != delimiter && bytes.contains($0) }
    }
    for splitter in splitters {
      let names = literalNames(line, delimiter: splitter, quote: quote)
      if names.count == width && !names.contains(where: \.isEmpty) && !isData(names, body: body) {
        return (names, splitter)
      }
    }
    return nil
  }

  /// Whether the line below `headerLine` is a second header row: the header line has empty
  /// cells (a group row, as Excel writes merged cells: "Person;;;Maßnahme;;"), and the line
  /// below is as wide, differs from it, has a name in every cell the header leaves empty, and
  /// a name (not a number or a date) in every column where the records below it have numbers
  /// or dates. Why: the names' row was
  /// loaded as a record (a person "Nachname Vorname" born "Geburtsdatum"), and the columns
  /// were named "Column_2", "Column_3".
  static func secondHeaderRow(
    _ complete: [LogicalLine], text: [UInt8], headerLine: Int, delimiter: UInt8, quote: UInt8
  ) -> Bool {
    guard let index = complete.firstIndex(where: { $0.line == headerLine }) else { return false }
    let header = fields(of: complete[index], in: text, delimiter: delimiter, quote: quote).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    let below = complete[(index + 1)...].filter { !$0.blank }.prefix(21).map {
      fields(of: $0, in: text, delimiter: delimiter, quote: quote).map { $0.trimmingCharacters(in: .whitespaces) }
    }
    guard header.count > 1, header.contains(where: \.isEmpty), header.contains(where: { !$0.isEmpty }),
      let names = below.first, names.count == header.count, names != header,
      names.indices.allSatisfy({ !header[$0].isEmpty || !names[$0].isEmpty })
    else { return false }
    let records = below.dropFirst().filter { $0.count == names.count }
    guard records.count >= 2 else { return false }
    // Every column whose records hold numbers or dates, the line names (a record would hold
    // one there, or leave it empty).
    var typedColumns = 0
    for c in names.indices {
      let column = records.map { $0[c] }.filter { !$0.isEmpty }
      guard !column.isEmpty, 5 * column.filter(isTyped).count >= 4 * column.count else { continue }
      // A year names a column of other figures ("Kosten" over "2024", "2025").
      let yearName = isYear(names[c]) && !column.allSatisfy(isYear)
      if names[c].isEmpty || (isTyped(names[c]) && !yearName) { return false }
      typedColumns += 1
    }
    return typedColumns > 0
  }

  /// A number or a date as an export writes it ("12", "1.306,42", "30.09.1987", "1987-09-30",
  /// "9/30/1987").
  static func isTyped(_ value: String) -> Bool {
    if isNumber(value) { return true }
    let parts = value.split(whereSeparator: { $0 == "." || $0 == "-" || $0 == "/" })
    return parts.count == 3 && value.count <= 10
      && parts.allSatisfy { !$0.isEmpty && $0.count <= 4 && $0.allSatisfy { $0.isASCII && $0.isNumber } }
  }

  /// A two-row header's names: each column's group (carried on over the empty cells a merged
  /// cell leaves) and its name, joined by a space.
  ///
  /// ```swift
  /// CSVDialect.joinedNames(["Person", "", "Maßnahme", ""], ["Name", "Vorname", "Programm", "Beginn"])
  /// // ["Person Name", "Person Vorname", "Maßnahme Programm", "Maßnahme Beginn"]
  /// ```
  static func joinedNames(_ groups: [String], _ names: [String]) -> [String] {
    var group = ""
    return names.indices.map { c in
      let g = c < groups.count ? groups[c].trimmingCharacters(in: .whitespaces) : ""
      if !g.isEmpty { group = g }
      let name = names[c].trimmingCharacters(in: .whitespaces)
      return group.isEmpty ? name : name.isEmpty ? group : group + " " + name
    }
  }

  /// Whether every field of `line` that opens with `quote` closes with it, right before a
  /// delimiter or the line's end (a doubled quote is one quote inside).
  static func quotesPair(_ line: String, delimiter: UInt8, quote: UInt8) -> Bool {
    let bytes = Array(line.utf8)
    var i = 0
    while i <= bytes.count {
      // At a field's start.
      if i < bytes.count && bytes[i] == quote {
        var j = i + 1
        while true {
          guard j < bytes.count else { return false }
          if bytes[j] == quote {
            if j + 1 < bytes.count && bytes[j + 1] == quote {
              j += 2
              continue
            }
            break
          }
          j += 1
        }
        // After the closing quote: a delimiter or the end.
        if j + 1 < bytes.count && bytes[j + 1] != delimiter { return false }
        i = j + 2
      } else {
        while i < bytes.count && bytes[i] != delimiter { i += 1 }
        i += 1
      }
    }
    return true
  }

  /// `line` split at every delimiter, quotes as text: each name trimmed, and a name wrapped in
  /// quotes unwrapped (its doubled quotes one).
  ///
  /// ```swift
  /// CSVDialect.literalNames(#""DATE,TIME,"URL",""Comments""#, delimiter: 44, quote: 34)
  /// // ["\"DATE", "TIME", "URL", "\"Comments"]
  /// ```
  static func literalNames(_ line: String, delimiter: UInt8, quote: UInt8) -> [String] {
    let q = Character(UnicodeScalar(quote))
    return line.split(separator: Character(UnicodeScalar(delimiter)), omittingEmptySubsequences: false).map {
      var name = $0.trimmingCharacters(in: .whitespaces)
      if name.count >= 2 && name.first == q && name.last == q {
        name = String(name.dropFirst().dropLast())
        name = name.replacingOccurrences(of: String([q, q]), with: String(q))
      }
      return name
    }
  }

  /// Whether a would-be header holds data: it has a number in every column where the records
  /// below it (`body`) have numbers, at least one such column, and its numbers are not all
  /// years where the records' are not (a header "Region;2015;2016" above yearly figures). A
  /// first line of numbers alone, with no records to compare, is data too.
  static func isData(_ fields: [String], body: [[String]] = []) -> Bool {
    let values = fields.map { $0.trimmingCharacters(in: .whitespaces) }
    guard values.contains(where: { !$0.isEmpty }) else { return false }
    let rows = body.filter { $0.count == values.count }
    guard !rows.isEmpty else {
      let filled = values.filter { !$0.isEmpty }
      return filled.allSatisfy(isNumber) && !filled.allSatisfy(isYear)
    }
    var numericColumns = 0
    var yearsOnly = true
    for (c, value) in values.enumerated() {
      let column = rows.map { $0[c].trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
      guard !column.isEmpty, 2 * column.filter(isNumber).count > column.count else { continue }
      numericColumns += 1
      guard isNumber(value) else { return false }
      if !isYear(value) || column.allSatisfy(isYear) { yearsOnly = false }
    }
    return numericColumns > 0 && !yearsOnly
  }

  /// "2024": a year a header may name a column of figures by.
  static func isYear(_ value: String) -> Bool {
    value.count == 4 && Int(value).map { (1900...2100).contains($0) } == true
  }

  /// "0.01", "-3", "1,5", "2e-4", "12%": a number as a CSV cell writes it.
  static func isNumber(_ value: String) -> Bool {
    var v = Substring(value)
    if v.hasSuffix("%") { v = v.dropLast() }
    if v.first == "-" || v.first == "+" { v = v.dropFirst() }
    guard let first = v.first, first.isASCII, first.isNumber || first == "." else { return false }
    var separators = 0
    var exponent = false
    var previous: Character = " "
    for c in v {
      if c.isASCII && c.isNumber {
        // a digit
      } else if (c == "." || c == ",") && !exponent {
        separators += 1
      } else if (c == "e" || c == "E") && !exponent {
        exponent = true
      } else if !((c == "-" || c == "+") && (previous == "e" || previous == "E")) {
        return false
      }
      previous = c
    }
    return separators <= 1 && previous.isASCII && previous.isNumber
  }
}
