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
  ///
  /// Two plain scans joined in memory, read through SQLite's C API: one query joining
  /// residences, persons and participations took 7.4 s at 300,000 persons, these take about 2.
  @discardableResult
  public func rebuildResidencePeriods() throws -> Int {
    // Residences by source record: dated ones are stays as delivered; an undated one names the
    // place of the record's inferred stay.
    var dated: [String: [Stay]] = [:]
    var place: [String: (municipality: String, ags: String?)] = [:]
    var rows = RawRows(
      try db.makeStatement(
        sql: "SELECT source, person_local_id, municipality, ags, from_date, to_date FROM residence"))
    while try rows.next(db) {
      let key = (rows.text(0) ?? "") + "/" + (rows.text(1) ?? "")
      guard let municipality = rows.text(2) else { continue }
      if let from = rows.text(4) {
        dated[key, default: []].append(
          Stay(from: from, to: rows.text(5), municipality: municipality, ags: rows.text(3), basis: "delivered"))
      } else {
        place[key] = (municipality, rows.text(3))
      }
    }
    // Each linked source record with its first measure, in primary-key order (no sort).
    var stays: [Int64: [Stay]] = [:]
    rows = RawRows(
      try db.makeStatement(
        sql: """
          SELECT sp.person_id, sp.source, sp.local_id, sp.municipality, min(p.start_date)
          FROM source_person sp
          LEFT JOIN participation p ON p.source = sp.source AND p.person_local_id = sp.local_id
          WHERE sp.person_id IS NOT NULL
          GROUP BY sp.source, sp.local_id
          """))
    while try rows.next(db) {
      guard let person = rows.int64(0) else { continue }
      let key = (rows.text(1) ?? "") + "/" + (rows.text(2) ?? "")
      if let delivered = dated[key] {
        stays[person, default: []] += delivered
      } else if let first = rows.text(4), let municipality = place[key]?.municipality ?? rows.text(3) {
        stays[person, default: []].append(
          Stay(from: first, to: nil, municipality: municipality, ags: place[key]?.ags, basis: "inferred from measures"))
      }
    }
    try db.execute(sql: "DELETE FROM residence_period")
    let insert = try db.makeStatement(
      sql: "INSERT INTO residence_period(person_id, municipality, ags, from_date, to_date, basis) VALUES (?,?,?,?,?,?)")
    var count = 0
    // In person order: the table then fills page by page.
    for person in stays.keys.sorted() {
      for stay in Self.timeline(stays[person]!) {
        var row = RawInsert(insert)
        row.bind(person)
        row.bind(stay.municipality)
        row.bind(stay.ags)
        row.bind(stay.from)
        row.bind(stay.to)
        row.bind(stay.basis)
        try row.run(db)
        count += 1
      }
    }
    return count
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
