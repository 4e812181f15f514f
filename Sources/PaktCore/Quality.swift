import Foundation

/// A record-level quality rule: something a record can hold that a reader accepts but an
/// analysis must not take at face value.
///
/// Each rule has a severity a steward can change (`quality:` in pipeline.yml, for all sources or
/// one): `reject` turns the record into a reject, `flag` loads it and writes a `quality_flag`
/// row, `ignore` does nothing. Where a flagged value is unusable (a negative cost, a date of
/// birth in the future) it is loaded as empty; the source's own text stays in its file, at the
/// line the flag names.
public enum QualityRule: String, Sendable, Codable, CaseIterable {
  /// A person record whose file has name columns, with both names empty.
  case namesMissing = "names_missing"
  /// A participation ending before it starts (the end is loaded as empty).
  case endBeforeStart = "end_before_start"
  /// A negative cost (loaded as empty).
  case costNegative = "cost_negative"
  /// A cost above `max_cost_eur` (loaded as empty): often a misplaced decimal separator.
  case costAbsurd = "cost_absurd"
  /// A date no calendar has (31.02., month 13); loaded as empty.
  case impossibleDate = "impossible_date"
  /// A date of birth after the day of the run (loaded as empty).
  case birthDateInFuture = "birth_date_in_future"
  /// A date of birth before 1900 (loaded as empty).
  case birthDateBefore1900 = "birth_date_before_1900"
  /// A measure that starts before the person was born.
  case startBeforeBirth = "start_before_birth"
  /// Control characters (NUL, BEL, ESC, …) inside a value; they are removed from what is loaded.
  case controlCharacters = "control_characters"
  /// A CSV row with a delimiter too many (doubled, or typed into a value that was not quoted),
  /// read the one way its columns allow; what was done is the flag's value class.
  case strayDelimiter = "stray_delimiter"

  /// What a steward reads about the rule.
  public var explanation: String {
    switch self {
    case .namesMissing: return "person record with both names empty"
    case .endBeforeStart: return "measure ends before it starts (end loaded as empty)"
    case .costNegative: return "negative cost (loaded as empty)"
    case .costAbsurd: return "cost above the plausible maximum (loaded as empty)"
    case .impossibleDate: return "date no calendar has, e.g. 31.02. (loaded as empty)"
    case .birthDateInFuture: return "date of birth in the future (loaded as empty)"
    case .birthDateBefore1900: return "date of birth before 1900 (loaded as empty)"
    case .startBeforeBirth: return "measure starts before the person's date of birth"
    case .controlCharacters: return "control characters inside a value (removed from the loaded value)"
    case .strayDelimiter: return "a delimiter too many in the row, read the one way its columns allow"
    }
  }

  /// The severity a rule has unless a pipeline says otherwise.
  public var defaultSeverity: QualitySeverity {
    self == .namesMissing ? .reject : .flag
  }
}

/// What a quality rule does with a record that breaks it.
public enum QualitySeverity: String, Sendable, Codable, CaseIterable {
  case reject, flag, ignore
}

/// The quality rules in force for one source: every rule's severity and the rules' limits.
///
/// ```swift
/// var rules = QualityRules()
/// rules.severity[.endBeforeStart] = .reject
/// rules.maxCostCents = 5_000_000  // 50,000 €
/// ```
public struct QualityRules: Sendable, Equatable {
  public var severity: [QualityRule: QualitySeverity]
  /// A cost above this (in cents) breaks `cost_absurd`; `max_cost_eur` in pipeline.yml.
  public var maxCostCents: Int64 = 10_000_000
  /// The day dates of birth are checked against (`yyyy-mm-dd`); the run's day unless a test sets it.
  public var today: PartialDate

  public init(today: PartialDate = QualityRules.currentDay()) {
    severity = Dictionary(uniqueKeysWithValues: QualityRule.allCases.map { ($0, $0.defaultSeverity) })
    self.today = today
  }

  public func severity(of rule: QualityRule) -> QualitySeverity { severity[rule] ?? rule.defaultSeverity }

  /// The rules as text, for a source's fingerprint: a changed severity reloads the source.
  public var signature: String {
    QualityRule.allCases.map { "\($0.rawValue)=\(severity(of: $0).rawValue)" }.joined(separator: ",")
      + ",max_cost_cents=\(maxCostCents)"
  }

  /// The day of the run, in UTC.
  public static func currentDay() -> PartialDate {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let c = calendar.dateComponents([.year, .month, .day], from: Date())
    return PartialDate(year: c.year ?? 2000, month: c.month ?? 1, day: c.day ?? 1)
  }

  /// Reads a `quality:` block (rule: severity, and `max_cost_eur`) on top of `self`.
  public func overridden(by node: YAMLNode) throws -> QualityRules {
    let keys = Set(QualityRule.allCases.map(\.rawValue) + ["max_cost_eur"])
    let m = try node.mapping(allowed: keys, what: "quality")
    var rules = self
    for rule in QualityRule.allCases {
      guard let word = try m.optionalString(rule.rawValue) else { continue }
      guard let severity = QualitySeverity(rawValue: word.lowercased()) else {
        throw try m.require(rule.rawValue).error(
          "unknown severity '\(word)' for quality rule \(rule.rawValue)", fix: "write reject, flag or ignore")
      }
      rules.severity[rule] = severity
    }
    if let euros = try m.optionalDouble("max_cost_eur") {
      guard euros > 0, euros < 1e12 else {
        throw try m.require("max_cost_eur").error(
          "max_cost_eur must be a positive amount in euros, found \(euros)", fix: "e.g. max_cost_eur: 100000")
      }
      rules.maxCostCents = Int64((euros * 100).rounded())
    }
    return rules
  }
}

/// One quality rule broken by one record: where, which rule, which field, and what kind of
/// value it was, never the value itself (a flag may name a date of birth).
public struct QualityFlag: Sendable, Hashable, Codable {
  public var source: String
  public var lineage: Lineage
  /// The source's own id of the person the record belongs to, where it has one.
  public var record: String?
  public var rule: QualityRule
  /// The canonical field, e.g. "participation.cost".
  public var field: String
  /// What the value was like, without its content: "negative amount", "U+0007 in a 12-character value".
  public var valueClass: String
  public var severity: QualitySeverity

  public init(
    source: String, lineage: Lineage, record: String?, rule: QualityRule, field: String, valueClass: String,
    severity: QualitySeverity
  ) {
    self.source = source
    self.lineage = lineage
    self.record = record
    self.rule = rule
    self.field = field
    self.valueClass = valueClass
    self.severity = severity
  }
}

extension PartialDate {
  /// True when `a` lies before `b` at the precision both have: 2024 is not before
  /// 2024-05-01, 2024-04 is.
  ///
  /// ```swift
  /// PartialDate.before(PartialDate(year: 2024, month: 4), PartialDate(year: 2024, month: 5, day: 1))  // true
  /// PartialDate.before(PartialDate(year: 2024), PartialDate(year: 2024, month: 5, day: 1))            // false
  /// ```
  public static func before(_ a: PartialDate, _ b: PartialDate) -> Bool {
    if a.year != b.year { return a.year < b.year }
    guard let am = a.month, let bm = b.month else { return false }
    if am != bm { return am < bm }
    guard let ad = a.day, let bd = b.day else { return false }
    return ad < bd
  }
}

/// Control characters inside values: C0 codes other than tab and line breaks, DEL, and the C1
/// codes (U+0080–U+009F) a mis-declared encoding leaves behind.
public enum ControlCharacters {
  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    let v = scalar.value
    return (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || (v >= 0x7F && v <= 0x9F)
  }

  /// True when `text` holds a control character. Scans bytes: nearly every value has none.
  public static func contains(_ text: String) -> Bool {
    for b in text.utf8 where b < 0x20 || b == 0x7F || b == 0xC2 {
      if b == 0x09 || b == 0x0A || b == 0x0D { continue }
      if b != 0xC2 { return true }
      if text.unicodeScalars.contains(where: isControl) { return true }
    }
    return false
  }

  /// `text` without its control characters.
  public static func removed(from text: String) -> String {
    var scalars = String.UnicodeScalarView()
    scalars.append(contentsOf: text.unicodeScalars.lazy.filter { !isControl($0) })
    return String(scalars)
  }

  /// Which control characters, and how long the value is, without the value: "U+0007 in a
  /// 12-character value".
  public static func describe(_ text: String) -> String {
    var codes: [String] = []
    for s in text.unicodeScalars where isControl(s) {
      let hex = String(s.value, radix: 16, uppercase: true)
      let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
      if !codes.contains(code) { codes.append(code) }
    }
    return "\(codes.joined(separator: " ")) in a \(text.unicodeScalars.count)-character value"
  }
}
