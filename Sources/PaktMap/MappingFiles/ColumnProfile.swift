import PaktCore

/// What a column holds, from a sample of its values: dates, dates of birth, AZR numbers,
/// "FAMILY, GIVEN" names, CEFR levels, how many distinct values.
struct ColumnProfile {
  var values = 0
  var dates = 0
  var birthDates = 0
  var azr = 0
  var fullNames = 0
  var levels = 0
  var money = 0
  /// Two words or more of letters, no comma, no digit ("Amina Haddad"): a name column that
  /// holds given and family name together.
  var multiWord = 0
  /// Whole numbers 0 to 31: a day (or month) of birth in a column of its own.
  var dayNumbers = 0
  var distinct = Set<String>()
  /// Which order its dates are written in, where they tell (03/16/2023 is month first).
  var order = DateNormalizer.OrderEvidence()

  mutating func add(_ raw: String) {
    let value = raw.trimmingWhitespace()
    guard !value.isEmpty else { return }
    values += 1
    if distinct.count < 1000 { distinct.insert(value) }
    order.add(value)
    // A date in either order: a column of month-first dates is a column of dates too.
    let read = DateNormalizer().parse(value)
    let date: PartialDate? =
      switch read {
      case .value(let d): d
      default:
        if case .value(let d) = DateNormalizer(order: .mdy).parse(value) { d } else { nil }
      }
    if let date {
      dates += 1
      if (1920...2020).contains(date.year) { birthDates += 1 }
    }
    if !value.contains(","), !value.contains(where: \.isNumber),
      value.split(whereSeparator: \.isWhitespace).filter({ $0.contains(where: \.isLetter) }).count >= 2
    {
      multiWord += 1
    }
    if value.utf8.count <= 2, let n = Int(value), (0...31).contains(n) { dayNumbers += 1 }
    let digits = value.filter(\.isNumber)
    if digits.count == 12 && value.allSatisfy({ $0.isNumber || $0 == " " || $0 == "-" }) { azr += 1 }
    if let comma = value.firstIndex(of: ","), value[..<comma].contains(where: \.isLetter),
      value[value.index(after: comma)...].contains(where: \.isLetter), !value.contains(where: \.isNumber)
    {
      fullNames += 1
    }
    if case .value = LanguageLevelNormalizer.parse(value), value.count <= 12 { levels += 1 }
    if case .value = MoneyNormalizer.parse(value), value.contains(where: { $0 == "," || $0 == "." || $0 == "€" }) {
      money += 1
    }
  }

  /// Fields whose values are dates.
  static let dateFields: Set<String> = ["birth_date", "start", "end", "assessed", "from", "to", "opened", "closed"]

  /// The share of values that look like what `field` holds, for the fields whose content can
  /// be told (dates, AZR numbers, levels, amounts, "FAMILY, GIVEN" names); nil for the others.
  func share(fitting field: FieldRef) -> Double? {
    switch (field.section, field.name) {
    case (_, let name) where Self.dateFields.contains(name): return share(dates)
    case (.person, "azr"): return share(azr)
    case (.potential, "language_level"): return share(levels)
    case (.participation, "cost"): return share(money)
    case (.person, "full_name"): return share(fullNames)
    default: return nil
    }
  }

  func share(_ n: Int) -> Double { values == 0 ? 0 : Double(n) / Double(values) }

  /// A name column that holds given and family name together: two words or more in most rows
  /// ("Amina Haddad", "HADDAD Amina"). The draft and the mapper both decide by this.
  var holdsBothNames: Bool { values > 0 && share(multiWord) >= 0.6 }

  /// How such a column is split, for the steward (see `RecordMapper.splitFullName`).
  static let bothNamesSplit = "the family name is the words in capitals, or else the last word"
  /// Values that tell rows apart (most distinct), neither dates nor names with a comma.
  var looksLikeID: Bool {
    values > 0 && share(dates) < 0.5 && share(fullNames) < 0.5 && Double(distinct.count) >= 0.5 * Double(values)
  }

  /// The field a column feeds, from its header and its content; `explicit` when the mapping
  /// must say so (the content chose or corrected it), with a note a steward reads.
  static func decide(header: FieldRef?, profile p: ColumnProfile, taken: Set<FieldRef>) -> (
    field: FieldRef?, explicit: Bool, note: String?
  ) {
    let mostly = 0.8
    if let header {
      if p.values == 0 { return (header, false, nil) }
      // "Geburtstag" is a birthday: holding day numbers next to a month and a year, the day.
      if header == FieldRef(.person, "birth_date") && p.share(p.dayNumbers) >= mostly
        && !taken.contains(FieldRef(.person, "birth_day"))
      {
        return (FieldRef(.person, "birth_day"), true, "day numbers: the day of the date of birth")
      }
      if header == FieldRef(.person, "family_name") && p.share(p.fullNames) >= mostly {
        return (FieldRef(.person, "full_name"), true, "holds \"FAMILY, GIVEN\": split into both names")
      }
      if !Self.dateFields.contains(header.name) && header.name != "birth_year" && p.share(p.dates) >= mostly {
        if header == FieldRef(.participation, "outcome") && !taken.contains(FieldRef(.participation, "end")) {
          return (FieldRef(.participation, "end"), true, "named like an outcome but holds dates: the end")
        }
        if header == FieldRef(.person, "id") && p.share(p.birthDates) >= mostly
          && !taken.contains(FieldRef(.person, "birth_date"))
        {
          return (FieldRef(.person, "birth_date"), true, "named like an id but holds dates of birth")
        }
        return (nil, false, "named like \(header) but holds dates: map it by hand if it matters")
      }
      return (header, false, "header and content")
    }
    guard p.values > 0 else { return (nil, false, nil) }
    if p.share(p.azr) >= mostly && !taken.contains(FieldRef(.person, "azr")) {
      return (FieldRef(.person, "azr"), true, "12-digit numbers: AZR numbers")
    }
    if p.share(p.levels) >= mostly && !taken.contains(FieldRef(.potential, "language_level")) {
      return (FieldRef(.potential, "language_level"), true, "CEFR levels")
    }
    if p.share(p.fullNames) >= mostly && !taken.contains(FieldRef(.person, "full_name")) {
      return (FieldRef(.person, "full_name"), true, "\"FAMILY, GIVEN\" names")
    }
    if p.share(p.birthDates) >= mostly && !taken.contains(FieldRef(.person, "birth_date")) {
      return (FieldRef(.person, "birth_date"), true, "dates of birth (by content only: check)")
    }
    return (nil, false, nil)
  }
}
