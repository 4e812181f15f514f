import ArgumentParser
import Foundation
import Logging
import PaktCore
import PaktPipeline
import PaktReport

/// `pakt run`: the nightly job.
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run every stage (extract, map, link, load, report) for a pipeline.",
    discussion: """
      Reads every source named in the pipeline file, maps it onto the catalogue, links persons \
      and commits everything to the warehouse in one transaction. Sources whose files and \
      mapping are unchanged since the last run are skipped; if nothing changed, nothing is \
      written. Reports go to the pipeline's `reports` folder.

      With `warehouse: postgres://user@host/database` the run works on a local SQLite \
      working copy and then publishes it to PostgreSQL in one transaction (password from \
      PAKT_POSTGRES_PASSWORD); a failed publish leaves PostgreSQL as it was and the next run \
      publishes.
      """)

  @Argument(help: "The pipeline file.")
  var pipeline = "pipeline.yml"

  @Flag(help: "Print the run summary as JSON on standard output.")
  var json = false

  @Flag(
    help:
      "Exit with code 1 when the run committed but had rejects (a quality rule of severity reject among them) or unmapped program names."
  )
  var strict = false

  @Flag(help: "Do everything and report what would load, then roll back: nothing is written, no reports.")
  var dryRun = false

  @Option(
    name: .customLong("accept-shrink"),
    help: ArgumentHelp(
      "Take this source's delivery although the delivery guard would hold it back (empty, or shrunk beyond delivery_guard: max_shrink). Repeat for several sources.",
      valueName: "SOURCE"))
  var acceptShrink: [String] = []

  @Flag(
    help: """
      Link every person record with a newly trained model. By default a night that changed few \
      records links only those and the persons they touch, with the model of the last full link.
      """)
  var fullLink = false

  @OptionGroup var log: LogOptions

  func run() throws {
    log.bootstrap()
    let config = try PipelineConfig.load(path: pipeline)
    for name in acceptShrink where !config.sources.contains(where: { $0.name == name }) {
      throw ValidationError(
        "--accept-shrink \(name): \(pipeline) has no source named '\(name)'; its sources are: "
          + config.sources.map(\.name).joined(separator: ", "))
    }
    let summary = try PipelineRunner(
      config: config, logger: Logger(label: "pakt.run"),
      options: .init(dryRun: dryRun, acceptShrink: Set(acceptShrink), fullLink: fullLink)
    ).run()
    if json {
      print(String(decoding: try ReportWriter.json(summary), as: UTF8.self))
    } else {
      print(SummaryText.render(summary))
    }
    if let problem = summary.reportProblem {
      FileHandle.standardError.write(Data("pakt: \(problem)\n".utf8))
      throw ExitCode(5)
    }
    // Not everything was taken: a delivery held back, or a file rejected as a whole.
    if !summary.heldBack.isEmpty || summary.files.contains(where: { $0.status == .unreadable }) { throw ExitCode(4) }
    if strict && (summary.totals.rejected > 0 || !summary.unmapped.isEmpty) { throw ExitCode(1) }
  }
}

/// The human summary of a run.
enum SummaryText {
  static func render(_ s: RunSummary, command: String = "pakt run") -> String {
    var out: [String] = []
    let what =
      switch s.status {
      case .unchanged: "nothing changed since the last run; warehouse untouched"
      case .dryRun: "dry run: what would load is below; nothing was written"
      case .committed: "committed"
      }
    out.append(
      "\(command): \(what) (\(String(format: "%.1f", s.seconds)) s) → "
        + (s.postgres.map { "\($0) (working copy \(s.warehouse))" } ?? s.warehouse))
    for step in s.postgresSteps { out.append("postgresql: \(step)") }
    out.append("")
    out += renderFiles(s)
    for held in s.heldBack { out.append("HELD BACK: \(held.message)") }
    out.append("")
    out.append("records: \(s.totals.read) read, \(s.totals.loaded) loaded, \(s.totals.rejected) rejected")
    if !s.rejectsByReason.isEmpty {
      out.append("rejects by reason: " + s.rejectsByReason.map { "\($0.kind) \($0.count)" }.joined(separator: ", "))
    }
    out += renderMapping(s)
    out += renderPersons(s)
    if s.retired > 0 || s.retiredTotal > 0 {
      out.append(
        "retired: \(s.retired) source person records this run, \(s.retiredTotal) in all "
          + "(no longer in their source's export; kept with their measures as history)")
    }
    if !s.stages.isEmpty {
      out.append(
        "time: "
          + s.stages.map { "\($0.name) \(String(format: "%.1f", $0.seconds)) s" }.joined(separator: ", "))
    }
    if let html = s.reports["html"] { out.append("report: \(html)") }
    return out.joined(separator: "\n")
  }

  /// One line per file: read, loaded, rejected, or why it was rejected as a whole.
  static func renderFiles(_ s: RunSummary) -> [String] {
    var out: [String] = []
    out.append("files (\(s.files.count)):")
    let nameWidth = min(48, s.files.map(\.name.count).max() ?? 10)
    let layoutWidth = s.files.map(\.layout.count).max() ?? 10
    for f in s.files {
      let name = f.name.padding(toLength: max(nameWidth, f.name.count), withPad: " ", startingAt: 0)
      let layout = f.layout.padding(toLength: layoutWidth, withPad: " ", startingAt: 0)
      if f.status == .unreadable {
        out.append("  \(name)  \(layout)  REJECTED AS A WHOLE: \(f.problem ?? "")")
      } else {
        let note = f.status == .loaded ? "" : "  (\(f.status)\(f.note.map { ": " + $0 } ?? ""))"
        let repeats = f.repeated > 0 ? " (\(f.repeated) only repeating an earlier record)" : ""
        out.append("  \(name)  \(layout)  read \(f.read), loaded \(f.loaded)\(repeats), rejected \(f.rejected)\(note)")
        if let skipped = f.skippedNote { out.append("    \(skipped)") }
        if f.status == .loaded, let note = f.note { out.append("    \(note)") }
      }
    }
    return out
  }

  /// Participations, automatic mappings, unmapped program names, unreadable values, quality flags.
  static func renderMapping(_ s: RunSummary) -> [String] {
    var out: [String] = []
    let mapped = s.coverage.reduce(0) { $0 + $1.mapped }
    out.append("participations: \(s.participations), \(mapped) with a catalogue code")
    if !s.automaticMappings.isEmpty {
      out.append("automatic mappings (\(s.automaticMappings.count)), listed in the report:")
      for p in s.automaticMappings.prefix(10) {
        out.append("  \(p.source): \"\(p.name)\" ×\(p.count) → \(p.code ?? "")")
      }
    }
    out.append("unmapped program names: \(s.unmapped.count)")
    for p in s.unmapped.prefix(20) {
      let sug = p.suggestions.map { "\($0.code) (\(String(format: "%.2f", $0.score)))" }.joined(separator: ", ")
      out.append("  \(p.source): \"\(p.name)\" ×\(p.count); suggestions: \(sug.isEmpty ? "none" : sug)")
    }
    if s.unmapped.count > 20 { out.append("  … \(s.unmapped.count - 20) more in the report") }
    if !s.normalizationMisses.isEmpty {
      let total = s.normalizationMisses.reduce(0) { $0 + $1.count }
      out.append("values that could not be read: \(total) (loaded as empty; listed in the report)")
    }
    if !s.quality.isEmpty {
      var byRule: [String: Int] = [:]
      for q in s.quality { byRule[q.rule, default: 0] += q.count }
      let rules = byRule.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }
      out.append("quality flags: \(rules.joined(separator: ", ")) (listed in the report's Quality section)")
    }
    return out
  }

  /// Persons, clusters and the linkage model's warnings.
  static func renderPersons(_ s: RunSummary) -> [String] {
    var out: [String] = []
    out.append(
      "persons: \(s.linkage.persons) from \(s.linkage.sourcePersonRecords) source person records "
        + "(\(s.linkage.linkedPersons) linked from more than one record)"
        + (s.linkage.relinkedRecords > 0 && s.linkage.relinkedRecords < s.linkage.sourcePersonRecords
          ? "; linked again tonight: \(s.linkage.relinkedRecords) records (the change and the persons it touches)"
          : ""))
    out.append(
      "clusters: largest \(s.linkage.largestCluster) records, \(s.linkage.clustersOver10) over 10 records, "
        + "\(String(format: "%.1f", 100 * s.linkage.singletonShare))% of records alone"
        + (s.linkage.refusedMerges > 0 ? "; \(s.linkage.refusedMerges) merges refused" : ""))
    for warning in s.linkage.modelWarnings { out.append("linkage model warning: \(warning)") }
    return out
  }
}
