import Foundation

/// Wall time of a stage's phases, printed to standard error when `PAKT_PROFILE` is set: how
/// the link stage's seconds split, for whoever tunes it (no personal data, only names and
/// seconds). Where the system tells (Linux), each phase also gives the process's peak memory
/// at its end, so that the phase that raised the peak shows.
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
  var laps: [(String, Double, Int?)] = []

  public init(_ name: String) { self.name = name }

  public mutating func lap(_ phase: String) {
    guard Self.enabled else { return }
    let now = Date()
    laps.append((phase, now.timeIntervalSince(last), Self.peakMegabytes()))
    last = now
  }

  /// The process's peak resident memory so far in MB (`VmHWM`), nil where it cannot be read.
  static func peakMegabytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
      let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { return nil }
    return kilobytes / 1024
  }

  /// Prints a count or note of the stage (no personal data) when profiling.
  public func note(_ text: @autoclosure () -> String) {
    guard Self.enabled else { return }
    FileHandle.standardError.write(Data("profile \(name): \(text())\n".utf8))
  }

  public func finish() {
    guard Self.enabled else { return }
    let text = laps.map { phase, seconds, peak in
      "\(phase) \(String(format: "%.2f", seconds)) s" + (peak.map { " (peak \($0) MB)" } ?? "")
    }.joined(separator: ", ")
    FileHandle.standardError.write(Data("profile \(name): \(text)\n".utf8))
  }
}
