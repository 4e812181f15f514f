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
    return agrees("Az09 -.,;_()/&%", ascii: true) && agrees("ÄMüller Zoë €ßx", ascii: false)
      && agrees("€ĞğŞşİıçÇabcdef", ascii: false) && agrees("ééééééééééééééé", ascii: false)
  }()

  /// The string of `count` (≤ 15) bytes at `pointer`, which must be valid UTF-8 and, unless
  /// `ascii` is false, ASCII; 16 bytes from `pointer` must be readable. Only call when
  /// `isAvailable`.
  @inline(__always)
  static func make(_ pointer: UnsafeRawPointer, count: Int, ascii: Bool = true) -> String {
    var low = pointer.loadUnaligned(as: UInt64.self)
    var high = pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
    if count < 8 {
      low = count == 0 ? 0 : low & (UInt64.max >> (64 - 8 * count))
      high = 0
    } else {
      high = count == 8 ? 0 : high & (UInt64.max >> (64 - 8 * (count - 8)))
    }
    // Top byte: immortal | ASCII | small, then the count.
    high |= UInt64((ascii ? 0xE0 : 0xA0) | count) << 56
    return unsafeBitCast((low, high), to: String.self)
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
