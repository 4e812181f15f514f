import PaktCore

/// Compares two prepared records field by field; each field gives a level (0 = a value is
/// missing, then 1 = best agreement … last = disagreement), as listed in `Kind.levels`.
struct Comparator: Sendable {
  let records: PreparedRecords
  let config: LinkageConfig
  /// For each field, the index of the field it may be swapped with.
  let swapPartner: [Int?]
  /// Each field's values as numbers, one numbering for all fields (-1: missing), and the
  /// same for name fields' transliteration keys: most comparisons end at an equal or unequal
  /// number. Why: comparing byte arrays and copying each field's arrays for every pair was
  /// most of linking 327,000 records (perf).
  let valueIDs: [[Int32]]
  let translitIDs: [[Int32]]
  let kinds: [LinkageConfig.Kind]
  let dates: [[PartialDate?]]
  /// The bytes of every numbered value, one after the other: value `n` is
  /// `text[textStart[n]..<textStart[n + 1]]`. Why: reading them from the records' arrays
  /// retained and released an array per comparison (perf).
  let text: [UInt8]
  let textStart: [Int]

  init(records: PreparedRecords, config: LinkageConfig) {
    self.records = records
    self.config = config
    swapPartner = config.fields.map { f in f.swapWith.flatMap { s in config.fields.firstIndex { $0.name == s } } }
    var numbers: [[UInt8]: Int32] = [:]
    var text: [UInt8] = []
    var textStart = [0]
    func number(_ bytes: [UInt8]?) -> Int32 {
      guard let bytes else { return -1 }
      if let n = numbers[bytes] { return n }
      let n = Int32(numbers.count)
      numbers[bytes] = n
      text += bytes
      textStart.append(text.count)
      return n
    }
    valueIDs = records.fields.map { $0.values.map(number) }
    self.text = text
    self.textStart = textStart
    var keys: [[UInt8]: Int32] = [:]
    translitIDs = records.fields.map { field in
      field.translit.map { key -> Int32 in
        guard let key else { return -1 }
        if let n = keys[key] { return n }
        let n = Int32(keys.count)
        keys[key] = n
        return n
      }
    }
    kinds = records.fields.map(\.kind)
    dates = records.fields.map(\.dates)
  }

  /// The level vector of a pair, 4 bits per field (at most 16 fields).
  @inline(__always)
  func compare(_ a: Int, _ b: Int) -> UInt64 {
    var pattern: UInt64 = 0
    for f in 0..<kinds.count {
      pattern |= UInt64(level(f, a, b)) << (4 * UInt64(f))
    }
    return pattern
  }

  func level(_ f: Int, _ a: Int, _ b: Int) -> UInt8 {
    let kind = kinds[f]
    if kind == .date {
      guard let x = dates[f][a], let y = dates[f][b] else { return 0 }
      return dateLevel(x, y)
    }
    let ia = valueIDs[f][a]
    let ib = valueIDs[f][b]
    if ia < 0 || ib < 0 { return 0 }
    if ia == ib { return 1 }
    switch kind {
    case .name:
      let ta = translitIDs[f].isEmpty ? -1 : translitIDs[f][a]
      if ta >= 0 && ta == translitIDs[f][b] { return 2 }
      if let partner = swapPartner[f], valueIDs[partner][a] == ib, valueIDs[partner][b] == ia { return 3 }
    case .category:
      return 2
    default:
      break
    }
    // Unequal values: compared as text.
    return text.withUnsafeBufferPointer { all in
      let x = UnsafeBufferPointer(rebasing: all[textStart[Int(ia)]..<textStart[Int(ia) + 1]])
      let y = UnsafeBufferPointer(rebasing: all[textStart[Int(ib)]..<textStart[Int(ib) + 1]])
      switch kind {
      case .name:
        let jw = StringMetrics.jaroWinkler(x, y)
        if jw >= 0.92 { return 4 }
        if jw >= 0.80 { return 5 }
        return 6
      case .identifier:
        if StringMetrics.isTransposition(x, y) || StringMetrics.withinOneEdit(x, y) { return 2 }
        return 3
      case .postcode:
        if StringMetrics.withinOneEdit(x, y) { return 2 }
        return 3
      case .text:
        let jw = StringMetrics.jaroWinkler(x, y)
        if jw >= 0.90 { return 2 }
        if jw >= 0.70 { return 3 }
        return 4
      case .category, .date:
        return 2
      }
    }
  }

  func dateLevel(_ x: PartialDate, _ y: PartialDate) -> UInt8 {
    let fullX = x.precision == .day
    let fullY = y.precision == .day
    if fullX && fullY {
      if x == y { return 1 }
      if x.year == y.year && x.month == y.day && x.day == y.month { return 3 }
      if Self.oneTypo(x, y) { return 4 }
      if abs(x.year - y.year) == 1 && x.month == y.month && x.day == y.day { return 5 }
      return 6
    }
    // A placeholder or a year-only date: only the year carries information.
    if x.year == y.year { return 2 }
    if abs(x.year - y.year) == 1 { return 5 }
    return 6
  }

  /// One digit of the written date (YYYYMMDD) wrong, or two neighbouring digits swapped.
  ///
  /// On the digits themselves: building the ISO text of both dates for an edit distance was
  /// 40% of linking 327,000 records (perf). Both dates have eight digits, so one edit is one
  /// differing position (an insertion always comes with a deletion).
  static func oneTypo(_ x: PartialDate, _ y: PartialDate) -> Bool {
    var a = x.year * 10_000 + (x.month ?? 0) * 100 + (x.day ?? 0)
    var b = y.year * 10_000 + (y.month ?? 0) * 100 + (y.day ?? 0)
    var first = (position: -1, a: 0, b: 0)
    var second = first
    var count = 0
    for position in 0..<8 {
      let da = a % 10
      let db = b % 10
      if da != db {
        count += 1
        if count == 1 {
          first = (position, da, db)
        } else if count == 2 {
          second = (position, da, db)
        } else {
          return false
        }
      }
      a /= 10
      b /= 10
    }
    if count <= 1 { return true }
    // Two differences: neighbouring digits swapped.
    return second.position == first.position + 1 && first.a == second.b && first.b == second.a
  }
}
