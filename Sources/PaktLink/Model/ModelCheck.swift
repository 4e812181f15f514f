import Foundation

/// Sanity checks on a trained model, after Splink's advice to look at the m and u of every
/// level before trusting a model: each warning says what it means and what to look at.
enum ModelCheck {
  /// λ as deterministic rules would put it: the candidate pairs that agree on every name
  /// (exactly, by transliteration or swapped) and on a complete date of birth, or exactly on
  /// an identifier, over all pairs. A floor on the matches (such rules miss the pairs with
  /// typos), never far below the truth on person files.
  static func deterministicLambda(candidates: [UInt64: Int], config: LinkageConfig, allPairs: Double) -> Double? {
    let names = config.fields.indices.filter { config.fields[$0].kind == .name }
    let dates = config.fields.indices.filter { config.fields[$0].kind == .date }
    let identifiers = config.fields.indices.filter { config.fields[$0].kind == .identifier }
    guard allPairs > 0, !names.isEmpty || !identifiers.isEmpty else { return nil }
    func level(_ p: UInt64, _ f: Int) -> UInt64 { (p >> (4 * UInt64(f))) & 0xF }
    var sure = 0
    for (pattern, count) in candidates {
      let byIdentifier = identifiers.contains { level(pattern, $0) == 1 }
      let namesAgree =
        !names.isEmpty
        && names.allSatisfy { level(pattern, $0) == 0 || level(pattern, $0) <= UInt64(Comparator.NameLevel.swapped) }
        && names.contains { level(pattern, $0) > 0 }
      let byRule = namesAgree && !dates.isEmpty && dates.allSatisfy { level(pattern, $0) == 1 }
      if byIdentifier || byRule { sure += count }
    }
    return sure == 0 ? nil : Double(sure) / allPairs
  }

  static func warnings(
    _ model: LinkModel, config: LinkageConfig, unconverged: [[LinkageConfig.KeyPart]], deterministicLambda: Double?
  ) -> [String] {
    var out: [String] = []
    for (f, field) in config.fields.enumerated() {
      // The agreement levels: exact, and for names the transliteration too.
      let agreeing = field.kind == .name ? [1, 2] : [1]
      for l in agreeing where model.m[f][l] < model.u[f][l] {
        out.append(
          "\(field.name) '\(field.kind.levels[l - 1])': m \(String(format: "%.4f", model.m[f][l])) is below "
            + "u \(String(format: "%.4f", model.u[f][l])), so agreeing on \(field.name) counts against a match. "
            + "The training pairs did not show what a match looks like on this field: it may be mostly empty, or "
            + "go with a field a training rule keys on (add it to that rule under 'training:').")
      }
    }
    for rule in unconverged {
      let keys = rule.map { config.fields[$0.field].name + ($0.transform == .exact ? "" : ".\($0.transform.rawValue)") }
      out.append(
        "EM on the training rule [\(keys.joined(separator: ", "))] did not settle in 200 iterations: the m it "
          + "gave may be off. A rule whose pairs are nearly all matches or nearly all non-matches trains poorly; "
          + "key it on fewer or other fields.")
    }
    if let d = deterministicLambda {
      let ratio = model.lambda / d
      if ratio > 10 || ratio < 0.1 {
        out.append(
          "λ, the estimated chance that two records match, is \(String(format: "%.3g", model.lambda)), "
            + "\(String(format: "%.1f", ratio))x what agreeing names and dates of birth or identifiers alone "
            + "give (\(String(format: "%.3g", d))). "
            + (ratio > 10
              ? "The model may take people who share a common name for one person: check the pairs just above "
                + "the threshold in the duplicate review."
              : "The model may miss most matches: check the blocking rules and the pairs just below the threshold."))
      }
    }
    return out
  }
}
