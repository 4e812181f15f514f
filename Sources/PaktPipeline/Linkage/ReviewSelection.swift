import PaktLink
import PaktReport

/// The pairs a steward should look at: those whose match probability is nearest the
/// threshold, each with both records' values and every field's agreement and weight.
///
/// ```swift
/// let pairs = ReviewSelection.pairs(output, linker: linker, columns: columns, ids: ids, limit: 500)
/// try DuplicateReview(folder: "out/reports").write(pairs, threshold: 0.5, decisionsHint: "…")
/// ```
public enum ReviewSelection {
  public static func pairs(
    _ output: LinkOutput, linker: ProbabilisticLinker, columns: [[String?]], ids: [String], limit: Int = 500
  ) -> [ReviewPair] {
    let threshold = linker.config.threshold
    let uncertain = output.pairs.filter { $0.probability >= 0.05 && $0.probability < 0.995 }
      .sorted { abs($0.probability - threshold) < abs($1.probability - threshold) }
      .prefix(limit)
    let explained = linker.explain(
      columns: columns, pairs: uncertain.map { ($0.a, $0.b) }, model: output.model, of: output)
    return zip(uncertain, explained).map { pair, explanation in
      ReviewPair(
        leftID: ids[pair.a], rightID: ids[pair.b], probability: explanation.probability,
        fields: explanation.parts.enumerated().map { f, part in
          ReviewPair.Field(
            name: part.field, left: columns[f][pair.a] ?? "", right: columns[f][pair.b] ?? "", level: part.level,
            weight: part.weight)
        })
    }
  }
}
