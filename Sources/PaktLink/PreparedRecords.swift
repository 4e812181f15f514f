import Dispatch
import PaktCore

/// The values of one field for every record, prepared once for fast comparison.
struct PreparedField: Sendable {
  let kind: LinkageConfig.Kind
  /// Folded value bytes (nil: missing).
  var values: [[UInt8]?]
  /// Name fields: transliteration-aware key; other kinds: empty.
  var translit: [[UInt8]?] = []
  /// Name fields: Kölner Phonetik code.
  var phonetic: [[UInt8]?] = []
  /// Name fields with a swap partner: transliteration key of both names, order ignored.
  var nameset: [[UInt8]?] = []
  /// Date fields: the parsed date.
  var dates: [PartialDate?] = []
  /// Term frequency of each record's value (share of records holding it).
  var frequency: [Double] = []
}

/// Records prepared for linking: every configured field, folded, keyed and counted.
struct PreparedRecords: Sendable {
  let count: Int
  var fields: [PreparedField]

  /// `columns[f][r]` is the raw text of field `f` for record `r` (nil or empty: missing).
  /// Fields are prepared on all cores.
  init(columns: [[String?]], config: LinkageConfig) {
    let count = columns.first?.count ?? 0
    self.count = count
    var fields = [PreparedField?](repeating: nil, count: config.fields.count)
    fields.withUnsafeMutableBufferPointer { out in
      // Each field writes only its own slot.
      nonisolated(unsafe) let target = out
      DispatchQueue.concurrentPerform(iterations: config.fields.count) { f in
        target[f] = Self.prepare(columns[f], config.fields[f], count: count)
      }
    }
    var prepared = fields.map { $0! }
    // Both names as one set of words, from the names' own keys: the same words NameKey gives
    // the two names together, sorted, without folding every record's names a second time.
    let namesets = config.fields.indices.map { f -> [[UInt8]?] in
      guard config.fields[f].kind == .name, let partner = config.fields[f].swapWith,
        let p = config.fields.firstIndex(where: { $0.name == partner })
      else { return [] }
      let pairs = (0..<count).map { KeyPair(a: prepared[f].translit[$0], b: prepared[p].translit[$0]) }
      return Self.perDistinctKey(pairs) { Self.wordSet($0.a, $0.b) }
    }
    for f in prepared.indices { prepared[f].nameset = namesets[f] }
    self.fields = prepared
  }

  static func prepare(_ raw: [String?], _ spec: LinkageConfig.Field, count: Int) -> PreparedField {
    var field = PreparedField(kind: spec.kind, values: [])
    field.values = Self.perDistinct(raw) { text -> [UInt8]? in
      let folded: String
      switch spec.kind {
      case .identifier, .postcode: folded = String(text.uppercased().filter { $0.isLetter || $0.isNumber })
      default: folded = TextFold.fold(text)
      }
      return folded.isEmpty ? nil : Array(folded.utf8)
    }
    if spec.kind == .name {
      field.translit = Self.perDistinct(raw) { text in
        let key = NameKey.make(family: text, given: nil)
        return key.isEmpty ? nil : Array(key.utf8)
      }
      field.phonetic = Self.perDistinct(raw) { text in
        let code = ColognePhonetics.code(text)
        return code.isEmpty ? nil : Array(code.utf8)
      }
    }
    if spec.kind == .date {
      field.dates = Self.perDistinct(raw, LinkDates.parse)
    }
    if spec.termFrequency {
      var counts: [[UInt8]: Int] = [:]
      for v in field.values { if let v { counts[v, default: 0] += 1 } }
      let n = Double(max(1, count))
      field.frequency = field.values.map { v in v.map { Double(counts[$0] ?? 1) / n } ?? 0 }
    }
    return field
  }

  /// The words of two space-separated keys, sorted, as one key (nil when both are empty).
  static func wordSet(_ a: [UInt8]?, _ b: [UInt8]?) -> [UInt8]? {
    var words: [ArraySlice<UInt8>] = []
    if let a { words += a.split(separator: 0x20) }
    if let b { words += b.split(separator: 0x20) }
    if words.isEmpty { return nil }
    words.sort { $0.lexicographicallyPrecedes($1) }
    return Array(words.joined(separator: [0x20]))
  }

  struct KeyPair: Hashable {
    var a: [UInt8]?
    var b: [UInt8]?
  }

  /// `transform` of each text, computed once per distinct text. Why: names and dates repeat
  /// heavily, and building their keys record by record was a third of linking 327,124 person
  /// records (perf), all of it on one core.
  static func perDistinctKey<K: Hashable, T>(_ keys: [K], _ transform: (K) -> T?) -> [T?] {
    var cache: [K: T?] = [:]
    return keys.map { key -> T? in
      if let hit = cache[key] { return hit }
      let value = transform(key)
      cache[key] = value
      return value
    }
  }

  /// The same for texts, missing ones giving nil.
  static func perDistinct<T>(_ raw: [String?], _ transform: (String) -> T?) -> [T?] {
    perDistinctKey(raw) { $0.flatMap(transform) }
  }
}

/// Dates as person files write them, with the placeholders linking must recognise.
enum LinkDates {
  /// "19720812", "1972-08-12", "12.08.1972", "1972"; 01.01.YYYY and 00.00.YYYY → year only.
  static func parse(_ text: String) -> PartialDate? {
    let digits = text.filter(\.isNumber)
    var y: Int?
    var m: Int?
    var d: Int?
    if text.contains(".") || text.contains("/") {
      let parts = text.split(whereSeparator: { $0 == "." || $0 == "/" || $0 == "-" }).compactMap { Int($0) }
      if parts.count == 3 { (d, m, y) = (parts[0], parts[1], parts[2]) }
    } else if digits.count == 8 {
      (y, m, d) = (Int(digits.prefix(4)), Int(digits.dropFirst(4).prefix(2)), Int(digits.suffix(2)))
    } else if digits.count == 4 {
      y = Int(digits)
    }
    guard let year = y, (1850...2100).contains(year) else { return nil }
    guard let month = m, let day = d, (1...12).contains(month), (1...31).contains(day) else {
      return PartialDate(year: year, placeholder: m == 0 || d == 0)
    }
    if month == 1 && day == 1 { return PartialDate(year: year, placeholder: true) }
    return PartialDate(year: year, month: month, day: day)
  }
}
