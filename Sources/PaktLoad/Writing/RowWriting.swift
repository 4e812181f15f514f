import GRDB
import GRDBSQLite
import PaktCore

/// Writing encoded rows: the load stage's hot loop.
extension LoadSession {
  /// What a batch's records came to.
  public struct WriteCounts: Sendable, Equatable {
    /// Records read.
    public var read = 0
    /// Records rejected.
    public var rejected = 0
    /// Records loaded whose rows were all there already (the same person row twice): counted
    /// as loaded, with no row of their own.
    public var repeated = 0

    public init() {}
  }

  /// The encoder that continues this session's delivery (see `RowEncoder`).
  public func encoder() -> RowEncoder { prepared.encoder }

  /// Takes back the encoder of a file that loaded, with what it learnt about the delivery.
  public func resume(_ encoder: RowEncoder) { prepared.encoder = encoder }

  /// Writes a batch of encoded rows, adding what its records came to to `counts`.
  ///
  /// ```swift
  /// var counts = LoadSession.WriteCounts()
  /// try load.write(encoder.takeRows(), runID: runID, counts: &counts)
  /// ```
  ///
  /// Each table's rows go in by one statement over the batch (`RowsTable`), in file order, so
  /// row ids follow the file: persons first (an identity goes in only with a new person), then
  /// participations, residences, potentials and cases. Rejects and misses go in as they come.
  public func write(_ rows: EncodedRows, runID: Int64, counts: inout WriteCounts) throws {
    let batch = prepared.batch
    batch.start(records: rows.records)
    try withExtendedLifetime(rows.bytes) {
      let buffer = rows.bytes.contents
      var reader = RowReader(buffer)
      var record = -1
      while let op = reader.op() {
        switch op {
        case .record:
          record += 1
          counts.read += 1
        case .reject:
          try insert(rows.rejects[reader.index()], runID: runID)
          counts.rejected += 1
          batch.rejected[record] = true
        case .miss:
          try insert(rows.misses[reader.index()])
        case .flag:
          try insert(rows.flags[reader.index()], runID: runID)
        case .person:
          batch.person.add(reader.skip(RowTable.person), record: record)
          batch.identities.append(reader.skip(RowTable.identity))
        case .participation:
          let raw = reader.index()
          if raw != Int(EncodedRows.noRaw) { batch.raws.append((batch.participation.offsets.count, raw)) }
          batch.participation.add(reader.skip(RowTable.participation), record: record)
          batch.wrote[record] = true
        case .residence: batch.residence.add(reader.skip(RowTable.residence), record: record)
        case .potential: batch.potential.add(reader.skip(RowTable.potential), record: record)
        case .caseFact: batch.caseFact.add(reader.skip(RowTable.caseFact), record: record)
        }
      }
      let base = buffer.baseAddress ?? UnsafeRawPointer(rows.bytes.base)
      try insertRows(batch.person, .person, base)
      for (row, inserted) in batch.person.inserted.enumerated() where inserted {
        batch.identity.add(batch.identities[row], record: batch.person.records[row])
      }
      try insertRows(batch.identity, .identity, base)
      try insertRows(batch.participation, .participation, base)
      if !batch.raws.isEmpty {
        // Plain inserts into a table no one else writes: the row ids run on from the last one.
        let first = db.lastInsertedRowID - Int64(batch.participation.offsets.count) + 1
        for (row, raw) in batch.raws { try keepRaw(rows.raws[raw], participationID: first + Int64(row)) }
      }
      try insertRows(batch.residence, .residence, base)
      try insertRows(batch.potential, .potential, base)
      try insertRows(batch.caseFact, .caseFact, base)
      for record in 0..<rows.records where !batch.rejected[record] && !batch.wrote[record] { counts.repeated += 1 }
    }
  }

  /// Inserts one table's rows of the batch; a table that may ignore a row (its unique key is
  /// there already) learns which rows went in, and so which records wrote something.
  private func insertRows(_ rows: PendingRows, _ table: RowTable, _ base: UnsafeRawPointer) throws {
    guard !rows.offsets.isEmpty else { return }
    let statement = try prepared.statement(table.slot, db, table.sql).sqliteStatement
    let tracked = table.orIgnore
    if tracked { rows.inserted = Array(repeating: false, count: rows.offsets.count) }
    try rows.inserted.withUnsafeMutableBufferPointer { inserted in
      try RowsTable.run(
        statement, base: base, offsets: rows.offsets, columns: table.columns.count, db: db,
        inserted: tracked ? inserted.baseAddress : nil)
    }
    guard tracked else { return }
    for (row, inserted) in rows.inserted.enumerated() where inserted { prepared.batch.wrote[rows.records[row]] = true }
  }

  /// Remembers the raw text of a participation that refers to a person by id, until the
  /// reference is checked (a temporary table: memory stays bounded).
  private func keepRaw(_ raw: String, participationID: Int64) throws {
    if !prepared.pendingTableReady {
      try db.execute(sql: Self.pendingTableSQL)
      prepared.pendingTableReady = true
    }
    let statement = try prepared.statement(
      .pendingReference, db, "INSERT INTO pending_ref(participation_id, raw) VALUES (?, ?)")
    var insert = RawInsert(statement)
    insert.bind(participationID)
    insert.bind(raw)
    try insert.run(db)
  }

  // MARK: One row at a time

  /// Writes one record encoded by `encode` with the session's own encoder; returns whether
  /// it wrote a row.
  private func writeOne(_ encode: (inout RowEncoder) -> Void) throws -> Bool {
    var encoder = prepared.encoder
    encoder.record()
    encode(&encoder)
    var counts = WriteCounts()
    try write(encoder.takeRows(), runID: 0, counts: &counts)
    prepared.encoder = encoder
    return counts.repeated == 0
  }

  /// Inserts a source person record; a second record with the same source and id is ignored.
  /// Returns whether it was new.
  ///
  /// ```swift
  /// try load.insert(SourcePersonRecord(source: "ulm", localID: "U-17", lineage: at))  // true
  /// ```
  @discardableResult
  public func insert(_ p: SourcePersonRecord) throws -> Bool { try writeOne { $0.person(p) } }

  /// Inserts a participation; returns its row id. `raw` gives the record's raw text, kept for
  /// a reject when the person it names turns out not to be in the delivery.
  @discardableResult
  public func insert(_ p: Participation, raw: (() -> String?)? = nil) throws -> Int64 {
    _ = try writeOne { $0.participation(p, raw: raw) }
    let id = db.lastInsertedRowID
    try programNamesChanged(source: p.source)
    return id
  }

  /// Inserts a residence; returns whether it was new.
  @discardableResult
  public func insert(_ r: Residence) throws -> Bool { try writeOne { $0.residence(r) } }

  /// Inserts a potential; returns whether it was new.
  @discardableResult
  public func insert(_ p: Potential) throws -> Bool { try writeOne { $0.potential(p) } }

  /// Inserts a case; `managerKey` is the keyed pseudonym of its manager (never the name).
  @discardableResult
  public func insert(_ c: CaseRecord, managerKey: String?) throws -> Bool {
    try writeOne { $0.caseFact(c, managerKey: managerKey) }
  }
}

/// Reads the operations of `EncodedRows` and passes over their values.
private struct RowReader {
  let buffer: UnsafeRawBufferPointer
  var position = 0

  init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

  mutating func op() -> EncodedRows.Op? {
    guard position < buffer.count else { return nil }
    defer { position += 1 }
    return EncodedRows.Op(rawValue: buffer[position])
  }

  mutating func index() -> Int {
    defer { position += 4 }
    return Int(buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self))
  }

  /// Passes over the values of one row of `table`; returns where they begin.
  mutating func skip(_ table: RowTable) -> Int {
    let start = position
    for _ in 0..<table.columns.count { position = EncodedRows.end(ofValueAt: position, in: buffer.baseAddress!) }
    return start
  }
}

/// A table the encoded rows go into: its loaded columns in the order `RowEncoder` encodes their
/// values (from its `TableSpec`), and whether a row whose unique key is there already is ignored.
struct RowTable: Sendable {
  let name: String
  let columns: [String]
  let orIgnore: Bool
  let slot: PreparedStatements.Slot

  var sql: String { RowsTable.insertSQL(name, columns: columns, orIgnore: orIgnore) }

  static let person = Tables.person.rows
  static let identity = Tables.identity.rows
  static let participation = Tables.participation.rows
  static let residence = Tables.residence.rows
  static let potential = Tables.potential.rows
  static let caseFact = Tables.caseFact.rows
}

/// One table's rows in the batch being written: where each begins, the record it belongs to,
/// and (once written, for a table that may ignore rows) whether it went in.
final class PendingRows {
  var offsets: [Int] = []
  var records: [Int] = []
  var inserted: [Bool] = []

  func add(_ offset: Int, record: Int) {
    offsets.append(offset)
    records.append(record)
  }

  func removeAll() {
    offsets.removeAll(keepingCapacity: true)
    records.removeAll(keepingCapacity: true)
    inserted.removeAll(keepingCapacity: true)
  }
}

/// The batch being written, kept by the session so that its arrays keep their capacity.
final class PendingBatch {
  let person = PendingRows()
  /// Where each person's identity values begin, beside `person`.
  var identities: [Int] = []
  let identity = PendingRows()
  let participation = PendingRows()
  /// Participations whose raw text is kept: their row in `participation`, and the raw text.
  var raws: [(row: Int, raw: Int)] = []
  let residence = PendingRows()
  let potential = PendingRows()
  let caseFact = PendingRows()
  /// Per record of the batch: whether it was rejected, and whether any row of it went in.
  var rejected: [Bool] = []
  var wrote: [Bool] = []

  func start(records: Int) {
    for rows in [person, identity, participation, residence, potential, caseFact] { rows.removeAll() }
    identities.removeAll(keepingCapacity: true)
    raws.removeAll(keepingCapacity: true)
    rejected = Array(repeating: false, count: records)
    wrote = Array(repeating: false, count: records)
  }
}
