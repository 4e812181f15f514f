import Foundation

/// Estimates the Fellegi-Sunter model the way Splink does, without labels:
///
/// 1. u from random record pairs (nearly all non-matches), fixed from then on;
/// 2. m by expectation maximisation once per blocking rule, over the pairs that rule
///    produces, leaving out the fields the rule blocks on (they agree in every such pair and
///    so say nothing there); each field's m is the average over the rules that estimated it;
/// 3. λ, the chance that two random records match, as the fixed point of "expected matches
///    among the candidate pairs / all pairs" with m and u held.
///
/// Why not one EM over all candidate pairs with m and u free: blocking makes the candidates
/// agree on names far more often than random pairs do, and on person files with common names
/// EM then settled on "same name" as the match class (pairwise precision 0.03 on a generated
/// corpus of 21,844 records) instead of "same person".
enum Training {
  /// One EM session: the pattern counts of one blocking rule's pairs and the fields it blocks on.
  struct Session {
    var counts: [UInt64: Int]
    var excluded: Set<Int>
    /// Keyed on identifiers only (AZR, BAMF file number): its pairs are nearly all matches,
    /// so the m it estimates for the other fields is what matches look like.
    var anchor = false
  }

  /// Matches (expected) an anchor session needs before its m replaces the others' for a field.
  static let anchorMatches = 30.0

  static func level(_ p: UInt64, _ f: Int) -> Int { Int((p >> (4 * UInt64(f))) & 0xF) }

  /// The pattern with the levels of `fields` cleared (treated as missing).
  static func masked(_ p: UInt64, _ fields: Set<Int>) -> UInt64 {
    var out = p
    for f in fields { out &= ~(UInt64(0xF) << (4 * UInt64(f))) }
    return out
  }

  /// u from random pairs, smoothed so that no level is impossible.
  static func u(random: [UInt64: Int], levels: [Int]) -> [[Double]] {
    (0..<levels.count).map { f in
      var counts = [Double](repeating: 1, count: levels[f] + 1)
      for (p, c) in random where level(p, f) > 0 { counts[level(p, f)] += Double(c) }
      let total = counts.dropFirst().reduce(0, +)
      var row = [Double](repeating: 1, count: levels[f] + 1)
      for l in 1...levels[f] { row[l] = counts[l] / total }
      return row
    }
  }

  /// m starting values: matches mostly agree exactly.
  static func initialM(levels: [Int]) -> [[Double]] {
    (0..<levels.count).map { f -> [Double] in
      var row = [Double](repeating: 1, count: levels[f] + 1)
      let rest = 0.1 / Double(max(1, levels[f] - 1))
      for l in 1...levels[f] { row[l] = l == 1 ? 0.9 : rest }
      return row
    }
  }

  /// m for every field: EM per session with u fixed, averaged over the sessions that
  /// estimated each field (fields no session could estimate keep the starting values), or
  /// taken from anchor sessions where they saw enough matches; and the sessions whose EM
  /// stopped at `maxIterations` without settling (their m may be off).
  static func estimateM(sessions: [Session], u: [[Double]], levels: [Int], maxIterations: Int = 200) -> (
    m: [[Double]], unconverged: [Int]
  ) {
    var unconverged: [Int] = []
    let fields = levels.count
    var sum = (0..<fields).map { [Double](repeating: 0, count: levels[$0] + 1) }
    var estimated = [Int](repeating: 0, count: fields)
    // From anchor sessions: m weighted by the matches each saw with the field present.
    var anchorSum = (0..<fields).map { [Double](repeating: 0, count: levels[$0] + 1) }
    var anchorMass = [Double](repeating: 0, count: fields)
    for (index, session) in sessions.enumerated() where !session.counts.isEmpty {
      let free = (0..<fields).filter { !session.excluded.contains($0) }
      var settled = false
      var m = initialM(levels: levels)
      var lambda = 0.1
      let entries = session.counts.map { (pattern: $0.key, count: Double($0.value)) }
      let total = entries.reduce(0) { $0 + $1.count }
      for _ in 0..<maxIterations {
        var mCounts = (0..<fields).map { [Double](repeating: 1e-6, count: levels[$0] + 1) }
        var matchMass = 0.0
        for e in entries {
          let p = posterior(e.pattern, free, m, u, lambda)
          matchMass += e.count * p
          for f in free {
            let l = level(e.pattern, f)
            if l > 0 { mCounts[f][l] += e.count * p }
          }
        }
        let newLambda = min(max(matchMass / total, 1e-9), 1 - 1e-9)
        var change = abs(newLambda - lambda)
        for f in free {
          let mt = mCounts[f].dropFirst().reduce(0, +)
          for l in 1...levels[f] {
            let nm = mCounts[f][l] / mt
            change = max(change, abs(nm - m[f][l]))
            m[f][l] = nm
          }
        }
        lambda = newLambda
        if change < 1e-7 {
          settled = true
          break
        }
      }
      if !settled { unconverged.append(index) }
      for f in free {
        estimated[f] += 1
        for l in 1...levels[f] { sum[f][l] += m[f][l] }
      }
      if session.anchor {
        for f in free {
          // The matches among this session's pairs that hold the field on both sides.
          var mass = 0.0
          for e in entries where level(e.pattern, f) > 0 { mass += e.count * posterior(e.pattern, free, m, u, lambda) }
          anchorMass[f] += mass
          for l in 1...levels[f] { anchorSum[f][l] += mass * m[f][l] }
        }
      }
    }
    var m = initialM(levels: levels)
    for f in 0..<fields where estimated[f] > 0 {
      // Where identifiers vouch for enough pairs, their matches tell what a match looks like
      // on this field. Why: keyed on names, a session meets namesakes (same name, sex,
      // nationality and year, another person) that agree on everything it can see but the
      // date; with one informative field left, EM cannot tell them from matches and took
      // "complete dates differ" for 10% of matches (a generated corpus with 3% namesakes).
      if anchorMass[f] >= anchorMatches {
        for l in 1...levels[f] { m[f][l] = max(anchorSum[f][l] / anchorMass[f], 1e-6) }
      } else {
        for l in 1...levels[f] { m[f][l] = max(sum[f][l] / Double(estimated[f]), 1e-6) }
      }
    }
    return (m, unconverged)
  }

  /// u of a category field `f` among pairs of records that agree on field `g` (by `g`'s
  /// transliteration key for names, else its value): the pairs of each group of records
  /// sharing `g`, counted once. Pairs, not records, weigh the groups, so common values, whose
  /// pairs are nearly all non-matches, set it; nil below 100 such pairs.
  static func uGiven(_ f: KeyColumn, given g: KeyColumn) -> [Double]? {
    var groups: [Int32: [Int32: Int]] = [:]
    for r in f.ids.indices where f.ids[r] >= 0 && g.ids[r] >= 0 {
      groups[g.ids[r], default: [:]][f.ids[r], default: 0] += 1
    }
    var pairs = 0.0
    var agree = 0.0
    for counts in groups.values {
      let n = Double(counts.values.reduce(0, +))
      pairs += n * (n - 1) / 2
      for c in counts.values { agree += Double(c) * Double(c - 1) / 2 }
    }
    guard pairs >= 100 else { return nil }
    let share = min(max(agree / pairs, 1e-6), 1 - 1e-6)
    return [1, share, 1 - share]
  }

  /// u of a name field `f` among pairs of records that agree on field `g` (the other name):
  /// its exact and transliteration levels scaled by how much more often two different people
  /// who share `g` share `f` too than the shares of their values of `f` among all records
  /// (what the term-frequency adjustment expects) say; the other levels as
  /// `u`, the last ("else") giving up what the agreements gained. Why: names go with where
  /// people come from (Yonas with Tesfamariam, Mohammad with Ahmadi), so agreeing on both is
  /// not as rare as the product of the two agreements; counted as independent, two strangers
  /// sharing a common given and family name scored about 2 bits too high on a person file
  /// generated apart from pakt (pairs at p 0.85 were matches half the time).
  ///
  /// Pairs born in different years stand for the different people: a person's records
  /// nearly always agree on the year (m of "years differ" is below 1%), so they leave out
  /// the matches that would otherwise make every rare name look dependent on its partner.
  /// nil below 1,000 such pairs, or without years.
  static func uGivenName(
    _ u: [Double], values: KeyColumn, keys: KeyColumn, given g: KeyColumn, years: [Int32]?
  ) -> [Double]? {
    guard let years, !keys.isEmpty else { return nil }
    struct Key: Hashable {
      var group: Int32
      var value: Int32
      var year: Int32
    }
    var ratio: [Double] = []
    for column in [values, keys] {
      // Each value's share of the records (the chance that a random record holds it, as the
      // term-frequency adjustment takes it).
      var share: [Int32: Double] = [:]
      var present = 0.0
      for r in column.ids.indices where column.ids[r] >= 0 && years[r] >= 0 {
        share[column.ids[r], default: 0] += 1
        present += 1
      }
      // Per group of records sharing the other name: its size, its records by year, the sum
      // of its records' shares; and its records by value, and by value and year.
      var size: [Int32: Int] = [:]
      var sumShare: [Int32: Double] = [:]
      var byYear: [Key: Int] = [:]
      var byValue: [Key: Int] = [:]
      var byValueYear: [Key: Int] = [:]
      for r in column.ids.indices where column.ids[r] >= 0 && years[r] >= 0 && g.ids[r] >= 0 {
        let (k, v, y) = (g.ids[r], column.ids[r], years[r])
        size[k, default: 0] += 1
        sumShare[k, default: 0] += share[v]! / present
        byYear[Key(group: k, value: -1, year: y), default: 0] += 1
        byValue[Key(group: k, value: v, year: -1), default: 0] += 1
        byValueYear[Key(group: k, value: v, year: y), default: 0] += 1
      }
      func pairs(_ n: Int) -> Double { Double(n) * Double(n - 1) / 2 }
      // Pairs born in different years, per group.
      var different: [Int32: Double] = [:]
      for (k, n) in size { different[k] = pairs(n) }
      for (key, n) in byYear { different[key.group]! -= pairs(n) }
      // Observed: such pairs that agree on this name. Expected if it did not go with the
      // other name: each pair agrees with the chance of its group's mean share.
      var observed = 0.0
      for n in byValue.values { observed += pairs(n) }
      for n in byValueYear.values { observed -= pairs(n) }
      var expected = 0.0
      var total = 0.0
      for (k, d) in different {
        expected += d * sumShare[k]! / Double(size[k]!)
        total += d
      }
      guard total >= 1_000, expected > 0 else { return nil }
      // Only ever raised: a name does not make its partner rarer than it is.
      ratio.append(max(1, observed / expected))
    }
    var out = u
    let scaled = [
      (Comparator.NameLevel.exact, ratio[0]), (Comparator.NameLevel.translit, ratio[1]),
      (Comparator.NameLevel.swapped, ratio[0]), (Comparator.NameLevel.swappedVariant, ratio[1]),
    ]
    for (level, r) in scaled where Int(level) < out.count { out[Int(level)] = min(u[Int(level)] * r, 0.5) }
    let gained = (1..<u.count).reduce(0.0) { $0 + out[$1] - u[$1] }
    let last = Int(Comparator.NameLevel.differ)
    if last < out.count { out[last] = max(u[last] - gained, 1e-6) }
    return out
  }

  /// The match probability of a pattern under a session's model (its free fields only).
  static func posterior(_ pattern: UInt64, _ free: [Int], _ m: [[Double]], _ u: [[Double]], _ lambda: Double)
    -> Double
  {
    var logM = log(lambda)
    var logU = log(1 - lambda)
    for f in free {
      let l = level(pattern, f)
      if l == 0 { continue }
      logM += log(m[f][l])
      logU += log(u[f][l])
    }
    return 1 / (1 + exp(logU - logM))
  }

  /// λ for a random pair: expected matches among the candidates (each pattern's posterior
  /// under λ) over all pairs, iterated to its fixed point; pairs never compared count as
  /// non-matches.
  /// Each pattern's natural-log Bayes factor is given by `logBF` (see `Evidence.total`).
  static func lambda(candidates: [UInt64: Int], allPairs: Double, logBF: (UInt64) -> Double) -> Double {
    guard allPairs > 0 else { return 1e-9 }
    let bayes = candidates.map { entry -> (logBF: Double, count: Double) in (logBF(entry.key), Double(entry.value)) }
    var lambda = min(0.5, Double(candidates.values.reduce(0, +)) / allPairs / 10)
    for _ in 0..<200 {
      let prior = log(lambda / (1 - lambda))
      var expected = 0.0
      for b in bayes { expected += b.count / (1 + exp(-(prior + b.logBF))) }
      let next = min(max(expected / allPairs, 1e-12), 0.5)
      if abs(next - lambda) <= 1e-4 * lambda { return next }
      lambda = next
    }
    return lambda
  }
}
