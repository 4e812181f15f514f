import Testing

@testable import PaktLink

/// EM sessions and the anchors' m: a field that sessions keyed on identifiers saw enough
/// matches on takes its m from them, so another session's m for it is not used, and whether
/// that session's EM settled on it is not a warning.
@Suite("Link: EM sessions and identifier anchors")
struct TrainingSessionTests {
  /// Three fields with two levels each (exact, else): an identifier (0), a name (1), a date (2).
  let levels = [2, 2, 2]
  let u: [[Double]] = Array(repeating: [1, 0.01, 0.99], count: 3)

  /// A pattern with `levels[f]` for each field (0: missing).
  static func pattern(_ levels: [Int]) -> UInt64 {
    levels.enumerated().reduce(0) { $0 | UInt64($1.element) << (4 * UInt64($1.offset)) }
  }

  /// Keyed on the identifier: `matches` pairs agree on name and date, 20 are strangers.
  func anchor(matches: Int) -> Training.Session {
    Training.Session(
      counts: [Self.pattern([0, 1, 1]): matches, Self.pattern([0, 2, 2]): 20, Self.pattern([0, 1, 2]): 3],
      excluded: [0], anchor: true)
  }

  /// Keyed on the name (and the identifier left out): only the date is free.
  let names = Training.Session(
    counts: [Self.pattern([0, 0, 1]): 300, Self.pattern([0, 0, 2]): 5_000], excluded: [0, 1])

  @Test("a session whose every field takes the anchors' m does not warn, however few its iterations")
  func coveredSession() {
    let (m, unconverged) = Training.estimateM(
      sessions: [anchor(matches: 500), names], u: u, levels: levels, maxIterations: 2)
    #expect(!unconverged.contains(1), "\(unconverged)")
    // The date's m is the anchor's: nearly every match agrees on it.
    #expect(m[2][1] > 0.98, "\(m[2])")
    // Given iterations enough, the anchor settles too and nothing warns.
    #expect(Training.estimateM(sessions: [anchor(matches: 500), names], u: u, levels: levels).unconverged.isEmpty)
  }

  @Test("where the anchors saw too few matches, the session's m is used and its EM is watched")
  func uncoveredSession() {
    let (m, unconverged) = Training.estimateM(
      sessions: [anchor(matches: 5), names], u: u, levels: levels, maxIterations: 2)
    #expect(unconverged.contains(1), "\(unconverged)")
    // Given iterations enough, it settles, and the date's m is the average of both sessions'.
    let settled = Training.estimateM(sessions: [anchor(matches: 5), names], u: u, levels: levels)
    #expect(settled.unconverged.isEmpty, "\(settled.unconverged)")
    let each = [(anchor(matches: 5), [1, 2]), (names, [2])].map { session, free in
      Training.expectationMaximisation(
        session.counts.map { (pattern: $0.key, count: Double($0.value)) }, free: free, watched: free, u: u,
        levels: levels, maxIterations: 200
      ).m[2][1]
    }
    #expect(abs(settled.m[2][1] - (each[0] + each[1]) / 2) < 1e-9, "\(settled.m[2]) \(each)")
    #expect(abs(m[2][1] - settled.m[2][1]) > 1e-6, "two iterations are not yet settled")
  }
}
