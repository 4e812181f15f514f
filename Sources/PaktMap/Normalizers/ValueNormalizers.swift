import Foundation
import PaktCore

/// Reads the sex as recorded ("m", "männlich", "Herr", "F", "weiblich", "divers", …).
///
/// ```swift
/// SexNormalizer.parse("weibl.")  // .value(.female)
/// ```
public enum SexNormalizer {
  static let words: [String: Sex] = [
    "m": .male, "male": .male, "mann": .male, "maennlich": .male, "maenlich": .male, "mannlich": .male,
    "maennl": .male, "mannl": .male, "herr": .male, "man": .male, "masculin": .male, "boy": .male, "junge": .male,
    "w": .female, "f": .female, "female": .female, "frau": .female, "weiblich": .female, "weibl": .female,
    "woman": .female, "mädchen": .female, "maedchen": .female, "girl": .female, "feminin": .female,
    "d": .diverse, "divers": .diverse, "diverse": .diverse, "x": .diverse, "non binary": .diverse,
    "u": .unknown, "unbekannt": .unknown, "unknown": .unknown, "k a": .unknown, "keine angabe": .unknown,
    "ohne angabe": .unknown, "n a": .unknown,
    // ISO/IEC 5218, the numeric code many registers and statistics exports use.
    "0": .unknown, "1": .male, "2": .female, "9": .unknown,
    "mnl": .male, "maennlich m": .male, "weiblich w": .female, "fem": .female, "masc": .male,
    // A salutation (column "Anrede"): Herr / Frau above, abbreviated, and in English.
    "hr": .male, "fr": .female, "mr": .male, "mrs": .female, "ms": .female, "miss": .female,
  ]

  public static func parse(_ raw: String) -> Normalized<Sex> {
    let key = TextFold.fold(raw)
    if key.isEmpty { return .empty }
    if let sex = words[key] { return .value(sex) }
    return .invalid
  }
}

/// Reads a participation status ("läuft", "abgeschlossen", "abgebr.", "completed", …).
///
/// ```swift
/// StatusNormalizer.parse("vorzeitig beendet")  // .value(.aborted)
/// ```
public enum StatusNormalizer {
  // Checked in order: "vorzeitig beendet" must be read as aborted before "beendet" as completed.
  static let stems: [(String, ParticipationStatus)] = [
    // "noch nicht begonnen" is planned, before "begonnen" is read as running.
    ("noch nicht", .planned), ("nicht begonnen", .planned),
    ("abgebr", .aborted), ("ausgeschieden", .aborted), ("unterbrochen", .aborted), ("ausgetreten", .aborted),
    ("abbruch", .aborted), ("vorzeitig", .aborted), ("abort", .aborted),
    ("dropped", .aborted), ("cancel", .aborted), ("storn", .aborted), ("nicht angetreten", .aborted),
    ("geplant", .planned), ("planned", .planned), ("angemeldet", .planned), ("warteliste", .planned),
    ("vorgemerkt", .planned), ("zugewiesen", .planned), ("registered", .planned), ("waiting", .planned),
    ("laeuft", .running), ("lauft", .running), ("laufend", .running), ("aktiv", .running), ("running", .running),
    ("ongoing", .running), ("in teilnahme", .running), ("begonnen", .running), ("active", .running),
    ("in progress", .running), ("abgeschlossen", .completed), ("beendet", .completed), ("erfolgreich", .completed),
    ("completed", .completed), ("finished", .completed), ("done", .completed), ("bestanden", .completed),
    ("teilgenommen", .completed), ("absolviert", .completed), ("fertig", .completed), ("erledigt", .completed),
    ("in massnahme", .running), ("in kurs", .running), ("teilnehmend", .running), ("nimmt teil", .running),
    ("in bearbeitung", .running), ("zugesagt", .planned), ("bewilligt", .planned), ("beantragt", .planned),
  ]

  public static func parse(_ raw: String) -> Normalized<ParticipationStatus> {
    let key = TextFold.fold(raw)
    if key.isEmpty { return .empty }
    // By bytes: Foundation's `String.contains` was 3% of a whole run (perf).
    let bytes = Array(key.utf8)
    for (stem, status) in stemBytes where bytes.indices.contains(where: { bytes.has(stem, at: $0) }) {
      return .value(status)
    }
    return .invalid
  }

  private static let stemBytes: [([UInt8], ParticipationStatus)] = stems.map { (Array($0.0.utf8), $0.1) }
}

/// Reads money as euro cents: "1.234,50 €", "1234.5", "1,234.50", "EUR 300", "300,-".
///
/// ```swift
/// MoneyNormalizer.parse("1.234,50 €")  // .value(123450)
/// ```
public enum MoneyNormalizer {
  /// Currency words and signs dropped from a cell, as UTF-8.
  private static let units: [[UInt8]] = ["Euro", "euro", "EUR", "€", " ", "\u{00A0}"].map { Array($0.utf8) }

  /// `text` without "EUR", "Euro", "euro", "€", spaces and non-breaking spaces, by bytes:
  /// Foundation's `replacingOccurrences` for each was a tenth of a run on German exports
  /// (perf, "1.234,50 €" in every row).
  static func withoutUnitsAndSpaces(_ text: String) -> String {
    let bytes = Array(text.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    outer: while i < bytes.count {
      for unit in units where bytes.has(unit, at: i) {
        i += unit.count
        continue outer
      }
      out.append(bytes[i])
      i += 1
    }
    return String(decoding: out, as: UTF8.self)
  }

  public static func parse(_ raw: String) -> Normalized<Int64> {
    var text = raw.trimmingWhitespace()
    if text.isEmpty { return .empty }
    // Plain digits and separators (most cells) need none of this clean-up; Foundation's
    // replacing was a tenth of a 100,000-row run.
    if !text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 44 }) {
      text = withoutUnitsAndSpaces(text)
      if text.hasSuffix(",-") || text.hasSuffix(".-") { text = String(text.dropLast(2)) }
    }
    var negative = false
    if text.hasPrefix("-") {
      negative = true
      text.removeFirst()
    }
    guard !text.isEmpty, text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 44 }) else {
      return .invalid
    }
    // The last separator followed by one or two digits is the decimal mark; any other is
    // grouping. On the bytes (only digits and separators are left): Character by Character
    // this was most of the normalizer's time (perf).
    let bytes = Array(text.utf8)
    func isMark(_ b: UInt8) -> Bool { b == 46 || b == 44 }
    var integer = bytes[...]
    var fraction = bytes[bytes.endIndex...]
    if let last = bytes.lastIndex(where: isMark) {
      let after = bytes.count - last - 1
      let sameMarks = bytes.filter { $0 == bytes[last] }.count
      if (after == 1 || after == 2) || (after != 3 && sameMarks == 1) {
        // A decimal mark occurs once: "12,345,6" is not a number.
        guard sameMarks == 1 else { return .invalid }
        integer = bytes[..<last]
        fraction = bytes[(last + 1)...]
      }
    }
    let groups = integer.split(omittingEmptySubsequences: false, whereSeparator: isMark)
    guard groups.dropFirst().allSatisfy({ $0.count == 3 }), fraction.count <= 2 else { return .invalid }
    var whole: Int64 = 0
    for b in integer where !isMark(b) {
      let (times10, o1) = whole.multipliedReportingOverflow(by: 10)
      let (next, o2) = times10.addingReportingOverflow(Int64(b - 48))
      guard !o1, !o2 else { return .invalid }
      whole = next
    }
    var hundredths: Int64 = 0
    for (i, b) in fraction.enumerated() { hundredths += Int64(b - 48) * (i == 0 ? 10 : 1) }
    let (scaled, o3) = whole.multipliedReportingOverflow(by: 100)
    guard !o3 else { return .invalid }
    let cents = scaled + hundredths
    return .value(negative ? -cents : cents)
  }
}

/// Reads a count of years at school (or of work experience) as offices write it: "7",
/// "7 Jahre", "ca. 9", "9-10", "12 (Abitur)", "4,5"; "keine", "keine Schulbildung" and the like
/// are 0. A steward extends it with a value map (`values: { school_years: { Grundschule: 4 } }`).
///
/// ```swift
/// YearsNormalizer.parse("ca. 9 Jahre")  // .value(9)
/// YearsNormalizer.parse("keine")        // .value(0)
/// ```
public enum YearsNormalizer {
  /// Words around the number that say nothing about it.
  static let noise: Set<String> = [
    "ca", "circa", "zirka", "etwa", "ungefaehr", "ungef", "rund", "approx", "about", "around", "jahre", "jahr", "j",
    "jahren", "jhr", "years", "year", "yrs", "yr", "schuljahre", "schuljahr", "schulbesuch", "klasse", "klassen",
    "bis", "mehr", "als", "mind", "mindestens", "ueber", "unter", "max", "hoechstens",
  ]
  /// Answers that mean no years at all.
  static let none: Set<String> = [
    "keine", "kein", "keiner", "keine schulbildung", "kein schulbesuch", "keine schule", "nie", "nicht",
    "none", "no", "no school", "no schooling", "ohne", "ohne schulbildung", "ohne schulbesuch", "nicht zur schule",
    "nie zur schule gegangen", "analphabet", "analphabetin", "nein",
  ]

  public static func parse(_ raw: String) -> Normalized<Int> {
    let trimmed = raw.trimmingWhitespace()
    if trimmed.isEmpty { return .empty }
    if let n = RecordMapper.wholeYears(trimmed) { return n < 60 ? .value(n) : .invalid }
    // What is in brackets is a comment: "12 (Abitur)".
    var text = ""
    var depth = 0
    for c in trimmed {
      if c == "(" || c == "[" {
        depth += 1
      } else if c == ")" || c == "]" {
        depth = max(0, depth - 1)
      } else if depth == 0 {
        text.append(c)
      }
    }
    let folded = TextFold.fold(text.replacingOccurrences(of: ",", with: "."))
    if folded.isEmpty { return .invalid }
    if none.contains(folded) { return .value(0) }
    // The first number left once the noise words are gone; a range "9-10" is its first.
    let words = folded.split(separator: " ").map(String.init).filter { !noise.contains($0) }
    guard let first = words.first, let n = Int(first), n < 60 else { return .invalid }
    // "9 10" (a range) or "9 5" (a decimal, its fold) may follow; any other word means the
    // text says more than a count, which is not guessed.
    guard words.count == 1 || (words.count == 2 && Int(words[1]) != nil) else { return .invalid }
    return .value(n)
  }
}

/// Reads a CEFR language level: "A2.1", "Niveau B1", "B1 (DTZ)", "b2", "C1 Hochschule".
///
/// ```swift
/// LanguageLevelNormalizer.parse("A2.1")  // .value("A2")
/// ```
public enum LanguageLevelNormalizer {
  public static func parse(_ raw: String) -> Normalized<String> {
    let text = raw.uppercased()
    if text.trimmingWhitespace().isEmpty { return .empty }
    let chars = Array(text)
    for i in 0..<chars.count - 1 where "ABC".contains(chars[i]) && "12".contains(chars[i + 1]) {
      let before = i == 0 || !chars[i - 1].isLetter
      let after = i + 2 >= chars.count || !chars[i + 2].isNumber
      if before && after { return .value(String(chars[i...i + 1])) }
    }
    let folded = TextFold.fold(raw)
    if ["keine", "keine kenntnisse", "none", "kein deutsch", "ohne", "0"].contains(folded) { return .value("none") }
    return .invalid
  }
}

extension [UInt8] {
  /// True when `needle` occurs here starting at `index`: the byte-level matching the
  /// normalizers use instead of Foundation's string search.
  func has(_ needle: [UInt8], at index: Int) -> Bool {
    index + needle.count <= count && self[index] == needle[0]
      && self[index..<(index + needle.count)].elementsEqual(needle)
  }
}
