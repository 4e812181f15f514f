/// The fields of pakt's canonical model that a mapping can fill, by section.
///
/// The raw values are the names used in mapping files (`family_name`, `start`, …).
public enum Section: String, Sendable, CaseIterable {
  case person, participation, potential, residence
  /// Case management: who looks after the person where, since when, until when.
  case caseManagement = "case"

  /// Every field name allowed in this section of a mapping file.
  public var fields: [String] {
    switch self {
    case .person: return Self.personFields
    case .participation: return Self.participationFields
    case .potential: return Self.potentialFields
    case .residence: return Self.residenceFields
    case .caseManagement: return Self.caseFields
    }
  }

  // Built once (the mapper asks for a section's fields with every field it looks up).
  private static let personFields = [
    "id", "family_name", "given_name", "full_name", "birth_name", "birth_date", "birth_year", "sex",
    "nationality", "place_of_birth", "azr", "bamf", "birth_month", "birth_day",
  ]
  private static let participationFields = ["program", "provider", "start", "end", "status", "outcome", "cost"]
  private static let potentialFields = [
    "language_level", "school_years", "qualification", "occupation", "work_experience", "assessed",
  ]
  private static let residenceFields = ["municipality", "ags", "from", "to", "accommodation"]
  private static let caseFields = ["manager", "opened", "closed", "municipality"]

  /// The first field ordinal of this section (see `FieldRef`); sections are 100 apart.
  var firstOrdinal: Int {
    switch self {
    case .person: return 0
    case .participation: return 100
    case .potential: return 200
    case .residence: return 300
    case .caseManagement: return 400
    }
  }
}

/// A canonical field: section and name, e.g. person.birth_date.
public struct FieldRef: Sendable, Hashable, CustomStringConvertible {
  public let section: Section
  public let name: String
  /// The field's place among all sections' fields, or -1 for a name no section has: hashing
  /// and equality use it instead of the name. Why: the mapper looks up a dozen fields per
  /// record, and hashing their names was an eighth of mapping (perf, 300,000-person corpus).
  private let ordinal: Int16

  public init(_ section: Section, _ name: String) {
    self.section = section
    self.name = name
    // Field names are at most 15 bytes, so comparing them is comparing two words.
    ordinal = section.fields.firstIndex(of: name).map { Int16(section.firstOrdinal + $0) } ?? -1
  }
  public var description: String { "\(section.rawValue).\(name)" }

  /// The field's place in a `FieldTable` (sections 16 apart), nil for a name no section has.
  var slot: Int? { ordinal >= 0 ? Int(ordinal) / 100 * 16 + Int(ordinal) % 100 : nil }

  public func hash(into hasher: inout Hasher) {
    if ordinal >= 0 {
      hasher.combine(ordinal)
    } else {
      hasher.combine(section)
      hasher.combine(name)
    }
  }

  public static func == (a: FieldRef, b: FieldRef) -> Bool {
    a.ordinal == b.ordinal && (a.ordinal >= 0 || a.section == b.section && a.name == b.name)
  }
}

/// Values by canonical field, found by the field's place instead of by hashing it.
///
/// Why: the mapper looks up thirty fields per record, and hashing them (a Hasher seeded and
/// finalized per lookup) was a tenth of mapping (perf, 300,000-person corpus).
///
/// ```swift
/// var columns = FieldTable<Int>()
/// columns[FieldRef(.person, "id")] = 0
/// columns[FieldRef(.person, "id")]  // 0
/// ```
struct FieldTable<Value: Sendable>: Sendable {
  private var values = [Value?](repeating: nil, count: Section.allCases.count * 16)
  /// Fields no section has (a mapping names only known ones; kept for completeness).
  private var others: [FieldRef: Value] = [:]

  subscript(field: FieldRef) -> Value? {
    get {
      guard let slot = field.slot else { return others[field] }
      return values[slot]
    }
    set {
      guard let slot = field.slot else { return others[field] = newValue }
      values[slot] = newValue
    }
  }

  /// Every value held.
  var all: [Value] { values.compactMap { $0 } + others.values }
}
