import Foundation
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
  /// its transliteration key (likewise one numbering for all fields); -1 when missing. Why: most comparisons end at an equal or
  /// unequal number, and one record's numbers share a cache line; per-field arrays of byte
  /// arrays cost a cache miss and a retain per field and pair (perf).
  let rows: [Int32]
  let width: Int
  /// The bytes of every numbered value, one after the other: value `n` is
  /// `text[textStart[n]..<textStart[n + 1]]`.
  let text: [UInt8]
  let textStart: [Int]
  /// Every numbered value's `LetterCounts`, for a bound on Jaro-Winkler without measuring it.
  let letters: [LetterCounts]
  /// The transliteration keys of every numbered value's words (the words of its
  /// `NameKey`), numbered: value `n`'s are `words[wordStart[n]..<wordStart[n + 1]]`, sorted.
  /// For the "one name's words within the other's" level, without re-keying a name per pair.
  let words: [Int32]
  let wordStart: [Int]

  init(records: PreparedRecords, config: LinkageConfig) {
    swapPartner = config.fields.map { f in f.swapWith.flatMap { s in config.fields.firstIndex { $0.name == s } } }
    kinds = records.fields.map(\.kind)
    width = 2 * records.fields.count
    var numbers = ByteKeys()
    var translitNumbers = ByteKeys()
    var text: [UInt8] = []
    var textStart = [0]
    var words: [Int32] = []
    var wordStart = [0]
    var rows = [Int32](repeating: -1, count: records.count * width)
    for (f, field) in records.fields.enumerated() {
      if field.kind == .date {
        for r in 0..<records.count { rows[r * width + 2 * f] = field.dates[r] }
        continue
      }
      // Transliteration keys numbered across fields too: a swapped name spelled differently
      // compares one field's key with the other's.
      let globalTranslit = field.translit.texts.map { bytes -> Int32 in
        Int32(bytes.withUnsafeBytes { translitNumbers.number($0) }.0)
      }
      // Each value's transliteration key, whose words (sorted, articles dropped, abd- split
      // off) are the value's word keys, numbered as keys are: a one-word key is its own word.
      var keyOfValue = [Int32](repeating: -1, count: field.translit.isEmpty ? 0 : field.values.texts.count)
      if !keyOfValue.isEmpty {
        for r in 0..<records.count where field.values.ids[r] >= 0 {
          keyOfValue[Int(field.values.ids[r])] = field.translit.ids[r]
        }
      }
      // One numbering for all fields, so that a swapped name is an equal number.
      let global = field.values.texts.enumerated().map { i, bytes -> Int32 in
        let (n, isNew) = bytes.withUnsafeBytes { numbers.number($0) }
        if isNew {
          text += bytes
          textStart.append(text.count)
          if !keyOfValue.isEmpty && keyOfValue[i] >= 0 {
            let key = field.translit.texts[Int(keyOfValue[i])]
            if key.contains(0x20) {
              words += key.split(separator: 0x20).map { word in
                Int32(word.withUnsafeBytes { translitNumbers.number($0) }.0)
              }.sorted()
            } else {
              words.append(globalTranslit[Int(keyOfValue[i])])
            }
          }
          wordStart.append(words.count)
        }
        return Int32(n)
      }
      for r in 0..<records.count {
        let v = field.values.ids[r]
        if v >= 0 { rows[r * width + 2 * f] = global[Int(v)] }
        if !field.translit.isEmpty, field.translit.ids[r] >= 0 {
          rows[r * width + 2 * f + 1] = globalTranslit[Int(field.translit.ids[r])]
        }
      }
    }
    self.rows = rows
    self.text = text
    self.textStart = textStart
    letters = text.withUnsafeBufferPointer { all in
      (0..<(textStart.count - 1)).map { n in
        LetterCounts(UnsafeBufferPointer(rebasing: all[textStart[n]..<textStart[n + 1]]))
      }
    }
    self.words = words
    self.wordStart = wordStart
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
    let kind = kinds[f]
    if kind == .name, let partner = swapPartner[f] { return nameLevel(f, partner, ra, rb, rows, cache) }
    let ia = rows[ra + 2 * f]
    let ib = rows[rb + 2 * f]
    if ia < 0 || ib < 0 { return 0 }
    if kind == .date { return Self.dateLevel(Int(ia), Int(ib)) }
    if ia == ib { return 1 }
    if kind == .category { return 2 }
    return cache.level(f, ia, ib) { textLevel(kind, ia, ib) }
  }

  /// The name kind's levels (see `LinkageConfig.Kind.levels`).
  enum NameLevel {
    static let exact: UInt8 = 1
    static let translit: UInt8 = 2
    static let swapped: UInt8 = 3
    static let swappedVariant: UInt8 = 4
    /// One letter wrong, added or left out, or two neighbouring letters swapped (Popal /
    /// Popla), but not a word-final vowel added (Hassan / Hassani: another name).
    static let typo: UInt8 = 5
    static let close: UInt8 = 6
    /// Every word of one name is a word of the other, spelled as it may be (Reza / Mohammad
    /// Reza, Ahmadi / Qaderyar Ahmadi, Mohammed / Muhammad Mostafa), and Jaro-Winkler does not
    /// already call them close.
    static let within: UInt8 = 7
    static let similar: UInt8 = 8
    /// Jaro-Winkler below 0.80: the names differ.
    static let differ: UInt8 = 9
    /// The second field of the pair when one record has one name and the other two.
    static let oneAgainstTwo: UInt8 = 10
    /// The first field of the pair (the family name) where one record's family and given name
    /// are both within the other's given names, and the other has a family name more: a name
    /// moved between the fields (see `nameLevel`).
    static let moved: UInt8 = 11
  }

  /// A name field that has a swap partner (given and family name).
  ///
  /// Records were prepared so that a one-name person holds the name in the first field of the
  /// pair and nothing in the second (`PreparedRecords.cleaned`). Such a name is compared with
  /// both of the other record's names, the better level counting: one name is one piece of
  /// evidence, whichever field an office entered it in. The second field of the pair is then
  /// missing (level 0) when both records have one name, and "one name against two" when only
  /// one has. Two two-name records whose names each agree only with the other field
  /// (swapped), exactly or spelled differently, are at the swapped levels.
  @inline(__always)
  func nameLevel(_ f: Int, _ p: Int, _ ra: Int, _ rb: Int, _ rows: UnsafeBufferPointer<Int32>, _ cache: Cache)
    -> UInt8
  {
    let ia = rows[ra + 2 * f]
    let ib = rows[rb + 2 * f]
    let pa = rows[ra + 2 * p]
    let pb = rows[rb + 2 * p]
    if f < p {
      // The first field of the pair: a one-name record (partner missing) meets both names.
      let oneA = ia >= 0 && pa < 0
      let oneB = ib >= 0 && pb < 0
      if oneA != oneB {
        let (x, xt) = oneA ? (ia, rows[ra + 2 * f + 1]) : (ib, rows[rb + 2 * f + 1])
        let (own, other) = oneA ? (rb, ib) : (ra, ia)
        var best = other >= 0 ? direct(f, x, xt, other, rows[own + 2 * f + 1], cache) : NameLevel.differ
        let second = rows[own + 2 * p]
        if best > NameLevel.exact && second >= 0 {
          best = min(best, direct(f, x, xt, second, rows[own + 2 * p + 1], cache))
        }
        return best == NameLevel.differ && other < 0 ? 0 : best
      }
    } else {
      // The second field of the pair: one record holds one name (in the first field), the
      // other two. Its own level, with its own m and u: whether a second name that one office
      // has and another lacks tells against a match is for the data to say.
      let oneA = ia < 0 && rows[ra + 2 * p] >= 0
      let oneB = ib < 0 && rows[rb + 2 * p] >= 0
      if oneA != oneB && (oneA ? ib : ia) >= 0 && (oneA ? rows[rb + 2 * p] : rows[ra + 2 * p]) >= 0 {
        return NameLevel.oneAgainstTwo
      }
    }
    if ia < 0 || ib < 0 { return 0 }
    let ta = rows[ra + 2 * f + 1]
    let tb = rows[rb + 2 * f + 1]
    if ia == ib { return NameLevel.exact }
    if ta >= 0 && ta == tb { return NameLevel.translit }
    if pa >= 0 && pb >= 0 {
      if pa == ib && pb == ia { return NameLevel.swapped }
    }
    let straight = cache.level(f, ia, ib) { textLevel(.name, ia, ib) }
    // Swapped, one name or both spelled differently: only where the names do not agree as
    // they stand. Of the two crossed comparisons the pair's first field takes the better and
    // the second the worse (the same whichever record comes first): an exact one is
    // "swapped", scored as an exact agreement, the other "swapped, spelled differently",
    // scored as a transliteration. Why not both "spelled differently": SAINEY CEESAY / Cisse
    // SAINAY then lost the exact name's weight and stayed under the threshold.
    // A name within the other counts as spelled differently here (Kamal / Kamal Idris), and
    // so does a name only alike (Jaro-Winkler ≥ 0.80) where the other is a letter off or
    // better (Ondar Kughaeoeh / Kughakoe Bondar, born the same day: a name changed twice, by
    // two offices, and swapped; before, both names "differ" and p 0.000 on a file generated
    // apart from pakt; there, F1 0.903 → 0.905, pakt's own files unchanged).
    if straight > NameLevel.close, pa >= 0, pb >= 0 {
      let one = direct(f, ia, ta, pb, rows[rb + 2 * p + 1], cache)
      if one <= NameLevel.similar {
        let other = direct(f, pa, rows[ra + 2 * p + 1], ib, tb, cache)
        if max(one, other) <= NameLevel.within
          || (max(one, other) <= NameLevel.similar && min(one, other) <= NameLevel.typo)
        {
          let mine = f < p ? min(one, other) : max(one, other)
          return mine == NameLevel.exact ? NameLevel.swapped : NameLevel.swappedVariant
        }
      }
      // A family name moved into the given names (Tesfay / Yonas against Gebremedhin / Yonas
      // Tesfay). Eritrean, Ethiopian and Somali names are a given name, the father's and the
      // grandfather's, and offices take one or the other as the family name. A level of its
      // own, with its own m and u: counted as "one name's words within the other's", it made
      // that level's u larger and merged Arabic namesakes that share words (a file generated
      // apart from pakt: F1 0.9235 → 0.9229). The pair's second field compares the given names
      // as they stand (the shorter within the longer).
      if f < p, straight > NameLevel.within, moved(f, p, ra, rb, rows, cache) || moved(f, p, rb, ra, rows, cache) {
        return NameLevel.moved
      }
    }
    return straight
  }

  /// Whether record `x`'s family name (field `f`) and given name (field `p`) are both within
  /// record `y`'s given name: a family name moved into the given names (see `nameLevel`).
  func moved(_ f: Int, _ p: Int, _ x: Int, _ y: Int, _ rows: UnsafeBufferPointer<Int32>, _ cache: Cache) -> Bool {
    let (family, given, other) = (rows[x + 2 * f], rows[x + 2 * p], rows[y + 2 * p])
    guard family >= 0, given >= 0, other >= 0, family != given else { return false }
    let otherKey = rows[y + 2 * p + 1]
    return direct(f, family, rows[x + 2 * f + 1], other, otherKey, cache) <= NameLevel.within
      && direct(f, given, rows[x + 2 * p + 1], other, otherKey, cache) <= NameLevel.within
  }

  /// Two name values compared as they stand: exact, transliteration, or the Jaro-Winkler bands.
  @inline(__always)
  func direct(_ f: Int, _ x: Int32, _ xt: Int32, _ y: Int32, _ yt: Int32, _ cache: Cache) -> UInt8 {
    if x == y { return NameLevel.exact }
    if xt >= 0 && xt == yt { return NameLevel.translit }
    return cache.level(f, x, y) { textLevel(.name, x, y) }
  }

  /// The level of two unequal values, compared as text.
  func textLevel(_ kind: LinkageConfig.Kind, _ ia: Int32, _ ib: Int32) -> UInt8 {
    text.withUnsafeBufferPointer { all in
      let x = UnsafeBufferPointer(rebasing: all[textStart[Int(ia)]..<textStart[Int(ia) + 1]])
      let y = UnsafeBufferPointer(rebasing: all[textStart[Int(ib)]..<textStart[Int(ib) + 1]])
      switch kind {
      case .name:
        if Self.agreesButForLost(x, y) { return NameLevel.translit }
        if Self.isNameTypo(x, y) { return NameLevel.typo }
        // Names that cannot reach the lowest band are not measured.
        let shared = letters[Int(ia)].shared(with: letters[Int(ib)])
        let jw = StringMetrics.jaroWinklerBound(x, y, shared: shared) < 0.80 ? 0 : StringMetrics.jaroWinkler(x, y)
        if jw >= 0.92 { return NameLevel.close }
        if wordsWithin(ia, ib) { return NameLevel.within }
        if jw >= 0.80 { return NameLevel.similar }
        return NameLevel.differ
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

  /// Two folded names equal letter by letter but where one of them lost a character to an
  /// export's code page (`PreparedRecords.lostMark`), which stands for any one letter:
  /// Kılıçtürk / K?l?çtürk, Şahinoğlu / ?ahino?lu. They agree as far as they can be read, so
  /// they are at the transliteration level. At most a third of the letters may be lost (a
  /// Cyrillic name in Windows-1252 is all "?" and agrees with nothing).
  static func agreesButForLost(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
    // The mark's UTF-8 lead byte; rare in a folded name, so most pairs stop here.
    guard x.contains(0xCA) || y.contains(0xCA) else { return false }
    let mark = PreparedRecords.lostMark
    let a = Array(String(decoding: x, as: UTF8.self).unicodeScalars)
    let b = Array(String(decoding: y, as: UTF8.self).unicodeScalars)
    guard a.count == b.count, a.count >= 4 else { return false }
    var lost = 0
    for (p, q) in zip(a, b) where p != q {
      guard p == mark || q == mark else { return false }
      lost += 1
    }
    return lost > 0 && 3 * lost <= a.count
  }

  /// One edit between two names (`NameLevel.typo`), unless it only adds a word-final vowel:
  /// Hassan / Hassani, Karim / Karima, Jamil / Jamila are names of their own (the nisba and
  /// the feminine ending), as the transliteration key has them.
  static func isNameTypo(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
    guard StringMetrics.withinOneEdit(x, y) || StringMetrics.isTransposition(x, y) else { return false }
    guard x.count != y.count else { return true }
    let (short, long) = x.count < y.count ? (x, y) : (y, x)
    let vowel = NameKey.isVowel(long[long.count - 1])
    return !(vowel && memcmp(short.baseAddress!, long.baseAddress!, short.count) == 0)
  }

  /// Whether every word key of the value with fewer words is among the other's (each used
  /// once), the other having more words.
  func wordsWithin(_ ia: Int32, _ ib: Int32) -> Bool {
    let (a, b) = (wordStart[Int(ia)]..<wordStart[Int(ia) + 1], wordStart[Int(ib)]..<wordStart[Int(ib) + 1])
    guard a.count != b.count, !a.isEmpty, !b.isEmpty else { return false }
    let (short, long) = a.count < b.count ? (a, b) : (b, a)
    // Both sorted: one merge pass.
    var j = long.lowerBound
    for i in short {
      while j < long.upperBound && words[j] < words[i] { j += 1 }
      guard j < long.upperBound && words[j] == words[i] else { return false }
      j += 1
    }
    return true
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
      if yearX == yearY && monthX == dayY && dayX == monthY { return 4 }
      if oneTypo(x, y) || abs(dayNumber(yearX, monthX, dayX) - dayNumber(yearY, monthY, dayY)) == 1 { return 5 }
      if abs(yearX - yearY) == 1 && monthX == monthY && dayX == dayY { return 6 }
      return 7
    }
    // A placeholder or a year-only date: only the year carries information.
    if yearX == yearY { return fullX || fullY ? 3 : 2 }
    if abs(yearX - yearY) == 1 { return 6 }
    return 8
  }

  /// Days since 1 March of year 0 (proleptic Gregorian), for dates one day apart: a date
  /// moved by a day (19.09 / 20.09, 31.12 / 01.01) is a clerical slip as a typo is, and an
  /// Excel date converted by another tool is often a day off (the 1900 leap-year bug).
  static func dayNumber(_ year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let m = month <= 2 ? month + 9 : month - 3
    return 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + day - 1
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
