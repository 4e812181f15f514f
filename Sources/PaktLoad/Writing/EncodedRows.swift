import PaktCore

/// The canonical rows of a batch of records, encoded into one byte buffer that the writer
/// hands to SQLite as it lies: each text value is a pointer into the buffer (`RowsTable`).
///
/// Why: the writer is the load stage's bottleneck (SQLite takes one writer). Walking mapped
/// records there cost it as much again as SQLite's own work: reference counting and freeing
/// every record's Strings, copying each text value, computing dates' text (perf, 300,000-person
/// run). Encoding the rows on the mapping thread moves that work to the other core; the writer
/// reads bytes and calls SQLite.
///
/// Made by a `RowEncoder`, written by `LoadSession.write(_:runID:counts:)`.
///
/// Layout: an operation byte, then its operands. A value is a tag byte, then nothing (NULL),
/// eight bytes (an integer) or a four-byte length and the UTF-8 bytes (text).
public struct EncodedRows: Sendable {
  enum Op: UInt8 {
    /// A record begins. Its rows follow, or a reject.
    case record
    /// The record is rejected: an index into `rejects`.
    case reject
    /// A source person row and its identity row.
    case person
    /// An index into `raws` (or `noRaw`), then a participation row.
    case participation
    case residence
    case potential
    case caseFact
    /// An index into `misses`.
    case miss
    /// An index into `flags`.
    case flag
  }

  enum Tag: UInt8 {
    case null, integer, text
  }

  static let noRaw = UInt32.max

  /// Where the value after the one at `position` in `bytes` begins.
  @inline(__always)
  static func end(ofValueAt position: Int, in bytes: UnsafeRawPointer) -> Int {
    switch bytes.load(fromByteOffset: position, as: UInt8.self) {
    case Tag.integer.rawValue: return position + 9
    case Tag.text.rawValue:
      return position + 5 + Int(bytes.loadUnaligned(fromByteOffset: position + 1, as: UInt32.self))
    default: return position + 1
    }
  }

  let bytes: ByteBuffer
  var rejects: [Reject] = []
  var misses: [NormalizationMiss] = []
  var flags: [QualityFlag] = []
  /// Raw texts kept for participations whose person reference is not yet vouched for.
  var raws: [String] = []
  /// How many records the batch holds.
  public private(set) var records = 0
  /// The batch's size in bytes: its encoded rows and the raw texts it keeps.
  public var byteCount: Int { bytes.count + textBytes }
  /// Bytes of the raw texts kept in `rejects` and `raws`.
  var textBytes = 0

  init(capacity: Int = 4096) { bytes = ByteBuffer(capacity: capacity) }

  mutating func op(_ op: Op) {
    bytes.append(op.rawValue)
    if op == .record { records += 1 }
  }

  func index(_ value: Int) { bytes.append(UInt32(truncatingIfNeeded: value)) }

  func value(_ text: String?) { bytes.value(text) }

  func value(_ number: Int64?) { bytes.value(number) }

  func value(_ number: Int?) { bytes.value(number) }

  func value(_ flag: Bool) { bytes.value(flag) }

  func value(_ lineage: Lineage) { bytes.value(lineage) }
}

/// Bytes that grow as they are appended to, owned by one batch at a time: made on the mapping
/// thread, then handed to the writer through the stream's lock, never used by both at once.
///
/// Why not `[UInt8]`: each append to an Array checks its capacity and that its storage is not
/// shared, three appends per text value; encoding was a fifth of the mapping thread (perf).
final class ByteBuffer: @unchecked Sendable {
  private(set) var base: UnsafeMutableRawPointer
  private(set) var count = 0
  private var capacity: Int

  init(capacity: Int) {
    self.capacity = max(capacity, 64)
    base = .allocate(byteCount: self.capacity, alignment: 8)
  }

  deinit { base.deallocate() }

  /// The bytes appended so far, valid while this buffer lives and is not appended to.
  var contents: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

  /// Empties the buffer, keeping its memory.
  func removeAll() { count = 0 }

  /// Makes room for `extra` more bytes.
  @inline(__always) func reserve(_ extra: Int) {
    if count + extra > capacity { grow(to: count + extra) }
  }

  private func grow(to needed: Int) {
    var newCapacity = capacity * 2
    while newCapacity < needed { newCapacity *= 2 }
    let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
    grown.copyMemory(from: base, byteCount: count)
    base.deallocate()
    base = grown
    capacity = newCapacity
  }

  func append(_ byte: UInt8) {
    reserve(1)
    base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
    count += 1
  }

  func append(_ value: UInt32) {
    reserve(4)
    base.storeBytes(of: value, toByteOffset: count, as: UInt32.self)
    count += 4
  }

  func append(_ value: Int64) {
    reserve(8)
    base.storeBytes(of: value, toByteOffset: count, as: Int64.self)
    count += 8
  }

  func append(_ bytes: UnsafeRawBufferPointer) {
    guard let source = bytes.baseAddress, bytes.count > 0 else { return }
    reserve(bytes.count)
    (base + count).copyMemory(from: source, byteCount: bytes.count)
    count += bytes.count
  }
}

/// Encodes mapped records into `EncodedRows`, one batch at a time, on the thread that maps
/// them. It keeps what the writer used to look up per row, so that the writer need not:
/// - the last person, residence and potential row encoded: a record repeats its person,
///   residence and language level on each of its participation rows, and a repeat of the row
///   just before is left out (SQLite would ignore it by its unique index anyway);
/// - the persons of the delivery so far (source and id, byte for byte): a participation that
///   names one of them cannot end up an orphan, so its raw text need not be kept aside.
///
/// One encoder goes through a delivery's files in order: `LoadSession.encoder()` hands it out
/// for a file and `LoadSession.resume(_:)` takes it back once the file is loaded.
///
/// ```swift
/// var encoder = load.encoder()
/// encoder.record()
/// encoder.person(person)
/// var counts = LoadSession.WriteCounts()
/// try load.write(encoder.takeRows(), runID: runID, counts: &counts)
/// load.resume(encoder)
/// ```
public struct RowEncoder: Sendable {
  var knownPersons: Set<RowKey> = []
  var lastPerson = LastKey()
  var lastResidence = LastKey()
  var lastPotential = LastKey()
  private var rows = EncodedRows()
  /// Bytes reserved for each new batch: the largest so far, so a batch seldom grows.
  private var expectedBytes = 4096

  public init() {}

  /// The rows encoded since the last call; the encoder starts a new batch.
  public mutating func takeRows() -> EncodedRows {
    expectedBytes = max(expectedBytes, rows.bytes.count)
    defer { rows = EncodedRows(capacity: expectedBytes) }
    return rows
  }

  /// Records encoded into the current batch.
  public var records: Int { rows.records }

  /// Begins a record: what follows, up to the next `record()`, is its rows or its reject.
  public mutating func record() { rows.op(.record) }

  /// Rejects the record begun last (the only entry it then has).
  public mutating func reject(_ reject: Reject) {
    rows.op(.reject)
    rows.index(rows.rejects.count)
    rows.rejects.append(reject)
    rows.textBytes += reject.raw.utf8.count
  }

  public mutating func flag(_ flag: QualityFlag) {
    rows.op(.flag)
    rows.index(rows.flags.count)
    rows.flags.append(flag)
  }

  public mutating func miss(_ miss: NormalizationMiss) {
    rows.op(.miss)
    rows.index(rows.misses.count)
    rows.misses.append(miss)
  }

  /// A source person record: its `source_person` row, then its `identity` row (written only
  /// when the first is new). Left out when it repeats the person just before.
  public mutating func person(_ p: SourcePersonRecord) {
    if lastPerson.repeats(p.source, p.localID) { return }
    knownPersons.insert(.person(source: p.source, localID: p.localID))
    rows.op(.person)
    Tables.person.encode(p, into: rows.bytes)
    Tables.identity.encode(p, into: rows.bytes)
  }

  /// Whether the delivery has shown the person `localID` of `source` so far. A table beside
  /// the persons' is read after the files that describe persons (the pipeline orders them so),
  /// so for its rows "not yet" means "not in the delivery".
  public func knows(source: String, localID: String) -> Bool {
    lastPerson.matches(source, localID) || knownPersons.contains(.person(source: source, localID: localID))
  }

  /// A participation. `raw` gives the record's raw text for a participation that refers to a
  /// person by id (nil for others): it is kept, until the reference is checked, when the person
  /// is not among those encoded so far.
  public mutating func participation(_ p: Participation, raw: (() -> String?)? = nil) {
    var rawIndex = EncodedRows.noRaw
    if let raw, !lastPerson.matches(p.source, p.personLocalID),
      !knownPersons.contains(.person(source: p.source, localID: p.personLocalID)), let text = raw()
    {
      rawIndex = UInt32(rows.raws.count)
      rows.raws.append(text)
      rows.textBytes += text.utf8.count
    }
    rows.op(.participation)
    rows.index(Int(rawIndex))
    Tables.participation.encode(p, into: rows.bytes)
  }

  /// A residence; left out when it repeats the one just before.
  public mutating func residence(_ r: Residence) {
    let from = r.from?.iso
    let to = r.to?.iso
    // The key of `residence_unique`: ifnull(date, '') there, so nil and "" are the same.
    if lastResidence.repeats(r.source, r.personLocalID, r.municipality, from ?? "", to ?? "") { return }
    rows.op(.residence)
    Tables.residence.encode(r, into: rows.bytes)
  }

  /// A potential; left out when it repeats the one just before.
  public mutating func potential(_ p: Potential) {
    let assessed = p.assessed?.iso
    // The key of `potential_unique` (ifnull(assessed, '') there).
    if lastPotential.repeats(p.source, p.personLocalID, p.kind.rawValue, p.value, assessed ?? "") { return }
    rows.op(.potential)
    Tables.potential.encode(p, into: rows.bytes)
  }

  /// A case; `managerKey` is the keyed pseudonym of its manager (never the name).
  public mutating func caseFact(_ c: CaseRecord, managerKey: String?) {
    rows.op(.caseFact)
    Tables.caseFact.encode((c, managerKey), into: rows.bytes)
  }
}

/// Values as `EncodedRows` lays them out: a tag byte, then nothing (NULL), eight bytes (an
/// integer) or a four-byte length and the UTF-8 bytes (text).
extension ByteBuffer {
  func value(_ text: String?) {
    guard var text else {
      append(EncodedRows.Tag.null.rawValue)
      return
    }
    text.withUTF8 { utf8 in
      reserve(5 + utf8.count)
      append(EncodedRows.Tag.text.rawValue)
      append(UInt32(truncatingIfNeeded: utf8.count))
      append(UnsafeRawBufferPointer(utf8))
    }
  }

  func value(_ number: Int64?) {
    guard let number else {
      append(EncodedRows.Tag.null.rawValue)
      return
    }
    reserve(9)
    append(EncodedRows.Tag.integer.rawValue)
    append(number)
  }

  func value(_ number: Int?) { value(number.map(Int64.init)) }

  func value(_ flag: Bool) { value(Int64(flag ? 1 : 0)) }

  /// Where a row comes from: its file, line and record path (three values).
  func value(_ lineage: Lineage) {
    value(lineage.file)
    value(lineage.line)
    value(lineage.path)
  }
}
