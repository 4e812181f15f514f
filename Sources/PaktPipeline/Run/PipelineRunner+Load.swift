import Foundation
import PaktCore
import PaktExtract
import PaktLink
import PaktLoad
import PaktMap
import PaktReport

/// The load stage of a run: sources replaced, files streamed in, counts reconciled.
extension PipelineRunner {
  /// Loads one changed source: its earlier delivery replaced, each file streamed in, facts
  /// naming unknown persons rejected, records it no longer holds retired, counts reconciled.
  func loadSource(
    _ source: PreparedSource, load: LoadSession, runID: Int64, streams: FileStreams, _ tracker: ProgressTracker?
  ) throws -> (files: [RunSummary.File], retired: Int) {
    try load.setAside(source: source.source.name)
    try load.replaceSource(source.source.name)
    var files: [RunSummary.File] = []
    var firstWithContent: [String: String] = [:]
    // Each loaded file's rows lie between the last row ids before and after it.
    var fileRows: [String: LoadSession.FileRows] = [:]
    for file in source.files {
      if let first = firstWithContent[file.sha256] {
        files.append(Self.duplicate(file, of: first, source: source.source.name))
        tracker?.finished(file: file.path)
        continue
      }
      firstWithContent[file.sha256] = file.name
      tracker?.started(file: file.name)
      let before = try load.lastRowIDs()
      files.append(try loadFile(file, source: source, load: load, runID: runID, streams: streams, tracker: tracker))
      fileRows[file.path] = LoadSession.FileRows(after: before, upTo: try load.lastRowIDs())
      tracker?.finished(file: file.path)
      FaultInjection.pause(at: "after-file")
    }
    try rejectOrphans(source: source.source.name, files: &files, load: load, runID: runID)
    // After the orphans: a fact naming a person the delivery lacks stays a reject.
    let retired = try load.retireMissing(source: source.source.name, runID: runID)
    for f in files {
      try reconcile(f, load: load, rows: fileRows[f.path])
      try load.recordDelivery(f, fingerprint: source.fingerprint, runID: runID)
    }
    return (files, retired)
  }

  /// A file's size in bytes (0 when it cannot be read; it is then rejected as unreadable).
  static func size(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
  }

  /// The files of `sources` that `loadSource` streams, in its order, each streamed (read,
  /// mapped and encoded) by a thread of its own; `erased` are the tombstones of erased persons.
  func fileStreams(_ sources: [PreparedSource], erased: Set<String>, pseudonyms: Pseudonymizer) -> FileStreams {
    var planned: [(source: PreparedSource, file: PreparedFile)] = []
    for source in sources {
      var seen = Set<String>()
      // As `loadSource` goes: a repeat of a file's content is not read; a file that could not
      // be prepared is rejected unread.
      for file in source.files where seen.insert(file.sha256).inserted && file.problem == nil && file.mapper != nil {
        planned.append((source, file))
      }
    }
    let isErased: @Sendable (String, String) -> Bool = {
      erased.isEmpty ? false : erased.contains(pseudonyms.tombstone(source: $0, localID: $1))
    }
    return FileStreams(planned: planned.map { .init(path: $0.file.path, source: $0.source.source.name) }) {
      [optionsFor] i, encoder in
      let (source, file) = planned[i]
      let name = source.source.name
      let fileName = file.name
      var options = optionsFor(source)
      if let sheet = file.sheet { options.sheet = sheet }
      return MappedStream(path: file.readPath, options: options, mapper: file.mapper!, encoder: encoder) {
        line, mapped, encoder in
        Self.encode(mapped, line: line, source: name, file: fileName, into: &encoder, erased: isErased) {
          pseudonyms.managerKey(source: $0, name: $1)
        }
      }
    }
  }

  /// "skipped 2 lines above the header (line 1, 2)", and a warning for those as wide as the header.
  public static func skippedNote(_ skipped: [Int], wide: [Int]) -> String {
    let lines = skipped.map { String($0) }.joined(separator: ", ")
    var note = "skipped \(skipped.count) line" + (skipped.count == 1 ? "" : "s") + " above the header (line \(lines))"
    if !wide.isEmpty {
      let widths = wide.map { String($0) }.joined(separator: ", ")
      note += "; line \(widths) is as wide as the header: a record? If so, set `read: header_line:` in the mapping"
    }
    return note
  }

  /// Streams one file into the warehouse inside a savepoint.
  func loadFile(
    _ file: PreparedFile, source: PreparedSource, load: LoadSession, runID: Int64, streams: FileStreams,
    tracker: ProgressTracker? = nil
  ) throws -> RunSummary.File {
    var summary = RunSummary.File(
      source: source.source.name, name: file.name, path: file.path, format: file.layout?.format.rawValue ?? "unknown",
      encoding: file.layout?.encoding ?? "unknown", layout: file.layout?.summary ?? "unreadable",
      sha256: file.sha256, status: .loaded)
    var problem = file.problem
    if let skipped = file.layout?.skippedLines, !skipped.isEmpty {
      summary.skipped = skipped.count
      let wide = file.layout?.skippedWide ?? []
      summary.skippedNote = Self.skippedNote(skipped, wide: wide)
    }
    let notes = (file.mapper?.notes ?? []) + file.notes
    if !notes.isEmpty {
      summary.note = notes.joined(separator: "; ")
      for note in notes { logger.warning("\(file.name): \(note)") }
    }
    if problem == nil, file.mapper != nil {
      var counts = LoadSession.WriteCounts()
      try load.savepoint {
        counts = LoadSession.WriteCounts()
        // Extraction, mapping and encoding run on a second thread; this one writes.
        let stream = streams.stream(for: file.path, encoder: load.encoder())
        defer { stream.close() }
        do {
          while let rows = try stream.next() {
            tracker?.advanced(records: rows.records, fileBytes: stream.bytesRead)
            try load.write(rows, runID: runID, counts: &counts)
            streams.startNext(after: stream)
          }
          streams.startNext(after: stream)
          if let encoder = stream.finishedEncoder { load.resume(encoder) }
          return true
        } catch let error as ExtractError {
          problem = error.description
          streams.dropAhead()
          return false
        }
      }
      summary.read = counts.read
      summary.rejected = counts.rejected
      summary.loaded = counts.read - counts.rejected
      summary.repeated = counts.repeated
    }
    if let problem {
      // Rejected as a whole: nothing of it stays in the warehouse; the run goes on.
      summary = RunSummary.File(
        source: summary.source, name: summary.name, path: summary.path, format: summary.format,
        encoding: summary.encoding, layout: summary.layout, sha256: summary.sha256, status: .unreadable,
        problem: problem)
      try load.insert(
        Reject(source: source.source.name, file: file.name, line: 0, raw: "", kind: "unreadable file", reason: problem),
        runID: runID)
      logger.warning("file rejected as a whole: \(file.name): \(problem)")
    }
    return summary
  }

  /// Encodes one mapped record for the warehouse, on the thread that mapped it: its rows, or
  /// the reject it becomes (its own, or the loader's: an erased person, a record with no value).
  static func encode(
    _ mapped: MappedRecord, line: Int, source: String, file: String, into encoder: inout RowEncoder,
    erased: (String, String) -> Bool, managerKey: (String, String) -> String
  ) {
    encoder.record()
    if let reject = mapped.reject {
      // A record a quality rule rejected: its flags say which.
      for f in mapped.flags { encoder.flag(f) }
      encoder.reject(reject)
      return
    }
    /// A reject the loader itself decides (no raw text is kept for these).
    func reject(_ kind: String, _ reason: String) {
      encoder.reject(Reject(source: source, file: file, line: line, raw: "", kind: kind, reason: reason))
    }
    // A person erased on request is not loaded again; the reject keeps no raw text.
    let owner = mapped.person?.localID ?? mapped.personRef ?? mapped.participations.first?.personLocalID
    if let owner, erased(source, owner) {
      reject("erased", "the person was erased on request (pakt erase); the record is not loaded")
      return
    }
    // A record that yields no canonical row at all must not count as loaded.
    if mapped.person == nil && mapped.participations.isEmpty && mapped.residences.isEmpty
      && mapped.potentials.isEmpty && mapped.cases.isEmpty
    {
      reject("empty record", "the record holds no value that the mapping loads")
      return
    }
    // A row beside the persons' table that holds facts besides measures (a language level, a
    // residence): those cannot wait for the orphan check, which removes participations only,
    // so a row naming no person of the delivery is rejected now. Its source's persons are all
    // known by then: the files that describe persons are read first (`personsFirst`).
    if let ref = mapped.personRef, !(mapped.potentials.isEmpty && mapped.residences.isEmpty && mapped.cases.isEmpty),
      !encoder.knows(source: source, localID: ref)
    {
      encoder.reject(
        Reject(
          source: source, file: file, line: line, raw: mapped.raw ?? "", kind: "unknown person reference",
          reason: "refers to person id '\(ref)', which this delivery does not contain"))
      return
    }
    if let person = mapped.person { encoder.person(person) }
    // Only a record that refers to its person by id has raw text to keep.
    let raw: (() -> String?)? = mapped.personRef == nil ? nil : { mapped.raw }
    for p in mapped.participations { encoder.participation(p, raw: raw) }
    for r in mapped.residences { encoder.residence(r) }
    for p in mapped.potentials { encoder.potential(p) }
    for c in mapped.cases { encoder.caseFact(c, managerKey: c.manager.map { managerKey(c.source, $0) }) }
    for m in mapped.misses { encoder.miss(m) }
    for f in mapped.flags { encoder.flag(f) }
  }

  func optionsFor(_ source: PreparedSource) -> ReadOptions {
    var options = source.mapping.read
    if let hint = source.source.format { options.format = FileFormat(rawValue: hint) }
    options.limits = readLimits
    return options
  }

  /// pipeline.yml's `limits:` as the readers take them.
  var readLimits: ReadLimits {
    var limits = ReadLimits()
    if let mb = config.limits["record_mb"] { limits.recordBytes = mb << 20 }
    if let mb = config.limits["workbook_part_mb"] { limits.workbookPartBytes = Int64(mb) << 20 }
    if let mb = config.limits["shared_strings_mb"] { limits.sharedStringsBytes = Int64(mb) << 20 }
    return limits
  }

  /// Participations that name a person the source's delivery does not contain become rejects.
  func rejectOrphans(source: String, files: inout [RunSummary.File], load: LoadSession, runID: Int64) throws {
    for orphan in try load.removeOrphanParticipations(source: source) {
      try load.insert(
        Reject(
          source: source, file: orphan.file, line: orphan.line, raw: orphan.raw, kind: "unknown person reference",
          reason: "refers to person id '\(orphan.personLocalID)', which this delivery does not contain"),
        runID: runID)
      if let i = files.firstIndex(where: { $0.name == orphan.file }) {
        files[i].loaded -= 1
        files[i].rejected += 1
      }
    }
  }

  /// Records read = loaded + rejected, checked against what the warehouse holds, before commit.
  func reconcile(_ f: RunSummary.File, load: LoadSession, rows: LoadSession.FileRows?) throws {
    guard f.status == .loaded else { return }
    let stored = try load.storedRecordCount(source: f.source, file: f.name, within: rows)
    let rejected = try load.rejectCount(source: f.source, file: f.name)
    // Every loaded record has rows in the warehouse, except those that only repeated an
    // earlier record (the same person row twice), which are counted as they happen.
    guard f.read == f.loaded + f.rejected, rejected == f.rejected, stored + f.repeated == f.loaded else {
      throw PaktError.failed(
        file: f.path,
        "record counts do not reconcile: read \(f.read), loaded \(f.loaded) (\(stored) distinct in the warehouse, \(f.repeated) repeats), rejected \(f.rejected) (\(rejected) in the reject store)",
        fix: "nothing was written; please report this as a bug in pakt with the file's layout (`pakt inspect`)")
    }
  }
}
