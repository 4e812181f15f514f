import PaktCore

/// Compares two prepared records field by field; each field gives a level (0 = a value is
/// missing, then 1 = best agreement … last = disagreement), as listed in `Kind.levels`.
///
/// ```swift
/// let comparator = Comparator(records: records, config: config)
/// let cache = Comparator.Cache()          // one per thread
/// let pattern = comparator.compare(3, 17, cache)   // 4 bits per field
/// ```
struct Comparator: Sendable {
  /// For each field, the index of the field it may be swapped with.
  let swapPartner: [Int?]
  let kinds: [LinkageConfig.Kind]
  /// Record by record, two numbers per field: the value's number (one numbering for all
  /// fields; dates as yyyymmdd, 0 for an unknown month or day) and, for names, the number of
  /// its transliteration key; -1 when missing. Why: most comparisons end at an equal or
  /// unequal number, and one record's numbers share a cache line; per-field arrays of byte
  /// arrays cost a cache miss and a retain per field and pair (perf).
  let rows: [Int32]
  let width: Int
  /// The bytes of every numbered value, one after the other: value `n` is
  /// `text[textStart[n]..<textStart[n + 1]]`.
  let text: [UInt8]
  let textStart: [Int]

  init(records: PreparedRecords, config: LinkageConfig) {
    swapPartner = config.fields.map { f in f.swapWith.flatMap { s in config.fields.firstIndex { $0.name == s } } }
    kinds = records.fields.map(\.kind)
    width = 2 * records.fields.count
    var numbers = ByteKeys()
    var text: [UInt8] = []
    var textStart = [0]
    var rows = [Int32](repeating: -1, count: records.count * width)
    for (f, field) in records.fields.enumerated() {
      if field.kind == .date {
        for r in 0..<records.count { rows[r * width + 2 * f] = field.dates[r] }
        continue
      }
      // One numbering for all fields, so that a swapped name is an equal number.
      let global = field.values.texts.map { bytes -> Int32 in
        let (n, isNew) = bytes.withUnsafeBytes { numbers.number($0) }
        if isNew {
          text += bytes
          textStart.append(text.count)
        }
        return Int32(n)
      }
      for r in 0..<records.count {
        let v = field.values.ids[r]
        if v >= 0 { rows[r * width + 2 * f] = global[Int(v)] }
        if !field.translit.isEmpty { rows[r * width + 2 * f + 1] = field.translit.ids[r] }
      }
    }
    self.rows = rows
    self.text = text
    self.textStart = textStart
  }

  /// A date as yyyymmdd, with 0 for a month or day that is not known.
  static func packed(_ d: PartialDate) -> Int {
    d.precision == .day ? d.year * 10_000 + d.month! * 100 + d.day! : d.year * 10_000
  }

  /// Levels of text comparisons already made, by the two values' numbers: most unequal names
  /// meet the same other names again and again. One per thread; a slot holds the last pair
  /// that fell into it.
  final class Cache {
    private var keys = [UInt64](repeating: .max, count: 1 << 16)
    private var levels = [UInt8](repeating: 0, count: 1 << 16)

    init() {}

    @inline(__always)
    func level(_ f: Int, _ x: Int32, _ y: Int32, _ compute: () -> UInt8) -> UInt8 {
      // Values numbered beyond 2^28 are simply not cached.
      guard x < 1 << 28, y < 1 << 28 else { return compute() }
      let key = UInt64(f) << 56 | UInt64(x) << 28 | UInt64(y)
      let slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 48)
      if keys[slot] == key { return levels[slot] }
      let l = compute()
      keys[slot] = key
      levels[slot] = l
      return l
    }
  }

  /// The level vector of a pair, 4 bits per field (at most 16 fields).
  @inline(__always)
  func compare(_ a: Int, _ b: Int, _ cache: Cache) -> UInt64 {
    rows.withUnsafeBufferPointer { rows in
      let ra = a * width
      let rb = b * width
      var pattern: UInt64 = 0
      for f in 0..<kinds.count {
        pattern |= UInt64(level(f, ra, rb, rows, cache)) << (4 * UInt64(f))
      }
      return pattern
    }
  }

  /// One field's level of records `a` and `b`, on its own (tests).
  func level(_ f: Int, _ a: Int, _ b: Int) -> UInt8 {
    rows.withUnsafeBufferPointer { level(f, a * width, b * width, $0, Cache()) }
  }

  /// One field's level of a pair, `ra` and `rb` being the records' offsets in `rows`.
  @inline(__always)
  func level(_ f: Int, _ ra: Int, _ rb: Int, _ rows: UnsafeBufferPointer<Int32>, _ cache: Cache) -> UInt8 {
    let ia = rows[ra + 2 * f]
    let ib = rows[rb + 2 * f]
    if ia < 0 || ib < 0 { return 0 }
    let kind = kinds[f]
    if kind == .date { return Self.dateLevel(Int(ia), Int(ib)) }
    if ia == ib { return 1 }
    switch kind {
    case .name:
      let ta = rows[ra + 2 * f + 1]
      if ta >= 0 && ta == rows[rb + 2 * f + 1] { return 2 }
      if let partner = swapPartner[f], rows[ra + 2 * partner] == ib, rows[rb + 2 * partner] == ia { return 3 }
    case .category:
      return 2
    default:
      break
    }
    return cache.level(f, ia, ib) { textLevel(kind, ia, ib) }
  }

  /// The level of two unequal values, compared as text.
  func textLevel(_ kind: LinkageConfig.Kind, _ ia: Int32, _ ib: Int32) -> UInt8 {
    text.withUnsafeBufferPointer { all in
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

  /// Dates as yyyymmdd (see `packed`).
  static func dateLevel(_ x: Int, _ y: Int) -> UInt8 {
    let fullX = x % 100 != 0 && (x / 100) % 100 != 0
    let fullY = y % 100 != 0 && (y / 100) % 100 != 0
    let yearX = x / 10_000
    let yearY = y / 10_000
    if fullX && fullY {
      if x == y { return 1 }
      let (monthX, dayX) = ((x / 100) % 100, x % 100)
      let (monthY, dayY) = ((y / 100) % 100, y % 100)
      if yearX == yearY && monthX == dayY && dayX == monthY { return 3 }
      if oneTypo(x, y) { return 4 }
      if abs(yearX - yearY) == 1 && monthX == monthY && dayX == dayY { return 5 }
      return 6
    }
    // A placeholder or a year-only date: only the year carries information.
    if yearX == yearY { return 2 }
    if abs(yearX - yearY) == 1 { return 5 }
    return 6
  }

  /// One digit of the written date (YYYYMMDD) wrong, or two neighbouring digits swapped.
  ///
  /// On the digits themselves: building the ISO text of both dates for an edit distance was
  /// 40% of linking 327,000 records (perf). Both dates have eight digits, so one edit is one
  /// differing position (an insertion always comes with a deletion).
  static func oneTypo(_ x: PartialDate, _ y: PartialDate) -> Bool { oneTypo(packed(x), packed(y)) }

  static func oneTypo(_ x: Int, _ y: Int) -> Bool {
    var a = x
    var b = y
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
