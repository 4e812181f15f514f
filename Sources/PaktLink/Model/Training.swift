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

  /// The prior on m: one pair's worth of matches, spread over a field's levels as u spreads
  /// the non-matches, added to what each EM iteration counts (the posterior mean under a
  /// Dirichlet prior of total weight 1 centred on u: before any match is seen, a level is
  /// no evidence either way). Why: a level no match of a session showed is rare, not
  /// impossible. Without it, m of such a level was 10⁻⁶, and a 2,000-person file whose
  /// identifier pairs held no record with the sex entered wrong weighed "sex differs" at
  /// −14.8 bits (−1.5 at 300,000 persons, where such pairs exist): one slip split a person.
  /// Centred on u, not spread evenly: an even prior gave levels neither matches nor random
  /// pairs showed (u 10⁻⁶) +7 bits out of nothing. With thousands of matches the prior is
  /// lost in the counts.
  static let priorPairs = 1.0

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

  /// u of a name field among pairs that agree on the other name, counted on such pairs of
  /// different people (`patterns`: pairs sharing the other name and born in different years),
  /// smoothed as `u(random:levels:)`. The swapped levels, which such pairs cannot reach, are
  /// `u`'s raised as the level they are scored as (exact, transliteration).
  ///
  /// Why: names go with where people come from (Yonas with Tesfamariam, Mohammad with Ahmadi),
  /// so agreeing on both is not as rare as the product of the two agreements, and two
  /// different given names of one community are more often a letter apart than two given
  /// names at random. Counted as independent, two strangers sharing a common given and
  /// family name scored about 2 bits too high on a person file generated apart from pakt
  /// (pairs at p 0.85 were matches half the time). A ratio of observed to expected exact
  /// agreement, applied to exact and transliteration only (the previous round), left the
  /// other levels as among random pairs: on that file pairs at p 0.5 to 0.6 were matches 42%
  /// of the time; counted on the pairs themselves, 50%.
  static func uAmong(_ patterns: [UInt64], field f: Int, u: [Double]) -> [Double] {
    var counts = [Double](repeating: 1, count: u.count)
    for p in patterns where level(p, f) > 0 { counts[level(p, f)] += 1 }
    let total = counts.dropFirst().reduce(0, +)
    var out = [Double](repeating: 1, count: u.count)
    for l in 1..<u.count { out[l] = counts[l] / total }
    for (swapped, scored) in [(Comparator.NameLevel.swapped, 1), (Comparator.NameLevel.swappedVariant, 2)]
    where Int(swapped) < u.count {
      out[Int(swapped)] = min(u[Int(swapped)] * out[scored] / u[scored], 0.5)
    }
    // Pairs that both hold the name never meet "one name against two": it keeps its u.
    let one = Int(Comparator.NameLevel.oneAgainstTwo)
    if one < u.count { out[one] = u[one] }
    return out
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
  /// stopped at `maxIterations` before the m it gives the model settled (that m may be off).
  ///
  /// Anchor sessions run first. A field they saw enough matches on takes its m from them, so
  /// the other sessions' m for it is not used: their EM has settled once the fields it does
  /// give the model have, and a session that gives none is not run. Why: keyed on names, a
  /// session's namesakes born a year apart move m of "year ±1" towards zero by a few
  /// millionths per iteration for hundreds of iterations (a person file of 300,000 generated
  /// apart from pakt); the anchors' m of the date replaces it, and the warning that EM did not
  /// settle spoke of an m the model did not hold.
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
    let order = sessions.indices.filter { sessions[$0].anchor } + sessions.indices.filter { !sessions[$0].anchor }
    for index in order where !sessions[index].counts.isEmpty {
      let session = sessions[index]
      let free = (0..<fields).filter { !session.excluded.contains($0) }
      // The fields whose m this session gives the model.
      let used = session.anchor ? free : free.filter { anchorMass[$0] < anchorMatches }
      if used.isEmpty { continue }
      let entries = session.counts.map { (pattern: $0.key, count: Double($0.value)) }
      let (m, lambda, settled) = expectationMaximisation(
        entries, free: free, watched: used, u: u, levels: levels, maxIterations: maxIterations)
      if !settled { unconverged.append(index) }
      for f in used {
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
    unconverged.sort()
    return (m, unconverged)
  }

  /// One session's EM over its pattern counts with u fixed: m of its `free` fields and its λ,
  /// and whether λ and m of the `watched` fields settled (moved less than 1e-7 in an iteration)
  /// within `maxIterations`.
  static func expectationMaximisation(
    _ entries: [(pattern: UInt64, count: Double)], free: [Int], watched: [Int], u: [[Double]], levels: [Int],
    maxIterations: Int
  ) -> (m: [[Double]], lambda: Double, settled: Bool) {
    let fields = levels.count
    var m = initialM(levels: levels)
    var lambda = 0.1
    let total = entries.reduce(0) { $0 + $1.count }
    for _ in 0..<maxIterations {
      // The prior: one pair's worth of matches, spread over the levels as u spreads
      // non-matches (see `priorPairs`).
      var mCounts = (0..<fields).map { f in (0...levels[f]).map { l in l == 0 ? 0 : priorPairs * u[f][l] } }
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
          if watched.contains(f) { change = max(change, abs(nm - m[f][l])) }
          m[f][l] = nm
        }
      }
      lambda = newLambda
      if change < 1e-7 { return (m, lambda, true) }
    }
    return (m, lambda, false)
  }

  /// u of a category field `f` among pairs of records that agree on any of the fields `given`
  /// (by a name's transliteration key, else the value): the pairs of each group of records
  /// sharing one of them, pooled (a pair that shares two counts twice). Pairs, not records,
  /// weigh the groups, so common values, whose pairs are nearly all non-matches, set it; nil
  /// below 100 such pairs.
  static func uGiven(_ f: KeyColumn, given: [KeyColumn]) -> [Double]? {
    var pairs = 0.0
    var agree = 0.0
    for g in given {
      var groups: [Int32: [Int32: Int]] = [:]
      for r in f.ids.indices where f.ids[r] >= 0 && g.ids[r] >= 0 {
        groups[g.ids[r], default: [:]][f.ids[r], default: 0] += 1
      }
      for counts in groups.values {
        let n = Double(counts.values.reduce(0, +))
        pairs += n * (n - 1) / 2
        for c in counts.values { agree += Double(c) * Double(c - 1) / 2 }
      }
    }
    guard pairs >= 100 else { return nil }
    let share = min(max(agree / pairs, 1e-6), 1 - 1e-6)
    return [1, share, 1 - share]
  }

  /// Each record's chance that a different person who shares its other name (`g`) shares
  /// this name too: u of agreeing on the record's own value of a name field where the other
  /// name agrees, for the term-frequency adjustment. Why: a name goes with its partner more
  /// for some names than for others. The file-wide ratio (`uAmong`: 3.5 for exact agreement on a file generated
  /// apart from pakt) is an average over names of large and small communities; among the few
  /// hundred records of an Albanian family name, "Besnik" is far more common than its share of
  /// all records times 3.5.
  ///
  /// Per pair of values (other name, this name), counted among pairs of records born in
  /// different years (as for `uAmong`, so that one person's records do not count):
  /// the pairs of a record with this pair of values and a record with the other name that
  /// also hold this name, over all such pairs. It is drawn towards `prior[r]` (the value's
  /// frequency times the file-wide ratio) with the weight of two records' such pairs, so that
  /// a name met in a few records keeps about what the file-wide ratio says; and it never
  /// falls below `floor[r]`, the value's frequency: a name does not make its partner rarer
  /// than it is. 0 where the record lacks either name.
  ///
  /// Counted on two sorted lists of the records rather than in dictionaries keyed by
  /// (other name, name, year): hashing each record into four such dictionaries was 1.2 s of
  /// `pakt link` on a 300,000-person file (perf), on one core.
  static func conditionalFrequency(
    _ values: KeyColumn, given g: KeyColumn, years: [Int32], prior: [Double], floor: [Double]
  ) -> [Double] {
    struct Entry: Comparable {
      var key: UInt64
      var year: Int32
      var record: Int32
      static func < (a: Entry, b: Entry) -> Bool { (a.key, a.year) < (b.key, b.year) }
    }
    // Records holding both names, by (other name, this name, year); and those with a year too,
    // by (other name, year).
    var byPair: [Entry] = []
    var byYear: [Entry] = []
    var groups = 0
    for r in values.ids.indices where values.ids[r] >= 0 && g.ids[r] >= 0 {
      let (k, v) = (UInt64(UInt32(g.ids[r])), UInt64(UInt32(values.ids[r])))
      byPair.append(Entry(key: k << 32 | v, year: years[r], record: Int32(r)))
      if years[r] >= 0 { byYear.append(Entry(key: k, year: years[r], record: Int32(r))) }
      groups = max(groups, Int(k) + 1)
    }
    byPair.sort()
    byYear.sort()
    // Per group, its records with a year; per such record, those of its group born in its year.
    var groupSize = [Double](repeating: 0, count: groups)
    var sameYear = [Double](repeating: 0, count: values.ids.count)
    var i = 0
    while i < byYear.count {
      var j = i + 1
      while j < byYear.count && byYear[j].key == byYear[i].key && byYear[j].year == byYear[i].year { j += 1 }
      groupSize[Int(byYear[i].key)] += Double(j - i)
      for e in byYear[i..<j] { sameYear[Int(e.record)] = Double(j - i) }
      i = j
    }
    var out = [Double](repeating: 0, count: values.ids.count)
    i = 0
    while i < byPair.count {
      var end = i + 1
      while end < byPair.count && byPair[end].key == byPair[i].key { end += 1 }
      // Ordered pairs (record with the pair of values, record of the group), different years:
      // all of them, and those that share the value.
      var size = 0.0
      var shared = 0.0
      var all = 0.0
      var j = i
      while j < end {
        var next = j + 1
        while next < end && byPair[next].year == byPair[j].year { next += 1 }
        if byPair[j].year >= 0 {
          let n = Double(next - j)
          size += n
          shared -= n * n
          for e in byPair[j..<next] { all -= sameYear[Int(e.record)] }
        }
        j = next
      }
      let group = groupSize[Int(byPair[i].key >> 32)]
      shared += size * size
      all += size * group
      let weight = 2 * group
      for e in byPair[i..<end] {
        let r = Int(e.record)
        out[r] = weight > 0 ? max(floor[r], (shared + weight * prior[r]) / (all + weight)) : prior[r]
      }
      i = end
    }
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
