import CPaktScan
import PaktCore

/// The text encodings pakt reads, detected from the bytes or set per source.
public enum TextEncoding: String, Sendable, Codable, CaseIterable {
  /// Windows-1252 0x80–0x9F to Unicode; 0 marks the five undefined bytes (`CodePage`).
  public static let windows1252High = CodePage.windows1252High

  /// DOS Latin-1 (code page 850) 0x80–0xFF to Unicode: "ä" is 0x84, "ß" 0xE1.
  public static let cp850High: [UInt32] = [
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF,
    0x00EE, 0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
    0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00C1, 0x00C2, 0x00C0, 0x00A9, 0x2563, 0x2551, 0x2557,
    0x255D, 0x00A2, 0x00A5, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x00A4, 0x00F0, 0x00D0, 0x00CA, 0x00CB,
    0x00C8, 0x0131, 0x00CD, 0x00CE, 0x00CF, 0x2518, 0x250C, 0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580,
    0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE, 0x00DE, 0x00DA, 0x00DB, 0x00D9,
    0x00FD, 0x00DD, 0x00AF, 0x00B4, 0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6, 0x00A7, 0x00F7, 0x00B8,
    0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0,
  ]

  case utf8 = "utf-8"
  case utf8BOM = "utf-8-bom"
  case utf16LE = "utf-16le"
  case utf16BE = "utf-16be"
  case windows1252 = "windows-1252"
  case latin1 = "iso-8859-1"
  /// DOS Latin-1, as database programs of the DOS era and their exports still write it.
  case cp850 = "ibm850"

  /// Reads a spelling from a mapping file ("UTF-8", "cp1252", "latin1", "UTF-16", …).
  public init?(name: String) {
    switch TextFold.compact(name) {
    case "utf8": self = .utf8
    case "utf8bom", "utf8sig": self = .utf8BOM
    case "utf16", "utf16le", "ucs2", "unicode": self = .utf16LE
    case "utf16be": self = .utf16BE
    case "windows1252", "cp1252", "win1252", "ansi": self = .windows1252
    case "iso88591", "latin1", "l1": self = .latin1
    case "ibm850", "cp850", "850", "dos850", "doslatin1": self = .cp850
    default: return nil
    }
  }

  /// Bytes of the byte order mark this encoding starts with in a file that has one.
  var bom: [UInt8] {
    switch self {
    case .utf8BOM: return [0xEF, 0xBB, 0xBF]
    case .utf16LE: return [0xFF, 0xFE]
    case .utf16BE: return [0xFE, 0xFF]
    default: return []
    }
  }

  /// Detects the encoding from the first bytes of a file (64 KiB is plenty).
  ///
  /// Order: byte order mark; UTF-16 without BOM from the pattern of zero bytes; valid UTF-8;
  /// Windows-1252 when a byte in 0x80–0x9F occurs (ISO-8859-1 has only control codes there);
  /// ISO-8859-1 otherwise.
  ///
  /// ```swift
  /// TextEncoding.detect(Array("Größe".utf8))  // .utf8
  /// ```
  public static func detect(_ sample: [UInt8]) -> TextEncoding {
    if sample.starts(with: [0xEF, 0xBB, 0xBF]) { return .utf8BOM }
    if sample.starts(with: [0xFF, 0xFE]) { return .utf16LE }
    if sample.starts(with: [0xFE, 0xFF]) { return .utf16BE }
    let pairs = min(sample.count / 2, 4096)
    if pairs >= 2 {
      var zeroEven = 0
      var zeroOdd = 0
      for i in 0..<pairs {
        if sample[2 * i] == 0 { zeroEven += 1 }
        if sample[2 * i + 1] == 0 { zeroOdd += 1 }
      }
      // ASCII-heavy UTF-16 text has a zero in every other byte.
      if zeroOdd * 10 > pairs * 3 && zeroEven * 10 < pairs { return .utf16LE }
      if zeroEven * 10 > pairs * 3 && zeroOdd * 10 < pairs { return .utf16BE }
    }
    if isValidUTF8(sample, allowTruncatedEnd: true) { return .utf8 }
    if readsAsCP850(sample) { return .cp850 }
    if sample.contains(where: { $0 >= 0x80 && $0 <= 0x9F }) { return .windows1252 }
    return .latin1
  }

  /// Whether single-byte text is DOS Latin-1 rather than Windows-1252: of the bytes above
  /// 0x7F beside a letter, more than twice as many are letters in code page 850 as in
  /// Windows-1252, and at least three. German in code page 850 writes "ä" "ö" "ü" as 0x84
  /// 0x94 0x81, which Windows-1252 reads as „ " and nothing; German in Windows-1252 writes
  /// them as 0xE4 0xF6 0xFC, of which code page 850 reads only the first as a letter (õ).
  static func readsAsCP850(_ sample: [UInt8]) -> Bool {
    var dos = 0
    var windows = 0
    for i in sample.indices where sample[i] >= 0x80 {
      let besideLetter =
        (i > 0 && isASCIILetter(sample[i - 1])) || (i + 1 < sample.count && isASCIILetter(sample[i + 1]))
      guard besideLetter else { continue }
      let b = Int(sample[i])
      if letterIn850[b - 0x80] { dos += 1 }
      if letterIn1252[b - 0x80] { windows += 1 }
    }
    return dos >= 3 && dos > 2 * windows
  }

  private static func isASCIILetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
  /// Which bytes 0x80–0xFF are letters in each encoding.
  private static let letterIn850 = cp850High.map { Unicode.Scalar($0)?.properties.isAlphabetic ?? false }
  private static let letterIn1252 = (0x80..<0x100).map { b in
    let scalar = b < 0xA0 ? windows1252High[b - 0x80] : UInt32(b)
    return scalar != 0 && (Unicode.Scalar(scalar)?.properties.isAlphabetic ?? false)
  }
}

/// True when `bytes` are valid UTF-8; with `allowTruncatedEnd`, a sequence cut at the end passes.
func isValidUTF8(_ bytes: [UInt8], allowTruncatedEnd: Bool) -> Bool {
  bytes.withUnsafeBufferPointer { isValidUTF8($0, allowTruncatedEnd: allowTruncatedEnd) }
}

/// True when `bytes` are valid UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF).
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>, allowTruncatedEnd: Bool = false) -> Bool {
  var i = 0
  let n = bytes.count
  while i < n {
    let b = bytes[i]
    if b < 0x80 {
      i += 1
      continue
    }
    // Two-byte sequences (umlauts, ß, most Latin letters) checked in place. (Fields are short
    // here: skipping ASCII eight bytes at a time cost more than it saved, callgrind. Whole
    // chunks go through `utf8ValidPrefix`.)
    if b >= 0xC2 && b < 0xE0 && i + 1 < n && bytes[i + 1] & 0xC0 == 0x80 {
      i += 2
      continue
    }
    let length = utf8SequenceLength(UnsafeBufferPointer(rebasing: bytes[i...]))
    if length == 0 {
      return allowTruncatedEnd && n - i < 4 && isTruncatedUTF8(UnsafeBufferPointer(rebasing: bytes[i...]))
    }
    i += length
  }
  return true
}

/// The end of the valid UTF-8 that starts at `from` in `base[..<n]`: `n`, or the place of the
/// first sequence that is invalid or cut off by `n`. `base` must hold 64 readable bytes past
/// `n`. Why by masks: the bytes that are not ASCII of 64 at a time are found as one bit mask
/// (SSE2) and only they are visited; skipping the ASCII between two umlauts afresh each time
/// cost twice as many instructions (callgrind).
func utf8ValidPrefix(_ base: UnsafePointer<UInt8>, from: Int, to n: Int) -> Int {
  var at = from
  while at < n {
    var highs = pakt_high_mask64(base + at) & CSVScan.validBits(n &- at)
    var next = at &+ 64
    while highs != 0 {
      let k = highs.trailingZeroBitCount
      let i = at &+ k
      var length = 2
      // Two-byte sequences (umlauts, ß, most Latin letters) checked in place.
      let b = base[i]
      if !(b >= 0xC2 && b < 0xE0 && i &+ 1 < n && base[i &+ 1] & 0xC0 == 0x80) {
        length = utf8SequenceLength(UnsafeBufferPointer(start: base + i, count: n &- i))
        if length == 0 { return i }
      }
      let end = k &+ length
      if end >= 64 {
        // The sequence reaches into the next 64 bytes: go on from its end.
        next = at &+ end
        break
      }
      highs &= UInt64.max &<< end
    }
    at = next
  }
  return n
}

/// The length of the valid UTF-8 sequence at the start of `bytes`, or 0 when it is invalid
/// or cut off.
@inline(__always)
func utf8SequenceLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
  let b = bytes[0]
  if b < 0x80 { return 1 }
  let length = utf8LeadLength(b)
  if length == 0 || length > bytes.count { return 0 }
  for k in 1..<length where bytes[k] & 0xC0 != 0x80 { return 0 }
  return utf8SecondByteAllowed(lead: b, bytes[1]) ? length : 0
}

/// True when `bytes` (fewer than four) are the valid start of a sequence cut off early.
func isTruncatedUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
  guard let b = bytes.first else { return false }
  let length = utf8LeadLength(b)
  guard length > 0, bytes.count < length else { return false }
  for k in 1..<bytes.count where bytes[k] & 0xC0 != 0x80 { return false }
  return bytes.count < 2 || utf8SecondByteAllowed(lead: b, bytes[1])
}

/// How long a sequence that starts with `lead` (not ASCII) is, or 0 for a byte that cannot
/// start one (a continuation byte, an overlong two-byte lead, a lead past U+10FFFF).
@inline(__always)
func utf8LeadLength(_ lead: UInt8) -> Int {
  if lead & 0xE0 == 0xC0 && lead >= 0xC2 { return 2 }
  if lead & 0xF0 == 0xE0 { return 3 }
  if lead & 0xF8 == 0xF0 && lead <= 0xF4 { return 4 }
  return 0
}

/// False where the second byte makes an overlong three- or four-byte form, a UTF-16
/// surrogate, or a code point past U+10FFFF.
@inline(__always)
func utf8SecondByteAllowed(lead: UInt8, _ second: UInt8) -> Bool {
  switch lead {
  case 0xE0: return second >= 0xA0
  case 0xED: return second < 0xA0
  case 0xF0: return second >= 0x90
  case 0xF4: return second < 0x90
  default: return true
  }
}

/// Turns a stream of bytes in some encoding into UTF-8, chunk by chunk.
///
/// A byte or unit that has no character in its encoding (one of the five undefined
/// Windows-1252 bytes, a lone UTF-16 surrogate) becomes 0xFF, which is never valid UTF-8:
/// the reader then rejects that record with its line instead of silently dropping the byte.
struct Transcoder {
  let encoding: TextEncoding
  private var carry: [UInt8] = []
  /// Room for one chunk's single-byte transcoding, allocated once.
  private var scratch: [UInt8] = []
  private var pendingHighSurrogate: UInt32? = nil

  init(encoding: TextEncoding) { self.encoding = encoding }

  /// UTF-8 bytes of each single-byte character, precomputed once: a 256-entry table is
  /// ten times faster than Foundation's decoder here (platform notes).
  static func singleByteTable(_ encoding: TextEncoding) -> [[UInt8]] {
    (0..<256).map { b -> [UInt8] in
      var scalar = UInt32(b)
      if encoding == .windows1252 && b >= 0x80 && b <= 0x9F {
        scalar = TextEncoding.windows1252High[b - 0x80]
        if scalar == 0 { return [0xFF] }
      }
      if encoding == .cp850 && b >= 0x80 { scalar = TextEncoding.cp850High[b - 0x80] }
      return Array(String(Unicode.Scalar(scalar)!).utf8)
    }
  }
  /// Each byte's UTF-8 form packed little-endian into a word, its length in the top byte.
  static func packedTable(_ encoding: TextEncoding) -> [UInt32] {
    singleByteTable(encoding).map { bytes in
      bytes.enumerated().reduce(UInt32(bytes.count) << 24) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }
  }
  private static let cp1252Packed = packedTable(.windows1252)
  private static let latin1Packed = packedTable(.latin1)
  private static let cp850Packed = packedTable(.cp850)

  /// Converts the next chunk; keeps a cut-off UTF-16 unit for the next call.
  mutating func transcode(_ input: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
    switch encoding {
    case .utf8, .utf8BOM:
      appendValidatedUTF8(input, into: &out)
    case .windows1252, .latin1, .cp850:
      // Into a scratch buffer sized once for the worst case, then appended in one copy.
      if scratch.count < input.count * 3 + 16 { scratch = [UInt8](repeating: 0, count: input.count * 3 + 16) }
      let encoding = self.encoding
      let written = scratch.withUnsafeMutableBytes {
        Self.transcodeSingleByte(input, encoding: encoding, to: $0.baseAddress!)
      }
      scratch.withUnsafeBufferPointer { out.append(contentsOf: $0[0..<written]) }
    case .utf16LE, .utf16BE:
      var bytes = carry
      bytes.append(contentsOf: input)
      let usable = bytes.count & ~1
      carry = Array(bytes[usable...])
      var i = 0
      while i < usable {
        let unit: UInt32 =
          encoding == .utf16LE
          ? UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 : UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
        i += 2
        appendUTF16(unit, into: &out)
      }
    }
  }

  /// Converts single-byte (Windows-1252, ISO-8859-1) input straight into `target`, which has
  /// room for 3 bytes per input byte and 16 more; returns the bytes written. ASCII is copied
  /// 16 bytes at a time (`pakt_copy_ascii`), and each other byte's UTF-8 is stored as one
  /// 4-byte word of which its length counts: per-byte `append` ran at a third of the speed of
  /// eight-byte words, and a branch on each character's length missed as often as not.
  static func transcodeSingleByte(
    _ input: UnsafeBufferPointer<UInt8>, encoding: TextEncoding, to target: UnsafeMutableRawPointer
  ) -> Int {
    guard let source = input.baseAddress else { return 0 }
    let table =
      switch encoding {
      case .windows1252: Self.cp1252Packed
      case .cp850: Self.cp850Packed
      default: Self.latin1Packed
      }
    let n = input.count
    return table.withUnsafeBufferPointer { table in
      let out = target.assumingMemoryBound(to: UInt8.self)
      var i = 0
      var o = 0
      // Within the room: o ≤ 3i before each step, so a block of 16 (i + 16 ≤ n) ends below
      // 3n, and a word of 4 for the last byte ends at 3n + 1 at most.
      while i < n {
        let ascii = pakt_copy_ascii(source + i, n - i, out + o)
        i += ascii
        o += ascii
        if i >= n { break }
        let packed = table[Int(source[i])]
        UnsafeMutableRawPointer(out + o).storeBytes(of: packed.littleEndian, as: UInt32.self)
        o += Int(packed >> 24)
        i += 1
      }
      return o
    }
  }

  /// Copies UTF-8 input, turning each byte that does not start a valid sequence into 0xFF, so
  /// that readers downstream need only look for 0xFF in the few fields that are not ASCII.
  /// A sequence cut at the end of the chunk waits in `carry` for the next one.
  private mutating func appendValidatedUTF8(_ chunk: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
    if carry.isEmpty {
      appendValidatedUTF8Run(chunk, into: &out)
    } else {
      // Rare: only when a multi-byte character straddles two chunks.
      let joined = carry + Array(chunk)
      carry = []
      joined.withUnsafeBufferPointer { appendValidatedUTF8Run($0, into: &out) }
    }
  }

  private mutating func appendValidatedUTF8Run(_ input: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
    guard let base = input.baseAddress else { return }
    let n = input.count
    let start = out.count
    out.append(contentsOf: input)
    var cut = n
    out.withUnsafeMutableBufferPointer { target in
      var i = 0
      while i < n {
        // Eight bytes at a time: ASCII words are skipped whole, otherwise straight to the
        // first byte that is not ASCII.
        if i + 8 <= n {
          let high = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080
          if high == 0 {
            i += 8
            continue
          }
          i += high.trailingZeroBitCount >> 3
        }
        if input[i] < 0x80 {
          i += 1
          continue
        }
        let rest = UnsafeBufferPointer(rebasing: input[i...])
        let length = utf8SequenceLength(rest)
        if length > 0 {
          i += length
        } else if n - i < 4 && isTruncatedUTF8(rest) {
          // A character cut by the chunk's end: finish it with the next chunk.
          cut = i
          break
        } else {
          target[start + i] = 0xFF
          i += 1
        }
      }
    }
    if cut < n {
      carry = Array(input[cut...])
      out.removeLast(n - cut)
    }
  }

  /// Flushes what is left at the end of the input.
  mutating func finish(into out: inout [UInt8]) {
    if pendingHighSurrogate != nil {
      out.append(0xFF)
      pendingHighSurrogate = nil
    }
    if !carry.isEmpty {
      out.append(0xFF)
      carry = []
    }
  }

  private mutating func appendUTF16(_ unit: UInt32, into out: inout [UInt8]) {
    if let high = pendingHighSurrogate {
      pendingHighSurrogate = nil
      if unit >= 0xDC00 && unit <= 0xDFFF {
        appendScalar(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00), into: &out)
        return
      }
      out.append(0xFF)
    }
    if unit >= 0xD800 && unit <= 0xDBFF {
      pendingHighSurrogate = unit
    } else if unit >= 0xDC00 && unit <= 0xDFFF {
      out.append(0xFF)
    } else {
      appendScalar(unit, into: &out)
    }
  }

  private func appendScalar(_ v: UInt32, into out: inout [UInt8]) {
    switch v {
    case 0..<0x80:
      out.append(UInt8(v))
    case 0x80..<0x800:
      out.append(UInt8(0xC0 | (v >> 6)))
      out.append(UInt8(0x80 | (v & 0x3F)))
    case 0x800..<0x10000:
      out.append(UInt8(0xE0 | (v >> 12)))
      out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
      out.append(UInt8(0x80 | (v & 0x3F)))
    default:
      out.append(UInt8(0xF0 | (v >> 18)))
      out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
      out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
      out.append(UInt8(0x80 | (v & 0x3F)))
    }
  }
}
