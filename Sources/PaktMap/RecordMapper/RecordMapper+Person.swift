import Foundation
import PaktCore
import PaktExtract

/// Reading a record's person and what comes with it: the source person record, the residence
/// and case the export implies, and the potentials (`mapFlat` calls these in order).
extension RecordMapper {
  /// The source person record: names, date of birth (or year), sex, nationality, identifiers.
  mutating func person(
    id: String, family: String?, given: String?, get: (FieldRef) -> String?, column: (FieldRef) -> String,
    lineage: Lineage, notes: inout Notes
  ) -> SourcePersonRecord {
    var person = SourcePersonRecord(
      source: source, localID: id, familyName: family, givenName: given, municipality: mapping.municipality,
      lineage: lineage)
    person.birthName = get(.personBirthName)
    person.placeOfBirth = get(.personPlaceOfBirth)
    if let raw = get(.personAzr) {
      person.azrNumber = Self.azr(raw)
      if person.azrNumber == nil { missed(.personAzr, raw, column, lineage, &notes) }
    }
    person.bamfNumber = get(.personBamf).map(TextFold.identifier)
    if let raw = get(.personBirthDate) {
      // A two-digit year of birth is never in the future: "05.06.28" is 1928, where a measure's
      // "30.06.28" is 2028 (see `birthPivot`).
      var births = dates
      births.pivot = Self.birthPivot
      switch births.parse(raw, placeholders: true) {
      case .value(let d): person.birthDate = birthDate(d, .personBirthDate, lineage, &notes)
      case .invalid:
        switch dates.problem(raw) {
        case .yearOutOfRange(let y) where y < 1900 && y >= 1000:
          if note(.birthDateBefore1900, .personBirthDate, "year before 1900", lineage, &notes) == .ignore {
            missed(.personBirthDate, raw, column, lineage, &notes)
          }
        case .impossible(let what):
          if note(.impossibleDate, .personBirthDate, what, lineage, &notes) == .ignore {
            missed(.personBirthDate, raw, column, lineage, &notes)
          }
        default: missed(.personBirthDate, raw, column, lineage, &notes)
        }
      case .empty: break
      }
    }
    if person.birthDate == nil, let raw = get(.personBirthYear) {
      if let y = Int(raw), (1900...2100).contains(y) {
        let date = splitDate(year: y, month: get(.personBirthMonth), day: get(.personBirthDay), lineage, &notes)
        person.birthDate = birthDate(date, .personBirthYear, lineage, &notes)
      } else if let y = Int(raw), y >= 1000, y < 1900,
        note(.birthDateBefore1900, .personBirthYear, "year before 1900", lineage, &notes) != .ignore
      {
        // Flagged; loaded as empty.
      } else {
        missed(.personBirthYear, raw, column, lineage, &notes)
      }
    }
    if let raw = get(.personSex) {
      let values = mapping.values
      switch sexes.value(raw, { SexNormalizer.parse(Self.mapped(values, "sex", $0)) }) {
      case .value(let s): person.sex = s
      case .invalid: missed(.personSex, raw, column, lineage, &notes)
      case .empty: break
      }
    }
    if let raw = get(.personNationality) {
      let values = mapping.values
      let keys = readsDestatisKeys
      switch nationalities.value(
        raw,
        {
          NationalityNormalizer.parse(Self.mapped(values, "nationality", $0), destatisKeys: keys)
        })
      {
      case .value(let code): person.nationality = code
      case .invalid: missed(.personNationality, raw, column, lineage, &notes)
      case .empty: break
      }
    }
    return person
  }

  /// The residence (the exporting municipality, with the period where the export has one) and
  /// a case, when the export says who manages it or when it opened.
  func residenceAndCase(
    _ personID: String, get: (FieldRef) -> String?, column: (FieldRef) -> String, lineage: Lineage,
    notes: inout Notes, into out: inout MappedRecord
  ) {
    if let municipality = get(.residenceMunicipality) ?? mapping.municipality {
      var residence = Residence(
        source: source, personLocalID: personID, municipality: municipality,
        ags: get(.residenceAgs)
          ?? (municipality == mapping.municipality ? mapping.ags : nil) ?? gazetteer.ags(for: municipality),
        lineage: lineage)
      residence.from = date(get(.residenceFrom), .residenceFrom, &notes, column, lineage)
      residence.to = date(get(.residenceTo), .residenceTo, &notes, column, lineage)
      residence.accommodation = get(.residenceAccommodation).map { mapped("accommodation", $0) }
      out.residences.append(residence)
    }
    // A case: when the export says who manages it or when it opened.
    let manager = get(.caseManager)
    let opened = get(.caseOpened)
    if manager != nil || opened != nil,
      let municipality = get(.caseMunicipality) ?? get(.residenceMunicipality)
        ?? mapping.municipality
    {
      out.cases.append(
        CaseRecord(
          source: source, personLocalID: personID, municipality: municipality, manager: manager,
          opened: date(opened, .caseOpened, &notes, column, lineage),
          closed: date(
            get(.caseClosed), .caseClosed, &notes, column, lineage),
          lineage: lineage))
    }
  }

  /// Potentials: from their own columns or paths, then those written as key and value.
  mutating func potentials(
    _ personID: String, keyed: [(kind: Potential.Kind?, key: String, value: String)], get: (FieldRef) -> String?,
    check: (FieldRef, String) -> String?, column: (FieldRef) -> String, lineage: Lineage, notes: inout Notes,
    into out: inout MappedRecord
  ) {
    var potentials = FieldRef.mappedPotentials.compactMap { kind, ref in get(ref).map { (kind, ref, $0) } }
    for kv in keyed {
      let ref = FieldRef(.potential, kv.kind?.rawValue ?? "key")
      guard let kind = kv.kind else {
        // A key the mapping does not name: reported with the key, so a steward can add it.
        missed(ref, "\(kv.key): \(kv.value)", column, lineage, &notes)
        continue
      }
      potentials.append((kind, ref, check(ref, kv.value) ?? ""))
    }
    for (kind, ref, raw) in potentials where !raw.isEmpty {
      var value = raw
      if kind == .languageLevel {
        let values = mapping.values
        switch levels.value(raw, { LanguageLevelNormalizer.parse(Self.mapped(values, "language_level", $0)) }) {
        case .value(let level): value = level
        default:
          missed(ref, raw, column, lineage, &notes)
          continue
        }
      } else if kind == .schoolYears || kind == .workExperience {
        guard case .value(let n) = YearsNormalizer.parse(Self.mapped(mapping.values, kind.rawValue, raw)) else {
          missed(ref, raw, column, lineage, &notes)
          continue
        }
        value = String(n)
      }
      out.potentials.append(
        Potential(
          source: source, personLocalID: personID, kind: kind, value: value,
          assessed: date(
            get(.potentialAssessed), .potentialAssessed, &notes, column, lineage),
          lineage: lineage))
    }
  }

  /// Participations: one per record, or one per element of a repeating group.
  mutating func participations(
    _ personID: String, groups: [Section: [XMLElementNode]], groupValue: ((FieldRef, XMLElementNode) -> String?)?,
    check: (FieldRef, String?, Lineage) -> String?, get: (FieldRef) -> String?, column: (FieldRef) -> String,
    lineage: Lineage, notes: inout Notes, into out: inout MappedRecord
  ) {
    if let group = groups[.participation], let groupValue {
      for (i, node) in group.enumerated() {
        // Same line and record path as the record (that is how records are counted), "#…" for the group.
        let nodeLineage = Lineage(
          file: lineage.file, line: lineage.line, path: "\(lineage.path ?? "")#\(node.name)[\(i + 1)]")
        if let p = participation(
          personID, { check($0, groupValue($0, node), nodeLineage) }, column, nodeLineage, &notes)
        {
          out.participations.append(p)
        }
      }
    } else if let p = participation(personID, get, column, lineage, &notes) {
      out.participations.append(p)
    }
  }

  /// Two-digit years of birth up to this one are 20xx, above it 19xx: this year's last two
  /// digits, as a date of birth lies in the past.
  static let birthPivot = Calendar(identifier: .gregorian).component(.year, from: Date()) % 100

  /// A date of birth written in three columns (day, month, year): the year with whatever month
  /// and day it has, read like one date (01.01. and 00.00. are placeholders). A day or month
  /// that is no number, or no calendar has, is flagged; the year stays.
  func splitDate(year: Int, month: String?, day: String?, _ lineage: Lineage, _ notes: inout Notes) -> PartialDate {
    guard let month, let m = Int(month) else { return PartialDate(year: year) }
    func twoDigits(_ n: Int) -> String { n >= 0 && n < 10 ? "0\(n)" : String(n) }
    let text = "\(year)-\(twoDigits(m))" + (day.flatMap(Int.init).map { "-" + twoDigits($0) } ?? "")
    switch DateNormalizer(order: .ymd).parse(text, placeholders: true) {
    case .value(let date): return date
    default:
      _ = note(.impossibleDate, .personBirthMonth, "day or month no calendar has", lineage, &notes)
      return PartialDate(year: year)
    }
  }

  /// An AZR number as stored (letters and digits only, see `TextFold.identifier`), with a
  /// spreadsheet's traces undone: a number column's decimal dropped ("785805919610.0"), and the
  /// leading zeros a cell formatted as a number dropped given back, up to the twelve digits an
  /// AZR number has ("15957162949" → "015957162949"). Nil for a number the spreadsheet rounded
  /// ("7,85806E+11"): its digits are lost.
  ///
  /// ```swift
  /// RecordMapper.azr("0159 5716 2949")   // "015957162949"
  /// RecordMapper.azr("15957162949")      // "015957162949"
  /// RecordMapper.azr("785805919610.0")   // "785805919610"
  /// RecordMapper.azr("7,85806E+11")      // nil
  /// ```
  static func azr(_ raw: String) -> String? {
    // Twelve digits, as most are: nothing to undo.
    if raw.utf8.count == 12 && raw.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return raw }
    var text = Substring(raw)
    let isDigit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
    if let e = text.firstIndex(where: { $0 == "E" || $0 == "e" }), text[text.index(after: e)...].first == "+",
      text[..<e].allSatisfy({ isDigit($0) || $0 == "," || $0 == "." })
    {
      return nil
    }
    if let sep = text.firstIndex(where: { $0 == "." || $0 == "," }), text[..<sep].allSatisfy(isDigit),
      text[text.index(after: sep)...].allSatisfy({ $0 == "0" }), sep != text.startIndex
    {
      text = text[..<sep]
    }
    let id = TextFold.identifier(String(text))
    if (9...11).contains(id.utf8.count), id.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
      return String(repeating: "0", count: 12 - id.utf8.count) + id
    }
    return id
  }

  /// A value that could not be read: loaded as empty and listed for the steward.
  func missed(
    _ field: FieldRef, _ value: String, _ column: (FieldRef) -> String, _ lineage: Lineage, _ notes: inout Notes
  ) {
    notes.misses.append(
      NormalizationMiss(source: source, field: field.description, column: column(field), value: value, lineage: lineage)
    )
  }

  /// A record that breaks a rule set to reject is rejected whole, with the rule and how to
  /// load such records with a flag instead.
  func rejectIfARuleSaysSo(_ out: inout MappedRecord, lineage: Lineage, raw rawText: () -> String) {
    if let rule = out.flags.first(where: { $0.severity == .reject }) {
      out.reject = Reject(
        source: source, file: fileName, line: lineage.line, raw: rawText(), kind: "quality: \(rule.rule.rawValue)",
        reason:
          "\(rule.rule.explanation) (\(rule.field)); set `quality: {\(rule.rule.rawValue): flag}` in pipeline.yml to load such records with a flag"
      )
      out.person = nil
      out.participations = []
      out.potentials = []
      out.residences = []
      out.cases = []
      out.misses = []
    }
  }
}
