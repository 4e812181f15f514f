import Dispatch
import Foundation
import PaktCore

/// A scored candidate pair.
public struct ScoredPair: Sendable, Hashable {
  public var a: Int
  public var b: Int
  public var probability: Double
}

/// Why a pair scored as it did: each field's level and weight (log2 Bayes factor).
public struct PairExplanation: Sendable, Codable {
  public struct Part: Sendable, Codable {
    public var field: String
    public var level: String
    public var weight: Double
  }
  public var probability: Double
  public var parts: [Part]

  /// What term frequencies added, in bits: the pair's log-odds less the prior (λ) and every
  /// field's weight.
  public func termFrequencyBits(lambda: Double) -> Double {
    log2(probability / (1 - probability)) - log2(lambda / (1 - lambda)) - parts.reduce(0) { $0 + $1.weight }
  }
}

/// The result of linking: clusters, the scored pairs, the estimated model and counts.
public struct LinkOutput: Sendable {
  public var clusters: [[Int]]
  /// Candidate pairs with their match probability, those of at least
  /// `ProbabilisticLinker.keptProbability`.
  public var pairs: [ScoredPair]
  public var model: LinkModel
  public var candidatePairs: Int
  /// Blocks skipped because more than `maxBlockSize` records shared the key.
  public var skippedBlocks: Int
  /// The probability that joined each record to its cluster (0 for singletons).
  public var clusterProbability: [Double]
  /// Merges of two clusters refused because the records between them did not support it
  /// (average below the threshold, conflicting identifiers, or too large to check).
  public var refusedMerges = 0
  /// What a later night needs to link only its change (`link(columns:keeping:)`), built on a
  /// thread of its own while the caller reads the clusters; nil without `keeping`. Why: what a
  /// caller does with the clusters runs on one core; building the index before handing them
  /// over took 0.6-1.0 s of a 425,780-record night's link stage.
  public var indexInBackground: InBackground<LinkIndex>? = nil
  /// The index (`indexInBackground`), waited for if it is still being built.
  public var index: LinkIndex? { indexInBackground?.value }
  /// The prepared records and their comparator, kept for `explain`. Why: rebuilding them to
  /// explain a few hundred review pairs was a fifth of the pipeline's link stage (perf).
  var scoring: Scoring? = nil

  struct Scoring: Sendable {
    let comparator: Comparator
    let scorer: Scorer
  }
}

/// Probabilistic record linkage (Fellegi-Sunter), generic over the fields of a
/// `LinkageConfig`: blocking → comparison levels → m and u by EM → term-frequency adjusted
/// match probabilities → clusters with a guard against chains of weak links.
///
/// ```swift
/// let linker = ProbabilisticLinker(config: try LinkageConfig.load(file: "link.yml"))
/// let out = linker.link(columns: columns)   // columns[field][record]
/// out.clusters
/// ```
public struct ProbabilisticLinker: Sendable {
  public let config: LinkageConfig
  /// Scored pairs below this match probability are not kept in `LinkOutput.pairs`.
  public static let keptProbability = 0.01

  public init(config: LinkageConfig) { self.config = config }

  /// Links `columns[field][record]`. `dates[field]`, when given, are a date field's values
  /// already read (they are not parsed again from the text). With `keeping` (each record's
  /// stable key, such as "source/local id"), the output also holds the `LinkIndex` later
  /// nights link their change with.
  public func link(
    columns: [[String?]], dates: [Int: [PartialDate?]] = [:], mustLink: [(Int, Int)] = [],
    cannotLink: [(Int, Int)] = [], randomPairs: Int = 500_000, keeping recordKeys: [String]? = nil
  ) -> LinkOutput {
    var clock = PhaseClock("linker")
    let records = PreparedRecords(columns: columns, config: config, dates: dates)
    clock.lap("prepare")
    let comparator = Comparator(records: records, config: config)
    let blocks = ruleBlocks(records)
    let skipped = blocks.prefix(config.blocking.count).reduce(0) { $0 + $1.skipped }
    let candidates = candidatePairs(blocks, records)
    clock.lap("blocking")
    let compared = compare(candidates, comparator)
    clock.lap("compare")
    clock.note(
      "pairs compared by rule (the blocking rules', then those only the training rules make): "
        + (0..<candidates.stride).map { r in String(compared.filter { $0.rule == r }.reduce(0) { $0 + $1.pairs }) }
        .joined(separator: ", "))
    let model = estimate(records: records, comparator: comparator, compared: compared, randomPairs: randomPairs)
    clock.lap("train")
    let scorer = Scorer(model: model, config: config, records: records)
    var out = scoreAndCluster(
      records, comparator, candidates, compared, scorer, model: model, skipped: skipped, mustLink: mustLink,
      cannotLink: cannotLink, clock: &clock)
    // Once clustered, not beside clustering: there the two held 100 MB more at once (a night
    // of 500,833 records peaked at 1,061-1,090 MB against 927-976 MB).
    out.indexInBackground = recordKeys.map { keys in
      InBackground { [self] in
        LinkIndex(
          records: keys, keys: stableKeys(records),
          frequencies: LinkIndex.Frequencies(
            total: records.count, values: records.fields.map(\.counted.values),
            coarse: records.fields.map(\.counted.coarse), average: scorer.averageFrequency,
            conditional: scorer.keptConditional(records)))
      }
    }
    clock.finish()
    return out
  }

  /// The second half of a link, with a model trained or kept: the candidates' match
  /// probabilities, the clusters, and the output.
  func scoreAndCluster(
    _ records: PreparedRecords, _ comparator: Comparator, _ candidates: CandidatePairs, _ compared: [ComparedUnit],
    _ scorer: Scorer, model: LinkModel, skipped: Int, mustLink: [(Int, Int)], cannotLink: [(Int, Int)],
    clock: inout PhaseClock
  ) -> LinkOutput {
    let pairs = score(candidates, compared, comparator, scorer)
    clock.lap("score")
    let clustering = cluster(
      count: records.count, pairs: pairs, mustLink: mustLink, cannotLink: cannotLink,
      judge: PairJudge(comparator: comparator, scorer: scorer))
    clock.lap("cluster")
    return LinkOutput(
      clusters: clustering.clusters, pairs: pairs, model: model,
      candidatePairs: compared.filter(\.candidates).reduce(0) { $0 + $1.pairs },
      skippedBlocks: skipped, clusterProbability: clustering.joined, refusedMerges: clustering.refused,
      scoring: LinkOutput.Scoring(comparator: comparator, scorer: scorer))
  }

  // MARK: Training

  /// m, u and λ from the records themselves (see `Training`).
  func estimate(records: PreparedRecords, comparator: Comparator, compared: [ComparedUnit], randomPairs: Int)
    -> LinkModel
  {
    let levels = config.fields.map { $0.kind.levels.count }
    var randomCounts: [UInt64: Int] = [:]
    for p in Self.compareAll(Self.randomPairs(count: records.count, limit: randomPairs), comparator) {
      randomCounts[p, default: 0] += 1
    }
    let u = Training.u(random: randomCounts, levels: levels)
    // One session per training rule, over the pairs that rule produces: those among the
    // candidates and those compared for training only.
    var sessions: [Training.Session] = []
    for (t, rule) in config.training.enumerated() {
      var excluded = Set(rule.map(\.field))
      for part in rule where part.transform == .nameset {
        if let partner = comparator.swapPartner[part.field] { excluded.insert(partner) }
      }
      var counts: [UInt64: Int] = [:]
      for unit in compared {
        let perPattern =
          unit.candidates ? unit.training[t] : (unit.rule == config.blocking.count + t ? unit.counts : [])
        for (i, c) in perPattern.enumerated() where c > 0 {
          counts[Training.masked(unit.patterns[i], excluded), default: 0] += c
        }
      }
      let anchor = rule.allSatisfy { config.fields[$0.field].kind == .identifier && $0.transform == .exact }
      sessions.append(Training.Session(counts: counts, excluded: excluded, anchor: anchor))
    }
    let (m, unconverged) = Training.estimateM(sessions: sessions, u: u, levels: levels)
    var all: [UInt64: Int] = [:]
    for unit in compared where unit.candidates {
      for (i, c) in unit.counts.enumerated() { all[unit.patterns[i], default: 0] += c }
    }
    let n = Double(records.count)
    let allPairs = n * (n - 1) / 2
    var model = LinkModel(lambda: 0, m: m, u: u, iterations: sessions.count)
    model.uGiven = config.fields.indices.map { f in
      let field = config.fields[f]
      let keys = field.dependsOn.compactMap { d in config.fields.firstIndex { $0.name == d } }.map {
        records.fields[$0].agreementKey
      }
      guard let key = keys.first else { return [] }
      if field.kind == .name {
        // Counted on pairs of different people who share the other name: those born in
        // different years (a person's records nearly always agree on the year: m of "years
        // differ" is below 1%), so that a person's repeated records do not make every rare
        // name look as if it went with its partner. Without dates, or with fewer than 1,000
        // such pairs, the name weighs as if it did not depend on the other.
        guard let date = config.fields.indices.first(where: { config.fields[$0].kind == .date }) else { return [] }
        let present = key.ids.indices.map { records.fields[f].values.ids[$0] >= 0 ? key.ids[$0] : -1 }
        let sample = Self.sharedKeyPairs(keys: present, years: records.fields[date].years, limit: randomPairs / 2)
        guard sample.available >= 1_000 else { return [] }
        return Training.uAmong(Self.compareAll(sample.pairs, comparator), field: f, u: u[f])
      }
      return Training.uGiven(records.fields[f].values, given: keys) ?? []
    }
    let evidence = Evidence(model: model, config: config)
    model.lambda = Training.lambda(candidates: all, allPairs: allPairs) { evidence.total($0) }
    model.warnings = ModelCheck.warnings(
      model, config: config, unconverged: unconverged.map { config.training[$0] },
      deterministicLambda: ModelCheck.deterministicLambda(candidates: all, config: config, allPairs: allPairs))
    return model
  }

  // MARK: Comparing and scoring the candidates

  /// One unit's pairs compared: their distinct level patterns with counts.
  struct ComparedUnit: Sendable {
    let rule: Int
    /// Whether the unit holds candidate pairs (else pairs only a training rule makes).
    let candidates: Bool
    var patterns: [UInt64] = []
    var counts: [Int] = []
    /// Candidate units: each pair's pattern as an index into `patterns`, in the order the pairs
    /// come; nil when the unit met more patterns than 16 bits number (then scoring compares
    /// again). Why: two bytes per pair instead of eight for the pair and eight for its pattern
    /// (1.4 GB at one million person records), without comparing every pair twice.
    var index: [UInt16]? = []
    /// Candidate units: per training rule, how many pairs of each pattern that rule also makes.
    var training: [[Int]] = []
    /// The pairs compared.
    var pairs: Int { counts.reduce(0, +) }
  }

  /// Level patterns → their number in one unit: open addressing on a multiplicative hash.
  /// Why: a Dictionary lookup (SipHash) per pair was a tenth of comparing (perf).
  struct PatternTable {
    private var keys = [UInt64](repeating: 0, count: 1024)
    private var values = [Int32](repeating: -1, count: 1024)
    private var count = 0

    /// The number of `pattern`, or -1.
    @inline(__always)
    func find(_ pattern: UInt64) -> Int {
      let mask = keys.count - 1
      var slot = Int(truncatingIfNeeded: (pattern &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
      while values[slot] >= 0 {
        if keys[slot] == pattern { return Int(values[slot]) }
        slot = (slot + 1) & mask
      }
      return -1
    }

    mutating func insert(_ pattern: UInt64, _ number: Int) {
      if 2 * (count + 1) > keys.count {
        let old = zip(keys, values).filter { $0.1 >= 0 }
        keys = [UInt64](repeating: 0, count: 2 * keys.count)
        values = [Int32](repeating: -1, count: keys.count)
        count = 0
        for (k, v) in old { insert(k, Int(v)) }
      }
      let mask = keys.count - 1
      var slot = Int(truncatingIfNeeded: (pattern &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
      while values[slot] >= 0 { slot = (slot + 1) & mask }
      keys[slot] = pattern
      values[slot] = Int32(number)
      count += 1
    }
  }

  /// Pass one: every candidate pair (and every pair only a training rule makes) compared, on all cores.
  func compare(_ candidates: CandidatePairs, _ comparator: Comparator) -> [ComparedUnit] {
    let blocking = config.blocking.count
    // Rules past the blocking ones are training rules; a night's change is scored with a
    // kept model and blocks by the blocking rules only.
    let trainingRules = max(0, candidates.stride - blocking)
    let stride = candidates.stride
    // A training rule with more pairs than `maxTrainingPairs` trains on every k-th of them (by
    // a hash of the pair, so the same pairs on every run): EM needs the patterns' shares,
    // which a uniform sample keeps.
    let every = (0..<trainingRules).map { t -> UInt64 in
      let starts = candidates.rules[blocking + t].starts
      var pairs = 0
      for b in 0..<(starts.count - 1) {
        let n = starts[b + 1] - starts[b]
        pairs += n * (n - 1) / 2
      }
      let most = config.maxTrainingPairs
      return UInt64(max(1, (pairs + most - 1) / most))
    }
    return candidates.map { _, unit in
      let isCandidate = unit.rule < blocking
      let sampling = isCandidate ? 1 : every[unit.rule - blocking]
      var out = ComparedUnit(rule: unit.rule, candidates: isCandidate)
      out.training = isCandidate ? Array(repeating: [], count: trainingRules) : []
      var local = PatternTable()
      var index: [UInt16] = []
      var overflow = !isCandidate
      let cache = Comparator.Cache()
      candidates.forEachPair(in: unit, every: sampling) { a, b, keys in
        let pattern = comparator.compare(a, b, cache)
        var i = local.find(pattern)
        if i < 0 {
          i = out.patterns.count
          local.insert(pattern, i)
          out.patterns.append(pattern)
          out.counts.append(0)
          for t in 0..<out.training.count { out.training[t].append(0) }
        }
        out.counts[i] += 1
        if !overflow {
          if i <= Int(UInt16.max) {
            index.append(UInt16(truncatingIfNeeded: i))
          } else {
            overflow = true
            index = []
          }
        }
        if isCandidate {
          for t in 0..<trainingRules {
            let x = keys[a * stride + blocking + t]
            if x >= 0 && x == keys[b * stride + blocking + t] && (every[t] == 1 || Self.sampled(a, b, every[t])) {
              out.training[t][i] += 1
            }
          }
        }
      }
      out.index = overflow ? nil : index
      return out
    }
  }

  /// Whether pair `a`-`b` is in the one-in-`every` sample of a training rule's pairs.
  @inline(__always)
  static func sampled(_ a: Int, _ b: Int, _ every: UInt64) -> Bool {
    var x = UInt64(truncatingIfNeeded: a) << 32 | UInt64(truncatingIfNeeded: b)
    x = (x ^ (x >> 33)) &* 0xFF51_AFD7_ED55_8CCD
    x = (x ^ (x >> 33)) &* 0xC4CE_B9FE_1A85_EC53
    return (x ^ (x >> 33)) % every == 0
  }

  /// Pass two: the candidates' match probabilities, keeping those of at least
  /// `keptProbability`, ordered by record.
  func score(_ candidates: CandidatePairs, _ compared: [ComparedUnit], _ comparator: Comparator, _ scorer: Scorer)
    -> [ScoredPair]
  {
    let cut = log(Self.keptProbability / (1 - Self.keptProbability)) - 1e-9
    let perUnit = candidates.map { u, unit -> [ScoredPair] in
      let done = compared[u]
      guard done.candidates else { return [] }
      // What a pattern scores before term frequencies, and the most they could add: most
      // patterns are far below the cut whatever the names.
      let base = done.patterns.map { scorer.logOdds($0) }
      let headroom = done.patterns.map { scorer.termFrequencyHeadroom($0) }
      var local = PatternTable()
      if done.index == nil { for (i, p) in done.patterns.enumerated() { local.insert(p, i) } }
      let cache = Comparator.Cache()
      var kept: [ScoredPair] = []
      var n = 0
      candidates.forEachPair(in: unit) { a, b, _ in
        let i: Int
        if let index = done.index {
          i = Int(index[n])
          n += 1
        } else {
          i = local.find(comparator.compare(a, b, cache))
        }
        if base[i] + headroom[i] < cut { return }
        let logOdds = base[i] + scorer.termFrequencyAdjustment(done.patterns[i], a, b)
        let p = 1 / (1 + exp(-logOdds))
        if p >= Self.keptProbability { kept.append(ScoredPair(a: a, b: b, probability: p)) }
      }
      return kept
    }
    var pairs = perUnit.flatMap { $0 }
    // Ordered by record, whatever rule found them: ties in clustering break the same way on every run.
    pairs.sort { ($0.a, $0.b) < ($1.a, $1.b) }
    return pairs
  }

  // MARK: Comparing

  /// Level patterns of every pair, computed on all cores.
  static func compareAll(_ pairs: [UInt64], _ comparator: Comparator) -> [UInt64] {
    var out = [UInt64](repeating: 0, count: pairs.count)
    let chunk = 65_536
    let chunks = (pairs.count + chunk - 1) / chunk
    pairs.withUnsafeBufferPointer { input in
      out.withUnsafeMutableBufferPointer { output in
        // Each chunk writes only its own slice of `output`.
        nonisolated(unsafe) let target = output
        nonisolated(unsafe) let source = input
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
          let cache = Comparator.Cache()
          let start = c * chunk
          let end = min(start + chunk, source.count)
          for i in start..<end {
            let p = source[i]
            target[i] = comparator.compare(Int(p >> 32), Int(p & 0xFFFF_FFFF), cache)
          }
        }
      }
    }
    return out
  }

  /// A deterministic sample of pairs of records that share a key (`keys[r]`, -1: none) and
  /// were born in different years (`years[r]`, -1: unknown), every such pair about equally
  /// likely: a group is drawn by its number of pairs, then two of its records. `available`:
  /// how many such pairs there are (the sample draws with replacement).
  static func sharedKeyPairs(keys: [Int32], years: [Int32], limit: Int) -> (pairs: [UInt64], available: Double) {
    var groups: [Int32: [Int32]] = [:]
    for r in keys.indices where keys[r] >= 0 && years[r] >= 0 { groups[keys[r], default: []].append(Int32(r)) }
    let members = groups.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    var cumulative: [Double] = []
    var total = 0.0
    var available = 0.0
    for g in members {
      let n = Double(g.count)
      total += n * (n - 1)
      cumulative.append(total)
      var byYear: [Int32: Double] = [:]
      for r in g { byYear[years[Int(r)], default: 0] += 1 }
      available += (n * (n - 1) - byYear.values.reduce(0) { $0 + $1 * ($1 - 1) }) / 2
    }
    guard available > 0 else { return ([], 0) }
    var random = SplitMix64(state: 0xD1B5_4A32_D192_ED03)
    var out: [UInt64] = []
    var attempts = 0
    while out.count < limit && attempts < 20 * limit {
      attempts += 1
      let x = Double(random.next() >> 11) / Double(1 << 53) * total
      var lo = 0
      var hi = cumulative.count - 1
      while lo < hi {
        let mid = (lo + hi) / 2
        if cumulative[mid] <= x { lo = mid + 1 } else { hi = mid }
      }
      let g = members[lo]
      let a = UInt64(g[Int(random.next() % UInt64(g.count))])
      let b = UInt64(g[Int(random.next() % UInt64(g.count))])
      if a == b || years[Int(a)] == years[Int(b)] { continue }
      out.append(min(a, b) << 32 | max(a, b))
    }
    return (out, available)
  }

  /// A deterministic uniform sample of distinct-record pairs (SplitMix64).
  static func randomPairs(count: Int, limit: Int) -> [UInt64] {
    guard count > 1 else { return [] }
    let possible = count * (count - 1) / 2
    var random = SplitMix64(state: 0x9E37_79B9_7F4A_7C15)
    var out: [UInt64] = []
    let n = min(limit, possible)
    out.reserveCapacity(n)
    while out.count < n {
      let a = UInt64(random.next() % UInt64(count))
      let b = UInt64(random.next() % UInt64(count))
      if a == b { continue }
      out.append(min(a, b) << 32 | max(a, b))
    }
    return out
  }

  /// Each field's level and weight for some pairs: what a steward sees in the review report.
  /// Pass the `output` of `link` over the same columns to reuse its prepared records.
  public func explain(columns: [[String?]], pairs: [(Int, Int)], model: LinkModel, of output: LinkOutput? = nil)
    -> [PairExplanation]
  {
    let comparator: Comparator
    let scorer: Scorer
    if let scoring = output?.scoring {
      (comparator, scorer) = (scoring.comparator, scoring.scorer)
    } else {
      let records = PreparedRecords(columns: columns, config: config)
      comparator = Comparator(records: records, config: config)
      scorer = Scorer(model: model, config: config, records: records)
    }
    let cache = Comparator.Cache()
    return pairs.map { a, b in
      let pattern = comparator.compare(a, b, cache)
      var parts: [PairExplanation.Part] = []
      for (f, field) in config.fields.enumerated() {
        let l = Int((pattern >> (4 * UInt64(f))) & 0xF)
        let label = l == 0 ? "missing" : field.kind.levels[l - 1]
        parts.append(
          .init(field: field.name, level: label, weight: l == 0 ? 0 : scorer.evidence.field(pattern, f) / log(2)))
      }
      let p = scorer.probability(pattern, a, b)
      return PairExplanation(probability: p, parts: parts)
    }
  }
}

/// SplitMix64: a small deterministic generator, for samples that are the same on every run.
struct SplitMix64 {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
