import Dispatch
import PaktCore

/// One blocking (or training) rule's records grouped by key.
struct RuleBlocks: Sendable {
  /// Each record's block, -1 when the record has no key, is alone with its key, or its block
  /// was skipped as too large. The rule pairs two records exactly when these are equal and
  /// not -1.
  var block: [Int32]
  /// Record numbers ordered by block, ascending within a block.
  let members: [Int32]
  /// Where each block starts in `members`, then the end of the last.
  let starts: [Int]
  /// Blocks skipped because more than the configured maximum shared the key.
  let skipped: Int

  /// Groups records by their key number (-1: no key); a block keeps its place of first
  /// appearance, so the order (and everything computed from it) is the same on every run.
  init(keys: [Int32], maxBlockSize: Int) {
    let count = keys.count
    var sizes: [Int] = []
    var raw = [Int32](repeating: -1, count: count)
    let top = Int(keys.max() ?? -1)
    if top < 4 * count + 1024 {
      // Most keys are dense numbers already: an array finds each key's block without
      // hashing (dates as yyyymmdd are not, and take the dictionary).
      var idOf = [Int32](repeating: -1, count: top + 1)
      for r in 0..<count where keys[r] >= 0 {
        let k = Int(keys[r])
        if idOf[k] < 0 {
          idOf[k] = Int32(sizes.count)
          sizes.append(1)
        } else {
          sizes[Int(idOf[k])] += 1
        }
        raw[r] = idOf[k]
      }
    } else {
      var dense = WordNumbering(capacity: count / 4)
      for r in 0..<count where keys[r] >= 0 {
        let (id, isNew) = dense.number(UInt64(UInt32(bitPattern: keys[r])))
        raw[r] = id
        if isNew { sizes.append(1) } else { sizes[Int(id)] += 1 }
      }
    }
    var renumber = [Int32](repeating: -1, count: sizes.count)
    var kept = 0
    var skipped = 0
    for (id, size) in sizes.enumerated() {
      if size > maxBlockSize {
        skipped += 1
      } else if size > 1 {
        renumber[id] = Int32(kept)
        kept += 1
      }
    }
    let block = raw.map { $0 < 0 ? -1 : renumber[Int($0)] }
    // A counting sort: blocks laid out one after the other without an array per block
    // (a million small arrays per rule were most of blocking's memory).
    var starts = [Int](repeating: 0, count: kept + 1)
    for b in block where b >= 0 { starts[Int(b) + 1] += 1 }
    for i in 0..<kept { starts[i + 1] += starts[i] }
    var fill = starts
    var members = [Int32](repeating: 0, count: starts[kept])
    for r in 0..<count where block[r] >= 0 {
      members[fill[Int(block[r])]] = Int32(r)
      fill[Int(block[r])] += 1
    }
    self.block = block
    self.members = members
    self.starts = starts
    self.skipped = skipped
  }
}

/// The candidate pairs of a set of blocking rules, enumerated on demand rather than stored.
///
/// Each pair is produced by the first rule that pairs it and skipped by every later one (as
/// Splink does), so the union needs no sorted list of all pairs. Why: at one million person
/// records the stored, sorted and de-duplicated list took 1.4 GB for 90 million pairs.
///
/// The work is cut into units of about `unitPairs` pairs, each a range of one rule's members,
/// so that both cores can share it and every pass meets the pairs in the same order.
struct CandidatePairs: Sendable {
  let rules: [RuleBlocks]
  /// Each record's block in every rule, record by record (`keys[r * stride + rule]`): whether
  /// an earlier rule already paired two records is one cache line per record.
  let keys: [Int32]
  let stride: Int
  /// Rules `0..<candidateRules` make the candidates; the rest only train (see `Training`).
  let candidateRules: Int
  let units: [Unit]
  /// Per record, bit `j` set when rule `j` pairs the record only with records lacking the
  /// rule's field (`LinkageConfig.onlyWhereMissing`) because the record has it; empty when no
  /// rule is so restricted. Two records with bit `j` both set are not rule `j`'s pair.
  let restricted: [UInt32]

  /// A range `from..<to` of rule `rule`'s members: their pairs with the later members of their block.
  struct Unit: Sendable {
    let rule: Int
    let from: Int
    let to: Int
    /// The index of the first block that `from` falls in.
    let block: Int
  }

  init(rules: [RuleBlocks], candidateRules: Int, count: Int, restricted: [UInt32] = [], unitPairs: Int = 1 << 20) {
    let stride = max(1, rules.count)
    var keys = [Int32](repeating: -1, count: count * stride)
    for (j, rule) in rules.enumerated() {
      for r in 0..<count { keys[r * stride + j] = rule.block[r] }
    }
    var units: [Unit] = []
    for (j, rule) in rules.enumerated() {
      var from = 0
      var fromBlock = 0
      var pairs = 0
      for b in 0..<(rule.starts.count - 1) {
        let end = rule.starts[b + 1]
        for p in rule.starts[b]..<end {
          pairs += end - p - 1
          if pairs >= unitPairs {
            units.append(Unit(rule: j, from: from, to: p + 1, block: fromBlock))
            from = p + 1
            fromBlock = p + 1 < end ? b : b + 1
            pairs = 0
          }
        }
      }
      let total = rule.starts.last ?? 0
      if from < total { units.append(Unit(rule: j, from: from, to: total, block: fromBlock)) }
    }
    self.rules = rules.map { rule in
      var r = rule
      r.block = []  // now in `keys`
      return r
    }
    self.keys = keys
    self.stride = stride
    self.candidateRules = candidateRules
    self.units = units
    self.restricted = restricted.allSatisfy { $0 == 0 } ? [] : restricted
  }

  /// Whether one of the rules `0..<upTo` pairs `a` and `b`.
  @inline(__always)
  func paired(_ a: Int, _ b: Int, rulesBefore upTo: Int, _ k: UnsafeBufferPointer<Int32>) -> Bool {
    let ka = a * stride
    let kb = b * stride
    let both = restricted.isEmpty ? 0 : restricted[a] & restricted[b]
    for j in 0..<upTo {
      let x = k[ka + j]
      if x >= 0 && x == k[kb + j] && both >> UInt32(j) & 1 == 0 { return true }
    }
    return false
  }

  /// Calls `body` with each pair of `unit` (a < b) that no earlier rule paired, in a fixed
  /// order; a training rule's unit also skips the pairs that any candidate rule makes. With
  /// `every` above 1, only the pairs `ProbabilisticLinker.sampled` keeps, told before the
  /// earlier rules are asked. Why: a training rule asks every candidate rule about each of
  /// its pairs, and sampled one in four or five, most of that asking was for pairs then left
  /// out.
  @inline(__always)
  func forEachPair(in unit: Unit, every: UInt64 = 1, _ body: (Int, Int, UnsafeBufferPointer<Int32>) -> Void) {
    let rule = rules[unit.rule]
    let before = unit.rule < candidateRules ? unit.rule : candidateRules
    keys.withUnsafeBufferPointer { k in
      rule.members.withUnsafeBufferPointer { members in
        rule.starts.withUnsafeBufferPointer { starts in
          var b = unit.block
          for p in unit.from..<unit.to {
            while starts[b + 1] <= p { b += 1 }
            let a = Int(members[p])
            let mine = restricted.isEmpty ? 0 : restricted[a] >> UInt32(unit.rule) & 1
            for q in (p + 1)..<starts[b + 1] {
              let c = Int(members[q])
              if mine != 0 && restricted[c] >> UInt32(unit.rule) & 1 != 0 { continue }
              if every > 1 && !ProbabilisticLinker.sampled(a, c, every) { continue }
              if paired(a, c, rulesBefore: before, k) { continue }
              body(a, c, k)
            }
          }
        }
      }
    }
  }

  /// `work` for every unit on all cores; the results in unit order.
  func map<T: Sendable>(_ work: @Sendable (Int, Unit) -> T) -> [T] {
    var results = [T?](repeating: nil, count: units.count)
    results.withUnsafeMutableBufferPointer { out in
      // Each unit writes only its own slot.
      nonisolated(unsafe) let target = out
      DispatchQueue.concurrentPerform(iterations: units.count) { i in
        target[i] = work(i, units[i])
      }
    }
    return results.map { $0! }
  }
}

extension ProbabilisticLinker {
  /// The blocks of the blocking rules followed by those of the training rules, built on all cores.
  /// The blocks of every blocking rule, then (unless `training` is false: a kept model needs
  /// none) of every training rule, built on all cores.
  func ruleBlocks(_ records: PreparedRecords, training: Bool = true) -> [RuleBlocks] {
    let rules = config.blocking + (training ? config.training : [])
    var built = [RuleBlocks?](repeating: nil, count: rules.count)
    built.withUnsafeMutableBufferPointer { out in
      nonisolated(unsafe) let target = out
      DispatchQueue.concurrentPerform(iterations: rules.count) { j in
        target[j] = RuleBlocks(keys: blockingKeys(rules[j], records), maxBlockSize: config.maxBlockSize)
      }
    }
    return built.map { $0! }
  }

  /// The candidate pairs of `blocks` (the blocking rules', then the training rules'), the
  /// rules that pair only where a field is missing (`LinkageConfig.onlyWhereMissing`)
  /// restricted to such pairs.
  func candidatePairs(_ blocks: [RuleBlocks], _ records: PreparedRecords) -> CandidatePairs {
    var restricted: [UInt32] = []
    if !config.onlyWhereMissing.isEmpty {
      restricted = [UInt32](repeating: 0, count: records.count)
      for (rule, f) in config.onlyWhereMissing where rule < 32 {
        let field = records.fields[f]
        for r in 0..<records.count where field.has(r) { restricted[r] |= 1 << UInt32(rule) }
      }
    }
    return CandidatePairs(
      rules: blocks, candidateRules: config.blocking.count, count: records.count, restricted: restricted)
  }

  /// Each record's key under `rule` as a number (-1: no key): the numbers of its parts,
  /// combined part by part.
  func blockingKeys(_ rule: [LinkageConfig.KeyPart], _ records: PreparedRecords) -> [Int32] {
    var keys = Self.keyPart(rule[0], records)
    for part in rule.dropFirst() {
      let next = Self.keyPart(part, records)
      var numbers = WordNumbering(capacity: records.count / 4)
      for r in 0..<records.count {
        guard keys[r] >= 0, next[r] >= 0 else {
          keys[r] = -1
          continue
        }
        keys[r] = numbers.number(UInt64(UInt32(keys[r])) << 32 | UInt64(UInt32(next[r]))).number
      }
    }
    return keys
  }

  /// One key part's number for every record (-1: none).
  static func keyPart(_ part: LinkageConfig.KeyPart, _ records: PreparedRecords) -> [Int32] {
    switch partValues(part, records) {
    case .keys(let column): return column.ids
    case .numbers(let numbers): return numbers
    }
  }

  /// Each record's key under each blocking rule as a hash of what the key is made of, the
  /// same in every process (0: none): what `LinkIndex` keeps for later nights.
  func stableKeys(_ records: PreparedRecords) -> [[UInt64]] {
    config.blocking.concurrentMap { rule in
      var keys = Self.stableKeyPart(rule[0], records)
      for part in rule.dropFirst() {
        let next = Self.stableKeyPart(part, records)
        for r in keys.indices { keys[r] = LinkIndex.combine(keys[r], next[r]) }
      }
      return keys
    }
  }

  static func stableKeyPart(_ part: LinkageConfig.KeyPart, _ records: PreparedRecords) -> [UInt64] {
    switch partValues(part, records) {
    case .keys(let column):
      let hashes = column.texts.map { LinkIndex.hash($0) }
      return column.ids.map { $0 < 0 ? 0 : hashes[Int($0)] }
    case .numbers(let numbers):
      return numbers.map { $0 < 0 ? 0 : UInt64($0) + 1 }
    }
  }

  /// What a key part is made of: keys with their bytes, or numbers (dates, years).
  enum PartValues {
    case keys(KeyColumn)
    case numbers([Int32])
  }

  static func partValues(_ part: LinkageConfig.KeyPart, _ records: PreparedRecords) -> PartValues {
    let field = records.fields[part.field]
    func derived(_ transform: ([UInt8]) -> [UInt8]) -> PartValues {
      .keys(KeyColumn(items: field.values.texts, of: field.values.ids, key: transform))
    }
    switch part.transform {
    case .exact:
      if !field.dates.isEmpty {
        // A placeholder date (01.01.YYYY) says only the year: as a block it would put
        // everyone of that year together, which the year rules already do with a name.
        return .numbers(field.dates.map { $0 >= 0 && $0 % 100 != 0 ? $0 : -1 })
      }
      return .keys(field.values)
    case .phonetic: return .keys(field.phonetic.isEmpty ? field.values : field.phonetic)
    case .translit: return .keys(field.agreementKey)
    case .prefix3: return derived { Array($0.prefix(3)) }
    case .suffix3: return derived { Array($0.suffix(3)) }
    case .ends: return derived { $0.isEmpty ? [] : [$0[0], $0[$0.count - 1]] }
    case .firstword, .lastword:
      let first = part.transform == .firstword
      return derived { folded in
        let words = folded.split(separator: 0x20)
        guard let word = first ? words.first : words.last else { return [] }
        return PreparedRecords.wordCode(word)
      }
    case .year:
      if !field.dates.isEmpty { return .numbers(field.years) }
      return derived { Array($0.prefix(4)) }
    case .monthday:
      if !field.dates.isEmpty { return .numbers(field.dates.map { $0 >= 0 && $0 % 100 != 0 ? $0 % 10_000 : -1 }) }
      return .numbers([Int32](repeating: -1, count: records.count))
    case .digits: return derived { $0.filter { $0 >= 48 && $0 <= 57 } }
    case .nameset:
      if !field.nameset.isEmpty { return .keys(field.nameset) }
      return .keys(field.agreementKey)
    case .phoneticset:
      if !field.phoneticSet.isEmpty { return .keys(field.phoneticSet) }
      return .keys(field.phonetic.isEmpty ? field.values : field.phonetic)
    case .namecore: return .keys(field.core.isEmpty ? field.phonetic : field.core)
    case .crosslow, .crosshigh:
      let cross = part.transform == .crosslow ? field.cross.low : field.cross.high
      if !cross.isEmpty { return .keys(cross) }
      return .keys(field.phonetic.isEmpty ? field.values : field.phonetic)
    }
  }
}
