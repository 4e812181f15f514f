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
  public func write(_ rows: EncodedRows, runID: Int64, counts: inout WriteCounts) throws {
    let person = try prepared.statement(.sourcePerson, db, RowEncoder.personSQL).sqliteStatement
    let identity = try prepared.statement(.identity, db, RowEncoder.identitySQL).sqliteStatement
    let participation = try prepared.statement(.participation, db, RowEncoder.participationSQL).sqliteStatement
    let participations = try prepared.statement(
      .participationGroup, db, RowEncoder.participationSQL(rows: Self.participationGroup)
    ).sqliteStatement
    let residence = try prepared.statement(.residence, db, RowEncoder.residenceSQL).sqliteStatement
    let potential = try prepared.statement(.potential, db, RowEncoder.potentialSQL).sqliteStatement
    let caseFact = try prepared.statement(.caseFact, db, RowEncoder.caseSQL).sqliteStatement
    let connection = db.sqliteConnection
    try withExtendedLifetime(rows.bytes) {
      var reader = RowReader(rows.bytes.contents)
      // The record being written: whether it was rejected, whether any row of it was new.
      var open = false
      var rejected = false
      var wrote = false
      func close() {
        if open && !rejected && !wrote { counts.repeated += 1 }
      }
      /// Binds the next values to `statement`, as many as it has parameters, and runs it; true
      /// when it wrote a row.
      func run(_ statement: OpaquePointer) throws -> Bool {
        reader.bind(sqlite3_bind_parameter_count(statement), to: statement)
        try runBound(statement, db)
        return sqlite3_changes(connection) > 0
      }
      // A participation's values: as many as its statement's parameters.
      let participationValues = sqlite3_bind_parameter_count(participation)
      // Participations wait to be written several to a statement (where their values begin).
      // Why: one statement of eight rows costs far less than eight statements of one (callgrind).
      var waiting: [Int] = []
      waiting.reserveCapacity(Self.participationGroup)
      func flushParticipations() throws {
        if waiting.count == Self.participationGroup {
          for (k, position) in waiting.enumerated() {
            var values = RowReader(rows.bytes.contents, at: position)
            values.bind(participationValues, to: participations, from: Int32(k) * participationValues + 1)
          }
          try runBound(participations, db)
        } else {
          for position in waiting {
            var values = RowReader(rows.bytes.contents, at: position)
            values.bind(participationValues, to: participation)
            try runBound(participation, db)
          }
        }
        waiting.removeAll(keepingCapacity: true)
      }
      while let op = reader.op() {
        switch op {
        case .record:
          close()
          counts.read += 1
          (open, rejected, wrote) = (true, false, false)
        case .reject:
          try insert(rows.rejects[reader.index()], runID: runID)
          counts.rejected += 1
          rejected = true
        case .miss:
          try insert(rows.misses[reader.index()])
        case .person:
          if try run(person) {
            wrote = true
            _ = try run(identity)
          } else {
            reader.skip(Int(sqlite3_bind_parameter_count(identity)))
          }
        case .participation:
          let raw = reader.index()
          wrote = true
          if raw == Int(EncodedRows.noRaw) {
            waiting.append(reader.position)
            reader.skip(Int(participationValues))
            if waiting.count == Self.participationGroup { try flushParticipations() }
          } else {
            // Its row id is kept with its raw text; those before it keep their order.
            try flushParticipations()
            _ = try run(participation)
            try keepRaw(rows.raws[raw], participationID: sqlite3_last_insert_rowid(connection))
          }
        case .residence:
          if try run(residence) { wrote = true }
        case .potential:
          if try run(potential) { wrote = true }
        case .caseFact:
          if try run(caseFact) { wrote = true }
        }
      }
      try flushParticipations()
      close()
    }
  }

  /// Participations written by one statement.
  static let participationGroup = 8

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
    return db.lastInsertedRowID
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

/// Reads `EncodedRows` and binds its values where they lie.
private struct RowReader {
  let buffer: UnsafeRawBufferPointer
  var position = 0

  init(_ buffer: UnsafeRawBufferPointer, at position: Int = 0) {
    self.buffer = buffer
    self.position = position
  }

  mutating func op() -> EncodedRows.Op? {
    guard position < buffer.count else { return nil }
    defer { position += 1 }
    return EncodedRows.Op(rawValue: buffer[position])
  }

  mutating func index() -> Int {
    defer { position += 4 }
    return Int(buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self))
  }

  /// Binds the next `count` values to parameters `first`…. A text is bound without a copy
  /// (`SQLITE_STATIC`): it lies in the buffer until the statement has run, and every parameter
  /// is bound again before the next run.
  mutating func bind(_ count: Int32, to statement: OpaquePointer, from first: Int32 = 1) {
    for parameter in first..<(first + count) {
      let tag = buffer[position]
      position += 1
      switch tag {
      case EncodedRows.Tag.integer.rawValue:
        sqlite3_bind_int64(statement, parameter, buffer.loadUnaligned(fromByteOffset: position, as: Int64.self))
        position += 8
      case EncodedRows.Tag.text.rawValue:
        let length = Int(buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self))
        position += 4
        // Never a null pointer (SQLite would store NULL for an empty text): the buffer holds
        // at least this value's header.
        let text = (buffer.baseAddress! + position).assumingMemoryBound(to: CChar.self)
        sqlite3_bind_text(statement, parameter, text, Int32(length), nil)
        position += length
      default:
        sqlite3_bind_null(statement, parameter)
      }
    }
  }

  /// Passes over the next `count` values.
  mutating func skip(_ count: Int) {
    for _ in 0..<count {
      let tag = buffer[position]
      position += 1
      if tag == EncodedRows.Tag.integer.rawValue {
        position += 8
      } else if tag == EncodedRows.Tag.text.rawValue {
        position += 4 + Int(buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self))
      }
    }
  }
}
