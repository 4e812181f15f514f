import Foundation
import PaktCore
import PaktExtract

/// Reading the fields of a participation, dates, value maps and names.
extension RecordMapper {
  mutating func participation(
    _ personID: String, _ get: (FieldRef) -> String?, _ column: (FieldRef) -> String, _ lineage: Lineage,
    _ notes: inout Notes
  ) -> Participation? {
    guard let name = get(.participationProgram) else { return nil }
    let resolution = resolve(name)
    var p = Participation(
      source: source, personLocalID: personID, programName: name, catalogueCode: resolution.code,
      mappingMethod: resolution.method, provider: get(.participationProvider), lineage: lineage)
    p.start = date(get(.participationStart), .participationStart, &notes, column, lineage)
    p.end = date(get(.participationEnd), .participationEnd, &notes, column, lineage)
    if let start = p.start, let end = p.end, PartialDate.before(end, start),
      note(.endBeforeStart, .participationEnd, "end before start", lineage, &notes) != .ignore
    {
      p.end = nil
    }
    if let raw = get(.participationStatus) {
      let values = mapping.values
      switch statuses.value(raw, { StatusNormalizer.parse(Self.mapped(values, "status", $0)) }) {
      case .value(let s): p.status = s
      case .invalid:
        missed(.participationStatus, raw, column, lineage, &notes)
      case .empty: break
      }
    }
    p.outcome = get(.participationOutcome)
    if let raw = get(.participationCost) {
      switch costs.value(raw, MoneyNormalizer.parse) {
      case .value(let cents) where cents < 0:
        if note(.costNegative, .participationCost, "negative amount", lineage, &notes) == .ignore {
          p.costCents = cents
        }
      case .value(let cents) where cents > quality.maxCostCents:
        let limit = "over \(quality.maxCostCents / 100) €"
        if note(.costAbsurd, .participationCost, limit, lineage, &notes) == .ignore { p.costCents = cents }
      case .value(let cents): p.costCents = cents
      case .invalid:
        missed(.participationCost, raw, column, lineage, &notes)
      case .empty: break
      }
    }
    return p
  }

  /// The source's own mapping line, then the shared decisions, then catalogue name or synonym,
  /// then an automatic suggestion above the threshold.
  mutating func resolve(_ name: String) -> ProgramResolution {
    // Cached by the name as written, so a repeated name is not even folded again.
    if let cached = programCache[name] { return cached }
    let result: ProgramResolution
    if let code = mapping.explicitCode(for: name) {
      result = ProgramResolution(code: code, method: .explicit)
    } else if let code = mapping.sharedCode(for: name) {
      result = ProgramResolution(code: code, method: .shared)
    } else if let code = matcher.exact(name) {
      result = ProgramResolution(code: code, method: .catalogue)
    } else if let best = matcher.suggest(name, limit: 1).first, best.score >= autoApplyThreshold {
      result = ProgramResolution(code: best.code, method: .automatic)
    } else {
      result = ProgramResolution(code: nil, method: .unmapped)
    }
    programCache[name] = result
    return result
  }

  func date(
    _ raw: String?, _ field: FieldRef, _ notes: inout Notes, _ column: (FieldRef) -> String,
    _ lineage: Lineage
  ) -> PartialDate? {
    guard let raw else { return nil }
    switch dates.parse(raw) {
    case .value(let d): return d
    case .invalid:
      if case .impossible(let what) = dates.problem(raw), note(.impossibleDate, field, what, lineage, &notes) != .ignore
      {
        return nil
      }
      missed(field, raw, column, lineage, &notes)
      return nil
    case .empty: return nil
    }
  }

  /// A value passed through the mapping's value map for `kind`, if it has an entry.
  func mapped(_ kind: String, _ raw: String) -> String {
    Self.mapped(mapping.values, kind, raw)
  }

  static func mapped(_ values: [String: [String: String]], _ kind: String, _ raw: String) -> String {
    values[kind]?[TextFold.fold(raw)] ?? raw
  }

  /// "Haddad, Amina" → ("Haddad", "Amina"); "AL HADDAD Amina" → ("AL HADDAD", "Amina"): the
  /// words written in capitals are the family name, as German offices write it, where the
  /// others are not; "Amina Haddad" → ("Haddad", "Amina"): otherwise the last word. (Linking
  /// compares given and family name swapped too, so a name written family name first costs
  /// little.)
  static func splitFullName(_ full: String) -> (String?, String?) {
    if let comma = full.firstIndex(of: ",") {
      let family = full[..<comma].trimmingWhitespace()
      let given = full[full.index(after: comma)...].trimmingWhitespace()
      return (family.isEmpty ? nil : family, given.isEmpty ? nil : given)
    }
    let parts = full.split(whereSeparator: \.isWhitespace)
    guard parts.count > 1 else { return (full, nil) }
    let capitals = parts.map { word in
      word.contains(where: \.isLetter) && !word.contains(where: \.isLowercase)
        && word.filter(\.isLetter).count >= 2
    }
    if capitals.contains(true) && capitals.contains(false) {
      let family = zip(parts, capitals).filter(\.1).map(\.0).joined(separator: " ")
      let given = zip(parts, capitals).filter { !$0.1 }.map(\.0).joined(separator: " ")
      return (family, given)
    }
    return (String(parts.last!), parts.dropLast().joined(separator: " "))
  }

  /// "Haddad geb. Ali", "Haddad (geb. Ali)", "Haddad, geborene Ali": the family name and the
  /// birth name written into one field; nil where the field holds no "geb.".
  ///
  /// ```swift
  /// RecordMapper.splitBirthName("Haddad geb. Ali")  // ("Haddad", "Ali")
  /// ```
  static func splitBirthName(_ family: String) -> (String, String)? {
    // Most family names are one word: they hold no "geb." (a visible part of mapping otherwise).
    guard family.utf8.contains(0x20) || family.utf8.contains(UInt8(ascii: "(")) else { return nil }
    let words = family.split(whereSeparator: { $0.isWhitespace || $0 == "(" || $0 == ")" || $0 == "," })
    guard let i = words.firstIndex(where: { birthMarkers.contains($0.lowercased()) }), i > 0, i < words.count - 1
    else { return nil }
    return (words[..<i].joined(separator: " "), words[(i + 1)...].joined(separator: " "))
  }

  static let birthMarkers: Set<String> = ["geb.", "geb", "geborene", "geborener", "née"]

  /// A name without the form of address an office wrote before it ("Frau Amina", "Herr
  /// Yonas", "Mr. Ali"); a name that is nothing but one stays as it is.
  static func withoutHonorific(_ name: String) -> String {
    // Only a first word of two to five letters followed by a space can be a form of address.
    guard let space = name.utf8.firstIndex(of: 0x20),
      (2...5).contains(name.utf8.distance(from: name.utf8.startIndex, to: space))
    else { return name }
    var words = name.split(whereSeparator: \.isWhitespace)
    while words.count > 1, honorifics.contains(words[0].lowercased()) { words.removeFirst() }
    return words.count == name.split(whereSeparator: \.isWhitespace).count ? name : words.joined(separator: " ")
  }

  static let honorifics: Set<String> = [
    "herr", "herrn", "frau", "hr.", "fr.", "hr", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "dr.", "dr",
  ]

  /// The whole years of a count such as "4", "4,5" or "4.5" (the part before the decimal
  /// separator; ",5" is 0), nil when it is not a number.
  static func wholeYears(_ raw: String) -> Int? {
    let whole = raw.utf8.prefix { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: ".") }
    if whole.isEmpty {
      let fraction = raw.utf8.dropFirst()
      return !fraction.isEmpty && fraction.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) ? 0 : nil
    }
    guard let n = Int(Substring(whole)), n >= 0 else { return nil }
    return n
  }
}
