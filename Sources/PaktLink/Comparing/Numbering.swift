/// Numbers distinct keys 0, 1, 2, … in the order they first appear: the linker turns texts,
/// key pairs and block keys into dense numbers this way everywhere, so that the order (and
/// everything computed from it) is the same on every run.
///
/// ```swift
/// var numbering = Numbering<String>()
/// numbering.number("Ali")    // (0, isNew: true)
/// numbering.number("Amina")  // (1, isNew: true)
/// numbering.number("Ali")    // (0, isNew: false)
/// ```
struct Numbering<Key: Hashable> {
  private var numbers: [Key: Int32] = [:]

  /// How many distinct keys have a number.
  var count: Int { numbers.count }

  /// The number of `key`, and whether this call gave it (the key was new).
  mutating func number(_ key: Key) -> (number: Int32, isNew: Bool) {
    if let n = numbers[key] { return (n, false) }
    let n = Int32(numbers.count)
    numbers[key] = n
    return (n, true)
  }
}

/// `Numbering` for 64-bit keys (two numbers side by side, dates, hashes): open addressing on
/// a multiplicative hash. Why: the blocking keys of 23 rules over 500,000 records, and the
/// name pairs' numbers, went through a `Dictionary` whose hashing (SipHash) and lookups were
/// 7% of a link's processor time (perf).
///
/// ```swift
/// var numbering = WordNumbering()
/// numbering.number(7 << 32 | 3)  // (0, isNew: true)
/// numbering.number(7 << 32 | 3)  // (0, isNew: false)
/// ```
struct WordNumbering {
  private var keys: [UInt64]
  /// Each slot's number, -1 where the slot is free.
  private var values: [Int32]
  private var shift: UInt64
  /// How many distinct keys have a number.
  private(set) var count = 0

  /// Room for about `capacity` keys before the table grows.
  init(capacity: Int = 16) {
    var bits: UInt64 = 4
    while 1 << bits < 2 * capacity { bits += 1 }
    keys = [UInt64](repeating: 0, count: 1 << bits)
    values = [Int32](repeating: -1, count: 1 << bits)
    shift = 64 - bits
  }

  /// The number of `key`, and whether this call gave it (the key was new).
  @inline(__always)
  mutating func number(_ key: UInt64) -> (number: Int32, isNew: Bool) {
    let mask = keys.count - 1
    var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    while values[slot] >= 0 {
      if keys[slot] == key { return (values[slot], false) }
      slot = (slot + 1) & mask
    }
    let n = Int32(count)
    keys[slot] = key
    values[slot] = n
    count += 1
    if 2 * count > keys.count { grow() }
    return (n, true)
  }

  private mutating func grow() {
    let (oldKeys, oldValues) = (keys, values)
    keys = [UInt64](repeating: 0, count: 2 * oldKeys.count)
    values = [Int32](repeating: -1, count: 2 * oldKeys.count)
    shift -= 1
    let mask = keys.count - 1
    for i in oldKeys.indices where oldValues[i] >= 0 {
      var slot = Int(truncatingIfNeeded: (oldKeys[i] &* 0x9E37_79B9_7F4A_7C15) >> shift)
      while values[slot] >= 0 { slot = (slot + 1) & mask }
      keys[slot] = oldKeys[i]
      values[slot] = oldValues[i]
    }
  }
}
