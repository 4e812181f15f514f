import Foundation
import Testing

@testable import PaktLink

/// EM sessions and the anchors' m: a field that sessions keyed on identifiers saw enough
/// matches on takes its m from them, so another session's m for it is not used, and whether
/// that session's EM settled on it is not a warning.
@Suite("Link: EM sessions and identifier anchors")
struct TrainingSessionTests {
  /// Four fields with two levels each (exact, else): an identifier (0), a name (1), a date (2)
  /// and the municipality (3).
  let levels = [2, 2, 2, 2]
  let u: [[Double]] = Array(repeating: [1, 0.01, 0.99], count: 3) + [[1, 0.1, 0.9]]

  /// A pattern with `levels[f]` for each field (0: missing).
  static func pattern(_ levels: [Int]) -> UInt64 {
    levels.enumerated().reduce(0) { $0 | UInt64($1.element) << (4 * UInt64($1.offset)) }
  }

  /// Keyed on the identifier: `matches` pairs agree on name and date, 20 are strangers.
  func anchor(matches: Int) -> Training.Session {
    Training.Session(
      counts: [
        Self.pattern([0, 1, 1, 1]): matches, Self.pattern([0, 2, 2, 2]): 20, Self.pattern([0, 1, 2, 1]): 3,
      ],
      excluded: [0], anchor: true)
  }

  /// Keyed on the name (and the identifier left out): the date and the municipality are free.
  let names = Training.Session(
    counts: [
      Self.pattern([0, 0, 1, 1]): 250, Self.pattern([0, 0, 1, 2]): 50, Self.pattern([0, 0, 2, 1]): 500,
      Self.pattern([0, 0, 2, 2]): 4_500,
    ], excluded: [0, 1])

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
    let each = [(anchor(matches: 5), [1, 2, 3]), (names, [2, 3])].map { session, free in
      Training.expectationMaximisation(
        session.counts.map { (pattern: $0.key, count: Double($0.value)) }, free: free, watched: free, u: u,
        levels: levels, maxIterations: 200
      ).m[2][1]
    }
    #expect(abs(settled.m[2][1] - (each[0] + each[1]) / 2) < 1e-9, "\(settled.m[2]) \(each)")
    #expect(abs(m[2][1] - settled.m[2][1]) > 1e-6, "two iterations are not yet settled")
  }

  @Test("a level no match showed is rare, not impossible: m has a prior of one pair centred on u")
  func priorOnM() {
    // Keyed on an identifier (0): a name (1) tells matches from strangers, and a sex-like
    // field (2), whose random pairs disagree half the time, has a level (3) neither matches
    // nor random pairs show.
    let levels = [2, 2, 3]
    let u: [[Double]] = [[1, 0.01, 0.99], [1, 0.01, 0.99], [1, 0.5, 0.5 - 1e-6, 1e-6]]
    func m(matches: Int) -> [Double] {
      let session = Training.Session(
        counts: [
          Self.pattern([0, 1, 1]): matches, Self.pattern([0, 2, 1]): 10, Self.pattern([0, 2, 2]): 10,
        ], excluded: [0], anchor: true)
      return Training.estimateM(sessions: [session], u: u, levels: levels).m[2]
    }
    // 100 identifier pairs, none with the sex wrong: "sex differs" is about u / (matches + 1),
    // −7 bits, where a floor of 10⁻⁶ made it −19.
    let few = m(matches: 100)
    #expect(few[2] > 0.002 && few[2] < 0.01, "\(few)")
    #expect(log2(few[2] / u[2][2]) > -8, "\(few)")
    // With many matches the counts decide: the prior is lost in them.
    let many = m(matches: 100_000)
    #expect(many[2] < 1e-5, "\(many)")
    // A level nobody showed does not turn into evidence for a match.
    #expect(few[3] <= u[2][3], "\(few)")
  }
}
