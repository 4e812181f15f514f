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
    var path: String
    var name: String
    var sha256: String
    var layout: FileLayout?
    var mapper: RecordMapper?
    var problem: String?
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

  func runOnce() throws -> RunSummary {
    let started = Date()
    var stages: [RunSummary.Stage] = []
    var lapStart = started
    func lap(_ name: String, rows: Int = 0) {
      let now = Date()
      stages.append(.init(name: name, seconds: now.timeIntervalSince(lapStart), rows: rows))
      lapStart = now
    }
    let catalogue = try Catalogue.load(file: config.catalogue)
    let linkageSettings = try config.linkage.settings.map(PersonLinkage.load)
    let decisions = try config.linkage.decisions.map(PersonLinkage.decisions) ?? []
    if config.linkage.decisions != nil && linkageSettings == nil {
      throw PaktError.config(
        file: config.file, line: nil, "link decisions need the probabilistic engine",
        fix: "name its settings under `linkage: settings:` (e.g. mappings/linkage.yml)")
    }
    /// The duplicate review of this run's linkage (probabilistic engine only).
    var review: [ReviewPair] = []
    // Read while linking (see `link`): program names for the summary, stays for residence periods.
    var nameCounts: [ProgramNameCount]?
    var stays: LoadSession.Stays?
    var periods: InBackground<LoadSession.ResidencePeriods>?
    let matcher = ProgramMatcher(catalogue: catalogue).learning(
      from: MappingWorkbench.decidedNames(config: config, catalogue: catalogue))
    let gazetteer = try config.municipalities.map { try Gazetteer.load(file: $0) } ?? Gazetteer()
    let prepared = try prepare(catalogue: catalogue, matcher: matcher, gazetteer: gazetteer)
    // With PostgreSQL, the run works on a local copy that must first match what PostgreSQL holds.
    let replica = config.postgres.map { PostgresReplica(target: $0, localCopy: config.warehouse, logger: logger) }
    var postgresSteps: [String] = []
    if let replica {
      switch try replica.synchronise() {
      case .empty: postgresSteps.append("no pakt warehouse there yet; this run's publish creates it")
      case .upToDate: break
      case .pulled(let rows): postgresSteps.append("working copy rebuilt from PostgreSQL (\(rows) rows)")
      }
      lap("synchronise with PostgreSQL")
    }
    // A dry run against a warehouse that does not exist yet works on a scratch one: it creates
    // no file.
    let scratch =
      options.dryRun && !FileManager.default.fileExists(atPath: config.warehouse)
      ? (NSTemporaryDirectory() as NSString).appendingPathComponent("pakt-dry-run-\(UUID().uuidString)") : nil
    defer { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }
    // The key first: a bad key file must not leave an empty warehouse behind.
    let pseudonyms = try Pseudonymizer.load(config: config, create: !options.dryRun)
    let warehouse = try Warehouse(path: scratch.map { "\($0)/warehouse.sqlite" } ?? config.warehouse)
    // A warehouse made by an earlier version, or copied in, is made private too.
    PrivateFiles.restrict(["", "-wal", "-shm"].map { config.warehouse + $0 })
    let knownKey = try warehouse.read { try $0.meta("pseudonym_key_fingerprint") }
    if let knownKey, knownKey != pseudonyms.fingerprint {
      throw PaktError.config(
        file: config.pseudonymKey, line: nil,
        "this pseudonym key is not the one the warehouse was built with; every person key would change",
        fix: "use the original key file (pipeline.yml `pseudonym_key`) or PAKT_PSEUDONYM_KEY")
    }
    let ledger = try warehouse.read { try $0.deliveries() }
    // By content: the same files again, also under other names, change nothing.
    let changed = prepared.filter { source in
      let before = ledger.filter { $0.source == source.source.name }
      return before.count != source.files.count || before.contains { $0.fingerprint != source.fingerprint }
    }
    FaultInjection.delay(at: "after-plan")
    let configuredNames = Set(config.sources.map(\.name))
    lap("prepare", rows: prepared.reduce(0) { $0 + $1.files.count })
    let staleSources = Set(ledger.map(\.source)).subtracting(configuredNames)

    var summary = RunSummary(status: .unchanged, pipeline: config.file, warehouse: config.warehouse)
    summary.postgres = config.postgres?.display
    var fileSummaries: [String: RunSummary.File] = [:]

    // Linkage settings or steward decisions that changed since the last run relink everyone,
    // even when no source changed.
    let linkageFingerprint = Fingerprint.of([
      config.linkage.settings.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "rules",
      config.linkage.decisions.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "",
      "threshold=\(config.linkage.threshold)",
    ])
    let relink = try warehouse.read { try $0.meta("linkage_fingerprint") } != linkageFingerprint
    if !changed.isEmpty || !staleSources.isEmpty || relink || options.fullLink {
      logger.info(
        "loading \(changed.count) changed source(s) of \(prepared.count)\(options.dryRun ? " (dry run)" : "")")
      let tracker = options.progress.map {
        ProgressTracker(bytesTotal: changed.flatMap(\.files).reduce(0) { $0 + Self.size($1.path) }, report: $0)
      }
      /// What a run writes before its first source: the run's row, the catalogue, stale sources gone.
      func begin(_ load: LoadSession) throws -> (runID: Int64, previous: [String: Int64], erased: Set<String>) {
        // Checked again inside the write: another run may have committed while this one waited.
        let now = try load.deliveries().map { "\($0.source)|\($0.path)|\($0.fingerprint)" }
        if now != ledger.map({ "\($0.source)|\($0.path)|\($0.fingerprint)" }) { throw Replan() }
        if let key = try load.meta("pseudonym_key_fingerprint"), key != pseudonyms.fingerprint {
          throw PaktError.config(
            file: config.pseudonymKey, line: nil,
            "this pseudonym key is not the one the warehouse was built with; every person key would change",
            fix: "use the original key file (pipeline.yml `pseudonym_key`) or PAKT_PSEUDONYM_KEY")
        }
        // Read before any source is replaced: these are the ids the persons must keep.
        let previousIDs = try load.personIDs()
        let runID = try load.startRun(pipeline: config.file, startedAt: started)
        let erased = try load.tombstones()
        try load.replaceCatalogue(catalogue)
        for stale in staleSources { try load.replaceSource(stale) }
        return (runID, previousIDs, erased)
      }
      var heldBack: [RunSummary.HeldBack] = []
      func loadSources(_ sources: [PreparedSource], _ load: LoadSession, _ run: (Int64, [String: Int64], Set<String>))
        throws -> (files: [RunSummary.File], retired: Int)
      {
        var files: [RunSummary.File] = []
        var retired = 0
        let streams = fileStreams(sources, erased: run.2, pseudonyms: pseudonyms)
        defer { streams.close() }
        for source in sources {
          // Each source in a savepoint: a delivery the guard holds back is undone, and the
          // previous one stays as it was (see `DeliveryGuard`).
          let previous = try load.currentRecords(source: source.source.name)
          try load.savepoint {
            let loaded = try loadSource(source, load: load, runID: run.0, streams: streams, tracker)
            let delivered = try load.currentRecords(source: source.source.name)
            let accepted = source.source.acceptShrink || options.acceptShrink.contains(source.source.name)
            if !accepted,
              let held = DeliveryGuard.check(
                source: source.source.name, files: loaded.files, previous: previous, delivered: delivered,
                maxShrink: config.deliveryGuard.maxShrink, minLoss: config.deliveryGuard.minLoss)
            {
              heldBack.append(held)
              // The files are reported as read, and as not taken.
              files += loaded.files.map { file in
                var f = file
                if f.status == .loaded {
                  f.status = .heldBack
                  f.note = "the source's previous delivery stays"
                }
                return f
              }
              logger.warning("delivery held back: \(source.source.name): \(held.reason)")
              return false
            }
            files += loaded.files
            retired += loaded.retired
            return true
          }
        }
        return (files, retired)
      }
      /// Links, places persons in time and closes the run's row.
      func finish(_ load: LoadSession, _ run: (Int64, [String: Int64], Set<String>), files: [RunSummary.File]) throws
        -> RunSummary.Linkage
      {
        lap("extract/map/load", rows: files.reduce(0) { $0 + $1.read })
        // The disk is idle while linking: the loaded pages go to it now instead of at commit.
        load.writeToDiskMeanwhile()
        FaultInjection.pause(at: "before-link")
        var changedPersons: Set<Int64>? = nil
        let linkage = try link(
          load: load, previous: run.1, runID: run.0, pseudonyms: pseudonyms, settings: linkageSettings,
          decisions: decisions, review: &review, full: relink || options.fullLink, fingerprint: linkageFingerprint,
          changedPersons: &changedPersons
        ) { incremental in
          // Neither depends on the persons being linked meanwhile; the participations and
          // residences do not change after loading. A night linked in proportion to its
          // change works out the periods of the persons it changed only, once they are known.
          nameCounts = try load.programNameCounts()
          if !incremental { stays = try load.readStays() }
        } whileWriting: { personOf in
          // Each person's periods are worked out while the persons are written.
          guard let read = stays else { return }
          periods = InBackground { LoadSession.residencePeriods(read, personOf: personOf) }
        }
        lap("link", rows: linkage.sourcePersonRecords)
        load.writeToDiskMeanwhile()
        try load.replaceMunicipalities(gazetteer.municipalities.map { ($0.name, $0.ags) })
        let periodRows =
          if let changedPersons { try load.rebuildResidencePeriods(persons: changedPersons) } else {
            try load.writeResidencePeriods(periods!.value)
          }
        lap("residence periods", rows: periodRows)
        try load.setMeta("pseudonym_key_fingerprint", pseudonyms.fingerprint)
        try load.setMeta("linkage_fingerprint", linkageFingerprint)
        // Committed here, published to PostgreSQL after the commit (and by the next run if
        // that publish fails).
        if replica != nil { try load.setMeta(PostgresReplica.pendingKey, "1") }
        var partial = RunSummary(status: .committed, pipeline: config.file, warehouse: config.warehouse)
        partial.linkage = linkage
        partial.totals = Self.totals(files)
        try load.finishRun(run.0, summary: partial)
        FaultInjection.pause(at: "before-commit")
        lapStart = Date()
        return linkage
      }

      var files: [RunSummary.File] = []
      var retired = 0
      let linkage: RunSummary.Linkage
      if options.commitPerSource && !options.dryRun {
        // A bulk load: each source commits on its own, so an interrupted load resumes with the
        // sources it had not finished (the finished ones are unchanged in the ledger).
        let run = try warehouse.transaction { try begin($0) }
        for source in changed {
          let loaded = try warehouse.transaction { load -> (files: [RunSummary.File], retired: Int) in
            let loaded = try loadSources([source], load, run)
            // The run's row counts what has committed so far: a migration interrupted between
            // sources leaves a row that says how far it got, not 0 files and 0 records.
            var partial = RunSummary(status: .committed, pipeline: config.file, warehouse: config.warehouse)
            partial.totals = Self.totals(files + loaded.files)
            try load.finishRun(run.0, summary: partial)
            return loaded
          }
          files += loaded.files
          retired += loaded.retired
          FaultInjection.pause(at: "after-source")
        }
        linkage = try warehouse.transaction { try finish($0, run, files: files) }
      } else {
        (files, retired, linkage) = try warehouse.transaction(commit: !options.dryRun) {
          load -> ([RunSummary.File], Int, RunSummary.Linkage) in
          let run = try begin(load)
          let loaded = try loadSources(changed, load, run)
          let linkage = try finish(load, run, files: loaded.files)
          if options.dryRun {
            // Described before the rollback: what the warehouse would hold.
            try describe(into: &summary, load: load, matcher: matcher, nameCounts: nameCounts)
          }
          return (loaded.files, loaded.retired, linkage)
        }
      }
      lap(options.dryRun ? "roll back (dry run)" : "commit")
      for f in files { fileSummaries["\(f.source)|\(f.path)"] = f }
      summary.status = options.dryRun ? .dryRun : .committed
      summary.linkage = linkage
      summary.retired = retired
      summary.heldBack = heldBack
    }

    // The summary describes the warehouse as it now stands, in pipeline order.
    for source in prepared {
      var earlier = ledger.filter { $0.source == source.source.name }.map(\.file)
      for file in source.files {
        if let f = fileSummaries["\(source.source.name)|\(file.path)"] {
          summary.files.append(f)
        } else if let f = Self.unchanged(file, earlier: &earlier) {
          summary.files.append(f)
        }
      }
    }
    summary.totals = Self.totals(summary.files)
    if options.dryRun {
      summary.postgresSteps = postgresSteps
      // Nothing was written: no reports either (they would describe the warehouse as it is).
      summary.seconds = Date().timeIntervalSince(started)
      summary.stages = stages
      logger.info("dry run: \(summary.totals.read) records read, \(summary.totals.loaded) would load, nothing written")
      return summary
    }
    if let replica, try replica.pending() {
      let published = try replica.publish(pause: { FaultInjection.pause(at: $0) })
      postgresSteps.append(
        "published \(published.rows) rows in \(published.tables) tables"
          + (published.createdSchema ? " (schema \(replica.target.schema) created)" : ""))
      lap("publish to PostgreSQL", rows: published.rows)
    }
    summary.postgresSteps = postgresSteps
    try warehouse.read { try describe(into: &summary, load: $0, matcher: matcher, nameCounts: nameCounts) }
    let rejects = try warehouse.read { load in
      try load.rows("SELECT source, file, line, kind, reason FROM reject ORDER BY source, file, line").map {
        RejectLine(
          source: $0["source"] ?? "", file: $0["file"] ?? "", line: Int($0["line"] ?? "0") ?? 0, kind: $0["kind"] ?? "",
          reason: $0["reason"] ?? "")
      }
    }
    lap("describe", rows: summary.participations)
    // Set twice: run-summary.json is written by the reports stage itself and so carries the
    // figures up to it; what `run` returns (and `--json` prints) includes that stage too.
    summary.seconds = Date().timeIntervalSince(started)
    summary.stages = stages
    // The run has committed by now: reports that cannot be written (a full or read-only
    // reports folder) are the summary's problem, not a failed run (exit 5, not 3).
    do {
      summary.reports = try ReportWriter(folder: config.reports).write(summary: summary, rejects: rejects)
      if summary.status == .committed && linkageSettings != nil {
        let written = try DuplicateReview(folder: config.reports).write(
          review, threshold: config.linkage.threshold,
          decisionsHint: "the decided rows copied into the file pipeline.yml names under `linkage: decisions:`")
        summary.reports["duplicate-review"] = written["html"]
        summary.reports["duplicate-review-csv"] = written["csv"]
      }
    } catch {
      summary.reportProblem =
        "the reports could not be written to \(config.reports) (\(SourceFiles.short(String(describing: error), limit: 200))); "
        + "the run itself is committed. Free disk space or make the folder writable; the next run writes them again"
      logger.error("reports not written: \(config.reports)")
    }
    summary.reports["json"] = (config.reports as NSString).appendingPathComponent("run-summary.json")
    lap("reports")
    summary.stages = stages
    summary.seconds = Date().timeIntervalSince(started)
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
