#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Distinct byte strings, numbered in the order first seen: all keys in one buffer, found
/// through an open-addressing table, with no `String`, array or dictionary entry per key.
///
/// Why: counting 1.1 million participations by program name through a `Hasher` and a
/// dictionary of candidate lists took about 0.9 s beyond SQLite's own 0.5 s of reading them
/// (timing laps, 300,000 persons); the linker numbered its keys through a dictionary of byte
/// arrays, a hash and an allocation per key.
///
/// ```swift
/// var keys = ByteKeys()
/// "Sprachkurs".utf8.withContiguousStorageIfAvailable { keys.number(UnsafeRawBufferPointer($0)) }  // (0, true)
/// "Sprachkurs".utf8.withContiguousStorageIfAvailable { keys.number(UnsafeRawBufferPointer($0)) }  // (0, false)
/// ```
public struct ByteKeys: Sendable {
  private var bytes: [UInt8] = []
  private var starts: [Int] = [0]
  private var hashes: [UInt64] = []
  /// Key numbers by slot, -1 for an empty slot; kept at most half full.
  private var slots = [Int32](repeating: -1, count: 64)

  public init() {}

  /// A seed drawn per process: exports cannot be written to make many keys collide.
  private static let seed = UInt64.random(in: .min ... .max)

  /// How many distinct keys there are.
  public var count: Int { hashes.count }

  /// The number of `key`: its first-seen order among the distinct keys, and whether it is new.
  public mutating func number(_ key: UnsafeRawBufferPointer) -> (number: Int, isNew: Bool) {
    let hash = Self.hash(key)
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while slots[slot] >= 0 {
      let n = Int(slots[slot])
      if hashes[n] == hash && equals(n, key) { return (n, false) }
      slot = (slot + 1) & mask
    }
    let n = hashes.count
    slots[slot] = Int32(n)
    hashes.append(hash)
    bytes.append(contentsOf: key)
    starts.append(bytes.count)
    if hashes.count * 2 > slots.count { grow() }
    return (n, true)
  }

  private func equals(_ n: Int, _ key: UnsafeRawBufferPointer) -> Bool {
    let (start, end) = (starts[n], starts[n + 1])
    guard end - start == key.count else { return false }
    if key.isEmpty { return true }
    return bytes.withUnsafeBytes { all in memcmp(all.baseAddress! + start, key.baseAddress!, key.count) == 0 }
  }

  private mutating func grow() {
    slots = [Int32](repeating: -1, count: slots.count * 2)
    let mask = slots.count - 1
    for (n, hash) in hashes.enumerated() {
      var slot = Int(truncatingIfNeeded: hash) & mask
      while slots[slot] >= 0 { slot = (slot + 1) & mask }
      slots[slot] = Int32(n)
    }
  }

  /// Eight bytes at a time, multiplied and folded; the low bits index the table, so the last
  /// step mixes the high bits down.
  static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
    var h = seed ^ (UInt64(key.count) &* 0x9E37_79B9_7F4A_7C15)
    var i = 0
    while i + 8 <= key.count {
      let word = key.loadUnaligned(fromByteOffset: i, as: UInt64.self)
      h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
      h ^= h >> 31
      i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < key.count {
      tail |= UInt64(key[i]) << shift
      shift += 8
      i += 1
    }
    h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
    h ^= h >> 29
    h = h &* 0xBF58_476D_1CE4_E5B9
    return h ^ (h >> 32)
  }
}
