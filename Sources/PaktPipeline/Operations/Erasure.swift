import Foundation
import PaktCore
import PaktLoad
import PaktPostgres
import PaktReport

/// The right to erasure: removes one person everywhere in the warehouse, in one transaction,
/// and keeps only the fact that an erasure happened (and tombstones that stop a later
/// delivery from loading the person again).
///
/// ```swift
/// let counts = try Erasure.erase(config: config, person: "3f9a…")  // a person_key
/// counts.sourceRecords  // 2
/// ```
public enum Erasure {
  /// `force`: erase although the person's records hold conflicting identifiers (two AZR or
  /// BAMF numbers), which says the linkage may have joined two people.
  public static func erase(config: PipelineConfig, person: String, force: Bool = false) throws
    -> LoadSession.ErasureCounts
  {
    // With PostgreSQL: erase in the working copy as it stands there, then publish, so the
    // person is gone from PostgreSQL too.
    let replica = config.postgres.map { PostgresReplica(target: $0, localCopy: config.warehouse) }
    if let replica, try replica.synchronise() == .empty, try !replica.pending() {
      throw PaktError.config(
        file: config.postgres?.display, line: nil, "there is no warehouse yet", fix: "run `pakt run` first")
    }
    // Changes an earlier run or erasure committed but could not publish go first.
    if let replica, try replica.pending() { _ = try replica.publish() }
    guard FileManager.default.fileExists(atPath: config.warehouse) else {
      throw PaktError.config(
        file: config.warehouse, line: nil, "there is no warehouse yet", fix: "run `pakt run` first")
    }
    let warehouse = try Warehouse(path: config.warehouse)
    let pseudonyms = try Pseudonymizer.load(config: config)
    if let known = try warehouse.read({ try $0.meta("pseudonym_key_fingerprint") }), known != pseudonyms.fingerprint {
      throw PaktError.config(
        file: config.pseudonymKey, line: nil, "this pseudonym key is not the one the warehouse was built with",
        fix: "use the original key file or PAKT_PSEUDONYM_KEY")
    }
    let counts = try warehouse.transaction { load -> (LoadSession.ErasureCounts, [LoadSession.HeldRecord]) in
      guard let id = try load.personID(forKey: person) else {
        throw PaktError.config(
          file: config.warehouse, line: nil, "no person with the key '\(person)'",
          fix: "use a person_key from the analysis views (or a person_id)")
      }
      let records = try load.records(ofPerson: id)
      for number in [\LoadSession.HeldRecord.azrNumber, \.bamfNumber] where !force {
        let values = Set(records.compactMap { $0[keyPath: number] }.map(TextFold.identifier).filter { !$0.isEmpty })
        if values.count > 1 {
          throw PaktError.config(
            file: config.warehouse, line: nil,
            "this person's \(records.count) records hold \(values.count) different "
              + "\(number == \LoadSession.HeldRecord.azrNumber ? "AZR" : "BAMF") numbers, so they may be "
              + "two people the linkage joined: "
              + records.map { "\($0.source)/\($0.localID)" }.joined(separator: ", "),
            fix: "have a steward check these records (a cannot-link decision splits them), then erase the right "
              + "person; `pakt erase --force` erases all of them")
        }
      }
      if replica != nil { try load.setMeta(PostgresReplica.pendingKey, "1") }
      let counts = try load.erase(personID: id) { pseudonyms.tombstone(source: $0, localID: $1) }
      return (counts, records)
    }
    // The reports that may show the person are withdrawn (the next run writes them again).
    withdrawReports(in: config.reports, naming: counts.1)
    if let replica { _ = try replica.publish() }
    return counts.0
  }

  /// The report files that name any of `records` (by id, or by family and given name together)
  /// are replaced by a note: the duplicate review shows names and dates of birth side by
  /// side, the rejects list raw lines.
  static func withdrawReports(in folder: String, naming records: [LoadSession.HeldRecord]) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
    let when = ISO8601DateFormatter().string(from: Date())
    for name in names where name.hasSuffix(".html") || name.hasSuffix(".csv") || name.hasSuffix(".json") {
      let path = (folder as NSString).appendingPathComponent(name)
      guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
      let lower = text.lowercased()
      let showsPerson = records.contains { r in
        lower.contains("\(r.source)/\(r.localID)".lowercased())
          || (r.familyName.map { lower.contains($0.lowercased()) } ?? false)
            && (r.givenName.map { lower.contains($0.lowercased()) } ?? false)
      }
      guard showsPerson else { continue }
      let note =
        name.hasSuffix(".html")
        ? "<!doctype html><meta charset=utf-8><title>withdrawn</title><p>This report was withdrawn after an "
          + "erasure (\(when)): it named the erased person. The next pakt run writes it again.</p>\n"
        : name.hasSuffix(".json")
          ? "{\"withdrawn\": \"after an erasure at \(when); the next pakt run writes it again\"}\n"
          : "withdrawn after an erasure at \(when); the next pakt run writes it again\n"
      try? PrivateFiles.write(note, to: path)
    }
  }
}
