import Foundation
import GRDB
import PaktCore

/// Erasure of one person everywhere, its tombstones, and the stewards' link decisions in force.
extension LoadSession {
  // MARK: Erasure

  /// What an erasure removed, in counts only.
  public struct ErasureCounts: Sendable, Codable {
    public var sourceRecords = 0
    public var participations = 0
    public var residences = 0
    public var cases = 0
    public var potentials = 0
    public var rejects = 0
    public var misses = 0
    /// Quality flags of the person's records.
    public var flags = 0
  }

  /// The person id for a pseudonymous key (or for the id itself written as a number).
  public func personID(forKey key: String) throws -> Int64? {
    if let id = try Int64.fetchOne(db, sql: "SELECT person_id FROM person WHERE person_key = ?", arguments: [key]) {
      return id
    }
    guard let number = Int64(key) else { return nil }
    return try Int64.fetchOne(db, sql: "SELECT person_id FROM person WHERE person_id = ?", arguments: [number])
  }

  /// Removes a person everywhere: facts, source records, identity, links and id events, the
  /// normalisation misses of their lines and the rejected lines that hold their name. Leaves a
  /// tombstone per source record (`tombstone(source, localID)`, a keyed hash) and one row in
  /// `erasure` with the time and the number of records.
  /// One source record of a person, as an erasure needs to know it.
  public struct HeldRecord: Sendable {
    public var source: String
    public var localID: String
    public var familyName: String?
    public var givenName: String?
    public var azrNumber: String?
    public var bamfNumber: String?
  }

  /// The source records the person holds, with the names and numbers their identity holds.
  public func records(ofPerson personID: Int64) throws -> [HeldRecord] {
    try Row.fetchAll(
      db,
      sql: """
        SELECT sp.source, sp.local_id, i.family_name, i.given_name, i.azr_number, i.bamf_number
        FROM source_person sp LEFT JOIN identity i ON i.source = sp.source AND i.local_id = sp.local_id
        WHERE sp.person_id = ? ORDER BY sp.source, sp.local_id
        """, arguments: [personID]
    ).map {
      HeldRecord(
        source: $0["source"], localID: $0["local_id"], familyName: $0["family_name"], givenName: $0["given_name"],
        azrNumber: $0["azr_number"], bamfNumber: $0["bamf_number"])
    }
  }

  public func erase(personID: Int64, tombstone: (String, String) -> String) throws -> ErasureCounts {
    prepared.forgetWritten()
    var counts = ErasureCounts()
    let records = try Row.fetchAll(
      db,
      sql: """
        SELECT sp.source, sp.local_id, i.family_name, i.given_name FROM source_person sp
        LEFT JOIN identity i ON i.source = sp.source AND i.local_id = sp.local_id WHERE sp.person_id = ?
        """,
      arguments: [personID])
    for r in records {
      let source: String = r["source"]
      let local: String = r["local_id"]
      // Lines of this record in the misses: those of its own rows.
      for table in ["participation", "residence", "potential", "case_fact"] {
        try db.execute(
          sql: """
            DELETE FROM normalization_miss WHERE source = ?1 AND EXISTS (
              SELECT 1 FROM \(table) t WHERE t.source = ?1 AND t.person_local_id = ?2
                AND t.file = normalization_miss.file AND t.line = normalization_miss.line)
            """, arguments: [source, local])
        counts.misses += db.changesCount
      }
      try db.execute(
        sql: """
          DELETE FROM normalization_miss WHERE source = ?1 AND EXISTS (
            SELECT 1 FROM source_person sp WHERE sp.source = ?1 AND sp.local_id = ?2
              AND sp.file = normalization_miss.file AND sp.line = normalization_miss.line)
          """, arguments: [source, local])
      counts.misses += db.changesCount
      try db.execute(sql: "DELETE FROM quality_flag WHERE source = ? AND record = ?", arguments: [source, local])
      counts.flags += db.changesCount
      try db.execute(
        sql: "DELETE FROM participation WHERE source = ? AND person_local_id = ?", arguments: [source, local])
      counts.participations += db.changesCount
      if db.changesCount > 0 { try programNamesChanged(source: source) }
      try db.execute(sql: "DELETE FROM residence WHERE source = ? AND person_local_id = ?", arguments: [source, local])
      counts.residences += db.changesCount
      try db.execute(sql: "DELETE FROM potential WHERE source = ? AND person_local_id = ?", arguments: [source, local])
      counts.potentials += db.changesCount
      try db.execute(sql: "DELETE FROM case_fact WHERE source = ? AND person_local_id = ?", arguments: [source, local])
      counts.cases += db.changesCount
      // Rejected lines of this source that name the person (the raw text is all a reject has).
      if let family = r["family_name"] as String?, let given = r["given_name"] as String? {
        try db.execute(
          sql:
            "DELETE FROM reject WHERE source = ? AND instr(lower(raw), lower(?)) > 0 AND instr(lower(raw), lower(?)) > 0",
          arguments: [source, family, given])
        counts.rejects += db.changesCount
      }
      try db.execute(sql: "DELETE FROM source_person WHERE source = ? AND local_id = ?", arguments: [source, local])
      counts.sourceRecords += db.changesCount
      try db.execute(sql: "DELETE FROM identity WHERE source = ? AND local_id = ?", arguments: [source, local])
      try db.execute(
        sql: "INSERT OR IGNORE INTO erased_record(tombstone) VALUES (?)", arguments: [tombstone(source, local)])
    }
    try db.execute(sql: "DELETE FROM person WHERE person_id = ?", arguments: [personID])
    // Where they lived when: derived from their records, gone with them (until now it stayed
    // until the next changing run).
    try db.execute(sql: "DELETE FROM residence_period WHERE person_id = ?", arguments: [personID])
    try db.execute(
      sql: "DELETE FROM person_id_event WHERE old_person_id = ?1 OR new_person_id = ?1", arguments: [personID])
    try db.execute(
      sql: "INSERT INTO erasure(erased_at, records) VALUES (?, ?)",
      arguments: [ISO8601DateFormatter().string(from: Date()), counts.sourceRecords])
    return counts
  }

  /// Records the stewards' link decisions this run applied (all of them, replacing the last
  /// run's): records as "source/local id", decision "must-link" or "cannot-link".
  public func replaceLinkDecisions(
    _ decisions: [(a: String, b: String, decision: String, file: String, line: Int, applied: Bool)], runID: Int64
  ) throws {
    try db.execute(sql: "DELETE FROM link_decision")
    let insert = try db.makeStatement(
      sql: "INSERT INTO link_decision(record_a, record_b, decision, file, line, applied, run_id) VALUES (?,?,?,?,?,?,?)"
    )
    for d in decisions {
      try insert.execute(arguments: [d.a, d.b, d.decision, d.file, d.line, d.applied, runID])
    }
  }

  /// Tombstones of erased source records, for the loader to skip them.
  public func tombstones() throws -> Set<String> {
    Set(try String.fetchAll(db, sql: "SELECT tombstone FROM erased_record"))
  }
}
