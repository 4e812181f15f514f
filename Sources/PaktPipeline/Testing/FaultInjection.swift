import Foundation

/// Pauses a run at a named point when `PAKT_FAULT_PAUSE=<point>` is set, so that tests can
/// kill a real `pakt run` process there and check that the warehouse is exactly as before.
/// Points: `after-file`, `before-link`, `before-commit` (all inside the run's transaction),
/// `after-source` (after a source committed on its own, in `pakt migrate`) and
/// `publish-before-commit` (a PostgreSQL warehouse's publish, everything copied, not committed); `NAME:N` pauses
/// at the Nth time the point is reached. Debug builds only (the ones the tests run): a release
/// build, the one operators run, has no hooks and ignores the variables.
///
/// `PAKT_FAULT_DELAY=<point>` waits half a second there instead, for tests that start two runs
/// at once and need both past a point (`after-plan`, `before-key-create`) before either goes on.
enum FaultInjection {
  #if DEBUG
    static let point = ProcessInfo.processInfo.environment["PAKT_FAULT_PAUSE"]
    static let delayPoint = ProcessInfo.processInfo.environment["PAKT_FAULT_DELAY"]
    nonisolated(unsafe) static var reached: [String: Int] = [:]
  #endif

  static func delay(at name: String) {
    #if DEBUG
      guard delayPoint == name else { return }
      Thread.sleep(forTimeInterval: 0.5)
    #endif
  }

  static func pause(at name: String) {
    #if DEBUG
      guard let point, point == name || point.hasPrefix(name + ":") else { return }
      reached[name, default: 0] += 1
      if let colon = point.firstIndex(of: ":"), Int(point[point.index(after: colon)...]) != reached[name] { return }
      FileHandle.standardError.write(Data("pakt: paused at \(name) for a fault-injection test\n".utf8))
      Thread.sleep(forTimeInterval: 60)
    #endif
  }
}
