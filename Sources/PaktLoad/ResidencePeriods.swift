import Foundation
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
  struct Stay: Equatable, Sendable {
    var from: String
    var to: String?
    var municipality: String
    var ags: String?
    var basis: String
  }

  /// The stays of every source record, read from residences and participations before the
  /// records are linked to persons (see `rebuildResidencePeriods(from:)`).
  public struct Stays: Sendable {
    /// Each stay with the row id of its source record.
    var stays: [(record: Int64, stay: Stay)] = []

    public init() {}
  }

  /// Reads every source record's stays. It needs no person ids, so the run reads them while
  /// the records are being linked on other threads.
  ///
  /// Two scans through SQLite's C API, each in its table's own order, merged by key in
  /// memory: source records with their first measure, and residences. One query joining
  /// residences, persons and participations took 7.4 s at 300,000 persons; the two scans with
  /// dictionaries keyed by "source/id" Strings took 4–5 s, half of it making and hashing those
  /// Strings (perf). The first measure is one step into the participations' index per record
  /// (it holds the start dates, schema 8).
  public func readStays() throws -> Stays {
    try readStays(
      records: """
        SELECT sp.rowid, sp.source, sp.local_id, sp.municipality,
          (SELECT p.start_date FROM participation p
           WHERE p.source = sp.source AND p.person_local_id = sp.local_id AND p.start_date IS NOT NULL
           ORDER BY p.start_date LIMIT 1)
        FROM source_person sp
        """,
      residences: """
        SELECT source, person_local_id, id, municipality, ags, from_date, to_date FROM residence
        """)
  }

  /// Works out again the residence periods of `persons` only (a night linked in proportion
  /// to its change: the persons it linked again and those of the sources it loaded), from
  /// their records' stays as linked now; returns how many periods they have. The joins go
  /// from the persons outwards (CROSS JOIN): SQLite otherwise walked every residence.
  public func rebuildResidencePeriods(persons: Set<Int64>) throws -> Int {
    try pick(persons: persons)
    let read = try readStays(
      records: """
        SELECT sp.rowid, sp.source, sp.local_id, sp.municipality,
          (SELECT p.start_date FROM participation p
           WHERE p.source = sp.source AND p.person_local_id = sp.local_id AND p.start_date IS NOT NULL
           ORDER BY p.start_date LIMIT 1)
        FROM temp.picked_person pp CROSS JOIN source_person sp ON sp.person_id = pp.person_id
        """,
      residences: """
        SELECT r.source, r.person_local_id, r.id, r.municipality, r.ags, r.from_date, r.to_date
        FROM temp.picked_person pp CROSS JOIN source_person sp ON sp.person_id = pp.person_id
        CROSS JOIN residence r ON r.source = sp.source AND r.person_local_id = sp.local_id
        """)
    var personOf: [Int64: Int64] = [:]
    for row in try Row.fetchAll(
      db,
      sql:
        "SELECT sp.rowid, sp.person_id FROM temp.picked_person pp JOIN source_person sp ON sp.person_id = pp.person_id"
    ) {
      personOf[row[0]] = row[1]
    }
    try db.execute(
      sql: "DELETE FROM residence_period WHERE person_id IN (SELECT person_id FROM temp.picked_person)")
    return try insertResidencePeriods(Self.residencePeriods(read, personOf: personOf))
  }

  /// The stays of the records `records` reads (row id, source, local id, municipality, first
  /// measure's start), with the residences `residences` reads (source, local id, id,
  /// municipality, AGS, from, to), in any order: both are put in (source, local id) order here
  /// and merged. Why: read in key order through their indexes, every row was a jump to another
  /// page (the records' query took 1.0 s in the sqlite3 shell at 425,780 records, 0.44 s in the
  /// table's order).
  func readStays(records recordsSQL: String, residences residencesSQL: String) throws -> Stays {
    var records: [(record: Int64, source: String, local: String, municipality: String?, first: String?)] = []
    let recordRows = RawRows(try db.makeStatement(sql: recordsSQL))
    while try recordRows.next(db) {
      guard let record = recordRows.int64(0) else { continue }
      records.append(
        (record, recordRows.text(1) ?? "", recordRows.text(2) ?? "", recordRows.text(3), recordRows.text(4)))
    }
    var residences:
      [(source: String, local: String, id: Int64, municipality: String?, ags: String?, from: String?, to: String?)] =
        []
    let residenceRows = RawRows(try db.makeStatement(sql: residencesSQL))
    while try residenceRows.next(db) {
      residences.append(
        (
          residenceRows.text(0) ?? "", residenceRows.text(1) ?? "", residenceRows.int64(2) ?? 0,
          residenceRows.text(3), residenceRows.text(4), residenceRows.text(5), residenceRows.text(6)
        ))
    }
    // One ranking of both sides' keys: equal keys, equal ranks.
    let ranks = KeyOrder.ranks(
      count: records.count + residences.count,
      source: { $0 < records.count ? records[$0].source : residences[$0 - records.count].source },
      local: { $0 < records.count ? records[$0].local : residences[$0 - records.count].local })
    let recordOrder = KeyOrder.sorted(Array(ranks[..<records.count]))
    let residenceOrder = KeyOrder.sorted(Array(ranks[records.count...]))
    func residenceRank(_ j: Int) -> Int32 { ranks[records.count + residenceOrder[j]] }
    var stays = Stays()
    var next = 0
    // The residences of the current record, in delivery (id) order.
    var own: [(id: Int64, municipality: String, ags: String?, from: String?, to: String?)] = []
    for i in recordOrder {
      let record = records[i]
      // Residences of records before this one have no linked record: passed over.
      while next < residenceOrder.count && residenceRank(next) < ranks[i] { next += 1 }
      own.removeAll(keepingCapacity: true)
      while next < residenceOrder.count && residenceRank(next) == ranks[i] {
        let r = residences[residenceOrder[next]]
        if let municipality = r.municipality { own.append((r.id, municipality, r.ags, r.from, r.to)) }
        next += 1
      }
      own.sort { $0.id < $1.id }
      // Dated residences are stays as delivered; an undated one (the last delivered) names the
      // place of the record's stay inferred from its first measure.
      let dated = own.filter { $0.from != nil }
      if !dated.isEmpty {
        for r in dated {
          stays.stays.append(
            (record.record, Stay(from: r.from!, to: r.to, municipality: r.municipality, ags: r.ags, basis: "delivered"))
          )
        }
      } else if let first = record.first {
        let place = own.last
        guard let municipality = place?.municipality ?? record.municipality else { continue }
        stays.stays.append(
          (
            record.record,
            Stay(from: first, to: nil, municipality: municipality, ags: place?.ags, basis: "inferred from measures")
          ))
      }
    }
    return stays
  }

  /// Rebuilds `residence_period` from residences and participations (`stays`, read now when
  /// nil) and the persons the source records are linked to; returns its row count.
  @discardableResult
  public func rebuildResidencePeriods(from read: Stays? = nil) throws -> Int {
    let read = try read ?? readStays()
    // The person of each source record, by row id (records not linked have none).
    var personOf: [Int64: Int64] = [:]
    personOf.reserveCapacity(read.stays.count)
    let persons = RawRows(try db.makeStatement(sql: "SELECT rowid, person_id FROM source_person"))
    while try persons.next(db) {
      if let record = persons.int64(0), let person = persons.int64(1) { personOf[record] = person }
    }
    return try writeResidencePeriods(Self.residencePeriods(read, personOf: personOf))
  }

  /// Every person's periods, worked out in memory from the stays and the person of each
  /// source record (by `source_person` row id). It needs no database, so the run works them
  /// out on another thread while it writes the persons.
  ///
  /// ```swift
  /// let periods = LoadSession.residencePeriods(stays, personOf: [rowID: personID])
  /// try load.writeResidencePeriods(periods)
  /// ```
  public static func residencePeriods(_ read: Stays, personOf: [Int64: Int64]) -> ResidencePeriods {
    var stays: [(person: Int64, stay: Stay)] = []
    stays.reserveCapacity(read.stays.count)
    for (record, stay) in read.stays {
      if let person = personOf[record] { stays.append((person, stay)) }
    }
    // By person, each person's stays in the order they were found (a stable sort).
    stays.sort { $0.person < $1.person }
    var periods = ResidencePeriods()
    var start = 0
    // In person order: the table then fills page by page.
    while start < stays.count {
      let person = stays[start].person
      var end = start + 1
      while end < stays.count && stays[end].person == person { end += 1 }
      for stay in Self.timeline(stays[start..<end].map(\.stay)) { periods.rows.append((person, stay)) }
      start = end
    }
    return periods
  }

  /// Replaces `residence_period` with `periods`; returns the row count.
  public func writeResidencePeriods(_ periods: ResidencePeriods) throws -> Int {
    try db.execute(sql: "DELETE FROM residence_period")
    return try insertResidencePeriods(periods)
  }

  func insertResidencePeriods(_ periods: ResidencePeriods) throws -> Int {
    let insert = try db.makeStatement(
      sql: RowsTable.insertSQL(
        "residence_period", columns: ["person_id", "municipality", "ags", "from_date", "to_date", "basis"]))
    var rows = BuiltRows(insert.sqliteStatement, columns: 6, db: db)
    for (person, stay) in periods.rows {
      try rows.add {
        $0.value(person)
        $0.value(stay.municipality)
        $0.value(stay.ags)
        $0.value(stay.from)
        $0.value(stay.to)
        $0.value(stay.basis)
      }
    }
    try rows.flush()
    return periods.rows.count
  }

  /// Residence periods as `residencePeriods` works them out: by person, each person's
  /// stays in time.
  public struct ResidencePeriods: Sendable {
    var rows: [(person: Int64, stay: Stay)] = []
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
