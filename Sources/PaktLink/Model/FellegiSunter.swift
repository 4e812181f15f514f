import Foundation
import PaktCore

/// The Fellegi-Sunter model: for each field and level, how likely it is among matches (m)
/// and among non-matches (u), and the share of matches among compared pairs (λ).
public struct LinkModel: Sendable, Codable {
  public init(lambda: Double, m: [[Double]], u: [[Double]], iterations: Int) {
    self.lambda = lambda
    self.m = m
    self.u = u
    self.iterations = iterations
  }

  public var lambda: Double
  /// `m[field][level]`; level 0 (missing) is unused and stays 1.
  public var m: [[Double]]
  public var u: [[Double]]
  public var iterations: Int
  /// What looks wrong with the trained model, each in words a steward can act on (see
  /// `ModelCheck`); empty when nothing does.
  public var warnings: [String] = []

  /// Fields that depend on another (`depends_on`): u among pairs that agree on that field
  /// (`uGiven[field][level]`), estimated from the records; an empty row for the others.
  public var uGiven: [[Double]] = []

  /// log2 Bayes factor of a level.
  public func weight(_ field: Int, _ level: Int) -> Double { log2(m[field][level] / u[field][level]) }

  /// log2 Bayes factor of a level where the field it depends on agrees.
  public func weightGiven(_ field: Int, _ level: Int) -> Double? {
    field < uGiven.count && !uGiven[field].isEmpty ? log2(m[field][level] / uGiven[field][level]) : nil
  }
}

/// A model's Bayes factors as patterns are scored: names swapped weigh as the level they
/// stand for (`Scorer.scoredAs`), and a field that depends on another (nationality on the
/// family name, sex on the given name) weighs by its u among pairs that agree on that field
/// when they do. Why: people who share a family name mostly share a nationality, so counting
/// both as independent evidence (+3.3 bits for nationality on top of the name) joined people
/// who share only a common name (pairwise precision 0.91 at 300,000 generated persons whose
/// nationality goes with their name's origin).
struct Evidence: Sendable {
  /// Natural-log Bayes factor per field and pattern level (16 slots).
  let logBF: [[Double]]
  /// The same where the field's condition agrees; empty for fields without one.
  let logBFGiven: [[Double]]
  /// The fields each field depends on (empty: none).
  let condition: [[Int]]
  let names: [Bool]

  init(model: LinkModel, config: LinkageConfig) {
    names = config.fields.map { $0.kind == .name }
    condition = config.fields.map { f in f.dependsOn.compactMap { d in config.fields.firstIndex { $0.name == d } } }
    var logBF: [[Double]] = []
    var logBFGiven: [[Double]] = []
    for f in config.fields.indices {
      var row = [Double](repeating: 0, count: 16)
      var given = [Double](repeating: 0, count: 16)
      let hasGiven = f < model.uGiven.count && !model.uGiven[f].isEmpty
      for l in 1..<model.m[f].count {
        let scored = names[f] ? Scorer.scoredAs[l] : l
        row[l] = log(model.m[f][scored] / model.u[f][scored])
        if hasGiven { given[l] = log(model.m[f][scored] / model.uGiven[f][scored]) }
      }
      logBF.append(row)
      logBFGiven.append(hasGiven ? given : [])
    }
    self.logBF = logBF
    self.logBFGiven = logBFGiven
  }

  /// Whether field `g` agrees in `pattern` (names: exactly, by transliteration, swapped, a
  /// letter off or close). Why a name a letter off or close counts: it is still that family's
  /// name, and a given name shared by two people with such names says as little more as where
  /// they agree; counted as independent, pairs whose family names were a letter apart and whose
  /// given names agreed scored p 0.76 and were matches 58% of the time (a file generated apart
  /// from pakt; pairwise F1 0.905 → 0.911 there, pakt's own files unchanged).
  @inline(__always)
  func agrees(_ pattern: UInt64, _ g: Int) -> Bool {
    let l = (pattern >> (4 * UInt64(g))) & 0xF
    return names[g] ? (l >= 1 && l <= UInt64(Comparator.NameLevel.close)) : l == 1
  }

  /// Field `f`'s natural-log Bayes factor in `pattern`.
  @inline(__always)
  func field(_ pattern: UInt64, _ f: Int) -> Double {
    let l = Int((pattern >> (4 * UInt64(f))) & 0xF)
    if !logBFGiven[f].isEmpty, condition[f].contains(where: { agrees(pattern, $0) }) { return logBFGiven[f][l] }
    return logBF[f][l]
  }

  /// The pattern's natural-log Bayes factor, before term frequencies.
  @inline(__always)
  func total(_ pattern: UInt64) -> Double {
    var sum = 0.0
    for f in logBF.indices { sum += field(pattern, f) }
    return sum
  }
}

/// A trained model ready to score level patterns: each field's weight per level and the
/// term-frequency adjustment of exact agreements.
struct Scorer: Sendable {
  /// log(λ / (1 - λ)).
  let prior: Double
  /// Each field's Bayes factor in a pattern.
  let evidence: Evidence
  /// `frequency[field][level][record]`: for the levels that agree on a value (names: the
  /// value at level 1, exact swaps included, and the transliteration key at level 2; dates: the
  /// complete date at level 1, the year at levels 2 and 3, both or one day unknown), each
  /// record's share of records holding its value or key; else empty.
  let frequency: [[[Double]]]
  /// `averageFrequency[field][level]`: the mean of the records' frequencies at that level, the
  /// chance agreement a level's u stands for (0: no adjustment).
  let averageFrequency: [[Double]]

  /// Levels scored as another level: a name swapped exactly weighs as an exact agreement of
  /// each name, a name swapped and spelled differently as a transliteration of each.
  /// Name levels 0–15 → the level they are scored at.
  static let scoredAs: [Int] = (0..<16).map { l in
    switch UInt8(l) {
    case Comparator.NameLevel.swapped: return 1
    case Comparator.NameLevel.swappedVariant: return 2
    default: return l
    }
  }
  /// The most a term frequency lowers it: a very common name or date says little.
  static let frequencyLower = 1_000.0
  /// Name levels where the names nearly agree (one typo, Jaro-Winkler ≥ 0.92, one name's
  /// words within the other's, a family name among the other's given names) weigh by how
  /// common the names are too, at `fuzzyWeight`: see `termFrequencyAdjustment`.
  /// As a bit per level (`1 << level`): asked for every scored pair.
  static let fuzzyLevels: UInt16 =
    1 << Comparator.NameLevel.typo | 1 << Comparator.NameLevel.close | 1 << Comparator.NameLevel.within
    | 1 << Comparator.NameLevel.moved

  @inline(__always)
  static func isFuzzy(_ level: Int) -> Bool { level < 16 && fuzzyLevels >> UInt16(level) & 1 == 1 }
  /// Half of an exact agreement's adjustment (Splink's `tf_adjustment_weight` for fuzzy
  /// levels). Why half: on a file generated apart from pakt, family names one typo apart with
  /// p 0.3-0.5 were true pairs 61% of the time where the more common name is rare (under 0.3%
  /// of records) and 21% where it is common (over 1.2%): about +1.2 and -1.3 bits owed, which
  /// half the exact level's adjustment gives (+1.2 and -1.2).
  static let fuzzyWeight = 0.5

  /// `kept`: the frequencies a full link measured (`LinkIndex.Frequencies`: the mean
  /// frequencies and each name's frequency among records sharing the other name), for records
  /// that are only a night's change; nil: these records' own.
  init(model: LinkModel, config: LinkageConfig, records: PreparedRecords, kept: LinkIndex.Frequencies? = nil) {
    let average = kept?.average
    prior = log(model.lambda / (1 - model.lambda))
    evidence = Evidence(model: model, config: config)
    var frequency: [[[Double]]] = []
    var averageFrequency: [[Double]] = []
    for (f, field) in records.fields.enumerated() {
      var perLevel = [[Double]](repeating: [], count: 4)
      if config.fields[f].termFrequency && !field.frequency.isEmpty {
        perLevel[1] = field.frequency
        switch field.kind {
        case .date: (perLevel[2], perLevel[3]) = (field.coarseFrequency, field.coarseFrequency)
        case .name: perLevel[2] = field.coarseFrequency
        default: break
        }
      }
      frequency.append(perLevel)
      // The mean of the records' frequencies: with n_v records of value v among N present,
      // mean / tf_v = Σ_w (n_w/N)² / (n_v/N), the u of agreeing by chance over the chance of
      // agreeing on v, so that a Bayes factor m/u becomes m/tf_v (Splink's adjustment). Why
      // not Σ tf² / Σ tf (the mean frequency of the value an agreeing pair shares), as before:
      // on a skewed name distribution that is several times u, and every name a little rarer
      // than the few most common ones gained up to +1.6 bits (pairs at p 0.9 to 0.99 were
      // matches 78% of the time at 300,000 generated persons).
      averageFrequency.append(
        perLevel.map { tf in
          var sum = 0.0
          var present = 0.0
          for x in tf where x > 0 {
            sum += x
            present += 1
          }
          return present > 0 ? sum / present : 0
        })
    }
    self.frequency = frequency
    self.averageFrequency = average ?? averageFrequency
    // A name that depends on the other (the given name on the family name): its frequency
    // among records that share the other name, where that agrees (see
    // `Training.conditionalFrequency`); for a night's change, as the full link counted it.
    var conditional = [[[Double]]](repeating: [[], [], []], count: records.fields.count)
    var ratio = [[Double]](repeating: [1, 1, 1], count: records.fields.count)
    let years = config.fields.indices.first { config.fields[$0].kind == .date }.map { records.fields[$0].years }
    for f in records.fields.indices where evidence.names[f] && !frequency[f][1].isEmpty {
      guard let g = evidence.condition[f].first, evidence.names[g], let years, f < model.uGiven.count,
        !model.uGiven[f].isEmpty
      else { continue }
      let other = records.fields[g].agreementKey
      for (l, column) in [(1, records.fields[f].values), (2, records.fields[f].translit)]
      where !frequency[f][l].isEmpty && !column.isEmpty {
        ratio[f][l] = model.uGiven[f][l] / model.u[f][l]
        let prior = frequency[f][l].map { $0 * ratio[f][l] }
        if let kept {
          let table = f < kept.conditional.count && l - 1 < kept.conditional[f].count ? kept.conditional[f][l - 1] : [:]
          conditional[f][l] = zip(Self.pairKeys(column, other), prior).map { key, prior in
            key.map { table[$0] ?? prior } ?? 0
          }
        } else {
          conditional[f][l] = Training.conditionalFrequency(
            column, given: other, years: years, prior: prior, floor: frequency[f][l])
        }
      }
    }
    self.conditional = conditional
    self.ratio = ratio
    // The most each field's frequency can raise its level here: the rarest value's (for the
    // pruning in `ProbabilisticLinker.score`, which skips pairs that cannot reach the cut).
    let averages = self.averageFrequency
    raise = frequency.indices.map { f in
      frequency[f].indices.map { l in
        let average = averages[f].count > l ? averages[f][l] : 0
        guard average > 0 else { return 1 }
        var least = Double.infinity
        for x in frequency[f][l] where x > 0 { least = min(least, x) }
        if l < conditional[f].count { for x in conditional[f][l] where x > 0 { least = min(least, x / ratio[f][l]) } }
        return least.isFinite ? max(1, average / least) : 1
      }
    }
  }

  /// `raise[field][level]`: the largest factor a value's term frequency raises that level's
  /// Bayes factor by among these records (that of the rarest value).
  let raise: [[Double]]

  /// Each record's key of its pair of values (the other name's key, this name's value or key)
  /// in `LinkIndex.Frequencies.conditional`; nil where it lacks either.
  static func pairKeys(_ column: KeyColumn, _ other: KeyColumn) -> [UInt64?] {
    let (valueHash, otherHash) = (column.texts.map { LinkIndex.hash($0) }, other.texts.map { LinkIndex.hash($0) })
    return column.ids.indices.map { r in
      column.ids[r] < 0 || other.ids[r] < 0
        ? nil : LinkIndex.pair(otherHash[Int(other.ids[r])], valueHash[Int(column.ids[r])])
    }
  }

  /// The conditional frequencies for the index (`LinkIndex.Frequencies.conditional`): per
  /// field, per level 1 and 2, each pair of the other name's key and this name's value or key
  /// whose frequency is not what the file-wide ratio gives.
  func keptConditional(_ records: PreparedRecords) -> [[[UInt64: Double]]] {
    records.fields.indices.map { f in
      guard let g = evidence.condition[f].first, !conditional[f][1].isEmpty else { return [] }
      let other = records.fields[g].agreementKey
      return [(1, records.fields[f].values), (2, records.fields[f].translit)].map { l, column in
        var table: [UInt64: Double] = [:]
        guard !conditional[f][l].isEmpty else { return table }
        for (r, key) in Self.pairKeys(column, other).enumerated() {
          guard let key else { continue }
          let (value, prior) = (conditional[f][l][r], frequency[f][l][r] * ratio[f][l])
          if abs(value - prior) > 1e-9 * prior { table[key] = value }
        }
        return table
      }
    }
  }

  /// `conditional[field][level][record]`: for a name that depends on the other, its
  /// frequency among records sharing the other name (levels 1 and 2); else empty.
  let conditional: [[[Double]]]
  /// `ratio[field][level]`: how much the file-wide dependence raised that level's u.
  let ratio: [[Double]]

  /// The level a field is scored at (see `scoredAs`). Names given and family names swapped
  /// are the same names in the other order: they weigh as an agreement of each (with its
  /// term frequency), not as the rare event random pairs make of them (that counted one
  /// coincidence twice at +15 each and joined "Emre Abubakar" to "Abubakar Emre" born 15
  /// years apart).
  @inline(__always)
  func scoredLevel(_ pattern: UInt64, _ f: Int) -> Int {
    let l = Int((pattern >> (4 * UInt64(f))) & 0xF)
    return evidence.names[f] ? Self.scoredAs[l] : l
  }

  /// The log-odds of a match before term frequencies.
  func logOdds(_ pattern: UInt64) -> Double { prior + evidence.total(pattern) }

  /// The most that term frequencies could add to `logOdds(pattern)`.
  func termFrequencyHeadroom(_ pattern: UInt64) -> Double {
    var sum = 0.0
    for f in evidence.names.indices {
      let l = scoredLevel(pattern, f)
      if evidence.names[f], Self.isFuzzy(l), raise[f].count > 1 {
        sum += Self.fuzzyWeight * log(raise[f][1])
      } else if l < raise[f].count {
        sum += log(raise[f][l])
      }
    }
    return sum
  }

  /// What term frequencies add for records `a` and `b`: an agreement on a common value says
  /// less than one on a rare value (Splink's term-frequency adjustment: u of the level
  /// replaced by the value's own frequency, here as the ratio of the average frequency to the
  /// value's). The value is `a`'s, which `b` shares, except where names are swapped: then
  /// each field takes the more common of the two records' values. Why: a record whose given
  /// and family name were entered the other way round holds a given name in the family field,
  /// where it is rare; its own frequencies raised both names by +6.6 bits, and
  /// "Besnik Huxha" without a date of birth scored p 0.55 against each of 70 "Hoxha Besnik"
  /// (a file generated apart from pakt: pairs of swapped names without a date were matches 6%
  /// of the time at p 0.64).
  func termFrequencyAdjustment(_ pattern: UInt64, _ a: Int, _ b: Int) -> Double {
    var sum = 0.0
    for f in evidence.names.indices {
      let l = scoredLevel(pattern, f)
      // Names that nearly agree: the more common of the two names' own frequencies, measured
      // against the exact level's mean, at half weight. A typo between two common names is
      // more often two people than one between rare names.
      if evidence.names[f], Self.isFuzzy(l), !frequency[f][1].isEmpty, averageFrequency[f][1] > 0 {
        let tf = max(frequency[f][1][a], frequency[f][1][b])
        if tf > 0 { sum += Self.fuzzyWeight * log(max(1 / Self.frequencyLower, averageFrequency[f][1] / tf)) }
        continue
      }
      guard l < averageFrequency[f].count, averageFrequency[f][l] > 0 else { continue }
      // Where the other name agrees, its u already holds the file-wide dependence (`ratio`);
      // the record's own dependence replaces it.
      let dependent =
        l < 3 && !conditional[f][l].isEmpty && evidence.condition[f].first.map { evidence.agrees(pattern, $0) } == true
      var tf = dependent ? conditional[f][l][a] / ratio[f][l] : frequency[f][l][a]
      if evidence.names[f] {
        let raw = UInt8((pattern >> (4 * UInt64(f))) & 0xF)
        if raw == Comparator.NameLevel.swapped || raw == Comparator.NameLevel.swappedVariant {
          tf = max(tf, dependent ? conditional[f][l][b] / ratio[f][l] : frequency[f][l][b])
        }
      }
      if tf > 0 {
        sum += log(max(1 / Self.frequencyLower, averageFrequency[f][l] / tf))
      }
    }
    return sum
  }

  /// The match probability of records `a` and `b` with level pattern `pattern`.
  func probability(_ pattern: UInt64, _ a: Int, _ b: Int) -> Double {
    1 / (1 + exp(-(logOdds(pattern) + termFrequencyAdjustment(pattern, a, b))))
  }
}
