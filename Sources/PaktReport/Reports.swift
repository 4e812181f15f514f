import Foundation
import PaktCore

/// A reject as a report shows it: place and reason, never the raw record (that stays in the
/// warehouse's reject store, where access is controlled).
public struct RejectLine: Sendable, Codable {
  public var source: String
  public var file: String
  public var line: Int
  public var kind: String
  public var reason: String
  public init(source: String, file: String, line: Int, kind: String, reason: String) {
    self.source = source
    self.file = file
    self.line = line
    self.kind = kind
    self.reason = reason
  }
}

/// Writes the run's reports: the mapping report as a self-contained HTML page, CSV files a
/// spreadsheet opens safely, and the run summary as JSON.
///
/// ```swift
/// let paths = try ReportWriter(folder: "out/reports").write(summary: summary, rejects: rejects)
/// paths["html"]  // "out/reports/mapping-report.html"
/// ```
public struct ReportWriter: Sendable {
  public let folder: String
  public init(folder: String) { self.folder = folder }

  public func write(summary: RunSummary, rejects: [RejectLine]) throws -> [String: String] {
    try PrivateFiles.folder(folder)
    var paths: [String: String] = [:]
    func save(_ name: String, _ key: String, _ text: String) throws {
      let path = (folder as NSString).appendingPathComponent(name)
      try PrivateFiles.write(text, to: path)
      paths[key] = path
    }
    try save("mapping-report.html", "html", html(summary: summary, rejects: rejects))
    try save("unmapped-programs.csv", "unmapped_csv", unmappedCSV(summary))
    try save("rejects.csv", "rejects_csv", rejectsCSV(rejects))
    try save("normalization-misses.csv", "misses_csv", missesCSV(summary))
    try save("quality-flags.csv", "quality_csv", qualityCSV(summary))
    var withPaths = summary
    withPaths.reports = paths.merging(["json": (folder as NSString).appendingPathComponent("run-summary.json")]) {
      a, _ in a
    }
    try save("run-summary.json", "json", String(decoding: try Self.json(withPaths), as: UTF8.self))
    return paths
  }

  /// Pretty, key-sorted JSON of any report value.
  public static func json<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return try encoder.encode(value)
  }

  func unmappedCSV(_ s: RunSummary) -> String {
    var out = Escape.csvLine([
      "source", "local_name", "count", "applied_code", "suggestion_1", "score_1", "suggestion_2", "score_2",
      "suggestion_3", "score_3",
    ])
    for p in s.automaticMappings + s.unmapped {
      var cells = [p.source, p.name, String(p.count), p.code ?? ""]
      for i in 0..<3 {
        if i < p.suggestions.count {
          cells += [p.suggestions[i].code, String(p.suggestions[i].score)]
        } else {
          cells += ["", ""]
        }
      }
      out += Escape.csvLine(cells)
    }
    return out
  }

  func rejectsCSV(_ rejects: [RejectLine]) -> String {
    var out = Escape.csvLine(["source", "file", "line", "kind", "reason"])
    for r in rejects { out += Escape.csvLine([r.source, r.file, String(r.line), r.kind, r.reason]) }
    return out
  }

  func missesCSV(_ s: RunSummary) -> String {
    var out = Escape.csvLine(["source", "field", "column", "value", "count", "example_lines"])
    for m in s.normalizationMisses {
      let lines: String = m.exampleLines.map { String($0) }.joined(separator: " ")
      let cells: [String] = [m.source, m.field, m.column, m.value, String(m.count), lines]
      out += Escape.csvLine(cells)
    }
    return out
  }

  func qualityCSV(_ s: RunSummary) -> String {
    var out = Escape.csvLine(["source", "rule", "severity", "count", "explanation", "example_places", "last_runs"])
    for q in s.quality {
      let trend: String = q.trend.map { String($0) }.joined(separator: " ")
      let cells: [String] = [
        q.source, q.rule, q.severity, String(q.count), q.explanation, q.examples.joined(separator: " "), trend,
      ]
      out += Escape.csvLine(cells)
    }
    return out
  }

  /// The Quality section: rules broken per source, with example places and the last runs.
  func qualityHTML(_ s: RunSummary) -> String {
    let e = Escape.html
    var h = "<h2>Quality (\(s.quality.reduce(0) { $0 + $1.count }) flags)</h2>"
    guard !s.quality.isEmpty else { return h + "<p>No record breaks a quality rule.</p>" }
    h += "<p>Records that break a quality rule: <i>reject</i> ones were not loaded (see Rejects), "
    h += "<i>flag</i> ones loaded, with the unusable value left empty. Change a rule's severity under "
    h += "<code>quality:</code> in pipeline.yml. The last column counts the flags of the last runs, oldest first.</p>"
    h += "<table><tr><th>source</th><th>rule</th><th>severity</th><th>count</th><th>example places</th>"
    h += "<th>last runs</th></tr>"
    for q in s.quality {
      h +=
        "<tr><td>\(e(q.source))</td><td title=\"\(e(q.explanation))\">\(e(q.rule))<br><small>\(e(q.explanation))</small></td>"
      h += "<td>\(e(q.severity))</td><td class=num>\(q.count)</td><td>\(e(q.examples.joined(separator: ", ")))</td>"
      let trend: String = q.trend.map { String($0) }.joined(separator: " → ")
      h += "<td class=num>\(trend)</td></tr>"
    }
    return h + "</table>"
  }

  func html(summary s: RunSummary, rejects: [RejectLine]) -> String {
    let e = Escape.html
    var h = HTMLPage.start(
      title: "pakt mapping report",
      extraStyle: ".bar{background:#e8e8e8;width:12em;height:1em}.fill{background:#2a7d4f;height:1em}.warn{color:#a33}")
    h += """
      <h1>pakt mapping report</h1>
      <p>Run status: <b>\(e(s.status.rawValue))</b>. Files: \(s.totals.files); records read \(s.totals.read),
      loaded \(s.totals.loaded), rejected \(s.totals.rejected). Persons: \(s.linkage.persons) from
      \(s.linkage.sourcePersonRecords) source records (\(s.linkage.linkedPersons) linked across records).
      Retired (no longer in their source's export, kept as history): \(s.retired) this run, \(s.retiredTotal) in all.</p>

      """
    for held in s.heldBack { h += "<p class=warn><b>Delivery held back:</b> \(e(held.message))</p>\n" }
    h += coverageHTML(s)
    h += programNamesHTML(s)
    h += missesHTML(s)
    h += qualityHTML(s)
    h += rejectsHTML(s, rejects)
    h += filesHTML(s)
    h += "</table></body></html>\n"
    return h
  }

  /// Participations with a catalogue code per source, by how they were mapped.
  func coverageHTML(_ s: RunSummary) -> String {
    let e = Escape.html
    var h = ""
    h +=
      "<h2>Coverage per source</h2><table><tr><th>source</th><th>participations</th><th>mapped</th><th>share</th><th></th>"
      + "<th>source's own decisions</th><th>shared decisions</th><th>catalogue names</th><th>automatic</th></tr>"
    for c in s.coverage {
      let pct = Int((c.share * 100).rounded())
      h += "<tr><td>\(e(c.source))</td><td class=num>\(c.participations)</td><td class=num>\(c.mapped)</td>"
      h += "<td class=num>\(pct)%</td><td><div class=bar><div class=fill style=\"width:\(pct)%\"></div></div></td>"
      for method in ["explicit", "shared", "catalogue", "automatic"] {
        h += "<td class=num>\(c.byMethod[method] ?? 0)</td>"
      }
      h += "</tr>"
    }
    h += "</table>"
    return h
  }

  /// Unmapped program names with suggestions, and the automatic mappings.
  func programNamesHTML(_ s: RunSummary) -> String {
    let e = Escape.html
    var h = ""
    h += "<h2>Unmapped program names (\(s.unmapped.count))</h2>"
    if s.unmapped.isEmpty {
      h += "<p>None: every program name has a catalogue code.</p>"
    } else {
      h += "<p>Loaded without a code. Record a decision with "
      h += "<code>pakt mappings accept \"local name\" CODE</code> (every source; "
      h += "<code>--source-only --source SOURCE</code> for one).</p>"
      h += "<table><tr><th>source</th><th>local name</th><th>count</th><th>suggestions (score)</th></tr>"
      for p in s.unmapped {
        let sug = p.suggestions.map { "\(e($0.code)) \(e($0.name)) (\(String(format: "%.2f", $0.score)))" }
        h +=
          "<tr><td>\(e(p.source))</td><td>\(e(p.name))</td><td class=num>\(p.count)</td><td>\(sug.joined(separator: "<br>"))</td></tr>"
      }
      h += "</table>"
    }
    h += "<h2>Automatic mappings (\(s.automaticMappings.count))</h2>"
    if s.automaticMappings.isEmpty {
      h += "<p>None.</p>"
    } else {
      h += "<table><tr><th>source</th><th>local name</th><th>count</th><th>applied code</th><th>score</th></tr>"
      for p in s.automaticMappings {
        let score = p.suggestions.first.map { String(format: "%.2f", $0.score) } ?? ""
        h +=
          "<tr><td>\(e(p.source))</td><td>\(e(p.name))</td><td class=num>\(p.count)</td><td>\(e(p.code ?? ""))</td><td class=num>\(score)</td></tr>"
      }
      h += "</table>"
    }
    return h
  }

  /// Values that could not be read.
  func missesHTML(_ s: RunSummary) -> String {
    let e = Escape.html
    var h = ""
    h += "<h2>Values that could not be read (\(s.normalizationMisses.count))</h2>"
    if s.normalizationMisses.isEmpty {
      h += "<p>None.</p>"
    } else {
      h += "<p>Loaded as empty; correct them at the source or add a value map in the mapping file.</p>"
      h +=
        "<table><tr><th>source</th><th>field</th><th>column</th><th>value</th><th>count</th><th>example lines</th></tr>"
      for m in s.normalizationMisses {
        h += "<tr><td>\(e(m.source))</td><td>\(e(m.field))</td><td>\(e(m.column))</td><td>\(e(m.value))</td>"
        let lines: String = m.exampleLines.map { String($0) }.joined(separator: ", ")
        h += "<td class=num>\(m.count)</td><td>\(lines)</td></tr>"
      }
      h += "</table>"
    }
    return h
  }

  /// Rejects by reason, then the first 1,000 rejects.
  func rejectsHTML(_ s: RunSummary, _ rejects: [RejectLine]) -> String {
    let e = Escape.html
    var h = ""
    h += "<h2>Rejects by reason</h2><table><tr><th>reason</th><th>count</th></tr>"
    for r in s.rejectsByReason { h += "<tr><td>\(e(r.kind))</td><td class=num>\(r.count)</td></tr>" }
    h += "</table><table><tr><th>source</th><th>file</th><th>line</th><th>reason</th></tr>"
    for r in rejects.prefix(1000) {
      h +=
        "<tr><td>\(e(r.source))</td><td>\(e(r.file))</td><td class=num>\(r.line)</td><td>\(e(r.kind)): \(e(r.reason))</td></tr>"
    }
    h += "</table>"
    return h
  }

  /// One row per file (its table is closed by the caller).
  func filesHTML(_ s: RunSummary) -> String {
    let e = Escape.html
    var h = ""
    h +=
      "<h2>Files</h2><table><tr><th>source</th><th>file</th><th>read as</th><th>status</th><th>read</th><th>loaded</th><th>rejected</th></tr>"
    for f in s.files {
      let status = (f.problem ?? f.note).map { "\(f.status): \($0)" } ?? f.status.rawValue
      h += "<tr><td>\(e(f.source))</td><td>\(e(f.name))</td><td>\(e(f.layout))</td><td>\(e(status))</td>"
      h += "<td class=num>\(f.read)</td><td class=num>\(f.loaded)</td><td class=num>\(f.rejected)</td></tr>"
    }
    return h
  }
}
