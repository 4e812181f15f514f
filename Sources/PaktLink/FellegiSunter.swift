import Foundation
import PaktCore

/// The Fellegi-Sunter model: for each field and level, how likely it is among matches (m)
/// and among non-matches (u), and the share of matches among compared pairs (λ).
public struct LinkModel: Sendable, Codable {
  public var lambda: Double
  /// `m[field][level]`; level 0 (missing) is unused and stays 1.
  public var m: [[Double]]
  public var u: [[Double]]
  public var iterations: Int

  /// log2 Bayes factor of a level.
  public func weight(_ field: Int, _ level: Int) -> Double { log2(m[field][level] / u[field][level]) }
}
