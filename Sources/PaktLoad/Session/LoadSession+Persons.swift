import Foundation
import GRDB
import PaktCore

/// The source person records as linking reads them, and the persons linking writes.
extension LoadSession {
  // MARK: Persons

  /// Every source person record, for linking, with the person id it had before this run.
  public func storedPersons() throws -> [StoredPerson] {
    // Read through SQLite's C API: decoding 300,000 GRDB rows took 3 s of the link stage.
    // In the tables' own order, each record's identity by its row id where the loader wrote
    // the two side by side (else by key), then sorted here. Why: read in key order, each row
    // was a jump to other pages of both tables; inside the night's transaction that took
    // 1.4 s of stepping at 425,780 records, in this order 0.65 s (the sort 0.3 s).
    let records = try readStoredPersons(
      """
      SELECT sp.source, sp.local_id, coalesce(i1.family_name, i2.family_name),
             coalesce(i1.given_name, i2.given_name), coalesce(i1.birth_date, i2.birth_date),
             sp.birth_date_placeholder, sp.sex, sp.nationality, coalesce(i1.azr_number, i2.azr_number),
             coalesce(i1.bamf_number, i2.bamf_number), sp.person_id, sp.link_rule, sp.rowid, sp.municipality
      FROM source_person sp
      LEFT JOIN identity i1 ON i1.rowid = sp.rowid AND i1.source = sp.source AND i1.local_id = sp.local_id
      LEFT JOIN identity i2 ON i1.rowid IS NULL AND i2.source = sp.source AND i2.local_id = sp.local_id
      """)
    let ranks = KeyOrder.ranks(count: records.count, source: { records[$0].source }, local: { records[$0].localID })
    return KeyOrder.sorted(ranks).map { records[$0] }
  }

  /// The stored person records named by (source, local id), those of the given persons (all
  /// their records), and, with `unlinked`, those without a person (new or changed tonight):
  /// each once, in (source, local id) order. What a night linked in proportion to its change
  /// reads instead of every record.
  public func storedPersons(
    keys: [(source: String, localID: String)] = [], persons: [Int64] = [], unlinked: Bool = false
  ) throws -> [StoredPerson] {
    try db.execute(
      sql: """
        CREATE TEMP TABLE IF NOT EXISTS picked_record (source TEXT NOT NULL, local_id TEXT NOT NULL,
          PRIMARY KEY (source, local_id)) WITHOUT ROWID
        """)
    try db.execute(sql: "DELETE FROM temp.picked_record")
    let addKey = try db.makeStatement(sql: "INSERT OR IGNORE INTO temp.picked_record VALUES (?, ?)")
    for key in keys { try addKey.execute(arguments: [key.source, key.localID]) }
    try pick(persons: persons)
    return try readStoredPersons(
      """
      WITH picked(id) AS (
        SELECT sp.rowid FROM temp.picked_record p
          JOIN source_person sp ON sp.source = p.source AND sp.local_id = p.local_id
        UNION SELECT sp.rowid FROM temp.picked_person p JOIN source_person sp ON sp.person_id = p.person_id
        UNION SELECT rowid FROM source_person WHERE \(unlinked ? 1 : 0) AND person_id IS NULL)
      SELECT sp.source, sp.local_id, i.family_name, i.given_name, i.birth_date, sp.birth_date_placeholder, sp.sex,
             sp.nationality, i.azr_number, i.bamf_number, sp.person_id, sp.link_rule, sp.rowid,
             sp.municipality
      FROM picked CROSS JOIN source_person sp ON sp.rowid = picked.id
      LEFT JOIN identity i ON i.source = sp.source AND i.local_id = sp.local_id
      ORDER BY sp.source, sp.local_id
      """)
  }

  /// Fills `temp.picked_person` with `persons` (what was picked before goes): the persons a
  /// statement then joins from.
  func pick(persons: some Sequence<Int64>) throws {
    try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS picked_person (person_id INTEGER PRIMARY KEY)")
    try db.execute(sql: "DELETE FROM temp.picked_person")
    let add = try db.makeStatement(sql: "INSERT OR IGNORE INTO temp.picked_person VALUES (?)")
    for person in persons { try add.execute(arguments: [person]) }
  }

  func readStoredPersons(_ sql: String) throws -> [StoredPerson] {
    let rows = RawRows(try db.makeStatement(sql: sql))
    var out: [StoredPerson] = []
    while try rows.next(db) {
      let (source, local) = (rows.text(0) ?? "", rows.text(1) ?? "")
      out.append(
        StoredPerson(
          key: source + "/" + local, source: source, localID: local, familyName: rows.text(2),
          givenName: rows.text(3), birthDate: PartialDate(iso: rows.text(4), placeholder: rows.int64(5) == 1),
          sex: rows.text(6).flatMap { Sex(rawValue: $0) } ?? .unknown, nationality: rows.text(7),
          azrNumber: rows.text(8), bamfNumber: rows.text(9), personID: rows.int64(10), linkRule: rows.text(11),
          rowID: rows.int64(12) ?? 0, municipality: rows.text(13)))
    }
    return out
  }

  /// Which of the record keys ("source/local id") the warehouse holds. A key is tried at
  /// each "/" in turn: a source name may hold one too.
  public func heldKeys(_ keys: [String]) throws -> Set<String> {
    let lookup = try db.makeStatement(sql: "SELECT count(*) FROM source_person WHERE source = ? AND local_id = ?")
    var held = Set<String>()
    for key in Set(keys) {
      for cut in key.indices where key[cut] == "/" {
        let (source, local) = (String(key[..<cut]), String(key[key.index(after: cut)...]))
        if try Int.fetchOne(lookup, arguments: [source, local]) ?? 0 > 0 {
          held.insert(key)
          break
        }
      }
    }
    return held
  }

  /// The persons of the records of every source this transaction replaced (delivered again).
  public func personsOfReplacedSources() throws -> Set<Int64> {
    try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS replaced_source (source TEXT PRIMARY KEY)")
    return Set(
      try Int64.fetchAll(
        db,
        sql: """
          SELECT DISTINCT sp.person_id FROM temp.replaced_source r JOIN source_person sp ON sp.source = r.source
          WHERE sp.person_id IS NOT NULL
          """))
  }

  /// What linking keeps between nights under `name` (`LinkIndex`), nil when nothing is kept.
  public func linkState(_ name: String) throws -> [UInt8]? {
    guard let row = try Int64.fetchOne(db, sql: "SELECT rowid FROM link_state WHERE name = ?", arguments: [name])
    else { return nil }
    return try BlobIO.read(table: "link_state", column: "data", row: row, db)
  }

  /// Keeps `data` under `name` (nil removes it), through `BlobIO`: never copied whole.
  public func setLinkState(_ name: String, _ data: [UInt8]?) throws {
    guard let data else {
      try db.execute(sql: "DELETE FROM link_state WHERE name = ?", arguments: [name])
      return
    }
    try db.execute(
      sql: "INSERT OR REPLACE INTO link_state(name, data) VALUES (?, zeroblob(?))", arguments: [name, data.count])
    try BlobIO.write(data, table: "link_state", column: "data", row: db.lastInsertedRowID, db)
  }

  /// Keeps under `name` the `count` bytes that `produce` hands its sink in order, through
  /// `BlobIO`: they are never held whole (the link index, 100 MB at 500,000 records).
  public func setLinkState(
    _ name: String, count: Int, produce: ((UnsafeRawBufferPointer) -> Void) -> Void
  ) throws {
    try db.execute(
      sql: "INSERT OR REPLACE INTO link_state(name, data) VALUES (?, zeroblob(?))", arguments: [name, count])
    try BlobIO.write(
      count: count, table: "link_state", column: "data", row: db.lastInsertedRowID, db, produce: produce)
  }

  /// Person ids by source record key, as the warehouse holds them now.
  public func personIDs() throws -> [String: Int64] {
    var result: [String: Int64] = [:]
    let rows = try Row.fetchCursor(
      db, sql: "SELECT source, local_id, person_id FROM source_person WHERE person_id IS NOT NULL")
    while let row = try rows.next() {
      result["\(row["source"] as String)/\(row["local_id"] as String)"] = row["person_id"]
    }
    return result
  }

  /// Writes the persons formed by linking: ids and rules on the source records whose person
  /// or reason changed (`changes`, by `source_person` row id; `records` in all), the person
  /// dimension rebuilt, id events recorded.
  public func writePersons(
    changes: [(rowID: Int64, id: Int64?, rule: String?)], records: Int,
    persons: [PersonRow],
    events: [(kind: String, old: Int64, new: Int64)], runID: Int64
  ) throws {
    try writePersonIDs(changes: changes, records: records)
    try writePersons(persons, events: events, runID: runID)
  }

  /// A person of the person dimension, as linking makes it.
  public typealias PersonRow = (
    id: Int64, key: String, sex: Sex, birthYear: Int?, nationality: String?, records: Int
  )

  /// Writes ids and rules on the source records whose person or reason changed (`changes`,
  /// by `source_person` row id; `records` in all).
  public func writePersonIDs(changes: [(rowID: Int64, id: Int64?, rule: String?)], records: Int) throws {
    // In row id order, the table's own: a first load walks it once; a night that keeps every
    // person writes nothing here.
    let changes = changes.sorted { $0.rowID < $1.rowID }
    try withIndexes(of: "source_person", rebuiltIf: changes.count > records / 4) {
      // Through `pakt_rows`: a statement over a few thousand rows, not one per row.
      let update = try db.makeStatement(
        sql: """
          UPDATE source_person SET person_id = r.c1, link_rule = r.c2
          FROM \(RowsTable.name)(?) AS r WHERE source_person.rowid = r.c0
          """)
      var rows = BuiltRows(update.sqliteStatement, columns: 3, db: db)
      for change in changes {
        try rows.add {
          $0.value(change.rowID)
          $0.value(change.id)
          $0.value(change.rule)
        }
      }
      try rows.flush()
    }
  }

  /// Rebuilds the person dimension and records the run's person id events.
  public func writePersons(
    _ persons: [PersonRow],
    events: [(kind: String, old: Int64, new: Int64)], runID: Int64
  ) throws {
    try db.execute(sql: "DELETE FROM person")
    try withIndexes(of: "person", rebuiltIf: persons.count > 10_000) { try insertPersons(persons) }
    try recordEvents(events, runID: runID)
  }

  /// Replaces some persons of the person dimension: the rows of `removing` go, `persons` come
  /// in; the run's person id events are recorded. For a night linked in proportion to its change.
  public func replacePersons(
    _ persons: [PersonRow], removing: Set<Int64>, events: [(kind: String, old: Int64, new: Int64)], runID: Int64
  ) throws {
    let delete = try db.makeStatement(
      sql: "DELETE FROM person WHERE person_id IN (SELECT c0 FROM \(RowsTable.name)(?))")
    var ids = BuiltRows(delete.sqliteStatement, columns: 1, db: db)
    for id in removing.sorted() { try ids.add { $0.value(id) } }
    try ids.flush()
    try insertPersons(persons)
    try recordEvents(events, runID: runID)
  }

  /// Inserts person rows through `pakt_rows`: one statement over a few thousand rows.
  func insertPersons(_ persons: [PersonRow]) throws {
    let insert = try db.makeStatement(
      sql: RowsTable.insertSQL(
        "person", columns: ["person_id", "person_key", "sex", "birth_year", "nationality", "records"]))
    var rows = BuiltRows(insert.sqliteStatement, columns: 6, db: db)
    for p in persons {
      try rows.add {
        $0.value(p.id)
        $0.value(p.key)
        $0.value(p.sex.rawValue)
        $0.value(p.birthYear)
        $0.value(p.nationality)
        $0.value(p.records)
      }
    }
    try rows.flush()
  }

  /// Records the run's person id events (merges and splits).
  func recordEvents(_ events: [(kind: String, old: Int64, new: Int64)], runID: Int64) throws {
    let event = try db.cachedStatement(
      sql: "INSERT INTO person_id_event(run_id, kind, old_person_id, new_person_id) VALUES (?,?,?,?)")
    for e in events { try event.execute(arguments: [runID, e.kind, e.old, e.new]) }
  }

  /// Runs `body`, which writes many rows of `table`; with `rebuiltIf`, the table's own
  /// indexes are dropped first and built again after. Why: an index built once from sorted
  /// keys is far cheaper than one entry placed at a random spot per row (the person ids and
  /// keys of a first load are in no order the table has). Inside the run's transaction, so a
  /// crash leaves the indexes as they were.
  func withIndexes(of table: String, rebuiltIf rebuild: Bool, _ body: () throws -> Void) throws {
    guard rebuild else { return try body() }
    let indexes = try Row.fetchAll(
      db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
      arguments: [table]
    ).map { (name: $0["name"] as String, sql: $0["sql"] as String) }
    for index in indexes { try db.execute(sql: "DROP INDEX \"\(index.name)\"") }
    try body()
    for index in indexes { try db.execute(sql: index.sql) }
  }
}
