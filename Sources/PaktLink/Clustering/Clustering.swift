/// Scores any pair of prepared records, for the clustering's checks between clusters.
struct PairJudge {
  let comparator: Comparator
  let scorer: Scorer
  let cache = Comparator.Cache()
  /// Identifier fields, whose "else" level (two complete numbers that differ beyond one wrong
  /// or two swapped digits) is a conflict no cluster may hold.
  let identifiers: [(field: Int, conflict: UInt64)]
  /// The records' numbers among all prepared records, when clustering numbers a subset of them
  /// from 0 (see `relink`); nil when it numbers all.
  var records: [Int]? = nil

  init(comparator: Comparator, scorer: Scorer, records: [Int]? = nil) {
    self.comparator = comparator
    self.scorer = scorer
    self.records = records
    identifiers = comparator.kinds.enumerated().compactMap { f, kind in
      kind == .identifier ? (f, UInt64(kind.levels.count)) : nil
    }
  }

  /// The match probability of records `a` and `b`, and whether they hold conflicting identifiers.
  func judge(_ a: Int, _ b: Int) -> (probability: Double, conflict: Bool) {
    let (a, b) = records.map { ($0[a], $0[b]) } ?? (a, b)
    let pattern = comparator.compare(a, b, cache)
    let conflict = identifiers.contains { (pattern >> (4 * UInt64($0.field))) & 0xF == $0.conflict }
    return (scorer.probability(pattern, a, b), conflict)
  }
}

/// Cluster metrics for the run summary and `pakt link`: a runaway cluster shows here first.
public struct ClusterMetrics: Sendable, Codable, Equatable {
  public var clusters: Int
  public var largest: Int
  /// Clusters of more than 10 records.
  public var over10: Int
  /// Share of records alone in their cluster.
  public var singletonShare: Double

  public init(clusters: [[Int]]) {
    self.clusters = clusters.count
    largest = clusters.map(\.count).max() ?? 0
    over10 = clusters.filter { $0.count > 10 }.count
    let records = clusters.reduce(0) { $0 + $1.count }
    singletonShare = records == 0 ? 0 : Double(clusters.filter { $0.count == 1 }.count) / Double(records)
  }
}

extension ProbabilisticLinker {
  struct Clustering {
    var clusters: [[Int]]
    var joined: [Double]
    var refused: Int
  }

  /// Joins pairs at or above the threshold, strongest first, so that every record in a
  /// cluster is supported by the cluster (average linkage):
  ///
  /// - two records alone join on their pair;
  /// - two clusters, one of them holding several records, merge only when the pairs between
  ///   all their records average at least the threshold (each pair scored by the model,
  ///   whether or not blocking made it a candidate) and no two of them hold conflicting
  ///   identifiers. Why: connected components over strong pairs joined A and C through B
  ///   although A and C agreed on nothing but a common name (chains made 80% of the wrong
  ///   pairs on an independent corpus of 300,000 persons);
  /// - a merge that would check more than `maxMergeCheck` pairs is refused (counted).
  ///
  /// Steward decisions come first: must-link joins, cannot-link forbids.
  func cluster(count: Int, pairs: [ScoredPair], mustLink: [(Int, Int)], cannotLink: [(Int, Int)], judge: PairJudge)
    -> Clustering
  {
    var uf = UnionFind(count)
    // Members of each root that holds more than one record (a root alone is its own member).
    var members: [Int: [Int]] = [:]
    var joined = [Double](repeating: 0, count: count)
    var refused = 0
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
    func join(_ ra: Int, _ rb: Int) {
      let merged = (members.removeValue(forKey: ra) ?? [ra]) + (members.removeValue(forKey: rb) ?? [rb])
      uf.union(ra, rb)
      members[uf.find(ra)] = merged
    }
    for (a, b) in mustLink where !forbidden(a, b) {
      let ra = uf.find(a)
      let rb = uf.find(b)
      if ra != rb { join(ra, rb) }
      joined[a] = 1
      joined[b] = 1
    }
    let strong = pairs.filter { $0.probability >= config.threshold }.sorted {
      ($0.probability, $1.a, $1.b) > ($1.probability, $0.a, $0.b)
    }
    for p in strong {
      let ra = uf.find(p.a)
      let rb = uf.find(p.b)
      if ra != rb {
        if !cannotLink.isEmpty && forbidden(p.a, p.b) { continue }
        let x = members[ra] ?? [ra]
        let y = members[rb] ?? [rb]
        if x.count > 1 || y.count > 1 {
          guard x.count * y.count <= config.maxMergeCheck else {
            refused += 1
            continue
          }
          var sum = 0.0
          var conflict = false
          for i in x where !conflict {
            for j in y {
              let (probability, clash) = judge.judge(i, j)
              if clash {
                conflict = true
                break
              }
              sum += probability
            }
          }
          if conflict || sum < config.threshold * Double(x.count * y.count) {
            refused += 1
            continue
          }
        }
        join(ra, rb)
      }
      joined[p.a] = max(joined[p.a], p.probability)
      joined[p.b] = max(joined[p.b], p.probability)
    }
    var groups: [Int: [Int]] = [:]
    for i in 0..<count { groups[uf.find(i), default: []].append(i) }
    return Clustering(
      clusters: groups.values.map { $0.sorted() }.sorted { $0[0] < $1[0] }, joined: joined, refused: refused)
  }
}
