import Foundation

/// A row with a delimiter too many, read the one way its columns allow.
///
/// A doubled delimiter (`9;;CC-9259`, a trailing `;` once the rows have the header's width) or
/// a delimiter typed into a value that was not quoted (`Termin verschoben; neu am 12.03.`)
/// makes a row wider than its header. Which field is the stray one is not known from the row
/// alone; what the rows above say of each column is evidence: a date column that was never
/// empty cannot take the empty field, a text cannot stand in a number's column. The reader
/// tries every way to drop the extra empty fields (and, for one extra field, to join two
/// neighbours back into one value) and takes the one whose values fit their columns, where
/// exactly one does clearly better than every other. Otherwise the row stays a reject, as it
/// was. A repaired row carries what was done (`CSVRow.repair`); the mapper flags it
/// (`QualityRule.delimiterRepaired`, a severity a steward can raise to reject).
struct ColumnProfile: Sendable {
  /// What a value looks like, without what it says.
  enum Shape: Int, CaseIterable {
    case empty, integer, decimal, date, time, text, symbol
    /// Punctuation alone ("-", "--", "?"): a text column's way of saying "no value".
    case placeholder
  }

  /// Rows of the header's width taken into the profile: the first ones of the body.
  static let rows = 256

  private(set) var seen = 0
  /// counts[column * shapes + shape]
  private var counts: [Int32] = []
  private var width = 0

  mutating func add(_ fields: [String]) {
    if width == 0 {
      width = fields.count
      counts = [Int32](repeating: 0, count: width * Shape.allCases.count)
    }
    guard fields.count == width else { return }
    seen += 1
    for (i, f) in fields.enumerated() { counts[i * Shape.allCases.count + Self.shape(f).rawValue] += 1 }
  }

  func fits(_ shape: Shape, column: Int) -> Bool {
    let base = column * Shape.allCases.count
    if counts[base + shape.rawValue] > 0 { return true }
    switch shape {
    // A whole number in a column of amounts is an amount ("72" among "48.00").
    case .integer: return counts[base + Shape.decimal.rawValue] > 0
    // "-" for a name nobody knows, in a column of names.
    case .placeholder: return counts[base + Shape.text.rawValue] > 0
    default: return false
    }
  }

  /// The shape of one value: empty, a number, a date, a time, a text (it has letters),
  /// punctuation alone, or symbols and digits in no form of those.
  static func shape(_ value: String) -> Shape {
    // Most values are ASCII: a letter makes a text, and no letter or digit an empty value or
    // a placeholder, without looking at characters (a tenth of the cost).
    var asciiLetters = 0
    var asciiDigits = 0
    var nonASCII = false
    var punctuation = false
    for b in value.utf8 {
      switch b {
      case 0x30...0x39: asciiDigits += 1
      case 0x41...0x5A, 0x61...0x7A: asciiLetters += 1
      case 0x20, 0x09: continue
      case 0x80...: nonASCII = true
      default: punctuation = true
      }
    }
    if !nonASCII {
      if asciiLetters > 0 { return .text }
      if asciiDigits == 0 { return punctuation ? .placeholder : .empty }
    }
    return numberShape(value)
  }

  /// The shape of a value with digits and no ASCII letter, or with characters beyond ASCII.
  private static func numberShape(_ value: String) -> Shape {
    var letters = 0
    var digits = 0
    var separators: [Unicode.Scalar] = []
    var amount = true
    for s in value.unicodeScalars {
      switch s {
      case "0"..."9": digits += 1
      case " ", "\t": continue
      case ".", ",", "/", "-", ":", "'", "+": separators.append(s)
      case "$", "€", "£", "%": continue
      default:
        if s.properties.isAlphabetic { letters += 1 } else { amount = false }
      }
    }
    if letters > 0 { return .text }
    if digits == 0 {
      return separators.isEmpty && amount && !value.contains(where: { "$€£%".contains($0) }) ? .empty : .placeholder
    }
    guard amount else { return .symbol }
    let lead = value.unicodeScalars.first { $0 != " " && $0 != "\t" }
    let signed = lead == "-" || lead == "+"
    let marks = signed ? Array(separators.dropFirst()) : separators
    if marks.isEmpty { return value.unicodeScalars.contains(where: isCurrency) ? .decimal : .integer }
    if !signed && marks.count <= 2 && marks.allSatisfy({ $0 == ":" }) { return .time }
    if !signed && marks.count == 2 && marks[0] == marks[1] && "/-.".unicodeScalars.contains(marks[0]) {
      let parts = value.utf8.split(whereSeparator: { $0 == 0x2F || $0 == 0x2D || $0 == 0x2E })
      if parts.count == 3 && parts.allSatisfy({ (1...4).contains($0.count) }) { return .date }
    }
    return marks.allSatisfy({ $0 == "." || $0 == "," || $0 == "'" }) ? .decimal : .symbol
  }
}

extension ColumnProfile {
  fileprivate static func isCurrency(_ s: Unicode.Scalar) -> Bool { s == "$" || s == "€" || s == "£" || s == "%" }
}

extension CSVReader {
  /// One way to give a row the header's width: fields dropped (empty ones), or a field joined
  /// with the next.
  private struct Choice {
    var dropped: [Int] = []
    var joined: Int?
    var misfits = 0
    /// The misfits as (field, column) keys, to find those every way shares.
    var misfitKeys: Set<Int> = []
  }

  /// `fields` read with the header's width the one way the profiled columns allow, and what was
  /// done; nil when no way, or more than one, fits clearly best. Each field's shape is taken
  /// once and every way is scored on the shapes, so a file of many such rows stays fast.
  static func repaired(
    _ fields: [String], width: Int, profile: ColumnProfile, header: [String], delimiter: String
  ) -> (fields: [String], note: String)? {
    let extra = fields.count - width
    guard profile.seen > 0, width > 0, (1...3).contains(extra) else { return nil }
    let shapes = fields.map(ColumnProfile.shape)
    var choices: [Choice] = []
    // The extra empty fields dropped, in every choice of them (at most 200 choices).
    let empties = fields.indices.filter { shapes[$0] == .empty }
    var picked: [Int] = []
    func choose(from start: Int) {
      if picked.count == extra {
        choices.append(Choice(dropped: picked))
        return
      }
      var k = start
      while k < empties.count && choices.count < 200 {
        picked.append(empties[k])
        choose(from: k + 1)
        picked.removeLast()
        k += 1
      }
    }
    choose(from: 0)
    // One delimiter typed into a value: its two parts joined again.
    if extra == 1 {
      for i in 0..<width where shapes[i] != .empty && shapes[i + 1] != .empty { choices.append(Choice(joined: i)) }
    }
    // A misfit is keyed by the field and the column it would stand in (a joined value by -1 - j).
    let columns = width + 1
    for c in choices.indices {
      var keys: Set<Int> = []
      if let j = choices[c].joined {
        for i in 0..<j where !profile.fits(shapes[i], column: i) { keys.insert(i * columns + i) }
        if !profile.fits(ColumnProfile.shape(fields[j] + delimiter + fields[j + 1]), column: j) {
          keys.insert(-1 - j)
        }
        for i in (j + 2)..<fields.count where !profile.fits(shapes[i], column: i - 1) {
          keys.insert(i * columns + i - 1)
        }
      } else {
        var column = 0
        for i in fields.indices {
          if choices[c].dropped.contains(i) { continue }
          if !profile.fits(shapes[i], column: column) { keys.insert(i * columns + column) }
          column += 1
        }
      }
      choices[c].misfits = keys.count
      choices[c].misfitKeys = keys
    }
    func result(_ c: Choice) -> [String] {
      if let j = c.joined {
        return Array(fields[..<j]) + [fields[j] + delimiter + fields[j + 1]] + Array(fields[(j + 2)...])
      }
      return fields.indices.filter { !c.dropped.contains($0) }.map { fields[$0] }
    }
    // The best must be alone (another way to the same fields is no rival) and clearly better
    // than each rival where the two place values differently: no misfit there and the rival one
    // at least, or one misfit there and the rival three. A misfit both share (an empty given
    // name of a one-name person, in a column that was never empty, read so either way) says
    // nothing about which way is right. The best may misfit once in all, not more.
    let ranked = choices.sorted { $0.misfits < $1.misfits }
    guard let best = ranked.first, best.misfits <= 1 else { return nil }
    let read = result(best)
    for rival in ranked.dropFirst() where rival.misfits > best.misfits || result(rival) != read {
      let own = best.misfitKeys.subtracting(rival.misfitKeys).count
      let theirs = rival.misfitKeys.subtracting(best.misfitKeys).count
      guard own == 0 ? theirs >= 1 : theirs >= 3 else { return nil }
    }
    if let j = best.joined {
      return (read, "a delimiter inside a value that was not quoted: its parts joined in '\(header[j])'")
    }
    let places = best.dropped.map { i in i == 0 ? "before '\(header[0])'" : "after '\(header[min(i, width) - 1])'" }
    return (
      read,
      extra == 1
        ? "a delimiter too many: the empty field \(places[0]) was dropped"
        : "\(extra) delimiters too many: the empty fields \(places.joined(separator: ", ")) were dropped"
    )
  }
}
