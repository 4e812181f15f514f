import Foundation

/// One uncertain pair for the duplicate review: both records' values side by side, each
/// field's agreement level and weight, and the match probability.
public struct ReviewPair: Sendable {
  public struct Field: Sendable {
    public var name: String
    public var left: String
    public var right: String
    public var level: String
    public var weight: Double
    public init(name: String, left: String, right: String, level: String, weight: Double) {
      self.name = name
      self.left = left
      self.right = right
      self.level = level
      self.weight = weight
    }
  }
  public var leftID: String
  public var rightID: String
  public var probability: Double
  public var fields: [Field]
  public init(leftID: String, rightID: String, probability: Double, fields: [Field]) {
    self.leftID = leftID
    self.rightID = rightID
    self.probability = probability
    self.fields = fields
  }
}

/// Writes the duplicate review: a self-contained HTML page and a CSV a steward fills in
/// (`decision`: must-link or cannot-link) and hands back with `--decisions`. Everything shown
/// is escaped.
///
/// ```swift
/// let paths = try DuplicateReview(folder: "out/review").write(pairs, threshold: 0.5, decisionsHint: "…")
/// ```
public struct DuplicateReview: Sendable {
  public let folder: String
  public init(folder: String) { self.folder = folder }

  public func write(_ pairs: [ReviewPair], threshold: Double, decisionsHint: String) throws -> [String: String] {
    try PrivateFiles.folder(folder)
    let html = (folder as NSString).appendingPathComponent("duplicate-review.html")
    let csv = (folder as NSString).appendingPathComponent("duplicate-review.csv")
    var c = Escape.csvLine(["record_a", "record_b", "match_probability", "decision"])
    for p in pairs { c += Escape.csvLine([p.leftID, p.rightID, String(format: "%.4f", p.probability), ""]) }
    try PrivateFiles.write(c, to: csv)
    let e = Escape.html
    var h = HTMLPage.start(
      title: "pakt duplicate review", extraStyle: "table{margin:.5em 0 2em}.pos{color:#1d6b3a}.neg{color:#a33}")
    h += """
      <h1>Duplicate review</h1>
      <p>\(pairs.count) pairs near the threshold (\(String(format: "%.2f", threshold))), most uncertain first.
      Record a decision in <code>\(e((csv as NSString).lastPathComponent))</code> (column <code>decision</code>:
      <code>must-link</code> or <code>cannot-link</code>) and run again with \(e(decisionsHint)).</p>

      """
    for p in pairs {
      h += "<h3>\(e(p.leftID)) ↔ \(e(p.rightID)): match probability \(String(format: "%.3f", p.probability))</h3>"
      h +=
        "<table><tr><th>field</th><th>\(e(p.leftID))</th><th>\(e(p.rightID))</th><th>agreement</th><th>weight</th></tr>"
      for f in p.fields {
        let cls = f.weight > 0 ? "pos" : (f.weight < 0 ? "neg" : "")
        h += "<tr><td>\(e(f.name))</td><td>\(e(f.left))</td><td>\(e(f.right))</td><td>\(e(f.level))</td>"
        h += "<td class=\"num \(cls)\">\(String(format: "%+.2f", f.weight))</td></tr>"
      }
      h += "</table>"
    }
    h += "</body></html>\n"
    try PrivateFiles.write(h, to: html)
    return ["html": html, "csv": csv]
  }
}
