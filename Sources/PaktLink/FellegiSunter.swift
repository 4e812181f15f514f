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

/// A trained model ready to score level patterns: each field's weight per level and the
/// term-frequency adjustment of exact agreements.
struct Scorer: Sendable {
  /// log(λ / (1 - λ)).
  let prior: Double
  /// Natural-log Bayes factor of each field's pattern levels (a swapped name weighs as exact).
  let logBF: [[Double]]
  /// Term-frequency fields: each record's share of records holding its value; else empty.
  let frequency: [[Double]]
  /// Term-frequency fields: the average frequency of the value two agreeing records share.
  let averageFrequency: [Double]
  let names: [Bool]

  /// The name kind's "swapped" level (see `LinkageConfig.Kind.levels`).
  static let swappedLevel = 3
  /// The most a term frequency moves a field's Bayes factor, either way.
  static let frequencyBound = 10.0

  init(model: LinkModel, config: LinkageConfig, records: PreparedRecords) {
    prior = log(model.lambda / (1 - model.lambda))
    names = config.fields.map { $0.kind == .name }
    var logBF: [[Double]] = []
    for f in config.fields.indices {
      var row = [Double](repeating: 0, count: 16)
      for l in 1..<model.m[f].count {
        let scored = names[f] && l == Self.swappedLevel ? 1 : l
        row[l] = log(model.m[f][scored] / model.u[f][scored])
      }
      logBF.append(row)
    }
    self.logBF = logBF
    frequency = records.fields.enumerated().map { f, field in config.fields[f].termFrequency ? field.frequency : [] }
    // Over records: Σ tf² / Σ tf equals Σ_v tf_v³ / Σ_v tf_v² over distinct values.
    averageFrequency = frequency.enumerated().map { f, tf in
      guard !tf.isEmpty else { return 0 }
      var num = 0.0
      var den = 0.0
      for (i, v) in records.fields[f].values.ids.enumerated() where v >= 0 {
        num += tf[i] * tf[i]
        den += tf[i]
      }
      return den > 0 ? num / den : 0
    }
  }

  /// The level a field is scored at. Names given and family names swapped are the same
  /// names in the other order: they weigh as an exact agreement of each (with its term
  /// frequency), not as the rare event random pairs make of them (that counted one
  /// coincidence twice at +15 each and joined "Emre Abubakar" to "Abubakar Emre" born 15
  /// years apart).
  @inline(__always)
  func scoredLevel(_ pattern: UInt64, _ f: Int) -> Int {
    let l = Int((pattern >> (4 * UInt64(f))) & 0xF)
    return l == Self.swappedLevel && names[f] ? 1 : l
  }

  /// The log-odds of a match before term frequencies.
  func logOdds(_ pattern: UInt64) -> Double {
    var sum = prior
    for f in logBF.indices { sum += logBF[f][Int((pattern >> (4 * UInt64(f))) & 0xF)] }
    return sum
  }

  /// The most that term frequencies could add to `logOdds(pattern)`.
  func termFrequencyHeadroom(_ pattern: UInt64) -> Double {
    var sum = 0.0
    for f in logBF.indices where averageFrequency[f] > 0 && scoredLevel(pattern, f) == 1 {
      sum += log(Self.frequencyBound)
    }
    return sum
  }

  /// What term frequencies add for record `a`: an exact match on a common value says less
  /// than one on a rare value.
  func termFrequencyAdjustment(_ pattern: UInt64, _ a: Int) -> Double {
    var sum = 0.0
    for f in logBF.indices where averageFrequency[f] > 0 && scoredLevel(pattern, f) == 1 {
      let tf = frequency[f][a]
      if tf > 0 { sum += log(min(Self.frequencyBound, max(1 / Self.frequencyBound, averageFrequency[f] / tf))) }
    }
    return sum
  }

  /// The match probability of records `a` and `b` with level pattern `pattern`.
  func probability(_ pattern: UInt64, _ a: Int) -> Double {
    1 / (1 + exp(-(logOdds(pattern) + termFrequencyAdjustment(pattern, a))))
  }
}
