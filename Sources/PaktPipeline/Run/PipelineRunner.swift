import Foundation
import Logging
import PaktCore
import PaktExtract
import PaktLink
import PaktLoad
import PaktMap
import PaktPostgres
import PaktReport

/// Runs every stage: extract → map → link → load → report, as one warehouse transaction.
///
/// Before anything is written, every mapping is checked against its files (a missing column
/// or an unknown catalogue code stops the run with a configuration error). Sources whose
/// files and mapping are unchanged since the last run are not read again; if nothing changed,
/// nothing is written. A file that cannot be read at all is rejected as a whole and the run
/// goes on; for every file, records read must equal loaded plus rejected, or nothing commits.
///
/// ```swift
/// let config = try PipelineConfig.load(path: "pipeline.yml")
/// let summary = try PipelineRunner(config: config).run()
/// print(summary.totals.loaded)
/// ```
public struct PipelineRunner: Sendable {
  public let config: PipelineConfig
  let logger: Logger
  /// Bumped when a change to pakt itself must make every source load again.
  static let loaderVersion = "pakt-load-3"

  public let options: Options

  /// How a run writes.
  public struct Options: Sendable {
    /// Do and check everything, then roll back: nothing is written, no reports.
    public var dryRun = false
    /// Commit each changed source on its own, then link (a bulk migration that resumes after
    /// an interruption); by default the whole run is one transaction.
    public var commitPerSource = false
    /// Called after each batch of records (a few hundred) while files load.
    public var progress: (@Sendable (LoadProgress) -> Void)?
    /// Sources whose delivery is taken even when the delivery guard would hold it back
    /// (`pakt run --accept-shrink SOURCE`).
    public var acceptShrink: Set<String> = []
    /// Link every record with a newly trained model, however little changed (`--full-link`).
    public var fullLink = false
    public init(
      dryRun: Bool = false, commitPerSource: Bool = false, progress: (@Sendable (LoadProgress) -> Void)? = nil,
      acceptShrink: Set<String> = [], fullLink: Bool = false
    ) {
      self.fullLink = fullLink
      self.dryRun = dryRun
      self.commitPerSource = commitPerSource
      self.progress = progress
      self.acceptShrink = acceptShrink
    }
  }

  public init(config: PipelineConfig, logger: Logger = Logger(label: "pakt"), options: Options = Options()) {
    self.config = config
    self.logger = logger
    self.options = options
  }

  /// A file ready to load: checked, fingerprinted, mapper prepared (or why it cannot be read).
  struct PreparedFile {
    /// The file as the ledger and the reports know it: its path, or for one sheet of a
    /// workbook read sheet by sheet (`read: sheets:`), its path and the sheet
    /// ("…/export.xlsx [Maßnahmen]"); each part is then a delivery of its own.
    var path: String
    var name: String
    var sha256: String
    /// The file on disk.
    var readPath: String
    /// The sheet this part reads; nil: the file as the mapping's `read:` says.
    var sheet: String? = nil
    var layout: FileLayout?
    var mapper: RecordMapper?
    var problem: String?
    /// What the run summary says of the file besides its mapper's notes.
    var notes: [String] = []
  }

  struct PreparedSource {
    var source: PipelineConfig.Source
    var mapping: MappingFile
    var files: [PreparedFile]
    var fingerprint: String
  }

  /// Runs the pipeline. A run that was planned against a warehouse another run then changed
  /// (two first runs started together: the second waited for the first's write) plans again
  /// inside its own write, so that it loads what is still to load, not everything twice.
  public func run() throws -> RunSummary {
    // Everything a run creates is private to its owner (the warehouse is the identity vault,
    // the reports show names): files 0600, folders 0700.
    let previousMask = umask(0o077)
    defer { umask(previousMask) }
    XLSXReader.removeStaleScratch()
    var attempt = 0
    while true {
      do {
        return try runOnce()
      } catch is Replan where attempt < 3 {
        attempt += 1
        logger.info("another run changed the warehouse while this one waited for it: planning again")
      }
    }
  }

  /// Thrown inside the write transaction when the ledger is no longer the one the run planned with.
  struct Replan: Error {}

  /// One run, as its stages: plan (configuration, files, fingerprints, what changed), write
  /// (load the changed sources, link, place persons in time; one transaction, or one per
  /// source for a bulk migration), the files' summary, publish to PostgreSQL, describe the
  /// warehouse and write the reports. See RunStages.swift for each.
  func runOnce() throws -> RunSummary {
    var clock = StageClock()
    let plan = try self.plan(&clock)
    defer { if let scratch = plan.scratch { try? FileManager.default.removeItem(atPath: scratch) } }
    var summary = RunSummary(status: .unchanged, pipeline: config.file, warehouse: config.warehouse)
    summary.postgres = config.postgres?.display
    var written = WriteOutcome()
    if plan.hasWork || options.fullLink {
      written = try write(plan, clock: &clock, summary: &summary)
    }
    summary.files = Self.fileSummaries(plan, written: written.files)
    summary.totals = Self.totals(summary.files)
    var postgresSteps = plan.postgresSteps
    if options.dryRun {
      summary.postgresSteps = postgresSteps
      // Nothing was written: no reports either (they would describe the warehouse as it is).
      summary.seconds = clock.elapsed
      summary.stages = clock.stages
      logger.info("dry run: \(summary.totals.read) records read, \(summary.totals.loaded) would load, nothing written")
      return summary
    }
    if let step = try publish(plan, clock: &clock) { postgresSteps.append(step) }
    summary.postgresSteps = postgresSteps
    try report(plan, written: written, clock: &clock, summary: &summary)
    logger.info(
      "run \(summary.status): \(summary.totals.files) files, \(summary.totals.read) records read, \(summary.totals.loaded) loaded, \(summary.totals.rejected) rejected"
    )
    return summary
  }

  /// A file whose content another file of the same delivery already has: not read again.
  static func duplicate(_ file: PreparedFile, of first: String, source: String) -> RunSummary.File {
    var f = RunSummary.File(
      source: source, name: file.name, path: file.path, format: file.layout?.format.rawValue ?? "unknown",
      encoding: file.layout?.encoding ?? "unknown", layout: file.layout?.summary ?? "unknown", sha256: file.sha256,
      status: .duplicate)
    f.note = "same content as '\(first)' of this delivery; not read"
    return f
  }

  /// The ledger's entry for a file of an unchanged source: found by path, else by content (the
  /// same file delivered again under another name). Each entry is used once.
  static func unchanged(_ file: PreparedFile, earlier: inout [RunSummary.File]) -> RunSummary.File? {
    guard
      let i = earlier.firstIndex(where: { $0.path == file.path })
        ?? earlier.firstIndex(where: { $0.sha256 == file.sha256 })
    else { return nil }
    var f = earlier.remove(at: i)
    if f.status != .unreadable && f.status != .duplicate { f.status = .unchanged }
    if f.path != file.path {
      f.note = "same content as '\(f.name)', loaded earlier; not read again"
      f.name = file.name
      f.path = file.path
    }
    return f
  }

  static func totals(_ files: [RunSummary.File]) -> RunSummary.Totals {
    var t = RunSummary.Totals()
    t.files = files.count
    for f in files {
      t.read += f.read
      t.loaded += f.loaded
      t.rejected += f.rejected
    }
    return t
  }
}
