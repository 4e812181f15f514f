import Foundation
import PaktCore

/// A transliteration-aware key for person names: the same for the spellings German records
/// give one Arabic, Persian or Tigrinya name (Mohammed, Muhammad, Mohamad → "mhmd").
///
/// Per word: folded to ASCII; abdul-/abdel- split off as "abd"; dsch/dzh → j; kh/ch → h,
/// ph → f, ou → u, w → v, z → s, c/q → k, j → y, g → h;
/// vowels after the first letter dropped and a first vowel unified; doubled letters
/// collapsed; the article al-/el- (also when written together before a consonant) dropped.
/// The words are sorted, so swapped given and family names give the same key.
///
/// ```swift
/// NameKey.make(family: "Al-Hassan", given: "Mohammed")  // "ahsn mhmd"
/// NameKey.make(family: "Muhammad", given: "Hassan")     // "ahsn mhmd"
/// ```
public enum NameKey {
  static let articles: Set<String> = ["al", "el", "ul", "ad", "ar", "as", "at", "az", "an", "ash", "ed"]

  public static func make(family: String?, given: String?) -> String {
    let words = TextFold.tokens([family, given].compactMap { $0 }.joined(separator: " "))
    return words.flatMap(splitAbd).compactMap(skeleton).sorted().joined(separator: " ")
  }

  /// "Abdulrahman", "Abdel Rahman" and "Abd al-Rahman" are one name: "abd" and the rest.
  static func splitAbd(_ word: String) -> [String] {
    for prefix in ["abdul", "abdel", "abdal", "abdur", "abdar", "abdol"] where word.count > prefix.count + 2 {
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
    // Digraphs in one pass (sch → sh, kh/ch → h, ph → f, ou → u, dj → y, gh → g): a chain of
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
      if c == "s", n == "c", k + 2 < chars.count, chars[k + 2] == "h" {
        folded += ["s", "h"]
        k += 3
        continue
      }
      switch (c, n) {
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
      if i == 0 {
        out.append(vowel ? "a" : c)
        continue
      }
      if vowel { continue }
      if out.last == c { continue }
      out.append(c)
    }
    return out.isEmpty ? nil : String(out)
  }
}
