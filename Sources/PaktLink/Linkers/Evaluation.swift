/// Pairwise precision, recall and F1 of predicted links against true pairs.
///
/// ```swift
/// let e = LinkEvaluation(predicted: [("a", "b")], truth: [("b", "a"), ("c", "d")])
/// e.precision  // 1.0
/// e.recall     // 0.5
/// ```
public struct LinkEvaluation: Sendable, Codable {
  public var truePositives: Int
  public var falsePositives: Int
  public var falseNegatives: Int

  public init(predicted: [(String, String)], truth: [(String, String)]) {
    func key(_ p: (String, String)) -> String { p.0 < p.1 ? "\(p.0)\u{1F}\(p.1)" : "\(p.1)\u{1F}\(p.0)" }
    let predictedSet = Set(predicted.map(key))
    let truthSet = Set(truth.map(key))
    truePositives = predictedSet.intersection(truthSet).count
    falsePositives = predictedSet.count - truePositives
    falseNegatives = truthSet.count - truePositives
  }

  public var precision: Double {
    truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
  }
  public var recall: Double {
    truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives)
  }
  public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
}
