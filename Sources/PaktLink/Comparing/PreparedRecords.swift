import Dispatch
import PaktCore

/// One way of keying a field: each record's key as a number (-1: none) and each number's bytes.
struct KeyColumn: Sendable {
  var ids: [Int32] = []
  var texts: [[UInt8]] = []

  var isEmpty: Bool { ids.isEmpty }

  /// The key of record `r`, nil when it has none.
  subscript(r: Int) -> [UInt8]? { ids[r] < 0 ? nil : texts[Int(ids[r])] }

  /// Numbers `key(item)` for each of `items` (nil or empty: no key) and gives record `r` the
  /// number of its item `of[r]` (-1: none).
  init<T>(items: [T], of: [Int32], key: (T) -> [UInt8]?) {
    // By bytes (`ByteKeys`): a dictionary of byte arrays hashed and allocated per key was a
    // quarter of preparing 327,000 records (perf).
    var numbers = ByteKeys()
    var texts: [[UInt8]] = []
    let itemIDs = items.map { item -> Int32 in
      guard let bytes = key(item), !bytes.isEmpty else { return -1 }
      let (n, isNew) = bytes.withUnsafeBytes { numbers.number($0) }
      if isNew { texts.append(bytes) }
      return Int32(n)
    }
    self.ids = of.map { $0 < 0 ? -1 : itemIDs[Int($0)] }
    self.texts = texts
  }

  init() {}
}

/// The values of one field for every record, prepared once for fast comparison.
struct PreparedField: Sendable {
  let kind: LinkageConfig.Kind
  /// Folded values.
  var values = KeyColumn()
  /// Name fields: transliteration-aware key; other kinds: empty.
  var translit = KeyColumn()
  /// Name fields: Kölner Phonetik code.
  var phonetic = KeyColumn()
  /// Name fields with a swap partner: transliteration key of both names, order ignored.
  var nameset = KeyColumn()
  /// Name fields with a swap partner: phonetic codes of both names, order ignored.
  var phoneticSet = KeyColumn()
  /// Name fields with a swap partner: the `crosslow` and `crosshigh` keys (see
  /// `LinkageConfig.KeyPart.Transform`).
  var cross: (low: KeyColumn, high: KeyColumn) = (KeyColumn(), KeyColumn())
  /// Name fields with a swap partner: the `namecore` key (see `LinkageConfig.KeyPart.Transform`).
  var core = KeyColumn()
  /// Date fields: yyyymmdd, with 0 for a month and day that are not known (placeholders and
  /// year-only dates); -1 when missing.
  var dates: [Int32] = []
  /// Date fields: each record's year of birth, -1 when missing.
  var years: [Int32] { dates.map { $0 < 0 ? -1 : $0 / 10_000 } }
  /// The key two records agree on as far as other fields and blocking are concerned: a name's
  /// transliteration key, any other field's value.
  var agreementKey: KeyColumn { translit.isEmpty ? values : translit }
  /// Term frequency of each record's value (share of records holding it).
  var frequency: [Double] = []
  /// The share of records agreeing with each record on a coarser key: for dates its year of
  /// birth (agreement where a date is a placeholder or a year), for names its transliteration
  /// key (agreement by transliteration).
  var coarseFrequency: [Double] = []
  /// Records per value and per coarser key, as counted here (for `LinkIndex.Frequencies`);
  /// empty where frequencies came from a kept index or the field has none.
  var counted: (values: [UInt64: Int32], coarse: [UInt64: Int32]) = ([:], [:])

  init(kind: LinkageConfig.Kind) { self.kind = kind }

  /// Whether record `r` has a value here (a date field: a date read, if only its year).
  func has(_ r: Int) -> Bool { dates.isEmpty ? values.ids[r] >= 0 : dates[r] >= 0 }
}

/// Records prepared for linking: every configured field, folded, keyed and counted.
///
/// Every key is a number per record. Why: a byte array per record and key took 8 bytes and
/// a hash of the bytes wherever it was used; numbers make blocking and comparing a matter of
/// equal integers, and each distinct text is folded and keyed once.
struct PreparedRecords: Sendable {
  let count: Int
  var fields: [PreparedField]

  /// `columns[f][r]` is the raw text of field `f` for record `r` (nil or empty: missing).
  /// Fields are prepared on all cores. With `kept`, term frequencies are those a full link
  /// counted over all records (a night's change is only a few of them), else these records'.
  /// `dates[f]`, when given, are date field `f`'s values already read (the pipeline's
  /// `PartialDate`s): they are packed as they are, not parsed again from `columns[f]`.
  init(
    columns raw: [[String?]], config: LinkageConfig, kept: LinkIndex.Frequencies? = nil,
    dates: [Int: [PartialDate?]] = [:]
  ) {
    var clock = PhaseClock("prepare")
    defer { clock.finish() }
    let columns = Self.cleaned(raw, config: config)
    clock.lap("clean")
    let count = columns.first?.count ?? 0
    self.count = count
    var fields = [PreparedField?](repeating: nil, count: config.fields.count)
    fields.withUnsafeMutableBufferPointer { out in
      // Each field writes only its own slot.
      nonisolated(unsafe) let target = out
      DispatchQueue.concurrentPerform(iterations: config.fields.count) { f in
        target[f] = Self.prepare(
          columns[f], config.fields[f], count: count,
          kept: kept.map { ($0.values[f], $0.coarse[f], $0.total) }, dates: dates[f])
      }
    }
    var prepared = fields.map { $0! }
    clock.lap("fields")
    // Both names as one set of words, from the names' own keys: the same words NameKey gives
    // the two names together, sorted, without folding every record's names a second time.
    // Each key below is a pass over every record; they are made side by side, on all cores.
    enum Job {
      case core(Int, Int), nameset(Int, Int), phoneticSet(Int, Int), cross(Int, Int)
    }
    var jobs: [Job] = []
    var shared: [(field: Int, from: Int)] = []
    for f in config.fields.indices {
      guard config.fields[f].kind == .name, let partner = config.fields[f].swapWith,
        let p = config.fields.firstIndex(where: { $0.name == partner })
      else { continue }
      // Only where a rule asks for it: it is made per record.
      if config.blocking.joined().contains(where: { $0.field == f && $0.transform == .namecore }) {
        jobs.append(.core(f, p))
      }
      // Two names that swap with each other have one set of words: the partner's, made first.
      // (The pairs come in the same record order either way, so the numbers are the same too.)
      if p < f && config.fields[p].kind == .name && config.fields[p].swapWith == config.fields[f].name {
        shared.append((f, p))
        continue
      }
      jobs += [.nameset(f, p), .phoneticSet(f, p), .cross(f, p)]
    }
    let made = prepared
    let keys = jobs.concurrentMap(chunk: 1) { job -> (KeyColumn, KeyColumn?) in
      switch job {
      case .core(let f, let p): (Self.coreKeys(made[f], made[p]), nil)
      case .nameset(let f, let p): (Self.pairSet(made[f].translit, made[p].translit), nil)
      case .phoneticSet(let f, let p): (Self.pairSet(made[f].phonetic, made[p].phonetic), nil)
      case .cross(let f, let p):
        Self.crossKeys(made[f], made[p])
      }
    }
    for (job, key) in zip(jobs, keys) {
      switch job {
      case .core(let f, _): prepared[f].core = key.0
      case .nameset(let f, _): prepared[f].nameset = key.0
      case .phoneticSet(let f, _): prepared[f].phoneticSet = key.0
      case .cross(let f, _): prepared[f].cross = (key.0, key.1!)
      }
    }
    for (f, p) in shared {
      prepared[f].nameset = prepared[p].nameset
      prepared[f].phoneticSet = prepared[p].phoneticSet
      prepared[f].cross = prepared[p].cross
    }
    clock.lap("sets")
    self.fields = prepared
  }

  /// Each record's pair of key numbers (`own`, `other`) numbered, once per distinct pair, with
  /// the first record of each pair: what a key made from both fields needs to make once per
  /// pair. Records for which `keep` is false (a value missing that the key needs) have -1.
  static func numberPairs(
    _ own: [Int32], _ other: [Int32], keep: (Int32, Int32) -> Bool = { _, _ in true }
  ) -> (ids: [Int32], first: [Int]) {
    var pairNumbers = WordNumbering(capacity: own.count / 4)
    var first: [Int] = []
    let ids = own.indices.map { r -> Int32 in
      let (x, y) = (own[r], other[r])
      guard keep(x, y) else { return -1 }
      let (n, isNew) = pairNumbers.number(UInt64(UInt32(bitPattern: x)) << 32 | UInt64(UInt32(bitPattern: y)))
      if isNew { first.append(r) }
      return n
    }
    return (ids, first)
  }

  /// The Kölner Phonetik code of one word of a folded name.
  static func wordCode(_ word: ArraySlice<UInt8>) -> [UInt8] {
    Array(ColognePhonetics.code(String(decoding: word, as: UTF8.self)).utf8)
  }

  /// Both keys of each record as one set of words, order ignored.
  static func pairSet(_ own: KeyColumn, _ other: KeyColumn) -> KeyColumn {
    let pairs = numberPairs(own.ids, other.ids)
    // Each distinct pair's words on all cores (splitting, sorting and joining bytes).
    let sets = pairs.first.concurrentMap { r in Self.wordSet(own[r], other[r]) }
    return KeyColumn(items: sets, of: pairs.ids) { $0 }
  }

  /// Each record's `crosslow` and `crosshigh` keys: of one name's sound-alike code with the
  /// other's first and last letters, both ways round, the lower and the higher. None where a
  /// name is missing (a one-name person has its name in `own` only).
  static func crossKeys(_ own: PreparedField, _ other: PreparedField) -> (low: KeyColumn, high: KeyColumn) {
    // Once per distinct pair of values (the codes follow from the values).
    let pairs = numberPairs(own.values.ids, other.values.ids) { $0 >= 0 && $1 >= 0 }
    let keys = pairs.first.map { r -> (low: [UInt8], high: [UInt8])? in
      guard let codeOwn = own.phonetic[r], let codeOther = other.phonetic[r], let nameOwn = own.values[r],
        let nameOther = other.values[r], let a = nameOwn.first, let z = nameOwn.last, let b = nameOther.first,
        let y = nameOther.last
      else { return nil }
      let one = codeOwn + [0x7C, b, y]
      let two = codeOther + [0x7C, a, z]
      return one.lexicographicallyPrecedes(two) ? (one, two) : (two, one)
    }
    return (KeyColumn(items: keys, of: pairs.ids) { $0?.low }, KeyColumn(items: keys, of: pairs.ids) { $0?.high })
  }

  /// Each record's `namecore` key: the Kölner Phonetik codes of the name's first word and of
  /// its second word, or, for a name of one word, of the partner's first word (Yonas Tesfay,
  /// and Yonas with the family name Tesfay, share it).
  static func coreKeys(_ own: PreparedField, _ other: PreparedField) -> KeyColumn {
    // Once per distinct pair of values (the key follows from the values).
    let pairs = numberPairs(own.values.ids, other.values.ids) { x, _ in x >= 0 }
    let keys = pairs.first.map { r -> [UInt8]? in
      guard let name = own.values[r] else { return nil }
      let words = name.split(separator: 0x20)
      guard let first = words.first,
        let second = words.count > 1 ? words[1] : other.values[r]?.split(separator: 0x20).first
      else { return nil }
      return wordCode(first) + [0x7C] + wordCode(second)
    }
    return KeyColumn(items: keys, of: pairs.ids) { $0 }
  }

  /// The columns with what carries no evidence taken out, so that it is compared as missing:
  ///
  /// - placeholders ("-", "NN", "unbekannt", "k.A.", "XXX", "0000…": the settings'
  ///   `missing_values`, and identifiers of one repeated character) in every field but dates
  ///   (whose placeholders `LinkDates` reads). A nationality "XXX" (unresolved, as Map writes
  ///   "ungeklärt" and the Destatis keys 998/999) says nothing about the person, so it is
  ///   missing, not a value that disagrees with "SYR";
  /// - one-name persons: where a pair of swap partners (given and family name) holds the same
  ///   name twice (letter for letter, or by its transliteration key: Warsame / Warsamee), or
  ///   only one name, that name goes into the pair's first field and the second
  ///   is left empty. `Comparator.nameLevel` then compares it with both names of the other
  ///   record: "Jawad Jawad", "- / Jawad" and "Jawad / (empty)" are one person with one name,
  ///   and agreeing on it is one agreement, not two.
  ///
  /// Each field on its own core, each distinct text folded once. (On one thread, with one cache
  /// for all fields, this was most of preparing 500,000 records: 1.3 s of CPU under perf.)
  static func cleaned(_ columns: [[String?]], config: LinkageConfig) -> [[String?]] {
    var out = columns
    let fields = config.fields.indices.filter { config.fields[$0].kind != .date }
    // Each record's folded text per field, nil for a missing value or a placeholder.
    var folded = fields.concurrentMap(chunk: 1) { f -> [String?] in
      let kind = config.fields[f].kind
      var known: [String: String?] = [:]
      return columns[f].map { text -> String? in
        guard let text else { return nil }
        if let done = known[text] { return done }
        var v: String? =
          kind == .identifier
          ? TextFold.identifier(text)
          : String(decoding: TextFold.fold(text).utf8.filter { $0 != 0x20 }, as: UTF8.self)
        if let x = v, x.isEmpty || config.missingValues.contains(x.lowercased()) { v = nil }
        if kind == .identifier, let x = v, let first = x.first, x.allSatisfy({ $0 == first }) { v = nil }
        known[text] = v
        return v
      }
    }
    for (i, f) in fields.enumerated() {
      out[f] = zip(columns[f], folded[i]).map { text, v in v == nil ? nil : text }
    }
    for (i, f) in fields.enumerated() where config.fields[f].kind == .name {
      guard let partner = config.fields[f].swapWith, let p = config.fields.firstIndex(where: { $0.name == partner }),
        f < p, config.fields[p].kind == .name, let j = fields.firstIndex(of: p)
      else { continue }
      // The same name twice by its transliteration key (Mohamad / Mohamedd), as well as letter
      // for letter: one name typed twice.
      var keys: [String: String] = [:]
      func key(_ folded: String) -> String {
        if let k = keys[folded] { return k }
        let k = NameKey.make(family: folded, given: nil)
        keys[folded] = k
        return k
      }
      for r in out[f].indices {
        guard out[p][r] != nil else { continue }
        if out[f][r] != nil, let a = folded[i][r], let b = folded[j][r], a != b, key(a) != key(b) { continue }
        out[f][r] = out[p][r]
        out[p][r] = nil
        folded[i][r] = folded[j][r]
        folded[j][r] = nil
      }
    }
    return out
  }

  static func prepare(
    _ raw: [String?], _ spec: LinkageConfig.Field, count: Int,
    kept: (values: [UInt64: Int32], coarse: [UInt64: Int32], total: Int)? = nil, dates: [PartialDate?]? = nil
  ) -> PreparedField {
    // Each distinct text once.
    var numbers = Numbering<String>()
    var distinct: [String] = []
    let ids = raw.map { text -> Int32 in
      guard let text, !text.isEmpty else { return -1 }
      let (n, isNew) = numbers.number(text)
      if isNew { distinct.append(text) }
      return n
    }
    numbers = Numbering()
    var field = PreparedField(kind: spec.kind)
    field.values = KeyColumn(items: distinct, of: ids) { text in
      switch spec.kind {
      case .identifier, .postcode: return Array(TextFold.identifier(text).utf8)
      case .name: return Array(TextFold.fold(Self.markingLost(text)).utf8)
      default: return Array(TextFold.fold(text).utf8)
      }
    }
    if spec.kind == .name {
      field.translit = KeyColumn(items: distinct, of: ids) { Array(NameKey.make(family: $0, given: nil).utf8) }
      field.phonetic = KeyColumn(items: Self.restoringLost(distinct, ids: ids), of: ids) {
        Array(ColognePhonetics.code($0).utf8)
      }
    }
    if spec.kind == .date, let dates {
      field.dates = dates.map { $0.map(LinkDates.packed) ?? -1 }
    } else if spec.kind == .date {
      let parsed = distinct.map { LinkDates.parse($0).map(LinkDates.packed) ?? -1 }
      field.dates = ids.map { $0 < 0 ? -1 : parsed[Int($0)] }
    }
    if spec.termFrequency, let kept {
      field.frequencies(kept: kept)
    } else if spec.termFrequency {
      field.countFrequencies(records: count)
    }
    return field
  }

  /// Each of `distinct` names, or, for one with characters lost to its export's code page
  /// ("?ahino?lu"), the name the other records hold that it can be: the one whose letters
  /// that Windows-1252 or Latin-1 lacks stand where the marks do (Şahinoğlu), the most
  /// common if several can. Why: the sound-alike code reads Ş as S, so "Şahinoğlu" and
  /// "?ahino?lu" had other codes and no blocking rule on codes paired them. A name no other
  /// record explains is kept as it is (its lost letters count for nothing).
  static func restoringLost(_ distinct: [String], ids: [Int32]) -> [String] {
    guard distinct.contains(where: hasLost) else { return distinct }
    var uses = [Int](repeating: 0, count: distinct.count)
    for id in ids where id >= 0 { uses[Int(id)] += 1 }
    // Each name with letters beyond ASCII under the masks of the two code pages.
    var byMask: [String: Int] = [:]
    for (i, text) in distinct.enumerated() where !text.utf8.allSatisfy({ $0 < 0x80 }) && !hasLost(text) {
      for page in [CodePageMask.windows1252, .latin1] {
        let mask = page.mask(text)
        if mask != text.lowercased(), byMask[mask].map({ uses[$0] < uses[i] }) ?? true { byMask[mask] = i }
      }
    }
    return distinct.map { text in
      guard hasLost(text) else { return text }
      let key = String(String.UnicodeScalarView(text.lowercased().unicodeScalars.map { $0 == "\u{FFFD}" ? "?" : $0 }))
      return byMask[key].map { distinct[$0] } ?? text
    }
  }

  /// The characters a code page lacks, as its exports write them ("?").
  enum CodePageMask {
    case windows1252, latin1

    /// `text` lower-cased, with "?" for each character the code page lacks.
    func mask(_ text: String) -> String {
      var out = String.UnicodeScalarView()
      for s in text.lowercased().unicodeScalars {
        let held = s.value < 0x100 || (self == .windows1252 && Self.windowsExtra.contains(s.value))
        out.append(held ? s : "?")
      }
      return String(out)
    }

    /// What Windows-1252 holds beyond Latin-1 (Š, š, Ž, ž, Œ, œ, Ÿ, ƒ, €, quotes, dashes).
    static let windowsExtra = Set(CodePage.windows1252High.filter { $0 != 0 })
  }

  /// Whether `text` has a character an export lost to its code page ("?", or a decoder's
  /// U+FFFD).
  static func hasLost(_ text: String) -> Bool {
    text.utf8.contains(0x3F) || text.unicodeScalars.contains("\u{FFFD}")
  }

  /// Stands for a character an export lost to its code page: a letter to folding, which keeps
  /// it, and no name has it (U+0294).
  static let lostMark: Unicode.Scalar = "\u{0294}"

  /// A name with characters lost to an export's code page ("K?l?çtürk": Turkish ı, ş and ğ
  /// are not in Windows-1252 and are written "?"; a decoder's U+FFFD) with `lostMark` for
  /// each, so that the comparator can let it stand for any one letter
  /// (`Comparator.agreesButForLost`). Folding would drop a "?" as punctuation.
  static func markingLost(_ text: String) -> String {
    guard hasLost(text) else { return text }
    var out = String.UnicodeScalarView()
    for s in text.unicodeScalars { out.append(s == "?" || s == "\u{FFFD}" ? lostMark : s) }
    return String(out)
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
}

/// Dates as person files write them, with the placeholders linking must recognise.
enum LinkDates {
  /// A date as linking compares it: yyyymmdd, or yyyy0000 when only the year counts (a
  /// year-only date, a placeholder, and 01.01., which offices write for an unknown day); -1
  /// for a year outside 1850-2100.
  static func packed(_ date: PartialDate) -> Int32 {
    guard (1850...2100).contains(date.year) else { return -1 }
    if date.precision == .day, !date.placeholder, let month = date.month, let day = date.day,
      (1...12).contains(month), (1...31).contains(day), !(month == 1 && day == 1)
    {
      return Int32(date.year * 10_000 + month * 100 + day)
    }
    return Int32(date.year * 10_000)
  }

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

extension PreparedField {
  /// Term frequencies from the counts a full link kept (`LinkIndex.Frequencies`), for the few
  /// records of a change night.
  mutating func frequencies(kept: (values: [UInt64: Int32], coarse: [UInt64: Int32], total: Int)) {
    // Counts of a value the full link did not see are 1: a rare value.
    let n = Double(max(1, kept.total))
    func share(_ table: [UInt64: Int32], _ key: UInt64) -> Double { Double(max(1, table[key] ?? 0)) / n }
    if kind == .date {
      frequency = dates.map { $0 < 0 || $0 % 100 == 0 ? 0 : share(kept.values, UInt64($0)) }
      coarseFrequency = dates.map { $0 < 0 ? 0 : share(kept.coarse, UInt64($0 / 10_000)) }
    } else {
      let hashes = values.texts.map { LinkIndex.hash($0) }
      frequency = values.ids.map { $0 < 0 ? 0 : share(kept.values, hashes[Int($0)]) }
      if kind == .name {
        let keys = translit.texts.map { LinkIndex.hash($0) }
        coarseFrequency = translit.ids.map { $0 < 0 ? 0 : share(kept.coarse, keys[Int($0)]) }
      }
    }
  }

  /// Term frequencies counted over these records, kept in `counted` for the index.
  mutating func countFrequencies(records: Int) {
    if kind == .date {
      // Dates: the share of records born on the same complete date (exact agreement), and of
      // those born in the same year (agreement where one date is a placeholder or a year).
      var exact: [Int32: Int] = [:]
      var years: [Int32: Int] = [:]
      for d in dates where d >= 0 {
        exact[d, default: 0] += 1
        years[d / 10_000, default: 0] += 1
      }
      let n = Double(max(1, records))
      // Exact agreement happens only between complete dates: a year-only or placeholder date
      // has no exact-date frequency (0), so that the mean the adjustment is measured against
      // is that of complete dates. Counted in, the many records sharing a placeholder year
      // raised the mean ninefold and every exact date by about 3 bits.
      frequency = dates.map { $0 < 0 || $0 % 100 == 0 ? 0 : Double(exact[$0]!) / n }
      coarseFrequency = dates.map { $0 < 0 ? 0 : Double(years[$0 / 10_000]!) / n }
      counted = (
        Dictionary(uniqueKeysWithValues: exact.map { (UInt64($0.key), Int32($0.value)) }),
        Dictionary(uniqueKeysWithValues: years.map { (UInt64($0.key), Int32($0.value)) })
      )
      return
    }
    var counts = [Int](repeating: 0, count: values.texts.count)
    for v in values.ids where v >= 0 { counts[Int(v)] += 1 }
    let n = Double(max(1, records))
    frequency = values.ids.map { $0 < 0 ? 0 : Double(counts[Int($0)]) / n }
    var byValue: [UInt64: Int32] = [:]
    byValue.reserveCapacity(counts.count)
    for (v, text) in values.texts.enumerated() { byValue[LinkIndex.hash(text), default: 0] += Int32(counts[v]) }
    var keys: [UInt64: Int32] = [:]
    if kind == .name {
      // Agreement by transliteration weighs by how common the transliteration key is, as
      // exact agreement by the name's own frequency: "Hosseini" and "Hassani" share a key
      // with thousands of records, which says less than a rare key shared.
      var keyCounts = [Int](repeating: 0, count: translit.texts.count)
      for k in translit.ids where k >= 0 { keyCounts[Int(k)] += 1 }
      coarseFrequency = translit.ids.map { $0 < 0 ? 0 : Double(keyCounts[Int($0)]) / n }
      for (k, text) in translit.texts.enumerated() {
        keys[LinkIndex.hash(text), default: 0] += Int32(keyCounts[k])
      }
    }
    counted = (byValue, keys)
  }
}
