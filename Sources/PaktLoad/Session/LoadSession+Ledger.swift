import Foundation
import GRDB
import PaktCore

/// A delivery as recorded in the ledger.
public struct DeliveryRecord: Sendable, Codable {
  public var source: String
  public var path: String
  public var sha256: String
  public var fingerprint: String
  public var file: RunSummary.File
}

/// The ledger: deliveries, runs and the warehouse's meta values.
extension LoadSession {
  public func deliveries() throws -> [DeliveryRecord] {
    try Row.fetchAll(db, sql: "SELECT * FROM delivery ORDER BY source, path").map { row in
      var record = DeliveryRecord(
        source: row["source"], path: row["path"], sha256: row["sha256"], fingerprint: row["fingerprint"],
        file: RunSummary.File(
          source: row["source"], name: row["name"], path: row["path"], format: row["format"],
          encoding: row["encoding"], layout: row["layout"], sha256: row["sha256"],
          status: FileStatus(rawValue: row["status"] ?? "") ?? .loaded,
          read: row["records_read"], loaded: row["loaded"], rejected: row["rejected"], problem: row["problem"]))
      // The `problem` column holds an unreadable file's problem or another file's note.
      if record.file.status != .unreadable {
        record.file.note = record.file.problem
        record.file.problem = nil
      }
      return record
    }
  }

  public func recordDelivery(_ f: RunSummary.File, fingerprint: String, runID: Int64) throws {
    try db.execute(
      sql: """
        INSERT OR REPLACE INTO delivery(source, path, name, sha256, fingerprint, format, encoding, layout, status, problem,
          records_read, loaded, rejected, run_id)
        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
        """,
      arguments: [
        f.source, f.path, f.name, f.sha256, fingerprint, f.format, f.encoding, f.layout, f.status.rawValue,
        f.problem ?? f.note,
        f.read,
        f.loaded, f.rejected, runID,
      ])
  }

  /// Opens the run's row in the ledger; `finishRun` completes it in the same transaction.
  public func startRun(pipeline: String, startedAt: Date) throws -> Int64 {
    let now = ISO8601DateFormatter().string(from: startedAt)
    try db.execute(
      sql: """
        INSERT INTO run(started_at, finished_at, pipeline, files, records_read, loaded, rejected, persons)
        VALUES (?, ?, ?, 0, 0, 0, 0, 0)
        """, arguments: [now, now, pipeline])
    return db.lastInsertedRowID
  }

  public func finishRun(_ runID: Int64, summary: RunSummary) throws {
    try db.execute(
      sql: """
        UPDATE run SET finished_at = ?, files = ?, records_read = ?, loaded = ?, rejected = ?, persons = ?
        WHERE run_id = ?
        """,
      arguments: [
        ISO8601DateFormatter().string(from: Date()), summary.totals.files, summary.totals.read, summary.totals.loaded,
        summary.totals.rejected, summary.linkage.persons, runID,
      ])
    try recordQualityTrend(runID: runID)
  }

  public func meta(_ key: String) throws -> String? {
    try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
  }

  public func setMeta(_ key: String, _ value: String) throws {
    try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
  }
}
