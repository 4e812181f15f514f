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
  /// The prepared records and their comparator, kept for `explain`. Why: rebuilding them to
  /// explain a few hundred review pairs was a fifth of the pipeline's link stage (perf).
  var scoring: Scoring? = nil

  struct Scoring: Sendable {
    let comparator: Comparator
    let tfAverage: [Double]
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

  public func link(
    columns: [[String?]], mustLink: [(Int, Int)] = [], cannotLink: [(Int, Int)] = [], randomPairs: Int = 500_000
  ) -> LinkOutput {
    let records = PreparedRecords(columns: columns, config: config)
    let comparator = Comparator(records: records, config: config)
    let (candidates, skipped) = blockedPairs(records)
    let patterns = Self.compareAll(candidates, comparator)
    let model = estimate(
      records: records, comparator: comparator, candidates: candidates, patterns: patterns,
      randomPairs: randomPairs)
    let tfAverage = Self.averageAgreeingFrequency(records)
    // Only pairs that could matter are kept: at 327,000 person records most of the 60 million
    // candidates score far below 1%, and keeping them all took 1.4 GB.
    var pairs: [ScoredPair] = []
    for (i, packed) in candidates.enumerated() {
      let a = Int(packed >> 32)
      let b = Int(packed & 0xFFFF_FFFF)
      let p = probability(patterns[i], a, b, model: model, comparator: comparator, tfAverage: tfAverage)
      if p >= Self.keptProbability { pairs.append(ScoredPair(a: a, b: b, probability: p)) }
    }
    let (clusters, joined) = cluster(count: records.count, pairs: pairs, mustLink: mustLink, cannotLink: cannotLink)
    return LinkOutput(
      clusters: clusters, pairs: pairs, model: model, candidatePairs: candidates.count, skippedBlocks: skipped,
      clusterProbability: joined, scoring: LinkOutput.Scoring(comparator: comparator, tfAverage: tfAverage))
  }

  // MARK: Training

  /// m, u and λ from the records themselves (see `Training`).
  func estimate(
    records: PreparedRecords, comparator: Comparator, candidates: [UInt64], patterns: [UInt64], randomPairs: Int
  ) -> LinkModel {
    let levels = config.fields.map { $0.kind.levels.count }
    var randomCounts: [UInt64: Int] = [:]
    for p in Self.compareAll(Self.randomPairs(count: records.count, limit: randomPairs), comparator) {
      randomCounts[p, default: 0] += 1
    }
    let u = Training.u(random: randomCounts, levels: levels)
    // One session per training rule, over the pairs that rule produces.
    var sessions: [Training.Session] = []
    for rule in config.training {
      var excluded = Set(rule.map(\.field))
      for part in rule where part.transform == .nameset {
        if let partner = comparator.swapPartner[part.field] { excluded.insert(partner) }
      }
      var counts: [UInt64: Int] = [:]
      for p in Self.compareAll(pairs(for: [rule], records).pairs, comparator) {
        counts[Training.masked(p, excluded), default: 0] += 1
      }
      sessions.append(Training.Session(counts: counts, excluded: excluded))
    }
    let m = Training.m(sessions: sessions, u: u, levels: levels)
    var all: [UInt64: Int] = [:]
    for p in patterns { all[p, default: 0] += 1 }
    let n = Double(records.count)
    let lambda = Training.lambda(candidates: all, m: m, u: u, allPairs: n * (n - 1) / 2)
    return LinkModel(lambda: lambda, m: m, u: u, iterations: sessions.count)
  }

  // MARK: Blocking

  /// The union of the blocking rules' pairs, each pair once, as `a << 32 | b` with a < b.
  func blockedPairs(_ records: PreparedRecords) -> ([UInt64], Int) {
    pairs(for: config.blocking, records)
  }

  /// The union of `rules`' pairs, each once, and the number of blocks skipped as too large.
  func pairs(for rules: [[LinkageConfig.KeyPart]], _ records: PreparedRecords) -> (pairs: [UInt64], skipped: Int) {
    var pairs: [UInt64] = []
    var skipped = 0
    for rule in rules {
      var groups: [[UInt8]: [Int32]] = [:]
      for r in 0..<records.count {
        guard let key = blockingKey(rule, r, records) else { continue }
        groups[key, default: []].append(Int32(r))
      }
      for members in groups.values where members.count > 1 {
        if members.count > config.maxBlockSize {
          skipped += 1
          continue
        }
        for i in 0..<members.count {
          for j in (i + 1)..<members.count {
            let a = UInt64(min(members[i], members[j]))
            let b = UInt64(max(members[i], members[j]))
            pairs.append(a << 32 | b)
          }
        }
      }
    }
    // Sorting and dropping repeats is cheaper than a hash set for millions of pairs.
    pairs.sort()
    var unique: [UInt64] = []
    unique.reserveCapacity(pairs.count)
    for p in pairs where unique.last != p { unique.append(p) }
    return (unique, skipped)
  }

  func blockingKey(_ rule: [LinkageConfig.KeyPart], _ r: Int, _ records: PreparedRecords) -> [UInt8]? {
    var key: [UInt8] = []
    for part in rule {
      let field = records.fields[part.field]
      var bytes: [UInt8]?
      switch part.transform {
      case .exact:
        if !field.dates.isEmpty {
          // A placeholder date (01.01.YYYY) says only the year: as a block it would put
          // everyone of that year together, which the year rules already do with a name.
          guard let date = field.dates[r], date.precision == .day, !date.placeholder else { return nil }
        }
        bytes = field.values[r]
      case .phonetic: bytes = field.phonetic.isEmpty ? field.values[r] : field.phonetic[r]
      case .translit: bytes = field.translit.isEmpty ? field.values[r] : field.translit[r]
      case .prefix3: bytes = field.values[r].map { Array($0.prefix(3)) }
      case .year:
        if !field.dates.isEmpty {
          bytes = field.dates[r].map { Array(String($0.year).utf8) }
        } else {
          bytes = field.values[r].map { Array($0.prefix(4)) }
        }
      case .digits: bytes = field.values[r].map { $0.filter { $0 >= 48 && $0 <= 57 } }
      case .nameset: bytes = field.nameset.isEmpty ? field.translit[r] : field.nameset[r]
      }
      guard let b = bytes, !b.isEmpty else { return nil }
      key += b
      key.append(0x1F)
    }
    return key
  }

  // MARK: Comparing

  /// Level patterns of every pair, computed on all cores.
  static func compareAll(_ pairs: [UInt64], _ comparator: Comparator) -> [UInt64] {
    var out = [UInt64](repeating: 0, count: pairs.count)
    let chunk = 8192
    let chunks = (pairs.count + chunk - 1) / chunk
    pairs.withUnsafeBufferPointer { input in
      out.withUnsafeMutableBufferPointer { output in
        // Each chunk writes only its own slice of `output`.
        nonisolated(unsafe) let target = output
        nonisolated(unsafe) let source = input
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
          let start = c * chunk
          let end = min(start + chunk, source.count)
          for i in start..<end {
            let p = source[i]
            target[i] = comparator.compare(Int(p >> 32), Int(p & 0xFFFF_FFFF))
          }
        }
      }
    }
    return out
  }

  /// A deterministic uniform sample of distinct-record pairs (SplitMix64).
  static func randomPairs(count: Int, limit: Int) -> [UInt64] {
    guard count > 1 else { return [] }
    let possible = count * (count - 1) / 2
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    var out: [UInt64] = []
    let n = min(limit, possible)
    out.reserveCapacity(n)
    while out.count < n {
      let a = UInt64(next() % UInt64(count))
      let b = UInt64(next() % UInt64(count))
      if a == b { continue }
      out.append(min(a, b) << 32 | max(a, b))
    }
    return out
  }

  // MARK: Scoring

  /// For term-frequency fields: the average frequency of the value two agreeing records share.
  static func averageAgreeingFrequency(_ records: PreparedRecords) -> [Double] {
    records.fields.map { field in
      guard !field.frequency.isEmpty else { return 0 }
      // Over records: Σ tf² / Σ tf equals Σ_v tf_v³ / Σ_v tf_v² over distinct values.
      var num = 0.0
      var den = 0.0
      for (i, v) in field.values.enumerated() where v != nil {
        num += field.frequency[i] * field.frequency[i]
        den += field.frequency[i]
      }
      return den > 0 ? num / den : 0
    }
  }

  func probability(
    _ pattern: UInt64, _ a: Int, _ b: Int, model: LinkModel, comparator: Comparator, tfAverage: [Double]
  ) -> Double {
    var logOdds = log(model.lambda / (1 - model.lambda))
    for f in 0..<config.fields.count {
      let l = scoredLevel(pattern, f)
      if l == 0 { continue }
      var bf = model.m[f][l] / model.u[f][l]
      // An exact match on a common value says less than one on a rare value.
      if l == 1, let tf = comparator.exactFrequency(f, a), tf > 0, tfAverage[f] > 0 {
        bf *= min(10, max(0.1, tfAverage[f] / tf))
      }
      logOdds += log(bf)
    }
    return 1 / (1 + exp(-logOdds))
  }

  /// The level a field is scored at. Names given and family names swapped are the same
  /// names in the other order: they weigh as an exact agreement of each (with its term
  /// frequency), not as the rare event random pairs make of them (that counted one
  /// coincidence twice at +15 each and joined "Emre Abubakar" to "Abubakar Emre" born 15
  /// years apart).
  @inline(__always)
  func scoredLevel(_ pattern: UInt64, _ f: Int) -> Int {
    let l = Int((pattern >> (4 * UInt64(f))) & 0xF)
    return l == Self.swappedLevel && config.fields[f].kind == .name ? 1 : l
  }

  /// The name kind's "swapped" level (see `Kind.levels`).
  static let swappedLevel = 3

  /// Each field's level and weight for some pairs: what a steward sees in the review report.
  /// Pass the `output` of `link` over the same columns to reuse its prepared records.
  public func explain(columns: [[String?]], pairs: [(Int, Int)], model: LinkModel, of output: LinkOutput? = nil)
    -> [PairExplanation]
  {
    let comparator: Comparator
    let tfAverage: [Double]
    if let scoring = output?.scoring {
      (comparator, tfAverage) = (scoring.comparator, scoring.tfAverage)
    } else {
      let records = PreparedRecords(columns: columns, config: config)
      comparator = Comparator(records: records, config: config)
      tfAverage = Self.averageAgreeingFrequency(records)
    }
    return pairs.map { a, b in
      let pattern = comparator.compare(a, b)
      var parts: [PairExplanation.Part] = []
      for (f, field) in config.fields.enumerated() {
        let l = Int((pattern >> (4 * UInt64(f))) & 0xF)
        let label = l == 0 ? "missing" : field.kind.levels[l - 1]
        let scored = scoredLevel(pattern, f)
        parts.append(.init(field: field.name, level: label, weight: l == 0 ? 0 : model.weight(f, scored)))
      }
      let p = probability(pattern, a, b, model: model, comparator: comparator, tfAverage: tfAverage)
      return PairExplanation(probability: p, parts: parts)
    }
  }

  // MARK: Clustering

  /// Joins pairs at or above the threshold, strongest first. Steward decisions come first
  /// (must-link joins, cannot-link forbids); two clusters that each hold several records are
  /// merged only by a pair at or above `chainGuard`, so a string of weak links cannot chain
  /// unrelated people together.
  func cluster(count: Int, pairs: [ScoredPair], mustLink: [(Int, Int)], cannotLink: [(Int, Int)]) -> (
    [[Int]], [Double]
  ) {
    var uf = UnionFind(count)
    var joined = [Double](repeating: 0, count: count)
    func forbidden(_ x: Int, _ y: Int) -> Bool {
      let rx = uf.find(x)
      let ry = uf.find(y)
      for (c, d) in cannotLink {
        let rc = uf.find(c)
        let rd = uf.find(d)
        if (rc == rx && rd == ry) || (rc == ry && rd == rx) { return true }
      }
      return false
    }
    for (a, b) in mustLink where !forbidden(a, b) {
      uf.union(a, b)
      joined[a] = 1
      joined[b] = 1
    }
    let strong = pairs.filter { $0.probability >= config.threshold }.sorted { $0.probability > $1.probability }
    for p in strong {
      let ra = uf.find(p.a)
      let rb = uf.find(p.b)
      if ra == rb {
        joined[p.a] = max(joined[p.a], p.probability)
        joined[p.b] = max(joined[p.b], p.probability)
        continue
      }
      if uf.size[ra] > 1 && uf.size[rb] > 1 && p.probability < config.chainGuard { continue }
      if !cannotLink.isEmpty && forbidden(p.a, p.b) { continue }
      uf.union(p.a, p.b)
      joined[p.a] = max(joined[p.a], p.probability)
      joined[p.b] = max(joined[p.b], p.probability)
    }
    var groups: [Int: [Int]] = [:]
    for i in 0..<count { groups[uf.find(i), default: []].append(i) }
    return (groups.values.map { $0.sorted() }.sorted { $0[0] < $1[0] }, joined)
  }
}
