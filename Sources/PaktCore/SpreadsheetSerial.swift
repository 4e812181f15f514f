import Foundation

/// A spreadsheet's serial day number as a calendar day, counted as Excel counts: 1 is
/// 1900-01-01, and the fictitious 1900-02-29 (serial 60) moves the count by a day before it.
/// Workbooks store dates so; a date cell that lost its format shows the bare number.
///
/// ```swift
/// SpreadsheetSerial.day(32_939)  // (1990, 3, 7)
/// SpreadsheetSerial.day(61)      // (1900, 3, 1)
/// SpreadsheetSerial.serial(year: 1990, month: 3, day: 7)  // 32939
/// ```
public enum SpreadsheetSerial {
  public static func day(_ serial: Int) -> (year: Int, month: Int, day: Int)? {
    // Before the fictitious 1900-02-29 (serial 60) the count starts a day later.
    let base = DateComponents(
      calendar: Calendar(identifier: .gregorian), year: 1899, month: 12, day: serial < 61 ? 31 : 30)
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    guard let start = calendar.date(from: base), let date = calendar.date(byAdding: .day, value: serial, to: start)
    else { return nil }
    let c = calendar.dateComponents([.year, .month, .day], from: date)
    return (c.year!, c.month!, c.day!)
  }

  /// The serial day number of a calendar day from 1900-03-01 on (nil for an impossible day
  /// such as 30 February, or an earlier one): the inverse of `day`.
  public static func serial(year: Int, month: Int, day: Int) -> Int? {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    guard (1...12).contains(month), (1...lengths[month - 1]).contains(day) else { return nil }
    let serial = daysFromCivil(year, month, day) - daysFromCivil(1899, 12, 30)
    return serial >= 61 ? serial : nil
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
  static func daysFromCivil(_ y: Int, _ m: Int, _ d: Int) -> Int {
    let y = m <= 2 ? y - 1 : y
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }
}
