/// Text that was written as UTF-8, read back as Windows-1252 and saved again: "Ã¼" for "ü",
/// "YÄ±lmaz" for "Yılmaz", "SprachcafÃ©" for "Sprachcafé". A municipality's export that went
/// through such a round trip (a spreadsheet opened with the wrong encoding and saved) holds
/// names no other export spells so, and program names no catalogue entry has.
///
/// The repair turns each character back into its Windows-1252 byte and reads the bytes as
/// UTF-8; it keeps the text as it is unless every character has such a byte and the bytes are
/// valid UTF-8. Real text almost never passes: "Müller" becomes the bytes 4D FC 6C 6C 65 72,
/// which no UTF-8 decoder accepts.
///
/// ```swift
/// Mojibake.repair("Ã¼ber")       // "über"
/// Mojibake.repair("YÄ±lmaz")     // "Yılmaz"
/// Mojibake.repair("Ärztin")      // "Ärztin" (unchanged)
/// ```
public enum Mojibake {
  /// The repaired text, or `text` itself when it is no such round trip.
  public static func repair(_ text: String) -> String {
    guard mayBe(text) else { return text }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      let v = scalar.value
      if v < 0x100 {
        // ASCII and Latin-1 are their own byte; so are the C1 controls a decoder leaves for
        // the five bytes Windows-1252 does not define.
        bytes.append(UInt8(v))
      } else if let b = windows1252[v] {
        bytes.append(b)
      } else {
        return text
      }
    }
    guard let repaired = String(validating: bytes, as: UTF8.self), repaired != text else { return text }
    return repaired
  }

  /// True when the text holds a character that begins a UTF-8 sequence read as Windows-1252
  /// (Â to ï: bytes C3 82 to C3 AF) followed by one of the characters a continuation byte
  /// becomes (U+0080 to U+00BF as C2 xx; Œ, Š, Ÿ, ž and the like as C5 xx, C6 xx or CB xx;
  /// € and the quotes as E2 xx xx). Checked on the bytes, so that clean text costs one pass.
  static func mayBe(_ text: String) -> Bool {
    if let found = text.utf8.withContiguousStorageIfAvailable(scan) { return found }
    return Array(text.utf8).withUnsafeBufferPointer(scan)
  }

  private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var state = 0  // 1: after C3; 2: after C3 82–AF
    for b in bytes {
      switch state {
      case 1: state = (0x82...0xAF).contains(b) ? 2 : (b == 0xC3 ? 1 : 0)
      case 2:
        if b == 0xC2 || b == 0xC5 || b == 0xC6 || b == 0xCB || b == 0xE2 { return true }
        state = b == 0xC3 ? 1 : 0
      default: state = b == 0xC3 ? 1 : 0
      }
    }
    return false
  }

  /// The characters Windows-1252 puts at bytes 80 to 9F, back to their bytes.
  static let windows1252: [UInt32: UInt8] = [
    0x20AC: 0x80, 0x201A: 0x82, 0x0192: 0x83, 0x201E: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
    0x02C6: 0x88, 0x2030: 0x89, 0x0160: 0x8A, 0x2039: 0x8B, 0x0152: 0x8C, 0x017D: 0x8E, 0x2018: 0x91,
    0x2019: 0x92, 0x201C: 0x93, 0x201D: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02DC: 0x98,
    0x2122: 0x99, 0x0161: 0x9A, 0x203A: 0x9B, 0x0153: 0x9C, 0x017E: 0x9E, 0x0178: 0x9F,
  ]
}
