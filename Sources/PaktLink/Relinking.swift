import PaktCore

/// Linking a night's change instead of everything: the records a delivery changed, and the
/// persons they touch, are linked again with the model of the last full link; every other
/// person stays as it was.
///
/// Which records are linked again (the *affected* records):
/// 1. the seeds: records that are new or changed, and every record of a person that lost or
///    changed a record;
/// 2. every record that shares a block (under any blocking rule) with a seed;
/// 3. every record of a person that one of those belongs to.
///
/// The affected records are clustered from scratch among themselves; as every person they
/// touch is affected whole, no other person changes. What this does not see: a merge of an
/// untouched person with an affected one that only a record outside both would have allowed.
/// A full link (periodically, or `pakt run --full-link`) sees everything again.
///
/// ```swift
/// let out = linker.relink(columns: columns, model: model, seeds: seeds, previous: previousCluster)
/// out.clusters  // every record, the untouched ones in their previous clusters
/// ```
extension ProbabilisticLinker {
  public struct Relinked: Sendable {
    public var output: LinkOutput
    /// Which records were linked again.
    public var affected: [Bool]
  }

  /// `previous[r]`: record `r`'s previous cluster (any number; -1 for none, which only a seed
  /// may have). `seeds[r]`: record `r` is new or changed, or its person lost or changed a record.
  public func relink(
    columns: [[String?]], model: LinkModel, seeds: [Bool], previous: [Int32], mustLink: [(Int, Int)] = [],
    cannotLink: [(Int, Int)] = []
  ) -> Relinked {
    var clock = PhaseClock("relinker")
    let records = PreparedRecords(columns: columns, config: config)
    clock.lap("prepare")
    let comparator = Comparator(records: records, config: config)
    let keys = config.blocking.map { blockingKeys($0, records) }
    clock.lap("keys")
    let count = records.count
    // A record with no previous cluster is new, whatever the caller says.
    let seeds = seeds.indices.map { seeds[$0] || previous[$0] < 0 }
    var affected = seeds
    // 2. Block mates of the seeds.
    for ruleKeys in keys {
      let blocks = RuleBlocks(keys: ruleKeys, maxBlockSize: config.maxBlockSize)
      var touched = [Bool](repeating: false, count: blocks.starts.count)
      for r in 0..<count where seeds[r] && blocks.block[r] >= 0 { touched[Int(blocks.block[r])] = true }
      for b in 0..<(blocks.starts.count - 1) where touched[b] {
        for p in blocks.starts[b]..<blocks.starts[b + 1] { affected[Int(blocks.members[p])] = true }
      }
    }
    // 3. Whole persons.
    var hit = Set<Int32>()
    for r in 0..<count where affected[r] && previous[r] >= 0 { hit.insert(previous[r]) }
    for r in 0..<count where previous[r] >= 0 && hit.contains(previous[r]) { affected[r] = true }
    clock.lap("affected")
    // The candidates among the affected records only.
    let masked = keys.map { ruleKeys in
      RuleBlocks(
        keys: ruleKeys.indices.map { affected[$0] ? ruleKeys[$0] : -1 }, maxBlockSize: config.maxBlockSize)
    }
    let candidates = CandidatePairs(rules: masked, candidateRules: config.blocking.count, count: count)
    let compared = compare(candidates, comparator)
    let scorer = Scorer(model: model, config: config, records: records)
    let pairs = score(candidates, compared, comparator, scorer)
    clock.lap("compare and score")
    // Clustered among themselves, numbered from 0: clustering's work is then the affected
    // records', not every record's.
    let members = (0..<count).filter { affected[$0] }
    var local = [Int32](repeating: -1, count: count)
    for (i, r) in members.enumerated() { local[r] = Int32(i) }
    func inside(_ pairs: [(Int, Int)]) -> [(Int, Int)] {
      pairs.compactMap { a, b in local[a] >= 0 && local[b] >= 0 ? (Int(local[a]), Int(local[b])) : nil }
    }
    let clustering = cluster(
      count: members.count,
      pairs: pairs.map { ScoredPair(a: Int(local[$0.a]), b: Int(local[$0.b]), probability: $0.probability) },
      mustLink: inside(mustLink), cannotLink: inside(cannotLink),
      judge: PairJudge(comparator: comparator, scorer: scorer, records: members))
    var joined = [Double](repeating: 0, count: count)
    for (i, r) in members.enumerated() { joined[r] = clustering.joined[i] }
    // The affected records' new clusters, and every other record's previous one (grouped by
    // a counting sort on the previous cluster's number).
    var clusters = clustering.clusters.map { $0.map { members[$0] } }
    let top = Int(previous.max() ?? -1) + 1
    var starts = [Int](repeating: 0, count: top + 1)
    for r in 0..<count where !affected[r] { starts[Int(previous[r]) + 1] += 1 }
    for i in 0..<top { starts[i + 1] += starts[i] }
    var fill = starts
    var ordered = [Int](repeating: 0, count: starts[top])
    for r in 0..<count where !affected[r] {
      ordered[fill[Int(previous[r])]] = r
      fill[Int(previous[r])] += 1
    }
    for c in 0..<top where starts[c + 1] > starts[c] { clusters.append(Array(ordered[starts[c]..<starts[c + 1]])) }
    clusters.sort { $0[0] < $1[0] }
    clock.lap("cluster")
    clock.finish()
    let output = LinkOutput(
      clusters: clusters, pairs: pairs, model: model,
      candidatePairs: compared.filter(\.candidates).reduce(0) { $0 + $1.counts.reduce(0, +) },
      skippedBlocks: masked.reduce(0) { $0 + $1.skipped }, clusterProbability: joined,
      refusedMerges: clustering.refused, scoring: LinkOutput.Scoring(comparator: comparator, scorer: scorer))
    return Relinked(output: output, affected: affected)
  }
}
