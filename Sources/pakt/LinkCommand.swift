import ArgumentParser
import Foundation
import PaktCore
import PaktExtract
import PaktLink
import PaktPipeline
import PaktReport

/// `pakt link`: deduplicate any CSV of person records.
struct LinkCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "link",
    abstract: "Link the records of any person file (CSV) into clusters, probabilistically.",
    discussion: """
      The linkage settings (fields with comparator kinds, blocking rules, threshold) are data: \
      see Benchmarks/febrl.yml. m and u are estimated from the file itself (EM), no labels needed. \
      The output lists each record with its cluster and the probability that joined it. With \
      --truth, pairwise precision, recall and F1 are printed (for benchmarking).
      """)

  @Argument(help: "The person file (CSV in any dialect pakt reads).")
  var input: String

  @Option(help: "The linkage settings (YAML).")
  var config: String

  @Option(help: "Where to write record_id,cluster_id,match_probability.")
  var out: String

  @Option(help: "A CSV of true pairs (two id columns) to score the result against.")
  var truth: String?

  @Flag(help: "Print the figures as JSON.")
  var json = false

  @Flag(help: "Print the estimated model: m, u and weight of every field and level.")
  var showModel = false

  @Option(help: "Write the duplicate review (HTML and CSV of uncertain pairs) into this folder.")
  var review: String?

  @Option(
    help: "Write every compared pair with a match probability of at least 0.01: record_a,record_b,match_probability.")
  var pairs: String?

  @Option(help: "A steward's decisions: CSV with record_a, record_b and decision (must-link or cannot-link).")
  var decisions: String?

  @Option(
    help: ArgumentHelp(
      "Explain two records' comparison: each field's level and weight (bits), then the probability.",
      valueName: "ID,ID"))
  var explain: [String] = []

  func run() throws {
    let started = Date()
    let settings = try LinkageConfig.load(file: config)
    let (ids, columns) = try readPersons(input, settings: settings)
    // Record numbers by id, for the decisions and --explain (only when either is given).
    let index =
      decisions == nil && explain.isEmpty
      ? [:] : Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let (mustLink, cannotLink) = try readDecisions(index: index)
    let read = Date()
    let linker = ProbabilisticLinker(config: settings)
    let result = linker.link(columns: columns, mustLink: mustLink, cannotLink: cannotLink)
    let linked = Date()
    if let pairs { try writePairs(result, ids: ids, to: pairs) }
    if !explain.isEmpty { try printExplanations(result, linker: linker, index: index, columns: columns) }
    if let review {
      let pairs = ReviewSelection.pairs(result, linker: linker, columns: columns, ids: ids)
      let paths = try DuplicateReview(folder: review).write(
        pairs, threshold: settings.threshold, decisionsHint: "--decisions duplicate-review.csv")
      print("duplicate review: \(pairs.count) pairs → \(paths["html"]!)")
    }
    try writeClusters(result, ids: ids)

    var figures: [String: Double] = [
      "records": Double(ids.count), "candidate_pairs": Double(result.candidatePairs),
      "clusters": Double(result.clusters.count), "seconds_read": read.timeIntervalSince(started),
      "seconds_link": linked.timeIntervalSince(read), "em_iterations": Double(result.model.iterations),
      "lambda": result.model.lambda, "skipped_blocks": Double(result.skippedBlocks),
    ]
    let metrics = ClusterMetrics(clusters: result.clusters)
    figures["largest_cluster"] = Double(metrics.largest)
    figures["clusters_over_10"] = Double(metrics.over10)
    figures["singleton_share"] = metrics.singletonShare
    figures["refused_merges"] = Double(result.refusedMerges)
    figures["model_warnings"] = Double(result.model.warnings.count)
    if let truth { try score(result, ids: ids, truth: truth, into: &figures) }
    if showModel { printModel(result.model, settings: settings) }
    try printFigures(figures, result: result, metrics: metrics)
  }

  /// The steward's decisions as record numbers: must-link and cannot-link pairs.
  func readDecisions(index: [String: Int]) throws -> (mustLink: [(Int, Int)], cannotLink: [(Int, Int)]) {
    var mustLink: [(Int, Int)] = []
    var cannotLink: [(Int, Int)] = []
    if let decisions {
      for decision in try PersonLinkage.decisions(decisions) {
        guard let x = index[decision.a], let y = index[decision.b] else {
          throw PaktError.config(
            file: decisions, line: decision.line, "'\(decision.a)' or '\(decision.b)' is not a record of \(input)",
            fix: "check the ids")
        }
        if decision.mustLink { mustLink.append((x, y)) } else { cannotLink.append((x, y)) }
      }
    }
    return (mustLink, cannotLink)
  }

  /// Every compared pair with a probability of at least 0.01 (`--pairs`).
  func writePairs(_ result: LinkOutput, ids: [String], to pairs: String) throws {
    var text = Escape.csvLine(["record_a", "record_b", "match_probability"])
    for p in result.pairs where p.probability >= 0.01 {
      text += "\(Escape.csvLine([ids[p.a], ids[p.b], String(format: "%.6f", p.probability)]))"
    }
    try text.write(toFile: pairs, atomically: true, encoding: .utf8)
  }

  /// Each `--explain` pair's fields, levels and weights, then the probability.
  func printExplanations(
    _ result: LinkOutput, linker: ProbabilisticLinker, index: [String: Int], columns: [[String?]]
  ) throws {
    for pair in explain {
      let parts = pair.split(separator: ",").map(String.init)
      guard parts.count == 2, let a = index[parts[0]], let b = index[parts[1]] else {
        throw ValidationError("--explain takes two record ids of \(input), as ID,ID: '\(pair)' is not")
      }
      let e = linker.explain(columns: columns, pairs: [(a, b)], model: result.model, of: result)[0]
      print("\(parts[0]) ↔ \(parts[1]): match probability \(String(format: "%.4f", e.probability))")
      print("  prior (λ) \(String(format: "%+.2f", log2(result.model.lambda / (1 - result.model.lambda)))) bits")
      for part in e.parts {
        print("  \(part.field): \(part.level) \(String(format: "%+.2f", part.weight))")
      }
      print("  term frequencies \(String(format: "%+.2f", e.termFrequencyBits(lambda: result.model.lambda))) bits")
    }
  }

  /// The clusters: record_id, cluster_id (the smallest id in it), match_probability.
  func writeClusters(_ result: LinkOutput, ids: [String]) throws {
    var csv = Escape.csvLine(["record_id", "cluster_id", "match_probability"])
    csv.reserveCapacity(ids.count * 48)
    for cluster in result.clusters {
      let clusterID = Escape.csvCell(cluster.map { ids[$0] }.min() ?? "")
      for r in cluster {
        csv += Escape.csvCell(ids[r])
        csv += ","
        csv += clusterID
        csv += ","
        csv += Self.fixed(result.clusterProbability[r], digits: 4)
        csv += "\r\n"
      }
    }
    try csv.write(toFile: out, atomically: true, encoding: .utf8)
  }

  /// Pairwise and cluster precision, recall and F1 against the true pairs.
  func score(_ result: LinkOutput, ids: [String], truth: String, into figures: inout [String: Double]) throws {
    let truthTable = try readTable(truth)
    let truePairs = truthTable.rows.map { ($0[0], $0[1]) }
    let pairwise = LinkEvaluation(
      predicted: result.pairs.filter { $0.probability >= 0.5 }.map { (ids[$0.a], ids[$0.b]) }, truth: truePairs)
    var clusterPairs: [(String, String)] = []
    for c in result.clusters where c.count > 1 {
      for i in 0..<c.count { for j in (i + 1)..<c.count { clusterPairs.append((ids[c[i]], ids[c[j]])) } }
    }
    let clustered = LinkEvaluation(predicted: clusterPairs, truth: truePairs)
    figures["pairwise_precision"] = pairwise.precision
    figures["pairwise_recall"] = pairwise.recall
    figures["pairwise_f1"] = pairwise.f1
    figures["cluster_precision"] = clustered.precision
    figures["cluster_recall"] = clustered.recall
    figures["cluster_f1"] = clustered.f1
  }

  /// The estimated model: m, u and weight of every field and level, and its warnings.
  func printModel(_ model: LinkModel, settings: LinkageConfig) {
    print("λ (chance that two records drawn at random match) = \(String(format: "%.3g", model.lambda))")
    for (f, field) in settings.fields.enumerated() {
      for (i, label) in field.kind.levels.enumerated() {
        let l = i + 1
        print(
          "  \(field.name) \(label): m \(String(format: "%.4f", model.m[f][l])), "
            + "u \(String(format: "%.4f", model.u[f][l])), weight \(String(format: "%+.2f", model.weight(f, l)))"
            + (model.weightGiven(f, l).map {
              "; where \(field.dependsOn.joined(separator: " or ")) agrees: u \(String(format: "%.4f", model.uGiven[f][l])), "
                + "weight \(String(format: "%+.2f", $0))"
            } ?? "")
        )
      }
    }
    for warning in model.warnings { print("warning: \(warning)") }
  }

  func printFigures(_ figures: [String: Double], result: LinkOutput, metrics: ClusterMetrics) throws {
    if json {
      print(String(decoding: try ReportWriter.json(figures), as: UTF8.self))
    } else {
      print(
        "linked \(Int(figures["records"]!)) records into \(result.clusters.count) clusters; \(result.candidatePairs) candidate pairs; "
          + "EM \(result.model.iterations) iterations; \(String(format: "%.2f", figures["seconds_link"]!)) s → \(out)")
      print(
        "clusters: largest \(metrics.largest) records, \(metrics.over10) over 10 records, "
          + "\(String(format: "%.1f", 100 * metrics.singletonShare))% of records alone; "
          + "\(result.refusedMerges) merges refused (records between the clusters did not support them)")
      if !result.model.warnings.isEmpty && !showModel {
        print("model: \(result.model.warnings.count) warnings (see --show-model)")
      }
      if truth != nil {
        // Pairwise: the pairs scored p ≥ 0.5; cluster: the pairs the clusters (at the settings'
        // threshold) imply, which is what a run's person ids say.
        for (kind, label) in [("pairwise", "pairwise (scored p ≥ 0.5)"), ("cluster", "cluster (the ids handed out)")] {
          print(
            "\(label): precision \(String(format: "%.4f", figures["\(kind)_precision"]!)), "
              + "recall \(String(format: "%.4f", figures["\(kind)_recall"]!)), F1 \(String(format: "%.4f", figures["\(kind)_f1"]!))"
          )
        }
      }
    }
  }

  struct Table {
    var header: [String]
    var rows: [[String]]
  }

  /// `x` (0…1) rounded to `digits` decimals, as `%.{digits}f` writes it (a value exactly
  /// halfway may round the other way). Why: `String(format:)` took seconds for a million
  /// cluster lines.
  static func fixed(_ x: Double, digits: Int) -> String {
    var scale = 1
    for _ in 0..<digits { scale *= 10 }
    let n = Int((x * Double(scale)).rounded())
    let fraction = String(n % scale)
    return "\(n / scale)." + String(repeating: "0", count: digits - fraction.count) + fraction
  }

  /// The id column and the settings' fields of a person file, read row by row: only the
  /// columns linking needs are kept (the whole table took 440 MB at a million records).
  func readPersons(_ path: String, settings: LinkageConfig) throws -> (ids: [String], columns: [[String?]]) {
    let file = try open(path)
    let header = file.layout.header ?? []
    let idIndex = settings.idColumn.flatMap { header.firstIndex(of: $0) } ?? 0
    if let id = settings.idColumn, header.firstIndex(of: id) == nil {
      throw PaktError.config(
        file: config, line: nil, "the id column '\(id)' is not in \(path)",
        fix: "its columns are: \(header.joined(separator: ", "))")
    }
    var indices: [Int] = []
    for field in settings.fields {
      guard let c = header.firstIndex(of: field.column) else {
        throw PaktError.config(
          file: config, line: nil, "field '\(field.name)' reads column '\(field.column)', which \(path) does not have",
          fix: "its columns are: \(header.joined(separator: ", "))")
      }
      indices.append(c)
    }
    var ids: [String] = []
    var columns = [[String?]](repeating: [], count: indices.count)
    try forEachRow(file, path) { fields in
      ids.append(fields[idIndex])
      for (f, c) in indices.enumerated() { columns[f].append(fields[c].isEmpty ? nil : fields[c]) }
    }
    return (ids, columns)
  }

  func open(_ path: String) throws -> OpenedFile {
    do {
      return try OpenedFile(path: path, options: ReadOptions(format: .csv))
    } catch {
      throw PaktError.config(
        file: path, line: nil, "cannot read the file: \(error)", fix: "check it with `pakt inspect`")
    }
  }

  /// Each well-formed row's fields; malformed rows are named on standard error and skipped.
  func forEachRow(_ file: OpenedFile, _ path: String, _ body: ([String]) -> Void) throws {
    while let record = try file.next() {
      switch record {
      case .row(let r): body(r.fields)
      case .malformed(let m):
        FileHandle.standardError.write(Data("pakt: \(path):\(m.line): skipped, \(m.kind): \(m.reason)\n".utf8))
      case .element: break
      }
    }
  }

  func readTable(_ path: String) throws -> Table {
    let file = try open(path)
    var rows: [[String]] = []
    try forEachRow(file, path) { rows.append($0) }
    return Table(header: file.layout.header ?? [], rows: rows)
  }
}
