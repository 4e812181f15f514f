import PaktCore

/// The result of normalising one value: nothing there, a value, or text that could not be read.
public enum Normalized<Value: Sendable>: Sendable {
  case empty
  case value(Value)
  case invalid
}

/// Why a text written like a date is not one (see `DateNormalizer.problem(_:)`).
public enum DateProblem: Sendable, Equatable {
  /// A day or month no calendar has; the associated text says which, without the year.
  case impossible(String)
  /// A year outside 1900–2100.
  case yearOutOfRange(Int)
}

/// Reads dates as municipal exports write them.
///
/// Day-first by default (German): 07.03.1990, 7.3.90, 07/03/1990, 07-03-1990; ISO 1990-03-07
/// (with or without a time); 19900307; 03.1990 and 1990-03 (month precision); 1990 (year
/// only). Two-digit years use `pivot`. With `placeholders`, the known stand-ins for an
/// unknown day of birth (01.01.YYYY, 00.00.YYYY, XX.XX.YYYY) become a year-only date marked
/// as a placeholder, which linking treats as "day and month unknown".
///
/// ```swift
/// let d = DateNormalizer()
/// d.parse("01.01.1990", placeholders: true)  // .value(1990, placeholder)
/// d.parse("31.02.1990")                      // .invalid
/// ```
public struct DateNormalizer: Sendable {
  public enum Order: String, Sendable { case dmy, mdy, ymd }
  public var order: Order
  /// Two-digit years up to this value are 20xx, above it 19xx.
  public var pivot: Int
  /// Whether five digits are a spreadsheet's serial day number (32939 is 07.03.1990): only
  /// where the value is known to be a date (a mapped date column), never when guessing what
  /// a column holds (ids and postcodes have five digits too).
  public var serials: Bool

  public init(order: Order = .dmy, pivot: Int = 30, serials: Bool = false) {
    self.order = order
    self.pivot = pivot
    self.serials = serials
  }

  public func parse(_ raw: String, placeholders: Bool = false) -> Normalized<PartialDate> {
    if let common = parseCommon(raw, placeholders: placeholders) { return common }
    var text = raw.trimmingWhitespace()
    if text.isEmpty { return .empty }
    // Drop a time of day: "1990-03-07T00:00:00", "07.03.1990 00:00".
    if let t = text.firstIndex(where: { $0 == "T" || $0 == " " }), text.distance(from: text.startIndex, to: t) >= 6 {
      text = String(text[..<t])
    }
    // An XML date with its time zone: "1990-03-07Z", "1990-03-07+01:00".
    if text.utf8.count > 10, text.utf8.count <= 16, let tz = text.dropFirst(10).first, "Z+-".contains(tz),
      text.prefix(10).allSatisfy({ $0.isNumber || $0 == "-" })
    {
      text = String(text.prefix(10))
    }
    let upper = text.uppercased()
    // A month by name: "7. März 1990", "07-Mar-1990", "March 7, 1990", "07-Mrz-90".
    if upper.contains(where: { $0.isLetter && $0 != "X" }) { return Self.withMonthName(upper, expand: expand) }
    // XX.XX.1990 and similar: only the year is known.
    if upper.utf8.contains(UInt8(ascii: "X")) || upper.utf8.contains(UInt8(ascii: "?")) {
      let digits = upper.split(whereSeparator: { !$0.isNumber })
      if let y = digits.last, y.count == 4, let year = Int(y), plausible(year) {
        return .value(PartialDate(year: year, placeholder: true))
      }
      return .invalid
    }
    guard text.allSatisfy({ $0.isASCII && ($0.isNumber || ".-/ ".contains($0)) }) else { return .invalid }
    let groups = text.split(whereSeparator: { !$0.isNumber }).map(String.init)
    var y: Int?
    var m: Int?
    var d: Int?
    switch groups.count {
    case 1:
      let g = groups[0]
      switch g.count {
      case 4: y = Int(g)
      case 5:
        // A spreadsheet's serial day number (days since 30.12.1899) where a date cell lost
        // its format: 32939 is 7 March 1990. No other layout has five digits.
        guard serials, let serial = Int(g), (1...73_050).contains(serial), let day = SpreadsheetSerial.day(serial)
        else { return .invalid }
        (y, m, d) = day
      case 8:
        if g.hasPrefix("19") || g.hasPrefix("20") {
          (y, m, d) = (Int(g.prefix(4)), Int(g.dropFirst(4).prefix(2)), Int(g.suffix(2)))
        } else {
          (d, m, y) = (Int(g.prefix(2)), Int(g.dropFirst(2).prefix(2)), Int(g.suffix(4)))
        }
      case 6: (d, m, y) = (Int(g.prefix(2)), Int(g.dropFirst(2).prefix(2)), expand(Int(g.suffix(2))!))
      default: return .invalid
      }
    case 2:
      if groups[0].count == 4 {
        (y, m) = (Int(groups[0]), Int(groups[1]))
      } else if groups[1].count == 4 {
        (m, y) = (Int(groups[0]), Int(groups[1]))
      } else {
        return .invalid
      }
    case 3:
      if groups[0].count == 4 {
        (y, m, d) = (Int(groups[0]), Int(groups[1]), Int(groups[2]))
      } else {
        guard groups[2].count == 4 || groups[2].count == 2, groups[0].count <= 2, groups[1].count <= 2 else {
          return .invalid
        }
        let year = groups[2].count == 2 ? expand(Int(groups[2])!) : Int(groups[2])!
        switch order {
        case .mdy: (m, d, y) = (Int(groups[0]), Int(groups[1]), year)
        default: (d, m, y) = (Int(groups[0]), Int(groups[1]), year)
        }
      }
    default:
      return .invalid
    }
    guard let year = y, plausible(year) else { return .invalid }
    // 00.00.1990 or 00.03.1990: parts written as zero are unknown.
    if d == 0 && (m == 0 || m == nil) { return .value(PartialDate(year: year, placeholder: true)) }
    guard let month = m else { return .value(PartialDate(year: year)) }
    if month == 0 { return .value(PartialDate(year: year, placeholder: true)) }
    guard (1...12).contains(month) else { return .invalid }
    guard let day = d else { return .value(PartialDate(year: year, month: month)) }
    if day == 0 { return .value(PartialDate(year: year, month: month)) }
    guard day >= 1 && day <= Self.daysIn(month: month, year: year) else { return .invalid }
    if placeholders && day == 1 && month == 1 { return .value(PartialDate(year: year, placeholder: true)) }
    return .value(PartialDate(year: year, month: month, day: day))
  }

  /// The two layouts nearly every export uses, "2024-03-07" and "07.03.2024", read straight
  /// from the bytes; nil for anything else (and for zero parts), which the general parser
  /// then reads. Why: the general path was a tenth of a whole run (perf, 20,000 persons).
  func parseCommon(_ raw: String, placeholders: Bool) -> Normalized<PartialDate>? {
    let utf8 = raw.utf8
    guard utf8.count == 10 else { return nil }
    let parsed = utf8.withContiguousStorageIfAvailable { b -> Normalized<PartialDate>? in
      func digit(_ i: Int) -> Int? {
        let c = b[i]
        return c >= 48 && c <= 57 ? Int(c - 48) : nil
      }
      func number(_ from: Int, _ count: Int) -> Int? {
        var n = 0
        for i in from..<(from + count) {
          guard let d = digit(i) else { return nil }
          n = n * 10 + d
        }
        return n
      }
      let year: Int
      let month: Int
      let day: Int
      if b[4] == UInt8(ascii: "-") && b[7] == UInt8(ascii: "-"), let y = number(0, 4), let m = number(5, 2),
        let d = number(8, 2)
      {
        (year, month, day) = (y, m, d)
      } else if order != .mdy && b[2] == UInt8(ascii: ".") && b[5] == UInt8(ascii: "."), let d = number(0, 2),
        let m = number(3, 2), let y = number(6, 4)
      {
        (year, month, day) = (y, m, d)
      } else if b[2] == UInt8(ascii: "/") && b[5] == UInt8(ascii: "/"), let first = number(0, 2),
        let second = number(3, 2), let y = number(6, 4)
      {
        // "07/03/1990": day first, or month first where the file writes so.
        (year, month, day) = order == .mdy ? (y, first, second) : (y, second, first)
      } else {
        return nil
      }
      guard plausible(year), (1...12).contains(month), day >= 1 else { return day == 0 || month == 0 ? nil : .invalid }
      guard day <= Self.daysIn(month: month, year: year) else { return .invalid }
      if placeholders && day == 1 && month == 1 { return .value(PartialDate(year: year, placeholder: true)) }
      return .value(PartialDate(year: year, month: month, day: day))
    }
    return parsed ?? nil
  }

  /// Why a text that `parse` found invalid is not a date, when it is written like one: a date
  /// no calendar has (31.02.1990, 15.13.1990) or a year outside 1900–2100. Nil for text that
  /// is not written like a date at all (that stays a value that could not be read).
  ///
  /// ```swift
  /// DateNormalizer().problem("31.02.1990")  // .impossible("day 31 in month 2")
  /// DateNormalizer().problem("03.04.1887")  // .yearOutOfRange(1887)
  /// ```
  public func problem(_ raw: String) -> DateProblem? {
    var text = raw.trimmingWhitespace()
    if let t = text.firstIndex(where: { $0 == "T" || $0 == " " }), text.distance(from: text.startIndex, to: t) >= 6 {
      text = String(text[..<t])
    }
    guard text.allSatisfy({ $0.isASCII && ($0.isNumber || ".-/".contains($0)) }) else { return nil }
    let groups = text.split(whereSeparator: { !$0.isNumber }).map(String.init)
    guard groups.count == 3, groups.allSatisfy({ $0.count <= 4 }) else { return nil }
    let y: Int
    let m: Int
    let d: Int
    if groups[0].count == 4 {
      (y, m, d) = (Int(groups[0])!, Int(groups[1])!, Int(groups[2])!)
    } else if groups[2].count == 4, groups[0].count <= 2, groups[1].count <= 2 {
      (d, m, y) =
        order == .mdy
        ? (Int(groups[1])!, Int(groups[0])!, Int(groups[2])!) : (Int(groups[0])!, Int(groups[1])!, Int(groups[2])!)
    } else {
      return nil
    }
    if !plausible(y) { return .yearOutOfRange(y) }
    if m > 12 { return .impossible("month \(m)") }
    if m >= 1, d > Self.daysIn(month: m, year: y) { return .impossible("day \(d) in month \(m)") }
    return nil
  }

  /// The order a date written with the year last must be read in, where its numbers tell:
  /// "16/03/2023" only day first (no 16th month), "03/16/2023" only month first; nil where
  /// either order gives a date ("07/03/2023") and for every other layout.
  ///
  /// ```swift
  /// DateNormalizer.order(of: "03/16/2023")  // .mdy
  /// DateNormalizer.order(of: "16.03.2023")  // .dmy
  /// DateNormalizer.order(of: "07/03/2023")  // nil
  /// ```
  public static func order(of raw: String) -> Order? {
    var text = Substring(raw.trimmingWhitespace())
    if let t = text.firstIndex(where: { $0 == "T" || $0 == " " }) { text = text[..<t] }
    guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || ".-/".contains($0)) }) else { return nil }
    let groups = text.split(whereSeparator: { !$0.isNumber })
    guard groups.count == 3, groups[0].count <= 2, groups[1].count <= 2, groups[2].count == 4 || groups[2].count == 2,
      let a = Int(groups[0]), let b = Int(groups[1])
    else { return nil }
    if (13...31).contains(a) && (1...12).contains(b) { return .dmy }
    if (13...31).contains(b) && (1...12).contains(a) { return .mdy }
    return nil
  }

  /// What a file's dates say about their order: how many can only be read day first, how
  /// many only month first (see `order(of:)`). It keeps no value: its description goes into
  /// logs, and a date of birth is personal data.
  public struct OrderEvidence: Sendable, Equatable {
    public var dayFirst = 0
    public var monthFirst = 0

    public init() {}

    public mutating func add(_ raw: String) {
      switch DateNormalizer.order(of: raw) {
      case .dmy?: dayFirst += 1
      case .mdy?: monthFirst += 1
      default: break
      }
    }

    public mutating func merge(_ other: OrderEvidence) {
      dayFirst += other.dayFirst
      monthFirst += other.monthFirst
    }

    /// Month first where some dates can only be read so and none only day first.
    public var monthFirstOnly: Bool { monthFirst > 0 && dayFirst == 0 }

    /// For a steward: "41 dates can only be read month first (a second number above 12, as
    /// in 03/16/2023), none only day first".
    public var description: String {
      "\(monthFirst) date\(monthFirst == 1 ? "" : "s") can only be read month first (a second number above 12, as in "
        + "03/16/2023), \(dayFirst == 0 ? "none" : String(dayFirst)) only day first"
    }
  }

  /// Month names, German and English, full and short (upper-cased), and the month they name.
  static let monthNames: [String: Int] = {
    let names: [[String]] = [
      ["JAN", "JANUAR", "JANUARY", "JÄN", "JÄNNER"], ["FEB", "FEBRUAR", "FEBRUARY"],
      ["MÄR", "MÄRZ", "MRZ", "MAR", "MARCH", "MAERZ"],
      ["APR", "APRIL"], ["MAI", "MAY"], ["JUN", "JUNI", "JUNE"], ["JUL", "JULI", "JULY"], ["AUG", "AUGUST"],
      ["SEP", "SEPT", "SEPTEMBER"], ["OKT", "OKTOBER", "OCT", "OCTOBER"], ["NOV", "NOVEMBER"],
      ["DEZ", "DEZEMBER", "DEC", "DECEMBER"],
    ]
    var out: [String: Int] = [:]
    for (i, words) in names.enumerated() { for w in words { out[w] = i + 1 } }
    return out
  }()

  /// A date with its month by name: one word a month, one number of up to two digits the day
  /// (or none), one of four digits (or two, with the pivot) the year; invalid otherwise.
  static func withMonthName(_ upper: String, expand: (Int) -> Int) -> Normalized<PartialDate> {
    let tokens = upper.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
    var month: Int?
    var numbers: [Substring] = []
    for t in tokens {
      if t.allSatisfy(\.isNumber) {
        numbers.append(t)
      } else if let m = monthNames[String(t)], month == nil {
        month = m
      } else {
        return .invalid
      }
    }
    guard let month else { return .invalid }
    let years = numbers.filter { $0.count == 4 }
    let days = numbers.filter { $0.count <= 2 }
    let year: Int
    let day: Int?
    if years.count == 1 && days.count <= 1 {
      year = Int(years[0])!
      day = days.first.flatMap { Int($0) }
    } else if years.isEmpty && days.count == 2 {
      year = expand(Int(days[1])!)
      day = Int(days[0])
    } else {
      return .invalid
    }
    guard (1900...2100).contains(year) else { return .invalid }
    guard let day else { return .value(PartialDate(year: year, month: month)) }
    guard day >= 1 && day <= daysIn(month: month, year: year) else { return .invalid }
    return .value(PartialDate(year: year, month: month, day: day))
  }

  func expand(_ twoDigits: Int) -> Int { twoDigits <= pivot ? 2000 + twoDigits : 1900 + twoDigits }

  func plausible(_ year: Int) -> Bool { (1900...2100).contains(year) }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }
}
