import PaktCore

/// What a full link keeps for the nights after it, so that a night's change is linked without
/// reading and preparing every record again: each record's blocking keys (to find the block
/// mates of the records that changed) and the term frequencies the model was scored with.
///
/// Records are named by the caller's stable key ("source/local id"), not by a row id: a
/// delivery loaded again gives its records new rows, and an unchanged record must still be
/// found as a block mate. Keys are 64-bit FNV-1a hashes of the key's bytes, the same in
/// every process; two keys that collide only make a record a block mate it is not, which
/// costs comparing it, never a wrong link.
///
/// ```swift
/// let out = linker.link(columns: columns, keeping: keys)   // a full link
/// let index = out.index!                                    // kept in the warehouse
/// let seeds = linker.blockingKeys(columns: changed)          // a later night
/// let mates = index.mates(of: seeds, maxBlockSize: 5000)     // record numbers
/// index.record(mates[0])                                     // "source/local id"
/// ```
public struct LinkIndex: Sendable, Equatable {
  /// The records that have a key under one blocking rule, sorted by key (then record).
  struct Block: Sendable, Equatable {
    var keys: [UInt64] = []
    var records: [UInt32] = []

    /// The entries with `key` (binary search).
    func range(of key: UInt64) -> Range<Int> {
      var (low, high) = (0, keys.count)
      while low < high {
        let mid = (low + high) / 2
        if keys[mid] < key { low = mid + 1 } else { high = mid }
      }
      var end = low
      while end < keys.count && keys[end] == key { end += 1 }
      return low..<end
    }

    /// This block with `added` (key and record pairs, records ascending) merged in.
    func merged(_ added: [(key: UInt64, record: UInt32)]) -> Block {
      if added.isEmpty { return self }
      let sorted = Self.sortedByKey(added)
      if keys.isEmpty { return sorted }
      var out = Block()
      out.keys.reserveCapacity(keys.count + sorted.keys.count)
      out.records.reserveCapacity(keys.count + sorted.keys.count)
      var (i, j) = (0, 0)
      while i < keys.count || j < sorted.keys.count {
        if j < sorted.keys.count
          && (i == keys.count || (sorted.keys[j], sorted.records[j]) < (keys[i], records[i]))
        {
          out.keys.append(sorted.keys[j])
          out.records.append(sorted.records[j])
          j += 1
        } else {
          out.keys.append(keys[i])
          out.records.append(records[i])
          i += 1
        }
      }
      return out
    }

    /// `added` (records ascending) as a block: sorted by key, records ascending within a key.
    /// A radix sort over 16-bit digits, which keeps the records' order. Why: sorting the
    /// pairs by comparison took 2% of a 300,000-person night's processor time (17 rules of
    /// 500,000 records; perf), the radix sort a fifth of that.
    static func sortedByKey(_ added: [(key: UInt64, record: UInt32)]) -> Block {
      let n = added.count
      guard n >= 4_096 else {
        let sorted = added.sorted { ($0.key, $0.record) < ($1.key, $1.record) }
        return Block(keys: sorted.map(\.key), records: sorted.map(\.record))
      }
      var keys = added.map(\.key)
      var records = added.map(\.record)
      var keysOut = [UInt64](repeating: 0, count: n)
      var recordsOut = [UInt32](repeating: 0, count: n)
      var counts = [Int](repeating: 0, count: 1 << 16)
      for shift in stride(from: UInt64(0), to: 64, by: 16) {
        for d in counts.indices { counts[d] = 0 }
        for key in keys { counts[Int(truncatingIfNeeded: key >> shift) & 0xFFFF] += 1 }
        // Every key with the same digit here: this pass would move nothing.
        if counts[Int(truncatingIfNeeded: keys[0] >> shift) & 0xFFFF] == n { continue }
        var start = 0
        for d in counts.indices { (counts[d], start) = (start, start + counts[d]) }
        keys.withUnsafeBufferPointer { k in
          records.withUnsafeBufferPointer { r in
            keysOut.withUnsafeMutableBufferPointer { ko in
              recordsOut.withUnsafeMutableBufferPointer { ro in
                counts.withUnsafeMutableBufferPointer { c in
                  for i in 0..<n {
                    let d = Int(truncatingIfNeeded: k[i] >> shift) & 0xFFFF
                    let at = c[d]
                    ko[at] = k[i]
                    ro[at] = r[i]
                    c[d] = at + 1
                  }
                }
              }
            }
          }
        }
        swap(&keys, &keysOut)
        swap(&records, &recordsOut)
      }
      return Block(keys: keys, records: records)
    }
  }

  /// The records' keys as UTF-8, one after another; `starts[n]` is where record `n` begins.
  private(set) var bytes: [UInt8] = []
  private(set) var starts: [UInt32] = [0]
  /// For each blocking rule, the records that have a key under it.
  var blocks: [Block]
  /// The term frequencies of the full link.
  var frequencies: Frequencies

  /// Term frequencies as counted over every record of a full link.
  struct Frequencies: Sendable, Equatable {
    /// How many records were counted.
    var total: Int
    /// Per field: records per value (by `LinkIndex.hash` of the folded value; dates by their
    /// packed yyyymmdd); empty for fields without term frequencies.
    var values: [[UInt64: Int32]]
    /// Per field: records per coarser key (dates: year of birth, packed; names: transliteration
    /// key, by `LinkIndex.hash`); empty for other fields.
    var coarse: [[UInt64: Int32]]
    /// Per field and level: the mean frequency the scorer compares a value's with.
    var average: [[Double]]
    /// Per field, for a name that depends on the other: its frequency among records sharing
    /// the other name (`Scorer.conditional`), by `LinkIndex.pair` of the other name's key and
    /// this name's value (level 1) or transliteration key (level 2); at index 0 and 1. Pairs
    /// whose frequency is what the file-wide ratio gives are left out.
    var conditional: [[[UInt64: Double]]] = []
  }

  /// The key of a pair of texts' hashes (`hash`) in `Frequencies.conditional`.
  static func pair(_ other: UInt64, _ value: UInt64) -> UInt64 {
    (other &* 0x9E37_79B9_7F4A_7C15) ^ value
  }

  /// How many records the index names.
  public var count: Int { starts.count - 1 }

  /// Record `n`'s key.
  public func record(_ n: Int) -> String {
    String(decoding: bytes[Int(starts[n])..<Int(starts[n + 1])], as: UTF8.self)
  }

  init(records: [String], keys: [[UInt64]], frequencies: Frequencies) {
    self.blocks = keys.map { _ in Block() }
    self.frequencies = frequencies
    self.add(records: records, keys: keys)
  }

  /// Adds records (a night's new and changed ones) with their keys under each rule
  /// (`keys[rule][record]`, 0: none). A record already named is named again: its old keys
  /// stay, which at worst makes it a block mate it no longer is until the next full link.
  /// The rules are sorted on all cores.
  public mutating func add(records: [String], keys: [[UInt64]]) {
    let first = UInt32(count)
    for record in records {
      bytes.append(contentsOf: record.utf8)
      starts.append(UInt32(bytes.count))
    }
    let old = Array(zip(blocks.indices, blocks))
    blocks = old.concurrentMap { rule, block in
      guard rule < keys.count else { return block }
      var added: [(key: UInt64, record: UInt32)] = []
      for (r, key) in keys[rule].enumerated() where key != 0 { added.append((key, first + UInt32(r))) }
      return block.merged(added)
    }
  }

  /// The records sharing a block with any of the given keys (`keys[rule][seed]`, 0: none),
  /// as record numbers, ascending. A block holding more than `maxBlockSize` records with the
  /// seeds is passed over, as a full link passes it over.
  public func mates(of keys: [[UInt64]], maxBlockSize: Int) -> [Int] {
    var found = Set<UInt32>()
    for (rule, ruleKeys) in keys.enumerated() where rule < blocks.count {
      var seedsPerKey: [UInt64: Int] = [:]
      for key in ruleKeys where key != 0 { seedsPerKey[key, default: 0] += 1 }
      let block = blocks[rule]
      for (key, seeds) in seedsPerKey {
        let range = block.range(of: key)
        if range.count + seeds > maxBlockSize { continue }
        for r in block.records[range] { found.insert(r) }
      }
    }
    return found.map(Int.init).sorted()
  }

  /// 64-bit FNV-1a: the same in every process (the index outlives it), unlike Swift's hash.
  static func hash<C: Collection>(_ bytes: C, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 where C.Element == UInt8 {
    var h = seed
    for b in bytes {
      h ^= UInt64(b)
      h = h &* 0x100_0000_01b3
    }
    return h == 0 ? 1 : h
  }

  /// Combines the hash of one key part with the next (0 stays 0: no key).
  static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
    guard a != 0, b != 0 else { return 0 }
    return withUnsafeBytes(of: b.littleEndian) { hash($0, seed: a) }
  }
}

// MARK: Stored form

extension LinkIndex {
  /// A version number leads the bytes: a format this build does not know reads as nil, and
  /// the night links in full.
  static let formatVersion: UInt32 = 3

  /// The index as bytes, for the warehouse.
  public func encoded() -> [UInt8] {
    var out = ByteWriter()
    out.data.reserveCapacity(64 + bytes.count + 4 * starts.count + blocks.reduce(0) { $0 + 12 * $1.keys.count })
    encode(into: &out)
    return out.data
  }

  /// How many bytes `encoded()` gives, counted without writing them.
  public var encodedCount: Int {
    var out = ByteWriter(counting: ())
    encode(into: &out)
    return out.written
  }

  /// The bytes of `encoded()` handed to `sink` in order, a megabyte at a time or a large array
  /// at once, never held whole: at 500,000 records the index is 100 MB, and its bytes beside it
  /// were the peak of the night (987 MB). The pointer is valid only during the call.
  ///
  /// ```swift
  /// var bytes: [UInt8] = []
  /// index.encode { bytes.append(contentsOf: $0) }  // bytes == index.encoded()
  /// ```
  public func encode(chunks sink: (UnsafeRawBufferPointer) -> Void) {
    withoutActuallyEscaping(sink) { sink in
      var out = ByteWriter(sink: sink)
      encode(into: &out)
      out.flush()
    }
  }

  /// The one layout of the stored index (read back by `init?(encoded:)`).
  func encode(into out: inout ByteWriter) {
    out.u32(Self.formatVersion)
    out.u32(UInt32(count))
    out.array(bytes)
    out.array(starts)
    out.u32(UInt32(blocks.count))
    for block in blocks {
      out.array(block.keys)
      out.array(block.records)
    }
    out.u64(UInt64(frequencies.total))
    out.u32(UInt32(frequencies.values.count))
    for f in frequencies.values.indices {
      for table in [frequencies.values[f], frequencies.coarse[f]] {
        let sorted = table.sorted { $0.key < $1.key }
        out.array(sorted.map(\.key))
        out.array(sorted.map(\.value))
      }
      out.array(frequencies.average[f].map(\.bitPattern))
      let conditional = f < frequencies.conditional.count ? frequencies.conditional[f] : []
      out.u32(UInt32(conditional.count))
      for table in conditional {
        let sorted = table.sorted { $0.key < $1.key }
        out.array(sorted.map(\.key))
        out.array(sorted.map(\.value.bitPattern))
      }
    }
  }

  /// Reads `encoded()`; nil for bytes of another format or cut short.
  public init?(encoded data: [UInt8]) {
    var input = ByteReader(data)
    guard input.u32() == Self.formatVersion, let n = input.u32(), let bytes: [UInt8] = input.array(),
      let starts: [UInt32] = input.array(), starts.count == Int(n) + 1, starts.last == UInt32(bytes.count),
      let rules = input.u32()
    else { return nil }
    (self.bytes, self.starts) = (bytes, starts)
    var blocks: [Block] = []
    for _ in 0..<rules {
      guard let keys: [UInt64] = input.array(), let records: [UInt32] = input.array(), keys.count == records.count,
        records.allSatisfy({ $0 < n })
      else { return nil }
      blocks.append(Block(keys: keys, records: records))
    }
    self.blocks = blocks
    guard let total = input.u64(), let fields = input.u32() else { return nil }
    var frequencies = Frequencies(total: Int(total), values: [], coarse: [], average: [])
    for _ in 0..<fields {
      var tables: [[UInt64: Int32]] = []
      for _ in 0..<2 {
        guard let keys: [UInt64] = input.array(), let counts: [Int32] = input.array(), keys.count == counts.count
        else { return nil }
        tables.append(Dictionary(zip(keys, counts), uniquingKeysWith: +))
      }
      guard let average: [UInt64] = input.array(), let levels = input.u32(), levels <= 2 else { return nil }
      var conditional: [[UInt64: Double]] = []
      for _ in 0..<levels {
        guard let keys: [UInt64] = input.array(), let bits: [UInt64] = input.array(), keys.count == bits.count
        else { return nil }
        conditional.append(Dictionary(zip(keys, bits.map(Double.init(bitPattern:))), uniquingKeysWith: max))
      }
      frequencies.values.append(tables[0])
      frequencies.coarse.append(tables[1])
      frequencies.average.append(average.map(Double.init(bitPattern:)))
      frequencies.conditional.append(conditional)
    }
    guard input.atEnd else { return nil }
    self.frequencies = frequencies
  }
}

extension LinkIndex {
  /// Records added to an index after the full link that built it (the nights since), kept
  /// apart from it: a night then writes its own few records, not the whole index again
  /// (tens of megabytes at 300,000 persons, half a second).
  ///
  /// ```swift
  /// var index = LinkIndex(encoded: base)!
  /// let added = LinkIndex.Additions(encoded: kept) ?? LinkIndex.Additions()
  /// index.add(records: added.records, keys: added.keys)
  /// ```
  public struct Additions: Sendable, Equatable {
    public private(set) var records: [String] = []
    /// `keys[rule][record]`, as `LinkIndex.add(records:keys:)` takes them.
    public private(set) var keys: [[UInt64]] = []

    public init() {}

    public mutating func append(records added: [String], keys addedKeys: [[UInt64]]) {
      if keys.isEmpty { keys = addedKeys.map { _ in [] } }
      guard keys.count == addedKeys.count else { return }
      records += added
      for rule in keys.indices { keys[rule] += addedKeys[rule] }
    }

    public func encoded() -> [UInt8] {
      var out = ByteWriter()
      out.u32(LinkIndex.formatVersion)
      var bytes: [UInt8] = []
      var starts: [UInt32] = [0]
      for record in records {
        bytes.append(contentsOf: record.utf8)
        starts.append(UInt32(bytes.count))
      }
      out.array(bytes)
      out.array(starts)
      out.u32(UInt32(keys.count))
      for rule in keys { out.array(rule) }
      return out.data
    }

    /// Reads `encoded()`; nil for bytes of another format or cut short.
    public init?(encoded data: [UInt8]) {
      var input = ByteReader(data)
      guard input.u32() == LinkIndex.formatVersion, let bytes: [UInt8] = input.array(),
        let starts: [UInt32] = input.array(), !starts.isEmpty, starts.last == UInt32(bytes.count),
        let rules = input.u32()
      else { return nil }
      records = (0..<(starts.count - 1)).map {
        String(decoding: bytes[Int(starts[$0])..<Int(starts[$0 + 1])], as: UTF8.self)
      }
      for _ in 0..<rules {
        guard let rule: [UInt64] = input.array(), rule.count == records.count else { return nil }
        keys.append(rule)
      }
      guard input.atEnd else { return nil }
    }
  }
}

/// Little-endian numbers and arrays of them (count first), appended.
/// Where encoded bytes go: kept in `data`; or only counted; or handed to a sink, small values
/// gathered up to a megabyte, a large array's bytes straight from its storage.
struct ByteWriter {
  var data: [UInt8] = []
  /// Bytes written so far.
  private(set) var written = 0
  private let counting: Bool
  private let sink: ((UnsafeRawBufferPointer) -> Void)?
  static let chunk = 1 << 20

  init() { (counting, sink) = (false, nil) }
  init(counting: Void) { (self.counting, sink) = (true, nil) }
  init(sink: @escaping (UnsafeRawBufferPointer) -> Void) { (counting, self.sink) = (false, sink) }

  mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { append($0) } }
  mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { append($0) } }
  /// The array's count, then its elements: copied whole (millions of keys per index).
  mutating func array<T: FixedWidthInteger>(_ values: [T]) {
    u64(UInt64(values.count))
    #if _endian(little)
      values.withUnsafeBytes { append($0) }
    #else
      values.map(\.littleEndian).withUnsafeBytes { append($0) }
    #endif
  }

  mutating func append(_ bytes: UnsafeRawBufferPointer) {
    written += bytes.count
    guard !counting else { return }
    guard let sink else { return data.append(contentsOf: bytes) }
    if data.count + bytes.count > Self.chunk { flush() }
    if bytes.count >= Self.chunk {
      sink(bytes)
    } else {
      data.append(contentsOf: bytes)
    }
  }

  /// Hands on what is gathered.
  mutating func flush() {
    guard let sink, !data.isEmpty else { return }
    data.withUnsafeBytes { sink($0) }
    data.removeAll(keepingCapacity: true)
  }
}

/// Reads what `ByteWriter` wrote; nil once the bytes run out.
struct ByteReader {
  let data: [UInt8]
  var at = 0
  init(_ data: [UInt8]) { self.data = data }
  var atEnd: Bool { at == data.count }

  mutating func u32() -> UInt32? { number() }
  mutating func u64() -> UInt64? { number() }

  mutating func number<T: FixedWidthInteger>() -> T? {
    guard at + MemoryLayout<T>.size <= data.count else { return nil }
    let v = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) }
    at += MemoryLayout<T>.size
    return T(littleEndian: v)
  }

  mutating func array<T: FixedWidthInteger>() -> [T]? {
    guard let n = u64(), n <= UInt64(data.count - at) / UInt64(MemoryLayout<T>.size) else { return nil }
    let count = Int(n)
    let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      data.withUnsafeBytes { raw in
        UnsafeMutableRawBufferPointer(buffer).copyMemory(
          from: UnsafeRawBufferPointer(rebasing: raw[at..<(at + count * MemoryLayout<T>.size)]))
      }
      initialized = count
    }
    at += count * MemoryLayout<T>.size
    #if _endian(little)
      return values
    #else
      return values.map { T(littleEndian: $0) }
    #endif
  }
}
