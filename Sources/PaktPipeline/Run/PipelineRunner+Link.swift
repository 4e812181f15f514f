import Foundation
import PaktCore
import PaktExtract
import PaktLink
import PaktLoad
import PaktMap
import PaktReport

/// The link stage of a run and the summary of the warehouse as it stands.
extension PipelineRunner {
  /// Links every source person record in the warehouse and writes stable person ids.
  ///
  /// While the records are linked (in memory, on other threads), this thread runs
  /// `meanwhile`: reads that do not depend on the persons (the run counts program names and,
  /// on a full link, reads the stays for residence periods there; its argument says whether
  /// the night is linked in proportion to its change). Why: those reads are seconds of SQLite
  /// on one thread, and linking leaves a core idle for much of its time. Once linked, it hands
  /// `whileWriting` the person of every source record (by row id) before it writes them, so
  /// that work needing them can run on another thread meanwhile (the run's residence periods).
  /// A night linked in proportion to its change sets `changedPersons` to the persons whose
  /// records or facts changed: only theirs need residence periods again.
  func link(
    load: LoadSession, previous: [String: Int64], runID: Int64, pseudonyms: Pseudonymizer, settings: LinkageConfig?,
    decisions: [PersonLinkage.Decision], review: inout [ReviewPair], full: Bool, fingerprint: String,
    changedPersons: inout Set<Int64>?, meanwhile: (_ incremental: Bool) throws -> Void,
    whileWriting: ([Int64: Int64]) -> Void = { _ in }
  ) throws
    -> RunSummary.Linkage
  {
    var clock = PhaseClock("link stage")
    let threshold = config.linkage.threshold
    let nextID = Int64(try load.meta("next_person_id") ?? "1") ?? 1
    // A night linked in proportion to its change reads only the records it links again.
    let incremental: PersonLinkage.Incremental? =
      if let settings, !full { try Self.incremental(previous: previous, load, fingerprint, settings) } else { nil }
    let stored = try incremental?.records ?? load.storedPersons()
    clock.lap("read records")
    // Linked, given stable ids and compared with the stored records on another thread: with
    // the rules, linking ends before `meanwhile`, and the ids then cost no time of their own.
    let linking = InBackground {
      Self.linkInMemory(
        stored, settings: settings, threshold: threshold, decisions: decisions, incremental: incremental,
        previous: previous, nextID: nextID)
    }
    try meanwhile(incremental != nil)
    clock.lap("meanwhile")
    var linked = linking.value
    clock.lap("wait for linking")
    // The model and index first, and the index's bytes let go: tens of megabytes that would
    // otherwise stay through the writes below, the link stage's peak of memory.
    // A full link's index is built beside the linking thread's last steps and waited for here.
    try Self.keepLinkState(
      load, settings: settings, model: linked.result.model, incremental: incremental,
      index: linked.index ?? linked.result.index.map { KeptIndex.full($0.value) },
      records: stored.count, fingerprint: fingerprint)
    (linked.index, linked.result.index) = (nil, nil)
    clock.lap("keep model and index")
    let (result, ids) = (linked.result, linked.ids)
    let personIDs = ids.clusterIDs
    whileWriting(linked.personOf)
    review = result.review
    let held = try writeDecisions(decisions, stored: incremental == nil ? stored : nil, load, runID: runID)
    // Keys and attributes of the persons are made on other threads while this one writes the
    // records' person ids (SQLite, one thread).
    let making = InBackground { Self.personRows(result.clusters, ids: personIDs, stored, pseudonyms) }
    try load.writePersonIDs(changes: linked.changes, records: stored.count)
    clock.lap("write person ids")
    let persons = making.value
    let events = ids.events.map { ($0.kind.rawValue, $0.old, $0.new) }
    if let incremental {
      // A night linked in proportion to its change read whole persons only: their rows are
      // replaced (the records' persons before and after, and any id an event names); every
      // other person is as it was.
      var gone = Set(stored.compactMap { $0.personID ?? previous[$0.key] })
      gone.formUnion(incremental.touched)
      for e in ids.events { gone.insert(e.old) }
      let removing = gone.union(persons.map(\.id))
      try load.replacePersons(persons, removing: removing, events: events, runID: runID)
      // Their residence periods, and those of every person of a source delivered tonight
      // (its records may keep their person with other facts).
      changedPersons = removing.union(try load.personsOfReplacedSources())
    } else {
      try load.writePersons(persons, events: events, runID: runID)
    }
    try load.setMeta("last_link_mode", incremental == nil ? "full" : "incremental")
    clock.lap("write persons")
    defer { clock.finish() }
    try load.setMeta("next_person_id", String(ids.nextID))
    let linkage = try Self.summary(
      of: result, ids: ids, records: stored.count, load, partial: incremental != nil,
      ignored: incremental == nil
        ? result.unknownDecisions : decisions.filter { !held.contains($0.a) || !held.contains($0.b) }.count)
    try load.setMeta("last_candidate_pairs", String(result.candidatePairs))
    try load.setMeta("last_refused_merges", String(result.refusedMerges))
    try load.setMeta("last_model_warnings", result.modelWarnings.joined(separator: "\n"))
    return linkage
  }

  /// Links `stored` (with the rules when `settings` is nil), gives the clusters stable ids and
  /// finds each record's person and the records whose person or reason changed: all in
  /// memory, on the linking thread.
  static func linkInMemory(
    _ stored: [StoredPerson], settings: LinkageConfig?, threshold: Double, decisions: [PersonLinkage.Decision],
    incremental: PersonLinkage.Incremental?, previous: [String: Int64], nextID: Int64
  ) -> Linked {
    var clock = PhaseClock("link in memory")
    defer { clock.finish() }
    var result: PersonLinkage.Result
    if let settings {
      result = PersonLinkage.probabilistic(
        stored, settings: settings, threshold: threshold, decisions: decisions, incremental: incremental)
    } else {
      let records = stored.map {
        LinkRecord(
          key: $0.key, familyName: $0.familyName, givenName: $0.givenName, birthDate: $0.birthDate, sex: $0.sex,
          azrNumber: $0.azrNumber, bamfNumber: $0.bamfNumber)
      }
      let rules = DeterministicLinker().link(records)
      // The rules leave nothing for the duplicate review.
      result = PersonLinkage.Result(
        clusters: rules.clusters, reasons: rules.reasons, candidatePairs: rules.candidatePairs, unknownDecisions: 0,
        review: [])
    }
    clock.lap("link")
    let clusters = result.clusters.map { $0.map { stored[$0].key } }
    // On a night linked in proportion to its change, the clusters are those of the records
    // linked again, whole persons: every other person keeps its id unread.
    let ids = StableIDs.assign(clusters: clusters, previous: previous, nextID: nextID)
    clock.lap("stable ids")
    // Each record's cluster by its place, not by its key: no String hashed per record.
    var clusterOf = [Int32](repeating: -1, count: stored.count)
    for (c, cluster) in result.clusters.enumerated() { for i in cluster { clusterOf[i] = Int32(c) } }
    // Each record's person and reason, written where either changed.
    var changes: [(rowID: Int64, id: Int64?, rule: String?)] = []
    var personOf: [Int64: Int64] = [:]
    personOf.reserveCapacity(stored.count)
    // By index, not `for record in stored`: each record copied whole was a dozen strings
    // retained and released, to read three fields.
    for i in stored.indices {
      let id = clusterOf[i] < 0 ? nil : ids.clusterIDs[Int(clusterOf[i])]
      personOf[stored[i].rowID] = id
      let rule = result.reasons[i]
      if id != stored[i].personID || rule != stored[i].linkRule { changes.append((stored[i].rowID, id, rule)) }
    }
    clock.lap("changes")
    // The index for later nights: a full link's stays in `result` (still being built, then
    // encoded as the warehouse writes it, never held as bytes beside itself: 100 MB at
    // 500,000 records, the night's peak); a night linked in proportion to its change keeps its
    // few records apart (`LinkIndex.Additions`).
    let index: KeptIndex? = incremental.map { .added($0.additions.encoded()) }
    clock.lap("encode index")
    return Linked(result: result, ids: ids, changes: changes, personOf: personOf, index: index)
  }

  /// The person rows of `clusters` (records by place in `stored`) with ids `ids`: pseudonymous
  /// key, and the sex, birth year and nationality most of their records give.
  static func personRows(_ clusters: [[Int]], ids: [Int64], _ stored: [StoredPerson], _ pseudonyms: Pseudonymizer)
    -> [LoadSession.PersonRow]
  {
    let keys = pseudonyms.keys(for: ids)
    var persons: [LoadSession.PersonRow] = []
    persons.reserveCapacity(clusters.count)
    for (k, cluster) in clusters.enumerated() {
      // The fields read by index, not the records copied whole (a dozen strings each).
      let knownSexes: [Sex] = cluster.map { stored[$0].sex }.filter { $0 != .unknown }
      let sex: Sex = mostCommon(knownSexes.map(\.rawValue)).flatMap { Sex(rawValue: $0) } ?? .unknown
      let years: [Int] = cluster.compactMap { stored[$0].birthDate?.year }
      let nationalities: [String] = cluster.compactMap { stored[$0].nationality }
      persons.append((ids[k], keys[k], sex, mostCommon(years), mostCommon(nationalities), cluster.count))
    }
    return persons
  }

  /// What a full link keeps for the nights after it (its model and index), or what a night
  /// linked in proportion to its change adds (its records, and how many it linked again);
  /// nothing with the rules.
  static func keepLinkState(
    _ load: LoadSession, settings: LinkageConfig?, model: LinkModel?, incremental: PersonLinkage.Incremental?,
    index: KeptIndex?, records: Int, fingerprint: String
  ) throws {
    if let settings, let model, incremental == nil {
      try keep(model, of: records, fingerprint: fingerprint, settings: settings, load)
      if case .full(let full) = index {
        try load.setLinkState("index", count: full.encodedCount) { full.encode(chunks: $0) }
      } else {
        try load.setLinkState("index", nil)
      }
      try load.setLinkState("index_added", nil)
    } else if let incremental {
      try load.setMeta("link_model_changed", String(incremental.changedBefore + records))
      if case .added(let bytes) = index {
        try load.setLinkState("index_added", bytes)
      } else {
        try load.setLinkState("index_added", nil)
      }
    } else {
      try load.setLinkState("index", nil)
      try load.setLinkState("index_added", nil)
    }
  }

  /// What the run summary says of this linkage. `partial`: only some records were linked
  /// (the warehouse then counts the persons); `ignored`: decisions naming records not held.
  static func summary(
    of result: PersonLinkage.Result, ids: StableIDs.Result, records: Int, _ load: LoadSession, partial: Bool,
    ignored: Int
  ) throws -> RunSummary.Linkage {
    var linkage = RunSummary.Linkage()
    if partial {
      let people = try load.personCounts()
      linkage.sourcePersonRecords = people.sourcePersonRecords
      linkage.persons = people.persons
      linkage.linkedPersons = people.linkedPersons
    } else {
      linkage.sourcePersonRecords = records
      linkage.persons = result.clusters.count
      linkage.linkedPersons = result.clusters.filter { $0.count > 1 }.count
    }
    // Every record read was linked again (a change night reads only those).
    linkage.relinkedRecords = records
    linkage.candidatePairs = result.candidatePairs
    linkage.newPersonIDs = ids.newIDs
    linkage.mergedPersonIDs = ids.events.filter { $0.kind == .merged }.count
    linkage.decisionsIgnored = ignored
    linkage.refusedMerges = result.refusedMerges
    linkage.modelWarnings = result.modelWarnings
    return linkage
  }

  /// Records the stewards' decisions in force, each with whether the warehouse holds both its
  /// records; returns the record keys held among those the decisions name. `stored`: every
  /// record, when at hand (else the warehouse is asked).
  func writeDecisions(
    _ decisions: [PersonLinkage.Decision], stored: [StoredPerson]?, _ load: LoadSession, runID: Int64
  ) throws -> Set<String> {
    let held: Set<String> =
      decisions.isEmpty
      ? [] : try stored.map { Set($0.map(\.key)) } ?? load.heldKeys(decisions.flatMap { [$0.a, $0.b] })
    try load.replaceLinkDecisions(
      decisions.map {
        (
          $0.a, $0.b, $0.mustLink ? "must-link" : "cannot-link", displayName(config.linkage.decisions ?? ""), $0.line,
          held.contains($0.a) && held.contains($0.b)
        )
      }, runID: runID)
    return held
  }

  /// The most frequent value (ties: the smallest), nil for none.
  static func mostCommon<T: Hashable & Comparable>(_ values: [T]) -> T? {
    // Most persons have one record: no dictionary for them.
    if values.count <= 1 { return values.first }
    var counts: [T: Int] = [:]
    for v in values { counts[v, default: 0] += 1 }
    return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
  }

  /// Fills the parts of the summary that describe the warehouse as it stands.
  /// `nameCounts`, when given, are the participations' program names counted already.
  func describe(
    into summary: inout RunSummary, load: LoadSession, matcher: ProgramMatcher, nameCounts: [ProgramNameCount]? = nil
  ) throws {
    do {
      summary.rejectsByReason = try load.rejectsByKind()
      let counts = try nameCounts ?? load.programNameCounts()
      // Names nobody has mapped, and names mapped automatically: by source, most used first.
      let names = counts.filter { $0.method == "unmapped" || $0.method == "automatic" }.sorted {
        ($0.source, -$0.count, $0.name, $0.code ?? "", $0.method) < (
          $1.source, -$1.count, $1.name, $1.code ?? "", $1.method
        )
      }
      for row in names {
        let entry = RunSummary.ProgramName(
          source: row.source, name: row.name, count: row.count, code: row.code, suggestions: matcher.suggest(row.name))
        if row.method == "automatic" {
          summary.automaticMappings.append(entry)
        } else {
          summary.unmapped.append(entry)
        }
      }
      var coverage: [String: RunSummary.Coverage] = [:]
      for row in counts {
        var entry = coverage[row.source] ?? RunSummary.Coverage(source: row.source, participations: 0, mapped: 0)
        entry.participations += row.count
        if row.code != nil {
          entry.mapped += row.count
          entry.byMethod[row.method, default: 0] += row.count
        }
        coverage[row.source] = entry
      }
      summary.coverage = coverage.values.sorted { $0.source < $1.source }
      summary.normalizationMisses = try load.normalizationMisses()
      summary.quality = try load.qualityCounts()
      summary.participations = counts.reduce(0) { $0 + $1.count }
      let people = try load.personCounts()
      summary.linkage.sourcePersonRecords = people.sourcePersonRecords
      summary.retiredTotal = people.retiredRecords
      summary.linkage.persons = people.persons
      summary.linkage.linkedPersons = people.linkedPersons
      summary.linkage.candidatePairs = Int(try load.meta("last_candidate_pairs") ?? "0") ?? 0
      summary.linkage.refusedMerges = Int(try load.meta("last_refused_merges") ?? "0") ?? 0
      summary.linkage.modelWarnings = (try load.meta("last_model_warnings") ?? "").split(separator: "\n").map(
        String.init)
      summary.linkage.largestCluster = people.largestCluster
      summary.linkage.clustersOver10 = people.clustersOver10
      let alone = people.alone
      let records = summary.linkage.sourcePersonRecords
      summary.linkage.singletonShare = records == 0 ? 0 : Double(alone) / Double(records)
    }
  }
}

extension PipelineRunner {
  /// Relinking a night in proportion to its change pays only while the model it keeps still
  /// describes the records: at most this share of them new or changed in one night, and in
  /// all nights since the last full link.
  static let incrementalShare = 0.2
  static let incrementalCumulativeShare = 0.5

  /// What a night linked in proportion to its change starts from, or nil for a full link: no
  /// kept model or index, other settings, a record gone, or too much changed. Reads only the
  /// records to link again (see `Relinking.swift`): the new and changed ones, every record
  /// of the persons they leave, their block mates under the kept index, and every record of
  /// the persons those belong to.
  static func incremental(
    previous: [String: Int64], _ load: LoadSession, _ fingerprint: String, _ settings: LinkageConfig
  ) throws -> PersonLinkage.Incremental? {
    guard try load.meta("link_model_fingerprint") == fingerprint, let json = try load.meta("link_model"),
      let model = try? JSONDecoder().decode(LinkModel.self, from: Data(json.utf8)),
      let trained = Int(try load.meta("link_model_records") ?? ""), trained > 0,
      let bytes = try load.linkState("index"), var index = LinkIndex(encoded: bytes)
    else { return nil }
    var additions = LinkIndex.Additions()
    if let kept = try load.linkState("index_added") {
      guard let read = LinkIndex.Additions(encoded: kept) else { return nil }
      additions = read
    }
    index.add(records: additions.records, keys: additions.keys)
    let changedBefore = Int(try load.meta("link_model_changed") ?? "0") ?? 0
    // New or reloaded changed records have no person yet; the persons they leave are linked
    // again whole.
    let dirty = try load.storedPersons(unlinked: true)
    let touched = Set(dirty.compactMap { previous[$0.key] })
    // Every record that had a person is still here (retired ones stay): else a full link.
    let new = dirty.filter { previous[$0.key] == nil }.count
    guard try load.sourcePersonRecords() == previous.count + new,
      Double(dirty.count) <= incrementalShare * Double(index.count),
      Double(changedBefore + dirty.count) <= incrementalCumulativeShare * Double(trained)
    else { return nil }
    let seeds = try load.storedPersons(persons: touched.sorted(), unlinked: true)
    let linker = ProbabilisticLinker(config: settings)
    let seedKeys = linker.blockingKeys(
      columns: PersonLinkage.data(seeds, settings), dates: PersonLinkage.dates(seeds, settings))
    let mates = index.mates(of: seedKeys, maxBlockSize: settings.maxBlockSize).map { n -> (String, String) in
      let name = index.record(n)
      guard let cut = name.firstIndex(of: PersonLinkage.keySeparator) else { return (name, "") }
      return (String(name[..<cut]), String(name[name.index(after: cut)...]))
    }
    let mateRecords = try load.storedPersons(keys: mates)
    let persons = touched.union(mateRecords.compactMap(\.personID))
    let records = try load.storedPersons(persons: persons.sorted(), unlinked: true)
    // Tonight's new and changed records join the index for the nights after it.
    let added = seeds.indices.filter { seeds[$0].personID == nil }
    additions.append(
      records: added.map { PersonLinkage.indexName(seeds[$0]) }, keys: seedKeys.map { keys in added.map { keys[$0] } })
    return PersonLinkage.Incremental(
      model: model, index: index, records: records, touched: touched, changedBefore: changedBefore,
      additions: additions)
  }

  /// Keeps a full link's model for the nights after it.
  static func keep(
    _ model: LinkModel, of records: Int, fingerprint: String, settings: LinkageConfig, _ load: LoadSession
  ) throws {
    // To 12 significant digits, keys sorted: the same model is the same text on every run.
    // Why: EM sums in an order that varies from process to process in the last bits.
    func rounded(_ rows: [[Double]]) -> [[Double]] { rows.map { $0.map { Double(String(format: "%.12g", $0))! } } }
    var kept = model
    (kept.m, kept.u, kept.uGiven) = (rounded(model.m), rounded(model.u), rounded(model.uGiven))
    kept.lambda = rounded([[model.lambda]])[0][0]
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    try load.setMeta("link_model", String(decoding: try encoder.encode(kept), as: UTF8.self))
    try load.setMeta("link_model_fingerprint", fingerprint)
    try load.setMeta("link_model_records", String(records))
    try load.setMeta("link_model_changed", "0")
  }
}

/// What the linking thread hands back: the linkage, the stable ids (each cluster's person id),
/// the records whose person or reason changed (by `source_person` row id) and each record's
/// person.
struct Linked: Sendable {
  var result: PersonLinkage.Result
  var ids: StableIDs.Result
  var changes: [(rowID: Int64, id: Int64?, rule: String?)]
  /// The person of each record, by `source_person` row id.
  var personOf: [Int64: Int64]
  /// What a link keeps for the nights after it.
  var index: KeptIndex?
}

/// A full link's `LinkIndex` (encoded as the warehouse writes it), or the records a night
/// linked in proportion to its change added, encoded.
enum KeptIndex: Sendable {
  case full(LinkIndex)
  case added([UInt8])
}
