import Foundation
import Logging
import PaktCore
import PaktExtract
import PaktLink
import PaktLoad
import PaktMap
import PaktPostgres
import PaktReport

/// Each stage's wall time and rows, for the run summary.
struct StageClock {
  private(set) var stages: [RunSummary.Stage] = []
  let started = Date()
  private var lapStart = Date()

  /// Ends the stage `name`, begun where the last one ended.
  mutating func lap(_ name: String, rows: Int = 0) {
    let now = Date()
    stages.append(.init(name: name, seconds: now.timeIntervalSince(lapStart), rows: rows))
    lapStart = now
  }

  /// The next stage begins now (what came since belongs to none).
  mutating func restart() { lapStart = Date() }

  var elapsed: Double { Date().timeIntervalSince(started) }
}

/// What a run works from, read before it writes anything: the configuration's files, every
/// source's files checked and fingerprinted, the warehouse's ledger, and what changed since.
struct RunPlan {
  var catalogue: Catalogue
  var linkageSettings: LinkageConfig?
  var decisions: [PersonLinkage.Decision]
  var matcher: ProgramMatcher
  var gazetteer: Gazetteer
  var pseudonyms: Pseudonymizer
  var warehouse: Warehouse
  /// A dry run against a warehouse that does not exist yet works in this folder (removed
  /// after the run): it creates no file.
  var scratch: String?
  var replica: PostgresReplica?
  /// What synchronising with PostgreSQL did.
  var postgresSteps: [String]
  var prepared: [PipelineRunner.PreparedSource]
  var ledger: [DeliveryRecord]
  /// Sources whose files or mapping changed (by content: the same files again, also under
  /// other names, change nothing).
  var changed: [PipelineRunner.PreparedSource]
  /// Sources the warehouse holds that the configuration no longer names.
  var staleSources: Set<String>
  var linkageFingerprint: String
  /// Linkage settings or steward decisions changed since the last run: everyone is linked
  /// again, even when no source changed.
  var relink: Bool

  var hasWork: Bool { !changed.isEmpty || !staleSources.isEmpty || relink }
}

/// What the write stage read and wrote first: the run's row, every record's person before the
/// run (the ids persons must keep), and the tombstones of erased records.
struct RunStart {
  var runID: Int64
  var previous: [String: Int64]
  var erased: Set<String>
}

/// What the write stage did.
struct WriteOutcome {
  var files: [RunSummary.File] = []
  var retired = 0
  var heldBack: [RunSummary.HeldBack] = []
  var linkage = RunSummary.Linkage()
  /// The duplicate review of this run's linkage (probabilistic engine only).
  var review: [ReviewPair] = []
  /// Program names counted while linking, for the summary.
  var nameCounts: [ProgramNameCount]?
}

extension PipelineRunner {
  // MARK: Plan

  /// Reads the configuration's files, checks and fingerprints every source's files,
  /// synchronises with PostgreSQL, opens the warehouse and finds what changed.
  func plan(_ clock: inout StageClock) throws -> RunPlan {
    let catalogue = try Catalogue.load(file: config.catalogue)
    let linkageSettings = try config.linkage.settings.map(PersonLinkage.load)
    let decisions = try config.linkage.decisions.map(PersonLinkage.decisions) ?? []
    if config.linkage.decisions != nil && linkageSettings == nil {
      throw PaktError.config(
        file: config.file, line: nil, "link decisions need the probabilistic engine",
        fix: "name its settings under `linkage: settings:` (e.g. mappings/linkage.yml)")
    }
    let matcher = ProgramMatcher(catalogue: catalogue).learning(
      from: MappingWorkbench.decidedNames(config: config, catalogue: catalogue))
    let gazetteer = try config.municipalities.map { try Gazetteer.load(file: $0) } ?? Gazetteer()
    let prepared = Self.noteUnreadSheets(try prepare(catalogue: catalogue, matcher: matcher, gazetteer: gazetteer))
    // With PostgreSQL, the run works on a local copy that must first match what PostgreSQL holds.
    let replica = config.postgres.map { PostgresReplica(target: $0, localCopy: config.warehouse, logger: logger) }
    var postgresSteps: [String] = []
    if let replica {
      switch try replica.synchronise() {
      case .empty: postgresSteps.append("no pakt warehouse there yet; this run's publish creates it")
      case .upToDate: break
      case .pulled(let rows): postgresSteps.append("working copy rebuilt from PostgreSQL (\(rows) rows)")
      }
      clock.lap("synchronise with PostgreSQL")
    }
    let scratch =
      options.dryRun && !FileManager.default.fileExists(atPath: config.warehouse)
      ? (NSTemporaryDirectory() as NSString).appendingPathComponent("pakt-dry-run-\(UUID().uuidString)") : nil
    // The key first: a bad key file must not leave an empty warehouse behind.
    let pseudonyms = try Pseudonymizer.load(config: config, create: !options.dryRun)
    let (warehouse, ledger, linked) = try Self.removing(scratch) {
      let warehouse = try Warehouse(path: scratch.map { "\($0)/warehouse.sqlite" } ?? config.warehouse)
      // A warehouse made by an earlier version, or copied in, is made private too.
      PrivateFiles.restrict(["", "-wal", "-shm"].map { config.warehouse + $0 })
      let known = try warehouse.read { (try $0.meta("pseudonym_key_fingerprint"), try $0.meta("linkage_fingerprint")) }
      if let key = known.0, key != pseudonyms.fingerprint { throw wrongKey() }
      return (warehouse, try warehouse.read { try $0.deliveries() }, known.1)
    }
    let changed = prepared.filter { source in
      let before = ledger.filter { $0.source == source.source.name }
      return before.count != source.files.count || before.contains { $0.fingerprint != source.fingerprint }
    }
    FaultInjection.delay(at: "after-plan")
    clock.lap("prepare", rows: prepared.reduce(0) { $0 + $1.files.count })
    let linkageFingerprint = Fingerprint.of([
      config.linkage.settings.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "rules",
      config.linkage.decisions.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "",
      "threshold=\(config.linkage.threshold)", LinkageConfig.engineSignature,
    ])
    return RunPlan(
      catalogue: catalogue, linkageSettings: linkageSettings, decisions: decisions, matcher: matcher,
      gazetteer: gazetteer, pseudonyms: pseudonyms, warehouse: warehouse, scratch: scratch, replica: replica,
      postgresSteps: postgresSteps, prepared: prepared, ledger: ledger, changed: changed,
      staleSources: Set(ledger.map(\.source)).subtracting(config.sources.map(\.name)),
      linkageFingerprint: linkageFingerprint, relink: linked != linkageFingerprint)
  }

  /// Runs `body`; a dry run's scratch folder goes when it throws.
  static func removing<T>(_ scratch: String?, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch {
      if let scratch { try? FileManager.default.removeItem(atPath: scratch) }
      throw error
    }
  }

  func wrongKey() -> PaktError {
    PaktError.config(
      file: config.pseudonymKey, line: nil,
      "this pseudonym key is not the one the warehouse was built with; every person key would change",
      fix: "use the original key file (pipeline.yml `pseudonym_key`) or PAKT_PSEUDONYM_KEY")
  }

  // MARK: Write

  /// Loads the changed sources, links and places persons in time: in one transaction (rolled
  /// back for a dry run), or, for a bulk migration, each source in its own and linking in a
  /// last one, so that an interrupted load resumes with the sources it had not finished.
  func write(_ plan: RunPlan, clock: inout StageClock, summary: inout RunSummary) throws -> WriteOutcome {
    logger.info(
      "loading \(plan.changed.count) changed source(s) of \(plan.prepared.count)\(options.dryRun ? " (dry run)" : "")")
    let tracker = options.progress.map {
      ProgressTracker(
        bytesTotal: plan.changed.flatMap(\.files).reduce(0) { $0 + ($1.sheet == nil ? Self.size($1.readPath) : 0) },
        report: $0)
    }
    var outcome = WriteOutcome()
    if options.commitPerSource && !options.dryRun {
      let start = try plan.warehouse.transaction { try begin($0, plan, started: clock.started) }
      for source in plan.changed {
        try plan.warehouse.transaction { load in
          try loadSources([source], load, start, plan, tracker, into: &outcome)
          // The run's row counts what has committed so far: a migration interrupted between
          // sources leaves a row that says how far it got, not 0 files and 0 records.
          var partial = RunSummary(status: .committed, pipeline: config.file, warehouse: config.warehouse)
          partial.totals = Self.totals(outcome.files)
          try load.finishRun(start.runID, summary: partial)
        }
        FaultInjection.pause(at: "after-source")
      }
      try plan.warehouse.transaction { try linkAndPlace($0, start, plan, clock: &clock, into: &outcome) }
    } else {
      try plan.warehouse.transaction(commit: !options.dryRun) { load in
        let start = try begin(load, plan, started: clock.started)
        try loadSources(plan.changed, load, start, plan, tracker, into: &outcome)
        try linkAndPlace(load, start, plan, clock: &clock, into: &outcome)
        if options.dryRun {
          // Described before the rollback: what the warehouse would hold.
          try describe(into: &summary, load: load, matcher: plan.matcher, nameCounts: outcome.nameCounts)
        }
      }
    }
    clock.lap(options.dryRun ? "roll back (dry run)" : "commit")
    summary.status = options.dryRun ? .dryRun : .committed
    summary.linkage = outcome.linkage
    summary.retired = outcome.retired
    summary.heldBack = outcome.heldBack
    return outcome
  }

  /// What a run writes before its first source: the run's row, the catalogue, stale sources gone.
  func begin(_ load: LoadSession, _ plan: RunPlan, started: Date) throws -> RunStart {
    // Checked again inside the write: another run may have committed while this one waited.
    let now = try load.deliveries().map { "\($0.source)|\($0.path)|\($0.fingerprint)" }
    if now != plan.ledger.map({ "\($0.source)|\($0.path)|\($0.fingerprint)" }) { throw Replan() }
    if let key = try load.meta("pseudonym_key_fingerprint"), key != plan.pseudonyms.fingerprint { throw wrongKey() }
    // Read before any source is replaced: these are the ids the persons must keep.
    let previous = try load.personIDs()
    let runID = try load.startRun(pipeline: config.file, startedAt: started)
    let erased = try load.tombstones()
    try load.replaceCatalogue(plan.catalogue)
    for stale in plan.staleSources { try load.replaceSource(stale) }
    return RunStart(runID: runID, previous: previous, erased: erased)
  }

  /// Loads `sources`, each in a savepoint: a delivery the guard holds back is undone, and the
  /// previous one stays as it was (see `DeliveryGuard`).
  func loadSources(
    _ sources: [PreparedSource], _ load: LoadSession, _ start: RunStart, _ plan: RunPlan, _ tracker: ProgressTracker?,
    into outcome: inout WriteOutcome
  ) throws {
    let streams = fileStreams(sources, erased: start.erased, pseudonyms: plan.pseudonyms)
    defer { streams.close() }
    for source in sources {
      let previous = try load.currentRecords(source: source.source.name)
      try load.savepoint {
        let loaded = try loadSource(source, load: load, runID: start.runID, streams: streams, tracker)
        let delivered = try load.currentRecords(source: source.source.name)
        let accepted = source.source.acceptShrink || options.acceptShrink.contains(source.source.name)
        if !accepted,
          let held = DeliveryGuard.check(
            source: source.source.name, files: loaded.files, previous: previous, delivered: delivered,
            maxShrink: config.deliveryGuard.maxShrink, minLoss: config.deliveryGuard.minLoss)
        {
          outcome.heldBack.append(held)
          // The files are reported as read, and as not taken.
          outcome.files += loaded.files.map { file in
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
        outcome.files += loaded.files
        outcome.retired += loaded.retired
        return true
      }
    }
  }

  /// Links, places persons in time and closes the run's row.
  func linkAndPlace(
    _ load: LoadSession, _ start: RunStart, _ plan: RunPlan, clock: inout StageClock, into outcome: inout WriteOutcome
  ) throws {
    clock.lap("extract/map/load", rows: outcome.files.reduce(0) { $0 + $1.read })
    // The disk is idle while linking: the loaded pages go to it now instead of at commit.
    load.writeToDiskMeanwhile()
    FaultInjection.pause(at: "before-link")
    // Read while linking (see `link`): program names for the summary, stays for residence periods.
    var nameCounts: [ProgramNameCount]?
    var stays: LoadSession.Stays?
    var periods: InBackground<LoadSession.ResidencePeriods>?
    var changedPersons: Set<Int64>? = nil
    outcome.linkage = try link(
      load: load, previous: start.previous, runID: start.runID, pseudonyms: plan.pseudonyms,
      settings: plan.linkageSettings, decisions: plan.decisions, review: &outcome.review,
      full: plan.relink || options.fullLink, fingerprint: plan.linkageFingerprint, changedPersons: &changedPersons
    ) { incremental in
      // Neither depends on the persons being linked meanwhile; the participations and
      // residences do not change after loading. A night linked in proportion to its change
      // works out the periods of the persons it changed only, once they are known.
      var clock = PhaseClock("reads beside linking")
      defer { clock.finish() }
      nameCounts = try load.programNameCounts()
      clock.lap("program names")
      if !incremental { stays = try load.readStays() }
      clock.lap("stays")
    } whileWriting: { personOf in
      // Each person's periods are worked out while the persons are written.
      guard let read = stays else { return }
      periods = InBackground { LoadSession.residencePeriods(read, personOf: personOf) }
    }
    outcome.nameCounts = nameCounts
    clock.lap("link", rows: outcome.linkage.sourcePersonRecords)
    load.writeToDiskMeanwhile()
    try load.replaceMunicipalities(plan.gazetteer.municipalities.map { ($0.name, $0.ags) })
    let periodRows =
      if let changedPersons { try load.rebuildResidencePeriods(persons: changedPersons) } else {
        try load.writeResidencePeriods(periods!.value)
      }
    clock.lap("residence periods", rows: periodRows)
    try load.setMeta("pseudonym_key_fingerprint", plan.pseudonyms.fingerprint)
    try load.setMeta("linkage_fingerprint", plan.linkageFingerprint)
    // Committed here, published to PostgreSQL after the commit (and by the next run if that
    // publish fails).
    if plan.replica != nil { try load.setMeta(PostgresReplica.pendingKey, "1") }
    var partial = RunSummary(status: .committed, pipeline: config.file, warehouse: config.warehouse)
    partial.linkage = outcome.linkage
    partial.totals = Self.totals(outcome.files)
    try load.finishRun(start.runID, summary: partial)
    FaultInjection.pause(at: "before-commit")
    clock.restart()
  }

  // MARK: Summary, publish, reports

  /// Every configured file as the warehouse now holds it, in pipeline order: those this run
  /// read, and the ledger's entries for the others.
  static func fileSummaries(_ plan: RunPlan, written: [RunSummary.File]) -> [RunSummary.File] {
    var byPath: [String: RunSummary.File] = [:]
    for f in written { byPath["\(f.source)|\(f.path)"] = f }
    var out: [RunSummary.File] = []
    for source in plan.prepared {
      var earlier = plan.ledger.filter { $0.source == source.source.name }.map(\.file)
      for file in source.files {
        if let f = byPath["\(source.source.name)|\(file.path)"] {
          out.append(f)
        } else if let f = unchanged(file, earlier: &earlier) {
          out.append(f)
        }
      }
    }
    return out
  }

  /// Publishes the committed warehouse to PostgreSQL when it has something PostgreSQL lacks;
  /// returns what it did.
  func publish(_ plan: RunPlan, clock: inout StageClock) throws -> String? {
    guard let replica = plan.replica, try replica.pending() else { return nil }
    let published = try replica.publish(pause: { FaultInjection.pause(at: $0) })
    clock.lap("publish to PostgreSQL", rows: published.rows)
    return "published \(published.rows) rows in \(published.tables) tables"
      + (published.createdSchema ? " (schema \(replica.target.schema) created)" : "")
  }

  /// Describes the warehouse as it now stands and writes the reports.
  func report(_ plan: RunPlan, written: WriteOutcome, clock: inout StageClock, summary: inout RunSummary) throws {
    try plan.warehouse.read {
      try describe(into: &summary, load: $0, matcher: plan.matcher, nameCounts: written.nameCounts)
    }
    let rejects = try plan.warehouse.read { try $0.rejectLines() }.map {
      RejectLine(source: $0.source, file: $0.file, line: $0.line, kind: $0.kind, reason: $0.reason)
    }
    clock.lap("describe", rows: summary.participations)
    // Set twice: run-summary.json is written by the reports stage itself and so carries the
    // figures up to it; what `run` returns (and `--json` prints) includes that stage too.
    summary.seconds = clock.elapsed
    summary.stages = clock.stages
    // The run has committed by now: reports that cannot be written (a full or read-only
    // reports folder) are the summary's problem, not a failed run (exit 5, not 3).
    do {
      summary.reports = try ReportWriter(folder: config.reports).write(summary: summary, rejects: rejects)
      if summary.status == .committed && plan.linkageSettings != nil {
        let review = try DuplicateReview(folder: config.reports).write(
          written.review, threshold: config.linkage.threshold,
          decisionsHint: "the decided rows copied into the file pipeline.yml names under `linkage: decisions:`")
        summary.reports["duplicate-review"] = review["html"]
        summary.reports["duplicate-review-csv"] = review["csv"]
      }
    } catch {
      summary.reportProblem =
        "the reports could not be written to \(config.reports) (\(SourceFiles.short(String(describing: error), limit: 200))); "
        + "the run itself is committed. Free disk space or make the folder writable; the next run writes them again"
      logger.error("reports not written: \(config.reports)")
    }
    summary.reports["json"] = (config.reports as NSString).appendingPathComponent("run-summary.json")
    clock.lap("reports")
    summary.stages = clock.stages
    summary.seconds = clock.elapsed
  }
}
