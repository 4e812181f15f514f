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
    case .person:
      return [
        "id", "family_name", "given_name", "full_name", "birth_name", "birth_date", "birth_year", "sex",
        "nationality", "place_of_birth", "azr", "bamf",
      ]
    case .participation: return ["program", "provider", "start", "end", "status", "outcome", "cost"]
    case .potential:
      return ["language_level", "school_years", "qualification", "occupation", "work_experience", "assessed"]
    case .residence: return ["municipality", "ags", "from", "to", "accommodation"]
    case .caseManagement: return ["manager", "opened", "closed", "municipality"]
    }
  }
}

/// A canonical field: section and name, e.g. person.birth_date.
public struct FieldRef: Sendable, Hashable, CustomStringConvertible {
  public var section: Section
  public var name: String
  public init(_ section: Section, _ name: String) {
    self.section = section
    self.name = name
  }
  public var description: String { "\(section.rawValue).\(name)" }

  /// The section, the name's length and its first and last bytes: enough to tell the
  /// canonical fields apart, and no pass over the text. Why: the mapper looks up several
  /// fields per record, and hashing their names was a tenth of mapping (perf). Equality still
  /// compares the whole name.
  public func hash(into hasher: inout Hasher) {
    let utf8 = name.utf8
    hasher.combine(section)
    hasher.combine(utf8.count << 16 | Int(utf8.first ?? 0) << 8 | Int(utf8.last ?? 0))
  }
}
