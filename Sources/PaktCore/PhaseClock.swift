import Foundation

/// Wall time of a stage's phases, printed to standard error when `PAKT_PROFILE` is set: how
/// the link stage's seconds split, for whoever tunes it (no personal data, only names and
/// seconds).
///
/// ```swift
/// var clock = PhaseClock("link")
/// let blocks = ruleBlocks(records); clock.lap("blocking")
/// clock.finish()
/// ```
public struct PhaseClock: Sendable {
  public static let enabled = ProcessInfo.processInfo.environment["PAKT_PROFILE"] != nil
  let name: String
  var last = Date()
  var laps: [(String, Double)] = []

  public init(_ name: String) { self.name = name }

  public mutating func lap(_ phase: String) {
    guard Self.enabled else { return }
    let now = Date()
    laps.append((phase, now.timeIntervalSince(last)))
    last = now
  }

  /// Prints a count or note of the stage (no personal data) when profiling.
  public func note(_ text: @autoclosure () -> String) {
    guard Self.enabled else { return }
    FileHandle.standardError.write(Data("profile \(name): \(text())\n".utf8))
  }

  public func finish() {
    guard Self.enabled else { return }
    let text = laps.map { "\($0.0) \(String(format: "%.2f", $0.1)) s" }.joined(separator: ", ")
    FileHandle.standardError.write(Data("profile \(name): \(text)\n".utf8))
  }
}
