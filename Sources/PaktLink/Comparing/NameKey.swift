import Foundation
import PaktCore

/// A transliteration-aware key for person names: the same for the spellings German records
/// give one Arabic, Persian or Tigrinya name (Mohammed, Muhammad, Mohamad → "mhmd").
///
/// Per word: folded to ASCII (an apostrophe is nothing); Mhd/Md as Mohammed; abdul-/abdel-
/// split off as "abd"; dsch/dzh → j; kh/ch/tsch/tsh → h, ts/tz → s, ph → f, ou → u, w → v,
/// z → s, c/q → k, j → y, g → h;
/// vowels after the first letter dropped and a first vowel unified, a word-final vowel kept as
/// "a", as is a final j and a final h after a vowel (Hassan and Hassani, Jamil and Jamili are
/// different names; Fatima, Fatime and Fatimah, Sergej and Serhii one);
/// doubled letters collapsed, but not one consonant written twice around a vowel (Demir and
/// Demirer are different names); the article al-/el- (also when written together before a
/// consonant) dropped.
/// The words are sorted, so swapped given and family names give the same key.
///
/// ```swift
/// NameKey.make(family: "Al-Hassan", given: "Mohammed")  // "hsn mhmd"
/// NameKey.make(family: "Muhammad", given: "Hassan")     // "hsn mhmd"
/// NameKey.make(family: "Hassani", given: nil)            // "hsna": another name
/// ```
public enum NameKey {
  static let articles: Set<String> = ["al", "el", "ul", "ad", "ar", "as", "at", "az", "an", "ash", "ed"]
  /// Muhammad as Syrian and South Asian papers abbreviate it (MHD ALI, Md. Karim).
  static let abbreviations: Set<String> = ["mhd", "mohd", "muhd", "md"]
  static let abbreviationBytes: Set<[UInt8]> = Set(abbreviations.map { Array($0.utf8) })
  /// Marks romanisations write for the Arabic ʿayn and hamza, or leave out: inside a name they
  /// are nothing, not a break between words (Sa'id / Said, Isma‘il / Ismail, Mas`ud / Masud).
  static let apostrophes: Set<Unicode.Scalar> = [
    "'", "`", "\u{2019}", "\u{2018}", "\u{02BF}", "\u{02BE}", "\u{00B4}", "\u{02BC}",
  ]

  public static func make(family: String?, given: String?) -> String {
    makeASCII(family: family, given: given) ?? makeGeneral(family: family, given: given)
  }

  /// The key on `Character`s, for names in any script.
  static func makeGeneral(family: String?, given: String?) -> String {
    let joined = [family, given].compactMap { $0 }.joined(separator: " ")
    let words = TextFold.tokens(String(joined.unicodeScalars.filter { !apostrophes.contains($0) }))
    return words.map { abbreviations.contains($0) ? "mohammed" : $0 }.flatMap(splitAbd).compactMap(skeleton).sorted()
      .joined(separator: " ")
  }

  /// The key of names written in ASCII (nearly all names in German records), worked out on
  /// bytes; nil for other names, which take the general path. Why: on `Character`s the key
  /// cost about 60,000 instructions a name (callgrind), a quarter of the rules' link stage.
  /// The same key as the general path: see the test "ASCII names: the byte path gives the
  /// general path's key".
  static func makeASCII(family: String?, given: String?) -> String? {
    // Folding ASCII keeps letters (lower-cased) and digits; anything else separates words.
    var words: [ArraySlice<UInt8>] = []
    var text: [UInt8] = []
    for part in [family, given] {
      guard let part else { continue }
      var start = text.count
      for b in part.utf8 {
        guard b < 0x80 else { return nil }
        if b == 0x27 || b == 0x60 { continue }  // ' and `: see `apostrophes`
        switch b {
        case 0x30...0x39, 0x61...0x7A: text.append(b)
        case 0x41...0x5A: text.append(b + 32)
        default:
          if text.count > start { words.append(text[start...]) }
          start = text.count
        }
      }
      if text.count > start { words.append(text[start...]) }
    }
    var keys: [[UInt8]] = []
    keys.reserveCapacity(words.count + 1)
    for word in words {
      if abbreviationBytes.contains(Array(word)) {
        keys.append(Array("mhmd".utf8))
      } else if let rest = abdRest(word) {
        keys.append(Array("abd".utf8))
        if let key = skeleton(bytes: rest) { keys.append(key) }
      } else if let key = skeleton(bytes: word) {
        keys.append(key)
      }
    }
    // Byte order is String order for ASCII.
    keys.sort { $0.lexicographicallyPrecedes($1) }
    var out: [UInt8] = []
    out.reserveCapacity(text.count + keys.count)
    for key in keys {
      if !out.isEmpty { out.append(0x20) }
      out += key
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// The spellings of abd- that `splitAbd` splits off.
  static let abdPrefixes = ["abdul", "abdel", "abdal", "abdur", "abdar", "abdol"]
  static let abdPrefixBytes: [[UInt8]] = abdPrefixes.map { Array($0.utf8) }
  static let articleBytes: Set<[UInt8]> = Set(articles.map { Array($0.utf8) })

  /// `splitAbd` on bytes: the rest after an abd- prefix, nil when there is none.
  static func abdRest(_ word: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
    for prefix in abdPrefixBytes where word.count > prefix.count + 1 && word.starts(with: prefix) {
      return word.dropFirst(prefix.count)
    }
    return nil
  }

  static func isVowel(_ b: UInt8) -> Bool {
    b == 0x61 || b == 0x65 || b == 0x69 || b == 0x6F || b == 0x75 || b == 0x79  // a e i o u y
  }

  /// `skeleton` on the bytes of a folded ASCII word (lower-case letters and digits).
  static func skeleton(bytes word: ArraySlice<UInt8>) -> [UInt8]? {
    if articleBytes.contains(Array(word)) { return nil }
    var w = word
    // al-/el- written together before a consonant.
    if w.count > 4, w.starts(with: "al".utf8) || w.starts(with: "el".utf8), !isVowel(w[w.startIndex + 2]) {
      w = w.dropFirst(2)
    }
    // A final h after a vowel is silent (Fatimah / Fatima, Sarah / Sara, Fatemeh).
    if w.count > 2, w.last == UInt8(ascii: "h"), isVowel(w[w.index(before: w.endIndex - 1)]) { w = w.dropLast() }
    let chars = Array(w)
    var folded: [UInt8] = []
    folded.reserveCapacity(chars.count)
    let (d, s, c, h) = (UInt8(ascii: "d"), UInt8(ascii: "s"), UInt8(ascii: "c"), UInt8(ascii: "h"))
    let (z, k, p, o) = (UInt8(ascii: "z"), UInt8(ascii: "k"), UInt8(ascii: "p"), UInt8(ascii: "o"))
    let (u, j, g, y, f) = (
      UInt8(ascii: "u"), UInt8(ascii: "j"), UInt8(ascii: "g"), UInt8(ascii: "y"), UInt8(ascii: "f")
    )
    var i = 0
    while i < chars.count {
      let ch = chars[i]
      let n: UInt8? = i + 1 < chars.count ? chars[i + 1] : nil
      if ch == d, i + 3 < chars.count, n == s, chars[i + 2] == c, chars[i + 3] == h {
        folded.append(j)
        i += 4
        continue
      }
      if ch == d, i + 2 < chars.count, n == z, chars[i + 2] == h {
        folded.append(j)
        i += 3
        continue
      }
      if ch == UInt8(ascii: "t"), n == s, i + 3 < chars.count, chars[i + 2] == c, chars[i + 3] == h {
        folded.append(h)
        i += 4
        continue
      }
      if ch == UInt8(ascii: "t"), n == s, i + 2 < chars.count, chars[i + 2] == h {
        folded.append(h)
        i += 3
        continue
      }
      if ch == s, n == c, i + 2 < chars.count, chars[i + 2] == h {
        folded += [s, h]
        i += 3
        continue
      }
      switch (ch, n) {
      case (UInt8(ascii: "t"), s), (UInt8(ascii: "t"), z): folded.append(s)
      case (k, h), (c, h): folded.append(h)
      case (p, h): folded.append(f)
      case (o, u): folded.append(u)
      case (d, j): folded.append(y)
      case (g, h): folded.append(g)
      default:
        folded.append(ch)
        i += 1
        continue
      }
      i += 2
    }
    var out: [UInt8] = []
    out.reserveCapacity(folded.count + 1)
    var previous: UInt8 = 0
    for (index, byte) in folded.enumerated() {
      var b = byte
      switch b {
      case 0x77: b = 0x76  // w → v
      case z: b = s
      case c, 0x71: b = k  // c, q → k
      case j: b = y
      case g: b = h
      default: break
      }
      let vowel = isVowel(b)
      defer { previous = b }
      if index == 0 {
        out.append(vowel ? 0x61 : b)
        continue
      }
      if vowel { continue }
      if previous == b { continue }
      out.append(b)
    }
    // A final semivowel too: Sergej / Serhii, Andrej / Andrii (Russian and Ukrainian spellings).
    if folded.count > 1, let last = folded.last, isVowel(last) || last == j { out.append(0x61) }
    return out.isEmpty ? nil : out
  }

  /// "Abdulrahman", "Abdel Rahman" and "Abd al-Rahman" are one name: "abd" and the rest.
  static func splitAbd(_ word: String) -> [String] {
    for prefix in abdPrefixes where word.count > prefix.count + 1 {
      if word.hasPrefix(prefix) { return ["abd", String(word.dropFirst(prefix.count))] }
    }
    return [word]
  }

  /// The skeleton of one word, nil for an article.
  public static func skeleton(_ word: String) -> String? {
    if articles.contains(word) { return nil }
    var w = word
    if w.count > 4, w.hasPrefix("al") || w.hasPrefix("el"), let third = w.dropFirst(2).first, !"aeiouy".contains(third)
    {
      w = String(w.dropFirst(2))
    }
    // A final h after a vowel is silent (Fatimah / Fatima, Sarah / Sara, Fatemeh).
    if w.count > 2, w.last == "h", let before = w.dropLast().last, "aeiouy".contains(before) {
      w = String(w.dropLast())
    }
    // Digraphs in one pass (sch → sh, kh/ch/tsch/tsh → h, ts/tz → s, ph → f, ou → u, dj → y, gh → g): a chain of
    // Foundation replacements per word was a tenth of a 100,000-record run.
    let chars = Array(w)
    var folded: [Character] = []
    folded.reserveCapacity(chars.count)
    var k = 0
    while k < chars.count {
      let c = chars[k]
      let n: Character? = k + 1 < chars.count ? chars[k + 1] : nil
      // German "dsch" and Russian "dzh" write the English "j" (Dschafari, Jafari).
      if c == "d", k + 3 < chars.count, n == "s", chars[k + 2] == "c", chars[k + 3] == "h" {
        folded.append("j")
        k += 4
        continue
      }
      if c == "d", k + 2 < chars.count, n == "z", chars[k + 2] == "h" {
        folded.append("j")
        k += 3
        continue
      }
      // German "tsch" writes the English "ch" (Schewtschenko, Shevchenko): the same as ch.
      if c == "t", n == "s", k + 3 < chars.count, chars[k + 2] == "c", chars[k + 3] == "h" {
        folded.append("h")
        k += 4
        continue
      }
      // English "tsh" too (Tshinedu, Chinedu).
      if c == "t", n == "s", k + 2 < chars.count, chars[k + 2] == "h" {
        folded.append("h")
        k += 3
        continue
      }
      if c == "s", n == "c", k + 2 < chars.count, chars[k + 2] == "h" {
        folded += ["s", "h"]
        k += 3
        continue
      }
      switch (c, n) {
      // German "z" writes the English "ts" (Ukrainian and Russian ц: Schwez, Shvets; Zybulskyj,
      // Tsybulskyi; Tigrinya Tsegay, Zegay), and "tz" is "z" (Kravetz, Krawez).
      case ("t", "s"), ("t", "z"): folded.append("s")
      case ("k", "h"), ("c", "h"): folded.append("h")
      case ("p", "h"): folded.append("f")
      case ("o", "u"): folded.append("u")
      case ("d", "j"): folded.append("y")
      case ("g", "h"): folded.append("g")
      default:
        folded.append(c)
        k += 1
        continue
      }
      k += 2
    }
    var out: [Character] = []
    var previous: Character = " "
    for (i, ch) in folded.enumerated() {
      var c = ch
      switch c {
      case "w": c = "v"
      case "z": c = "s"
      case "c", "q": c = "k"
      case "j": c = "y"
      // Russian transliteration writes h as g (Gassan, Sergej / Ukrainian Serhii).
      case "g": c = "h"
      default: break
      }
      let vowel = "aeiouy".contains(c)
      defer { previous = c }
      if i == 0 {
        out.append(vowel ? "a" : c)
        continue
      }
      if vowel { continue }
      if previous == c { continue }
      out.append(c)
    }
    if folded.count > 1, let last = folded.last, "aeiouyj".contains(last) { out.append("a") }
    return out.isEmpty ? nil : String(out)
  }
}
