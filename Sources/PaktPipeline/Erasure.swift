import Foundation
import PaktCore
import PaktLoad
import PaktPostgres

/// The right to erasure: removes one person everywhere in the warehouse, in one transaction,
/// and keeps only the fact that an erasure happened (and tombstones that stop a later
/// delivery from loading the person again).
///
/// ```swift
/// let counts = try Erasure.erase(config: config, person: "3f9a…")  // a person_key
/// counts.sourceRecords  // 2
/// ```
public enum Erasure {
  public static func erase(config: PipelineConfig, person: String) throws -> LoadSession.ErasureCounts {
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
    let counts = try warehouse.transaction { load in
      guard let id = try load.personID(forKey: person) else {
        throw PaktError.config(
          file: config.warehouse, line: nil, "no person with the key '\(person)'",
          fix: "use a person_key from the analysis views (or a person_id)")
      }
      if replica != nil { try load.setMeta(PostgresReplica.pendingKey, "1") }
      return try load.erase(personID: id) { pseudonyms.tombstone(source: $0, localID: $1) }
    }
    if let replica { _ = try replica.publish() }
    return counts
  }
}
