/// A small, fast, seedable generator (SplitMix64): the same seed gives the same corpus on every
/// machine and Swift version, which `SystemRandomNumberGenerator` cannot promise.
///
/// ```swift
/// var rng = SeededRandom(seed: 42)
/// let n = Int.random(in: 1...6, using: &rng)
/// ```
public struct SeededRandom: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// True with probability `p`.
  mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }

  /// A random element (the array must not be empty).
  mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }

  /// A generator of its own for one part of the corpus, so that parts stay the same when
  /// another part changes.
  func fork(_ salt: UInt64) -> SeededRandom {
    var copy = SeededRandom(seed: state ^ (salt &* 0xD6E8_FEB8_6659_FD93))
    _ = copy.next()
    return copy
  }
}
