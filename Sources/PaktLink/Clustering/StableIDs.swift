/// A change of person ids between runs, recorded for people who follow ids over time.
public struct PersonIDEvent: Sendable, Hashable, Codable {
  public enum Kind: String, Sendable, Codable {
    /// Records of `old` now belong to the person `new` (two persons became one).
    case merged
    /// Some records of `old` now form the new person `new` (one person became two).
    case split
  }
  public var kind: Kind
  public var old: Int64
  public var new: Int64
}

/// Gives each cluster a person id that persists from one run to the next.
///
/// A cluster keeps the id most of its records had before (ties: the older id); an old id
/// goes to one cluster only, the one holding most of its records; every other cluster gets
/// a new id, never one used before. Merges and splits are reported as events.
///
/// ```swift
/// let ids = StableIDs.assign(clusters: [["a/1", "b/7"]], previous: ["a/1": 4], nextID: 9)
/// ids.clusterIDs        // [4]
/// ids.assignment["b/7"]  // 4
/// ```
public enum StableIDs {
  public struct Result: Sendable {
    /// The person id of each cluster, in the order the clusters were given.
    public var clusterIDs: [Int64]
    public var events: [PersonIDEvent]
    public var nextID: Int64
    public var newIDs: Int
    let clusters: [[String]]

    /// Each record key's person id (made when asked: the run reads `clusterIDs`).
    public var assignment: [String: Int64] {
      var out: [String: Int64] = [:]
      for (c, members) in clusters.enumerated() { for key in members { out[key] = clusterIDs[c] } }
      return out
    }
  }

  public static func assign(clusters: [[String]], previous: [String: Int64], nextID: Int64) -> Result {
    // Claims: for each cluster, its old ids by how many of its records carried them.
    struct Claim {
      var cluster: Int
      var id: Int64
      var count: Int
    }
    var claims: [Claim] = []
    // Each key's old id, in cluster order (looked up once).
    var old: [Int64?] = []
    for (c, members) in clusters.enumerated() {
      var counts: [Int64: Int] = [:]
      for key in members {
        let id = previous[key]
        old.append(id)
        if let id { counts[id, default: 0] += 1 }
      }
      for (id, n) in counts { claims.append(Claim(cluster: c, id: id, count: n)) }
    }
    // Strongest claims first; an id and a cluster are each matched once.
    claims.sort { ($0.count, -$0.id, -$0.cluster) > ($1.count, -$1.id, -$1.cluster) }
    var idOfCluster: [Int: Int64] = [:]
    var clusterOfID: [Int64: Int] = [:]
    for claim in claims where idOfCluster[claim.cluster] == nil && clusterOfID[claim.id] == nil {
      idOfCluster[claim.cluster] = claim.id
      clusterOfID[claim.id] = claim.cluster
    }
    var next = nextID
    var newIDs = 0
    var clusterIDs: [Int64] = []
    clusterIDs.reserveCapacity(clusters.count)
    var events: Set<PersonIDEvent> = []
    var k = 0
    for (c, members) in clusters.enumerated() {
      let id: Int64
      if let kept = idOfCluster[c] {
        id = kept
      } else {
        id = next
        next += 1
        newIDs += 1
      }
      clusterIDs.append(id)
      for _ in members {
        if let before = old[k], before != id {
          // The old id lives on elsewhere: this is a split; it is gone: a merge.
          events.insert(PersonIDEvent(kind: clusterOfID[before] != nil ? .split : .merged, old: before, new: id))
        }
        k += 1
      }
    }
    let ordered = events.sorted { ($0.old, $0.new) < ($1.old, $1.new) }
    return Result(clusterIDs: clusterIDs, events: ordered, nextID: next, newIDs: newIDs, clusters: clusters)
  }
}
