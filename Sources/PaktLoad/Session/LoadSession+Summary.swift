import Foundation
import GRDB
import PaktCore

/// What the run summary and the reports say about the warehouse as it stands: every query
/// behind them, here in PaktLoad with the rest of pakt's SQL.
extension LoadSession {
  /// Source person records and persons, counted.
  public struct PersonCounts: Sendable, Equatable {
    public var sourcePersonRecords = 0
    public var retiredRecords = 0
    public var persons = 0
    /// Persons of more than one record.
    public var linkedPersons = 0
    public var largestCluster = 0
    public var clustersOver10 = 0
    /// Persons of one record.
    public var alone = 0
  }

  public func personCounts() throws -> PersonCounts {
    var c = PersonCounts()
    c.sourcePersonRecords = try sourcePersonRecords()
    c.retiredRecords = try count("SELECT count(*) FROM source_person WHERE retired_run IS NOT NULL")
    let row = try Row.fetchOne(
      db,
      sql: """
        SELECT count(*), coalesce(sum(records > 1), 0), coalesce(max(records), 0), coalesce(sum(records > 10), 0),
               coalesce(sum(records = 1), 0)
        FROM person
        """)
    if let row {
      (c.persons, c.linkedPersons, c.largestCluster, c.clustersOver10, c.alone) = (
        row[0], row[1], row[2], row[3], row[4]
      )
    }
    return c
  }

  /// How many source person records the warehouse holds (retired ones too).
  public func sourcePersonRecords() throws -> Int { try count("SELECT count(*) FROM source_person") }

  /// Rejects counted by kind, most first.
  public func rejectsByKind() throws -> [RunSummary.ReasonCount] {
    try rows("SELECT kind, count(*) AS n FROM reject GROUP BY kind ORDER BY n DESC, kind").map {
      RunSummary.ReasonCount(kind: $0["kind"] ?? "", count: Int($0["n"] ?? "0") ?? 0)
    }
  }

  /// Every reject, in source, file and line order (for the report's reject list).
  public func rejectLines() throws -> [(source: String, file: String, line: Int, kind: String, reason: String)] {
    try rows("SELECT source, file, line, kind, reason FROM reject ORDER BY source, file, line").map {
      ($0["source"] ?? "", $0["file"] ?? "", Int($0["line"] ?? "0") ?? 0, $0["kind"] ?? "", $0["reason"] ?? "")
    }
  }

  /// Values loaded as empty because they could not be read, counted per source, field,
  /// column and value, with up to five example lines.
  public func normalizationMisses() throws -> [RunSummary.MissCount] {
    try rows(
      """
      SELECT source, field, column_name, value, count(*) AS n, group_concat(line, ' ') AS lines
      FROM normalization_miss GROUP BY source, field, column_name, value ORDER BY source, n DESC, field
      """
    ).map {
      RunSummary.MissCount(
        source: $0["source"] ?? "", field: $0["field"] ?? "", column: $0["column_name"] ?? "",
        value: $0["value"] ?? "", count: Int($0["n"] ?? "0") ?? 0,
        exampleLines: ($0["lines"] ?? "").split(separator: " ").prefix(5).compactMap { Int($0) })
    }
  }

  /// The quality rules broken now, by source and rule, with the last five runs' counts.
  public func qualityCounts() throws -> [RunSummary.QualityCount] {
    let runs = try rows("SELECT DISTINCT run_id FROM quality_trend ORDER BY run_id DESC LIMIT 5")
      .compactMap { $0["run_id"].flatMap { Int64($0) } }.reversed()
    var trend: [String: [Int64: Int]] = [:]
    for row in try rows("SELECT run_id, source, rule, flags FROM quality_trend WHERE run_id >= ?", [runs.first ?? 0]) {
      guard let run = row["run_id"].flatMap({ Int64($0) }) else { continue }
      trend["\(row["source"] ?? "")|\(row["rule"] ?? "")", default: [:]][run] = Int(row["flags"] ?? "0") ?? 0
    }
    return try rows(
      """
      SELECT source, rule, severity, count(*) AS n,
             group_concat(file || ':' || line, ' ') AS places
      FROM (SELECT * FROM quality_flag ORDER BY id) GROUP BY source, rule, severity ORDER BY source, n DESC, rule
      """
    ).map { row in
      let source = row["source"] ?? ""
      let rule = row["rule"] ?? ""
      let byRun = trend["\(source)|\(rule)"] ?? [:]
      return RunSummary.QualityCount(
        source: source, rule: rule, severity: row["severity"] ?? "",
        explanation: QualityRule(rawValue: rule)?.explanation ?? rule, count: Int(row["n"] ?? "0") ?? 0,
        examples: (row["places"] ?? "").split(separator: " ").prefix(5).map(String.init),
        trend: runs.map { byRun[$0] ?? 0 })
    }
  }

  /// Program names no decision maps, with their participations, most first (`source` nil:
  /// every source).
  public func unmappedNames(source: String?) throws -> [(source: String, name: String, count: Int)] {
    try rows(
      """
      SELECT source, program_name, count(*) AS n FROM participation
      WHERE catalogue_code IS NULL AND (?1 IS NULL OR source = ?1)
      GROUP BY source, program_name ORDER BY n DESC, source, program_name
      """, [source]
    ).map { ($0["source"] ?? "", $0["program_name"] ?? "", Int($0["n"] ?? "0") ?? 0) }
  }
}
