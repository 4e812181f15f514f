import Foundation

/// Records' (source, local id) keys ranked as SQLite orders text: by bytes. Reading a table
/// in its own order and sorting in memory is cheaper than reading it in key order through an
/// index, where each row is a jump to another page (see `LoadSession.storedPersons()`).
///
/// ```swift
/// let ranks = KeyOrder.ranks(count: rows.count, source: { rows[$0].source }, local: { rows[$0].localID })
/// let order = KeyOrder.sorted(ranks)   // row numbers in key order
/// ```
enum KeyOrder {
  /// Each key's rank among all `count` keys: equal keys (byte for byte) share a rank, and a
  /// lower rank comes first in SQLite's `ORDER BY source, local_id`.
  static func ranks(count: Int, source: (Int) -> String, local: (Int) -> String) -> [Int32] {
    // Each source's rank, and the local ids' bytes one after the other: compared by ranks and
    // `memcmp`. (Swift's string comparison orders by Unicode, where SQLite holds "é" and
    // "e\u{301}" apart, and walking two strings' views per comparison was slow.)
    var sources: [[UInt8]] = []
    var number: [[UInt8]: Int32] = [:]
    var sourceOf: [Int32] = []
    sourceOf.reserveCapacity(count)
    var previous: (source: [UInt8], number: Int32)? = nil
    for i in 0..<count {
      // Keys of one source mostly come one after the other: a lookup only where it changes.
      let text = source(i)
      if let previous, text.utf8.elementsEqual(previous.source) {
        sourceOf.append(previous.number)
        continue
      }
      let bytes = Array(text.utf8)
      let n = number[bytes] ?? Int32(sources.count)
      if n == sources.count {
        number[bytes] = n
        sources.append(bytes)
      }
      previous = (bytes, n)
      sourceOf.append(n)
    }
    var sourceRank = [Int32](repeating: 0, count: sources.count)
    let bySource = sources.indices.sorted { sources[$0].lexicographicallyPrecedes(sources[$1]) }
    for (place, n) in bySource.enumerated() { sourceRank[n] = Int32(place) }
    var bytes: [UInt8] = []
    var keys: [(source: Int32, start: Int32, count: Int32)] = []
    keys.reserveCapacity(count)
    for i in 0..<count {
      let id = local(i)
      keys.append((sourceRank[Int(sourceOf[i])], Int32(bytes.count), Int32(id.utf8.count)))
      bytes.append(contentsOf: id.utf8)
    }
    bytes.append(0)  // never empty: its base address is used
    var ranks = [Int32](repeating: 0, count: count)
    bytes.withUnsafeBufferPointer { all in
      let base = all.baseAddress!
      func compare(_ a: Int, _ b: Int) -> Int {
        let (x, y) = (keys[a], keys[b])
        if x.source != y.source { return x.source < y.source ? -1 : 1 }
        let c = memcmp(base + Int(x.start), base + Int(y.start), Int(min(x.count, y.count)))
        if c != 0 { return c < 0 ? -1 : 1 }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
      }
      let order = (0..<count).sorted { compare($0, $1) < 0 }
      var rank: Int32 = 0
      for (place, i) in order.enumerated() {
        if place > 0 && compare(order[place - 1], i) != 0 { rank += 1 }
        ranks[i] = rank
      }
    }
    return ranks
  }

  /// The positions of `ranks` in rank order (ties in their order).
  static func sorted(_ ranks: [Int32]) -> [Int] {
    // A counting sort: ranks are dense from 0.
    var starts = [Int](repeating: 0, count: (ranks.max().map { Int($0) } ?? -1) + 2)
    for r in ranks { starts[Int(r) + 1] += 1 }
    for i in 1..<max(1, starts.count) { starts[i] += starts[i - 1] }
    var order = [Int](repeating: 0, count: ranks.count)
    for (i, r) in ranks.enumerated() {
      order[starts[Int(r)]] = i
      starts[Int(r)] += 1
    }
    return order
  }
}
