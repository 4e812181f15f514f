import Foundation
import Testing

@testable import PaktPipeline

@Suite("Link stage: the reason written on each linked record")
struct LinkReasonTests {
  /// The reason is written on every linked record and compared night by night (a record whose
  /// reason changed is written again), so the fast formatting must give what
  /// `String(format: "%.3f")` gave: on 0, 1, the values on and around each rounding edge and
  /// 100,000 random probabilities.
  @Test("\"probabilistic, p = 0.973\" as String(format:) writes it")
  func reasonAsFormatted() {
    var generator = SystemRandomNumberGenerator()
    var values: [Double] = [0, 1, 0.5, 0.0004, 0.0006, 0.9994, 0.9996, 0.123, 0.1234, 0.1236, 0.999_999, 0.000_001]
    // Half a thousandth, where multiplying by 1,000 may round across the edge (0.0045).
    for k in 0..<1000 {
      let edge: Double = (Double(k) + 0.5) / 1000
      values += [edge, edge.nextDown, edge.nextUp]
    }
    values += (0..<100_000).map { _ in Double.random(in: 0...1, using: &generator) }
    for p in values {
      #expect(PersonLinkage.reason(probability: p) == "probabilistic, p = " + String(format: "%.3f", p), "\(p)")
    }
  }
}
