import Foundation
import PaktCore
import PaktExtract

extension Substring {
  func trimmingWhitespace() -> String { String(self).trimmingWhitespace() }
}

/// What a normalizer made of each text it was given, for up to `limit` distinct texts (so that
/// a column of distinct values cannot grow it without bound; past the limit, values are read
/// as before).
///
/// ```swift
/// var statuses = Memo<ParticipationStatus>()
/// statuses.value("läuft", StatusNormalizer.parse)  // read once, then looked up
/// ```
struct Memo<Value: Sendable>: Sendable {
  private var known: [String: Normalized<Value>] = [:]
  static var limit: Int { 4096 }

  mutating func value(_ raw: String, _ read: (String) -> Normalized<Value>) -> Normalized<Value> {
    if let value = known[raw] { return value }
    let value = read(raw)
    if known.count < Self.limit { known[raw] = value }
    return value
  }
}

/// The canonical fields the mapper reads, made once: making a `FieldRef` looks its name up
/// among the section's fields, and the mapper reads a dozen fields per record.
extension FieldRef {
  static let caseClosed = FieldRef(.caseManagement, "closed")
  static let caseManager = FieldRef(.caseManagement, "manager")
  static let caseMunicipality = FieldRef(.caseManagement, "municipality")
  static let caseOpened = FieldRef(.caseManagement, "opened")
  static let participationCost = FieldRef(.participation, "cost")
  static let participationEnd = FieldRef(.participation, "end")
  static let participationOutcome = FieldRef(.participation, "outcome")
  static let participationProgram = FieldRef(.participation, "program")
  static let participationProvider = FieldRef(.participation, "provider")
  static let participationStart = FieldRef(.participation, "start")
  static let participationStatus = FieldRef(.participation, "status")
  static let personAzr = FieldRef(.person, "azr")
  static let personBamf = FieldRef(.person, "bamf")
  static let personBirthDate = FieldRef(.person, "birth_date")
  static let personBirthName = FieldRef(.person, "birth_name")
  static let personBirthYear = FieldRef(.person, "birth_year")
  static let personBirthMonth = FieldRef(.person, "birth_month")
  static let personBirthDay = FieldRef(.person, "birth_day")
  static let personFamilyName = FieldRef(.person, "family_name")
  static let personFullName = FieldRef(.person, "full_name")
  static let personGivenName = FieldRef(.person, "given_name")
  static let personId = FieldRef(.person, "id")
  static let personNationality = FieldRef(.person, "nationality")
  static let personPlaceOfBirth = FieldRef(.person, "place_of_birth")
  static let personSex = FieldRef(.person, "sex")
  static let potentialAssessed = FieldRef(.potential, "assessed")
  static let residenceAccommodation = FieldRef(.residence, "accommodation")
  static let residenceAgs = FieldRef(.residence, "ags")
  static let residenceFrom = FieldRef(.residence, "from")
  static let residenceMunicipality = FieldRef(.residence, "municipality")
  static let residenceTo = FieldRef(.residence, "to")
  /// The potentials read one by one, with their field names (all but the assessment date).
  static let mappedPotentials: [(Potential.Kind, FieldRef)] = Section.potential.fields.compactMap { field in
    Potential.Kind(rawValue: field).map { ($0, FieldRef(.potential, field)) }
  }
}
