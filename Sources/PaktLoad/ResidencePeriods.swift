import GRDB
import PaktCore

/// Where each person lived when: the basis for "the money follows the refugee" (each
/// participation's cost goes to the municipality where the person lived at its start) and
/// for the measures a person received before and after a move.
///
/// A residence delivered with a start date is taken as it is. Most exports name only the
/// municipality keeping the record, without dates; for those, the person's time there is
/// taken from the dates of the measures that municipality recorded for them (its first
/// start), and a move is placed at the first measure the next municipality recorded. The
/// `basis` column says which of the two a period rests on.
///
/// ```swift
/// try warehouse.transaction { load in _ = try load.rebuildResidencePeriods() }
/// // SELECT * FROM cost_following_person
/// ```
extension LoadSession {
  /// One stretch of a person's timeline.
  struct Stay: Equatable {
    var from: String
    var to: String?
    var municipality: String
    var ags: String?
    var basis: String
  }

  /// Rebuilds `residence_period` from residences and participations; returns its row count.
  @discardableResult
  public func rebuildResidencePeriods() throws -> Int {
    var stays: [Int64: [Stay]] = [:]
    // Residences with a start date, as delivered.
    let dated = try Row.fetchCursor(
      db,
      sql: """
        SELECT sp.person_id, r.municipality, r.ags, r.from_date, r.to_date FROM residence r
        JOIN source_person sp ON sp.source = r.source AND sp.local_id = r.person_local_id
        WHERE sp.person_id IS NOT NULL AND r.from_date IS NOT NULL
        """)
    while let row = try dated.next() {
      stays[row[0], default: []].append(
        Stay(from: row[3], to: row[4], municipality: row[1], ags: row[2], basis: "delivered"))
    }
    // Undated: a source record's municipality from its first recorded measure on.
    let inferred = try Row.fetchCursor(
      db,
      sql: """
        SELECT sp.person_id, coalesce(r.municipality, sp.municipality) AS municipality, r.ags,
               min(p.start_date) AS first
        FROM source_person sp
        JOIN participation p ON p.source = sp.source AND p.person_local_id = sp.local_id
        LEFT JOIN residence r ON r.source = sp.source AND r.person_local_id = sp.local_id AND r.from_date IS NULL
        WHERE sp.person_id IS NOT NULL AND p.start_date IS NOT NULL
          AND coalesce(r.municipality, sp.municipality) IS NOT NULL
          AND NOT EXISTS (
            SELECT 1 FROM residence d WHERE d.source = sp.source AND d.person_local_id = sp.local_id
              AND d.from_date IS NOT NULL)
        GROUP BY sp.person_id, sp.source, sp.local_id
        """)
    while let row = try inferred.next() {
      stays[row[0], default: []].append(
        Stay(from: row[3], to: nil, municipality: row[1], ags: row[2], basis: "inferred from measures"))
    }
    try db.execute(sql: "DELETE FROM residence_period")
    let insert = try db.cachedStatement(
      sql: "INSERT INTO residence_period(person_id, municipality, ags, from_date, to_date, basis) VALUES (?,?,?,?,?,?)")
    var rows = 0
    for (person, list) in stays {
      for stay in Self.timeline(list) {
        try insert.execute(arguments: [person, stay.municipality, stay.ags, stay.from, stay.to, stay.basis])
        rows += 1
      }
    }
    return rows
  }

  /// Orders one person's stays by start, merges a stay that only continues the same
  /// municipality, and ends each stay where the next one begins (or at its own end date).
  static func timeline(_ stays: [Stay]) -> [Stay] {
    let sorted = stays.sorted {
      ($0.from, $0.basis == "delivered" ? 0 : 1, $0.municipality) < (
        $1.from, $1.basis == "delivered" ? 0 : 1, $1.municipality
      )
    }
    var out: [Stay] = []
    for stay in sorted {
      if let last = out.last, last.municipality == stay.municipality, last.to.map({ $0 >= stay.from }) ?? true {
        // The same place again: one stay, to the later end (open if either is open).
        if let a = last.to, let b = stay.to { out[out.count - 1].to = max(a, b) } else { out[out.count - 1].to = nil }
        if stay.basis == "delivered" { out[out.count - 1].basis = "delivered" }
        continue
      }
      if let last = out.last, last.to.map({ $0 > stay.from }) ?? true {
        out[out.count - 1].to = stay.from
      }
      out.append(stay)
    }
    return out
  }
}
