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

  /// How many of `fields` do not fit what their column held in the profiled rows.
  func misfits(_ fields: [String]) -> Int {
    var n = 0
    for (i, f) in fields.enumerated() where !fits(Self.shape(f), column: i) { n += 1 }
    return n
  }

  private func fits(_ shape: Shape, column: Int) -> Bool {
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
  static func shape(_ raw: String) -> Shape {
    let value = raw.trimmingCharacters(in: .whitespaces)
    var letters = 0
    var digits = 0
    var separators: [Unicode.Scalar] = []
    var amount = true
    for s in value.unicodeScalars {
      switch s {
      case "0"..."9": digits += 1
      case " ": continue
      case ".", ",", "/", "-", ":", "'", "+": separators.append(s)
      case "$", "€", "£", "%": continue
      default:
        if s.properties.isAlphabetic { letters += 1 } else { amount = false }
      }
    }
    if letters > 0 { return .text }
    if value.isEmpty { return .empty }
    if digits == 0 { return .placeholder }
    guard amount else { return .symbol }
    let signed = value.first == "-" || value.first == "+"
    let marks = signed ? Array(separators.dropFirst()) : separators
    if marks.isEmpty { return value.contains(where: { "$€£%".contains($0) }) ? .decimal : .integer }
    if !signed && marks.count <= 2 && marks.allSatisfy({ $0 == ":" }) { return .time }
    if !signed && marks.count == 2 && marks[0] == marks[1] && "/-.".unicodeScalars.contains(marks[0]) {
      let parts = value.split(whereSeparator: { "/-.".contains($0) })
      if parts.count == 3 && parts.allSatisfy({ (1...4).contains($0.count) }) { return .date }
    }
    return marks.allSatisfy({ $0 == "." || $0 == "," || $0 == "'" }) ? .decimal : .symbol
  }
}

extension CSVReader {
  /// `fields` read with the header's width the one way the profiled columns allow, and what was
  /// done; nil when no way, or more than one, fits clearly best.
  static func repaired(
    _ fields: [String], width: Int, profile: ColumnProfile, header: [String], delimiter: String
  ) -> (fields: [String], note: String)? {
    let extra = fields.count - width
    guard profile.seen > 0, width > 0, (1...3).contains(extra) else { return nil }
    var candidates: [(fields: [String], note: String)] = []
    // The extra empty fields dropped, in every choice of them (a bounded number).
    let empties = fields.indices.filter { fields[$0].unicodeScalars.allSatisfy(\.properties.isWhitespace) }
    var choice: [Int] = []
    func choose(from start: Int) {
      guard candidates.count < 200 else { return }
      if choice.count == extra {
        let dropped = Set(choice)
        let kept = fields.indices.filter { !dropped.contains($0) }.map { fields[$0] }
        let places = choice.map { i in i == 0 ? "before '\(header[0])'" : "after '\(header[min(i, width) - 1])'" }
        let what =
          extra == 1
          ? "a delimiter too many: the empty field \(places[0]) was dropped"
          : "\(extra) delimiters too many: the empty fields \(places.joined(separator: ", ")) were dropped"
        candidates.append((kept, what))
        return
      }
      guard start < empties.count else { return }
      for k in start..<empties.count {
        choice.append(empties[k])
        choose(from: k + 1)
        choice.removeLast()
      }
    }
    choose(from: 0)
    // One delimiter typed into a value: its two parts joined again.
    if extra == 1 {
      for i in 0..<width where !empties.contains(i) && !empties.contains(i + 1) {
        var joined = Array(fields[..<i])
        joined.append(fields[i] + delimiter + fields[i + 1])
        joined.append(contentsOf: fields[(i + 2)...])
        candidates.append(
          (joined, "a delimiter inside a value that was not quoted: its parts joined in '\(header[i])'"))
      }
    }
    // Distinct results, each with its misfits; the best must be alone and clearly best.
    var scored: [(fields: [String], note: String, misfits: Int)] = []
    for c in candidates where !scored.contains(where: { $0.fields == c.fields }) {
      scored.append((c.fields, c.note, profile.misfits(c.fields)))
    }
    scored.sort { $0.misfits < $1.misfits }
    guard let best = scored.first else { return nil }
    let second = scored.count > 1 ? scored[1].misfits : Int.max
    let clear = best.misfits == 0 ? second >= 1 : best.misfits == 1 && second >= 3
    return clear ? (best.fields, best.note) : nil
  }
}
