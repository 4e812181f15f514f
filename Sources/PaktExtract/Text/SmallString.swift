/// Builds short strings without a trip through the standard library's general decoder.
///
/// Why: CSV fields are mostly short; `String(decoding:as:)` spent about 180 instructions per
/// field (callgrind, 64 MB benchmark), a third of the whole reader. A String of at most 15
/// UTF-8 bytes is stored inline in its two words (bytes, then the count and flags in the top
/// byte). This type writes those two words directly, but only after `isAvailable` has
/// checked, for every length 0...15 and for ASCII and non-ASCII text, that the result is bit
/// for bit what the standard library itself builds for the same bytes; on any other layout it
/// stays off and callers use the standard initialiser. The result is then an ordinary String.
enum SmallString {
  /// True when the inline layout was verified on this platform and standard library.
  static let isAvailable: Bool = {
    guard MemoryLayout<String>.size == 16, MemoryLayout<(UInt64, UInt64)>.size == 16 else { return false }
    func agrees(_ text: String, ascii: Bool) -> Bool {
      let sample = Array(text.utf8) + Array(repeating: 0x41, count: 16)
      return sample.withUnsafeBufferPointer { buffer in
        for count in 0...min(15, text.utf8.count) {
          let bytes = UnsafeBufferPointer(rebasing: buffer[0..<count])
          guard let expected = String(validating: bytes, as: UTF8.self) else { continue }
          if !ascii && expected.utf8.allSatisfy({ $0 < 0x80 }) { continue }
          let made = make(UnsafeRawPointer(buffer.baseAddress!), count: count, ascii: ascii)
          let a = unsafeBitCast(expected, to: (UInt64, UInt64).self)
          let b = unsafeBitCast(made, to: (UInt64, UInt64).self)
          if a != b || made != expected || made.utf8.count != count { return false }
        }
        return true
      }
    }
    // The immortal bit `store` relies on: set for small strings and literals, clear for a
    // string with storage of its own.
    func immortal(_ text: String) -> Bool { unsafeBitCast(text, to: (UInt64, UInt64).self).1 >> 63 == 1 }
    let allocated = String(repeating: "Zoë Müller ", count: 4)
    guard immortal(""), immortal("Haddad"), immortal("a literal longer than fifteen bytes"), !immortal(allocated)
    else { return false }
    return agrees("Az09 -.,;_()/&%", ascii: true) && agrees("ÄMüller Zoë €ßx", ascii: false)
      && agrees("€ĞğŞşİıçÇabcdef", ascii: false) && agrees("ééééééééééééééé", ascii: false)
  }()

  /// The string of `count` (≤ 15) bytes at `pointer`, which must be valid UTF-8 and, unless
  /// `ascii` is false, ASCII; 16 bytes from `pointer` must be readable. Only call when
  /// `isAvailable`.
  @inline(__always)
  static func make(_ pointer: UnsafeRawPointer, count: Int, ascii: Bool = true) -> String {
    unsafeBitCast(words(pointer, count: count, ascii: ascii), to: String.self)
  }

  /// The two words of `make(pointer, count:, ascii:)`, for `store(_:into:)`.
  @inline(__always)
  static func words(_ pointer: UnsafeRawPointer, count: Int, ascii: Bool = true) -> (UInt64, UInt64) {
    // The bytes past `count` are cleared by masks made without a branch: the lengths of
    // fields come in no order a branch predictor could learn, and each miss costs more than
    // the few instructions here. The low word's shift is taken in two halves so that a count
    // of 8 or more (a shift of 64) clears the whole mask.
    let lowShift = UInt64(truncatingIfNeeded: min(count, 8)) &* 4
    let highShift = UInt64(truncatingIfNeeded: max(count &- 8, 0)) &* 8
    let low = pointer.loadUnaligned(as: UInt64.self) & ~((UInt64.max &<< lowShift) &<< lowShift)
    var high = pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self) & ~(UInt64.max &<< highShift)
    // Top byte: immortal | ASCII | small, then the count.
    high |= UInt64((ascii ? 0xE0 : 0xA0) | count) << 56
    return (low, high)
  }

  /// Overwrites the initialised String at `slot` with `value`.
  ///
  /// Why: assigning a String releases the old value and retains the new one through two
  /// run-time calls, and an array write checks uniqueness: with the field scan this was a
  /// fifth of the CSV reader's instructions per field (callgrind). An immortal String (small,
  /// or a literal: the top bit of its second word, checked by `isAvailable`) owns no storage,
  /// so it is overwritten without a release, and a small string's words are stored without a
  /// retain. Only call when `isAvailable`.
  @inline(__always)
  static func store(_ value: consuming String, into slot: UnsafeMutablePointer<String>) {
    release(slot)
    slot.initialize(to: value)
  }

  /// `store` for the words of a small string made by `words(_:count:ascii:)`.
  @inline(__always)
  static func store(words: (UInt64, UInt64), into slot: UnsafeMutablePointer<String>) {
    release(slot)
    UnsafeMutableRawPointer(slot).storeBytes(of: words, as: (UInt64, UInt64).self)
  }

  /// Ends the String at `slot` (left uninitialised), skipping the run-time call for an
  /// immortal one.
  @inline(__always)
  private static func release(_ slot: UnsafeMutablePointer<String>) {
    if UnsafeRawPointer(slot).load(fromByteOffset: 8, as: UInt64.self) >> 63 == 0 { slot.deinitialize(count: 1) }
  }

  /// The string of `bytes` (valid UTF-8, as libxml2 hands it over) when it is short enough to
  /// be built inline, else nil. Copies byte by byte, so nothing past `bytes` is read.
  @inline(__always)
  static func make(copying bytes: UnsafeBufferPointer<UInt8>) -> String? {
    let count = bytes.count
    guard count <= 15, isAvailable else { return nil }
    var words: (UInt64, UInt64) = (0, 0)
    var high: UInt8 = 0
    withUnsafeMutableBytes(of: &words) { target in
      for i in 0..<count {
        target[i] = bytes[i]
        high |= bytes[i]
      }
    }
    return withUnsafeBytes(of: words) { make($0.baseAddress!, count: count, ascii: high < 0x80) }
  }
}
