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

/// Estimates m, u and λ without labels by expectation maximisation over the distinct
/// comparison patterns of the candidate pairs (a few thousand patterns stand for millions of
/// pairs, so each iteration is cheap). u starts from random record pairs.
enum ExpectationMaximisation {
  static func estimate(
    patterns: [UInt64: Int], randomPatterns: [UInt64: Int], levels: [Int], maxIterations: Int = 200
  ) -> LinkModel {
    let fields = levels.count
    func level(_ p: UInt64, _ f: Int) -> Int { Int((p >> (4 * UInt64(f))) & 0xF) }
    // u from random pairs (nearly all non-matches), smoothed so no level is impossible.
    var u = (0..<fields).map { f in [Double](repeating: 1, count: levels[f] + 1) }
    for f in 0..<fields {
      var counts = [Double](repeating: 1, count: levels[f] + 1)
      for (p, c) in randomPatterns where level(p, f) > 0 { counts[level(p, f)] += Double(c) }
      let total = counts.dropFirst().reduce(0, +)
      for l in 1...levels[f] { u[f][l] = counts[l] / total }
    }
    // m starts believing matches mostly agree exactly.
    var m = (0..<fields).map { f -> [Double] in
      var row = [Double](repeating: 1, count: levels[f] + 1)
      let rest = 0.1 / Double(max(1, levels[f] - 1))
      for l in 1...levels[f] { row[l] = l == 1 ? 0.9 : rest }
      return row
    }
    var lambda = 0.1
    let entries = patterns.map { (pattern: $0.key, count: Double($0.value)) }
    let total = entries.reduce(0) { $0 + $1.count }
    var iterations = 0
    for _ in 0..<maxIterations {
      iterations += 1
      var mCounts = (0..<fields).map { [Double](repeating: 1e-6, count: levels[$0] + 1) }
      var uCounts = mCounts
      var matchMass = 0.0
      for e in entries {
        var logM = log(lambda)
        var logU = log(1 - lambda)
        for f in 0..<fields {
          let l = level(e.pattern, f)
          if l == 0 { continue }
          logM += log(m[f][l])
          logU += log(u[f][l])
        }
        let p = 1 / (1 + exp(logU - logM))
        matchMass += e.count * p
        for f in 0..<fields {
          let l = level(e.pattern, f)
          if l == 0 { continue }
          mCounts[f][l] += e.count * p
          uCounts[f][l] += e.count * (1 - p)
        }
      }
      let newLambda = min(max(matchMass / total, 1e-9), 1 - 1e-9)
      var change = abs(newLambda - lambda)
      for f in 0..<fields {
        let mt = mCounts[f].dropFirst().reduce(0, +)
        let ut = uCounts[f].dropFirst().reduce(0, +)
        for l in 1...levels[f] {
          let nm = mCounts[f][l] / mt
          let nu = uCounts[f][l] / ut
          change = max(change, abs(nm - m[f][l]), abs(nu - u[f][l]))
          m[f][l] = nm
          u[f][l] = nu
        }
      }
      lambda = newLambda
      if change < 1e-7 { break }
    }
    return LinkModel(lambda: lambda, m: m, u: u, iterations: iterations)
  }
}
