/// Where a canonical row came from: the file, the line its record starts on and,
/// for XML, the element path of the record.
public struct Lineage: Sendable, Hashable, Codable {
  public var file: String
  public var line: Int
  public var path: String?

  public init(file: String, line: Int, path: String? = nil) {
    self.file = file
    self.line = line
    self.path = path
  }
}

/// A date that may be known only in part.
///
/// Municipal records often hold a placeholder (01.01.1990, 00.00.1990) for a
/// person whose day of birth is unknown. Linking must know that the day and
/// month carry no information, so the placeholder is kept as `.yearOnly`.
///
/// ```swift
/// let d = PartialDate(year: 1990)            // "1990"
/// let full = PartialDate(year: 1990, month: 3, day: 7)  // "1990-03-07"
/// ```
public struct PartialDate: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
  public enum Precision: String, Sendable, Codable {
    /// Day, month and year known.
    case day
    /// Month and year known.
    case month
    /// Only the year is known (written as a year, or as a placeholder such as 01.01.YYYY).
    case year
  }
  public var year: Int
  public var month: Int?
  public var day: Int?
  /// True when the source wrote a full date that is a known placeholder (01.01.YYYY, 00.00.YYYY).
  public var placeholder: Bool

  public init(year: Int, month: Int? = nil, day: Int? = nil, placeholder: Bool = false) {
    self.year = year
    self.month = month
    self.day = day
    self.placeholder = placeholder
  }

  public var precision: Precision {
    if day != nil && month != nil { return .day }
    if month != nil { return .month }
    return .year
  }

  /// ISO 8601 text, as precise as the date is: "1990-03-07", "1990-03" or "1990".
  public var iso: String {
    // Years 0…9999 with months and days 1…99 are written digit by digit into the String's
    // inline storage. Why: three Strings and an interpolation per date were a few percent
    // of the load stage's writer (perf), which writes several dates per record.
    guard (0...9999).contains(year), (month ?? 1) >= 0, (month ?? 1) <= 99, (day ?? 1) >= 0, (day ?? 1) <= 99 else {
      let y = String(format4: year)
      guard let month else { return y }
      let m = String(format2: month)
      guard let day else { return "\(y)-\(m)" }
      return "\(y)-\(m)-\(String(format2: day))"
    }
    let count = month == nil ? 4 : day == nil ? 7 : 10
    return String(unsafeUninitializedCapacity: count) { out in
      func put(_ value: Int, _ digits: Int, at start: Int) {
        var v = value
        for i in stride(from: start + digits - 1, through: start, by: -1) {
          out[i] = UInt8(48 + v % 10)
          v /= 10
        }
      }
      put(year, 4, at: 0)
      if let month {
        out[4] = 45  // "-"
        put(month, 2, at: 5)
        if let day {
          out[7] = 45
          put(day, 2, at: 8)
        }
      }
      return count
    }
  }

  public var description: String { iso }

  public static func < (a: PartialDate, b: PartialDate) -> Bool {
    (a.year, a.month ?? 0, a.day ?? 0) < (b.year, b.month ?? 0, b.day ?? 0)
  }
}

extension String {
  /// Zero-padded to two digits.
  public init(format2 value: Int) {
    self = value < 10 && value >= 0 ? "0" + String(value) : String(value)
  }
  /// Zero-padded to four digits.
  public init(format4 value: Int) {
    let digits = String(value)
    self = String(repeating: "0", count: Swift.max(0, 4 - digits.count)) + digits
  }
}

/// Sex as recorded; `unknown` where the source says nothing or something unclear.
public enum Sex: String, Sendable, Codable, CaseIterable {
  case male, female, diverse, unknown
}

/// The status of a participation in a measure.
public enum ParticipationStatus: String, Sendable, Codable, CaseIterable {
  case planned, running, completed, aborted
}

/// One person as one source delivered them: the unit that linking joins into persons.
public struct SourcePersonRecord: Sendable, Hashable, Codable {
  /// Name of the source (from pipeline.yml).
  public var source: String
  /// The source's own person id, or "#<line>" where the source has none.
  public var localID: String
  public var familyName: String?
  public var givenName: String?
  public var birthName: String?
  public var birthDate: PartialDate?
  public var sex: Sex
  /// ISO 3166-1 alpha-3, "XXA" stateless, "XXX" unknown; nil when not delivered.
  public var nationality: String?
  public var placeOfBirth: String?
  /// Ausländerzentralregister number, a strong identifier.
  public var azrNumber: String?
  /// BAMF file number (Aktenzeichen), a strong identifier.
  public var bamfNumber: String?
  public var municipality: String?
  public var lineage: Lineage

  public init(
    source: String, localID: String, familyName: String? = nil, givenName: String? = nil,
    birthName: String? = nil, birthDate: PartialDate? = nil, sex: Sex = .unknown,
    nationality: String? = nil, placeOfBirth: String? = nil, azrNumber: String? = nil,
    bamfNumber: String? = nil, municipality: String? = nil, lineage: Lineage
  ) {
    self.source = source
    self.localID = localID
    self.familyName = familyName
    self.givenName = givenName
    self.birthName = birthName
    self.birthDate = birthDate
    self.sex = sex
    self.nationality = nationality
    self.placeOfBirth = placeOfBirth
    self.azrNumber = azrNumber
    self.bamfNumber = bamfNumber
    self.municipality = municipality
    self.lineage = lineage
  }

  /// The key of this record across the warehouse: source and local id.
  public var key: String { "\(source)/\(localID)" }
}

/// How a local program name found its catalogue code.
public enum MappingMethod: String, Sendable, Codable {
  /// A line in the source's mapping file (a steward's decision for this source).
  case explicit
  /// A line in the shared decisions (`mappings/programs.yml`), made once for every source.
  case shared
  /// The name is a catalogue name or synonym after normalisation.
  case catalogue
  /// The best suggestion scored above the automatic threshold of pipeline.yml.
  case automatic
  /// No code: loaded as unmapped, with suggestions in the mapping report.
  case unmapped
}

/// A person's participation in a measure, as delivered, with its catalogue code.
public struct Participation: Sendable, Hashable, Codable {
  public var source: String
  public var personLocalID: String
  public var programName: String
  public var catalogueCode: String?
  public var mappingMethod: MappingMethod
  public var provider: String?
  public var start: PartialDate?
  public var end: PartialDate?
  public var status: ParticipationStatus?
  public var outcome: String?
  public var costCents: Int64?
  public var lineage: Lineage

  public init(
    source: String, personLocalID: String, programName: String, catalogueCode: String? = nil,
    mappingMethod: MappingMethod = .unmapped, provider: String? = nil, start: PartialDate? = nil,
    end: PartialDate? = nil, status: ParticipationStatus? = nil, outcome: String? = nil,
    costCents: Int64? = nil, lineage: Lineage
  ) {
    self.source = source
    self.personLocalID = personLocalID
    self.programName = programName
    self.catalogueCode = catalogueCode
    self.mappingMethod = mappingMethod
    self.provider = provider
    self.start = start
    self.end = end
    self.status = status
    self.outcome = outcome
    self.costCents = costCents
    self.lineage = lineage
  }
}

/// Where a person lived: municipality (with its Amtlicher Gemeindeschlüssel where known) and period.
public struct Residence: Sendable, Hashable, Codable {
  public var source: String
  public var personLocalID: String
  public var municipality: String
  public var ags: String?
  public var from: PartialDate?
  public var to: PartialDate?
  /// "follow-up" (Anschlussunterbringung) or "private", as mapped.
  public var accommodation: String?
  public var lineage: Lineage

  public init(
    source: String, personLocalID: String, municipality: String, ags: String? = nil,
    from: PartialDate? = nil, to: PartialDate? = nil, accommodation: String? = nil, lineage: Lineage
  ) {
    self.source = source
    self.personLocalID = personLocalID
    self.municipality = municipality
    self.ags = ags
    self.from = from
    self.to = to
    self.accommodation = accommodation
    self.lineage = lineage
  }
}

/// Local case management (the pact's core promise): a person's case in a municipality, the
/// case manager as delivered (the loader stores only a keyed pseudonym of it), opened, closed.
public struct CaseRecord: Sendable, Hashable, Codable {
  public var source: String
  public var personLocalID: String
  public var municipality: String
  public var manager: String?
  public var opened: PartialDate?
  public var closed: PartialDate?
  public var lineage: Lineage

  public init(
    source: String, personLocalID: String, municipality: String, manager: String? = nil, opened: PartialDate? = nil,
    closed: PartialDate? = nil, lineage: Lineage
  ) {
    self.source = source
    self.personLocalID = personLocalID
    self.municipality = municipality
    self.manager = manager
    self.opened = opened
    self.closed = closed
    self.lineage = lineage
  }
}

/// What a person brings: language level, schooling, qualification, occupation.
public struct Potential: Sendable, Hashable, Codable {
  public enum Kind: String, Sendable, Codable, CaseIterable {
    case languageLevel = "language_level"
    case schoolYears = "school_years"
    case qualification
    case occupation
    case workExperience = "work_experience"
  }
  public var source: String
  public var personLocalID: String
  public var kind: Kind
  public var value: String
  public var assessed: PartialDate?
  public var lineage: Lineage

  public init(
    source: String, personLocalID: String, kind: Kind, value: String, assessed: PartialDate? = nil,
    lineage: Lineage
  ) {
    self.source = source
    self.personLocalID = personLocalID
    self.kind = kind
    self.value = value
    self.assessed = assessed
    self.lineage = lineage
  }
}

/// A record that could not be loaded, kept with its place, raw text and a reason a person understands.
public struct Reject: Sendable, Hashable, Codable {
  public var source: String
  public var file: String
  public var line: Int
  public var raw: String
  /// A short, stable label for grouping ("ragged row", "invalid encoding", …).
  public var kind: String
  /// The full explanation, with what to do.
  public var reason: String

  public init(source: String, file: String, line: Int, raw: String, kind: String, reason: String) {
    self.source = source
    self.file = file
    self.line = line
    self.raw = raw
    self.kind = kind
    self.reason = reason
  }
}

/// A value that a normaliser could not read: kept as null and reported, never guessed.
public struct NormalizationMiss: Sendable, Hashable, Codable {
  public var source: String
  public var field: String
  public var column: String
  public var value: String
  public var lineage: Lineage

  public init(source: String, field: String, column: String, value: String, lineage: Lineage) {
    self.source = source
    self.field = field
    self.column = column
    self.value = value
    self.lineage = lineage
  }
}
