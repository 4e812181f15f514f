import Foundation

/// A spreadsheet's serial day number as a calendar day, counted as Excel counts: 1 is
/// 1900-01-01, and the fictitious 1900-02-29 (serial 60) moves the count by a day before it.
/// Workbooks store dates so; a date cell that lost its format shows the bare number.
///
/// ```swift
/// SpreadsheetSerial.day(32_939)  // (1990, 3, 7)
/// SpreadsheetSerial.day(61)      // (1900, 3, 1)
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
}
