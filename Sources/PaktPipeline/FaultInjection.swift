import Foundation

/// Pauses a run at a named point when `PAKT_FAULT_PAUSE=<point>` is set, so that tests can
/// kill a real `pakt run` process there and check that the warehouse is exactly as before.
/// Points: `after-file`, `before-link`, `before-commit` (all inside the run's transaction).
/// Never set in operation; without the variable this costs one environment lookup.
enum FaultInjection {
  static let point = ProcessInfo.processInfo.environment["PAKT_FAULT_PAUSE"]

  static func pause(at name: String) {
    guard point == name else { return }
    FileHandle.standardError.write(Data("pakt: paused at \(name) for a fault-injection test\n".utf8))
    Thread.sleep(forTimeInterval: 60)
  }
}
