import Foundation
import GRDB
import PaktCore

/// Reference data and stewards' decisions: the measure catalogue, the municipality dimension
/// and mapping decisions.
extension LoadSession {
  public func replaceCatalogue(_ catalogue: Catalogue) throws {
    try db.execute(sql: "DELETE FROM measure")
    let statement = try db.cachedStatement(
      sql: "INSERT INTO measure(code, category, name_de, name_en, legal_basis, funder, synonyms) VALUES (?,?,?,?,?,?,?)"
    )
    for m in catalogue.measures {
      try statement.execute(arguments: [
        m.code, m.category, m.nameDE, m.nameEN, m.legalBasis, m.funder, m.synonyms.joined(separator: "|"),
      ])
    }
  }

  /// Rebuilds the municipality dimension: the gazetteer's entries and every municipality a
  /// residence or case names (with the AGS it was delivered with, where the gazetteer has none).
  public func replaceMunicipalities(_ entries: [(name: String, ags: String?)]) throws {
    try db.execute(sql: "DELETE FROM municipality")
    let insert = try db.makeStatement(sql: "INSERT OR IGNORE INTO municipality(name, ags) VALUES (?, ?)")
    for e in entries { try insert.execute(arguments: [e.name, e.ags]) }
    try db.execute(
      sql: """
        INSERT OR IGNORE INTO municipality(name, ags)
          SELECT municipality, max(ags) FROM residence GROUP BY municipality
          UNION ALL SELECT DISTINCT municipality, NULL FROM case_fact
        """)
  }

  /// Records a steward's mapping decision (who, when), kept across reloads of the source.
  public func recordDecision(source: String, localName: String, code: String, by: String, at: Date) throws {
    try db.execute(
      sql: "INSERT INTO mapping_decision(source, local_name, code, decided_by, decided_at) VALUES (?,?,?,?,?)",
      arguments: [source, localName, code, by, ISO8601DateFormatter().string(from: at)])
  }
}
