import Foundation
import PaktCore

/// String similarity measures on folded bytes, written for the linker's inner loop.
public enum StringMetrics {
  /// Jaro-Winkler similarity in 0…1 (prefix scale 0.1, up to 4 characters).
  ///
  /// ```swift
  /// StringMetrics.jaroWinkler(Array("martha".utf8), Array("marhta".utf8))  // ≈ 0.961
  /// ```
  public static func jaroWinkler(_ a: [UInt8], _ b: [UInt8]) -> Double {
    a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in jaroWinkler(x, y) } }
  }

  /// The same on bytes in place. Which characters matched is kept in two 64-bit masks for
  /// texts of up to 64 bytes. Why: two flag arrays per call were a fifth of linking a million
  /// person records (allocation and generic metadata lookups under perf).
  static func jaroWinkler(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Double {
    let la = a.count
    let lb = b.count
    if la == 0 || lb == 0 { return 0 }
    if la == lb && memcmp(a.baseAddress!, b.baseAddress!, la) == 0 { return 1 }
    if la > 64 || lb > 64 { return jaroWinklerLong(Array(a), Array(b)) }
    let window = max(0, max(la, lb) / 2 - 1)
    var aMatched: UInt64 = 0
    var bMatched: UInt64 = 0
    var matches = 0
    for i in 0..<la {
      let lo = max(0, i - window)
      let hi = min(lb - 1, i + window)
      if lo > hi { continue }
      let c = a[i]
      for j in lo...hi where bMatched & (1 << UInt64(j)) == 0 && c == b[j] {
        aMatched |= 1 << UInt64(i)
        bMatched |= 1 << UInt64(j)
        matches += 1
        break
      }
    }
    if matches == 0 { return 0 }
    // The matched characters in order on both sides; each differing position is half a transposition.
    var transpositions = 0
    var restA = aMatched
    var restB = bMatched
    while restA != 0 {
      let i = restA.trailingZeroBitCount
      let j = restB.trailingZeroBitCount
      if a[i] != b[j] { transpositions += 1 }
      restA &= restA - 1
      restB &= restB - 1
    }
    let m = Double(matches)
    let jaro = (m / Double(la) + m / Double(lb) + (m - Double(transpositions) / 2) / m) / 3
    var prefix = 0
    while prefix < min(4, la, lb) && a[prefix] == b[prefix] { prefix += 1 }
    return jaro + Double(prefix) * 0.1 * (1 - jaro)
  }

  /// The most `jaroWinkler(a, b)` can be when at most `shared` characters of the two texts
  /// are alike (see `LetterCounts`): no more characters match than that, and none need be
  /// transposed.
  ///
  /// Why: most names the linker compares (same day of birth, sound-alike names) differ in
  /// most letters, and Jaro-Winkler was a quarter of `pakt link`'s time on a 300,000-person
  /// file; where the bound is below a level's threshold, the level is known without it.
  static func jaroWinklerBound(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, shared: Int)
    -> Double
  {
    let la = a.count
    let lb = b.count
    let matches = min(shared, la, lb)
    if matches == 0 { return 0 }
    let m = Double(matches)
    let jaro = (m / Double(la) + m / Double(lb) + 1) / 3
    var prefix = 0
    while prefix < min(4, la, lb) && a[prefix] == b[prefix] { prefix += 1 }
    return jaro + Double(prefix) * 0.1 * (1 - jaro)
  }

  /// The same, counting the texts' letters first (tests; the linker keeps each value's counts).
  static func jaroWinklerBound(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Double {
    jaroWinklerBound(a, b, shared: LetterCounts(a).shared(with: LetterCounts(b)))
  }

  /// Texts longer than 64 bytes (rare in person fields): flags in arrays.
  static func jaroWinklerLong(_ a: [UInt8], _ b: [UInt8]) -> Double {
    if a == b { return a.isEmpty ? 0 : 1 }
    let la = a.count
    let lb = b.count
    if la == 0 || lb == 0 { return 0 }
    let window = max(0, max(la, lb) / 2 - 1)
    var aMatched = [Bool](repeating: false, count: la)
    var bMatched = [Bool](repeating: false, count: lb)
    var matches = 0
    for i in 0..<la {
      let lo = max(0, i - window)
      let hi = min(lb - 1, i + window)
      if lo > hi { continue }
      for j in lo...hi where !bMatched[j] && a[i] == b[j] {
        aMatched[i] = true
        bMatched[j] = true
        matches += 1
        break
      }
    }
    if matches == 0 { return 0 }
    var transpositions = 0
    var k = 0
    for i in 0..<la where aMatched[i] {
      while !bMatched[k] { k += 1 }
      if a[i] != b[k] { transpositions += 1 }
      k += 1
    }
    let m = Double(matches)
    let jaro = (m / Double(la) + m / Double(lb) + (m - Double(transpositions) / 2) / m) / 3
    var prefix = 0
    while prefix < min(4, la, lb) && a[prefix] == b[prefix] { prefix += 1 }
    return jaro + Double(prefix) * 0.1 * (1 - jaro)
  }

  /// Whether one insertion, deletion or substitution at most turns `a` into `b`, in one pass
  /// without allocating (the linker asks only this of identifiers and postal codes).
  static func withinOneEdit(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    let (short, long) = a.count <= b.count ? (a, b) : (b, a)
    if long.count - short.count > 1 { return false }
    var i = 0
    while i < short.count && short[i] == long[i] { i += 1 }
    if i == short.count { return true }
    if short.count == long.count {
      // One substitution: the rest must be equal.
      var j = i + 1
      while j < short.count && short[j] == long[j] { j += 1 }
      return j == short.count
    }
    // One insertion into the shorter text.
    var j = i
    while j < short.count && short[j] == long[j + 1] { j += 1 }
    return j == short.count
  }

  /// True when `a` and `b` differ by one adjacent transposition ("1234" / "1324"), in place.
  static func isTransposition(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count, a.count >= 2 else { return false }
    var i = 0
    while i < a.count && a[i] == b[i] { i += 1 }
    guard i + 1 < a.count, a[i] == b[i + 1], a[i + 1] == b[i] else { return false }
    var j = i + 2
    while j < a.count && a[j] == b[j] { j += 1 }
    return j == a.count
  }

  /// Levenshtein distance, stopping early once it exceeds `limit` (then returns limit + 1).
  @inline(__always)
  public static func levenshtein(_ a: [UInt8], _ b: [UInt8], limit: Int = .max) -> Int {
    editDistance(a, b, limit: limit)
  }

  /// True when `a` and `b` differ by one adjacent transposition ("1234" / "1324").
  public static func isTransposition(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in isTransposition(x, y) } }
  }
}

/// Kölner Phonetik (Cologne phonetics): a phonetic code for German-spelled names.
///
/// ```swift
/// ColognePhonetics.code("Müller-Lüdenscheidt")  // "65752682"
/// ColognePhonetics.code("Meier") == ColognePhonetics.code("Mayr")  // true
/// ```
public enum ColognePhonetics {
  public static func code(_ text: String) -> String {
    codeASCII(text) ?? codeGeneral(text)
  }

  /// The code of ASCII text, worked out on bytes; nil for other text. Why: comparing
  /// `Character`s made the codes a third of preparing 327,000 records for linking (perf).
  /// The same code as the general path: see the test "ASCII text: the byte path gives the
  /// general path's Kölner Phonetik".
  static func codeASCII(_ text: String) -> String? {
    var letters: [UInt8] = []
    letters.reserveCapacity(text.utf8.count)
    for b in text.utf8 {
      switch b {
      case 0x80...: return nil
      case 0x41...0x5A: letters.append(b)
      case 0x61...0x7A: letters.append(b - 32)
      default: continue
      }
    }
    func letter(_ c: Unicode.Scalar) -> UInt8 { UInt8(ascii: c) }
    var digits: [UInt8] = []
    digits.reserveCapacity(letters.count)
    for (i, c) in letters.enumerated() {
      let prev: UInt8 = i > 0 ? letters[i - 1] : 0
      let next: UInt8 = i + 1 < letters.count ? letters[i + 1] : 0
      let d: UInt8
      switch c {
      case letter("A"), letter("E"), letter("I"), letter("J"), letter("O"), letter("U"), letter("Y"): d = 0
      case letter("H"): continue
      case letter("B"): d = 1
      case letter("P"): d = next == letter("H") ? 3 : 1
      case letter("D"), letter("T"): d = next == letter("C") || next == letter("S") || next == letter("Z") ? 8 : 2
      case letter("F"), letter("V"), letter("W"): d = 3
      case letter("G"), letter("K"), letter("Q"): d = 4
      case letter("C"):
        if i == 0 {
          d = hardAtStart.contains(next) ? 4 : 8
        } else if prev == letter("S") || prev == letter("Z") {
          d = 8
        } else {
          d = hard.contains(next) ? 4 : 8
        }
      case letter("X"):
        if prev != letter("C") && prev != letter("K") && prev != letter("Q") { digits.append(4) }
        d = 8
      case letter("L"): d = 5
      case letter("M"), letter("N"): d = 6
      case letter("R"): d = 7
      case letter("S"), letter("Z"): d = 8
      default: continue
      }
      digits.append(d)
    }
    // Collapse repeats, then drop zeros except at the start.
    var out: [UInt8] = []
    for d in digits where out.last != d { out.append(d) }
    guard let first = out.first else { return "" }
    var code = [first + 0x30]
    for d in out.dropFirst() where d != 0 { code.append(d + 0x30) }
    return String(decoding: code, as: UTF8.self)
  }

  /// Letters after which C is spoken as K: at the start of a word, and elsewhere.
  private static let hardAtStart = Array("AHKLOQRUX".utf8)
  private static let hard = Array("AHKOQUX".utf8)

  /// The code on `Character`s, for text in any script: letters with diacritics as their base
  /// letters (Şahin as Sahin, Çelik as Celik, Đorđević as Dordevic), as `TextFold` folds them.
  static func codeGeneral(_ text: String) -> String {
    // Work on upper-case Latin letters. Umlauts are spelled out (ä → ae) and ß as ss: a vowel
    // after a vowel and a letter doubled give the code they gave as one letter. (Only the
    // umlauts were known before: Ş, Ç, Š or Ž were dropped, so Şahin and Shahin, written by
    // two offices, had other codes and no blocking rule on codes paired them.)
    var letters: [Character] = []
    for ch in TextFold.fold(text).uppercased() {
      switch ch {
      case "A"..."Z": letters.append(ch)
      default: continue
      }
    }
    var digits: [Character] = []
    for (i, c) in letters.enumerated() {
      let prev: Character? = i > 0 ? letters[i - 1] : nil
      let next: Character? = i + 1 < letters.count ? letters[i + 1] : nil
      var d: Character
      switch c {
      case "A", "E", "I", "J", "O", "U", "Y": d = "0"
      case "H": continue
      case "B": d = "1"
      case "P": d = next == "H" ? "3" : "1"
      case "D", "T": d = (next == "C" || next == "S" || next == "Z") ? "8" : "2"
      case "F", "V", "W": d = "3"
      case "G", "K", "Q": d = "4"
      case "C":
        if i == 0 {
          d = ["A", "H", "K", "L", "O", "Q", "R", "U", "X"].contains(next ?? " ") ? "4" : "8"
        } else if prev == "S" || prev == "Z" {
          d = "8"
        } else {
          d = ["A", "H", "K", "O", "Q", "U", "X"].contains(next ?? " ") ? "4" : "8"
        }
      case "X":
        if prev == "C" || prev == "K" || prev == "Q" {
          d = "8"
        } else {
          digits.append("4")
          d = "8"
        }
      case "L": d = "5"
      case "M", "N": d = "6"
      case "R": d = "7"
      case "S", "Z": d = "8"
      default: continue
      }
      digits.append(d)
    }
    // Collapse repeats, then drop zeros except at the start.
    var out: [Character] = []
    for d in digits where out.last != d { out.append(d) }
    guard let first = out.first else { return "" }
    return String(first) + String(out.dropFirst().filter { $0 != "0" })
  }
}

/// How often each byte occurs in a text, by the byte's low six bits, as four bit planes: plane
/// k holds the bytes that occur more than k times. Two texts' planes give, in four ANDs and
/// population counts, at least how many characters they have in common (the sum over bytes of
/// the lesser count), an upper bound on Jaro-Winkler's matches. Bytes that share their low six
/// bits, and a byte met more than four times (every plane then full), only raise it.
struct LetterCounts: Sendable {
  var planes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

  init(_ text: UnsafeBufferPointer<UInt8>) {
    for c in text {
      let bit: UInt64 = 1 << UInt64(c & 63)
      if planes.0 & bit == 0 {
        planes.0 |= bit
      } else if planes.1 & bit == 0 {
        planes.1 |= bit
      } else if planes.2 & bit == 0 {
        planes.2 |= bit
      } else if planes.3 & bit == 0 {
        planes.3 |= bit
      } else {
        planes = (.max, .max, .max, .max)
        return
      }
    }
  }

  /// At least the number of characters `self` and `other` have in common.
  @inline(__always)
  func shared(with other: LetterCounts) -> Int {
    (planes.0 & other.planes.0).nonzeroBitCount + (planes.1 & other.planes.1).nonzeroBitCount
      + (planes.2 & other.planes.2).nonzeroBitCount + (planes.3 & other.planes.3).nonzeroBitCount
  }
}
