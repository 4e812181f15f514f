import Foundation
import GRDB
import PaktCore

extension PartialDate {
  /// Reads ISO text as stored ("1990-03-07", "1990-03", "1990").
  init?(iso: String?, placeholder: Bool) {
    guard let iso else { return nil }
    // Digit by digit for the forms pakt writes (splitting into substrings and parsing each
    // was half of reading 300,000 persons for linking, perf).
    var fields = (0, 0, 0)
    var count = 0
    var digits = 0
    var plain = true
    for byte in iso.utf8 {
      if byte == UInt8(ascii: "-") && digits > 0 && count < 2 {
        count += 1
        digits = 0
      } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") && digits < 9 {
        let value = Int(byte - UInt8(ascii: "0"))
        switch count {
        case 0: fields.0 = fields.0 * 10 + value
        case 1: fields.1 = fields.1 * 10 + value
        default: fields.2 = fields.2 * 10 + value
        }
        digits += 1
      } else {
        plain = false
        break
      }
    }
    if plain && digits > 0 {
      self.init(
        year: fields.0, month: count > 0 ? fields.1 : nil, day: count > 1 ? fields.2 : nil, placeholder: placeholder)
      return
    }
    let parts = iso.split(separator: "-").compactMap { Int($0) }
    guard let year = parts.first else { return nil }
    self.init(
      year: year, month: parts.count > 1 ? parts[1] : nil, day: parts.count > 2 ? parts[2] : nil,
      placeholder: placeholder)
  }
}

/// Statements prepared once per session and kept in one slot each.
final class PreparedStatements {
  enum Slot: Int, CaseIterable {
    case sourcePerson, identity, participation, residence, potential, caseFact, pendingReference
  }
  private var slots = [Statement?](repeating: nil, count: Slot.allCases.count)
  var pendingTableReady = false
  /// The batch `write` is writing.
  let batch = PendingBatch()
  /// What the rows written so far (and still in the warehouse) tell the next ones: the
  /// delivery's persons, the last person, residence and potential (see `RowEncoder`). Handed
  /// to the thread that maps a file, and taken back when the file has loaded.
  var encoder = RowEncoder()

  /// Forgets everything remembered about written rows (a savepoint undone, a source replaced,
  /// a person erased).
  func forgetWritten() { encoder = RowEncoder() }

  func statement(_ slot: Slot, _ db: Database, _ sql: String) throws -> Statement {
    if let statement = slots[slot.rawValue] { return statement }
    let statement = try db.makeStatement(sql: sql)
    slots[slot.rawValue] = statement
    return statement
  }
}

/// The values of one unique key (up to five), compared byte for byte as SQLite's unique
/// indexes compare them (Swift's `==` on Strings would take canonically equivalent spellings
/// for the same). Plain properties rather than an array: an allocation and the reference
/// counting per row cost as much as the statement it saves (perf, 300,000-person run).
struct LastKey {
  private var values = ("", "", "", "", "")
  private var isSet = false

  /// True when the key is byte for byte the remembered one; otherwise remembers it.
  mutating func repeats(_ a: String, _ b: String, _ c: String = "", _ d: String = "", _ e: String = "") -> Bool {
    if matches(a, b, c, d, e) { return true }
    values = (a, b, c, d, e)
    isSet = true
    return false
  }

  func matches(_ a: String, _ b: String, _ c: String = "", _ d: String = "", _ e: String = "") -> Bool {
    isSet && Self.sameBytes(a, values.0) && Self.sameBytes(b, values.1) && Self.sameBytes(c, values.2)
      && Self.sameBytes(d, values.3) && Self.sameBytes(e, values.4)
  }

  @inline(__always)
  static func sameBytes(_ a: String, _ b: String) -> Bool {
    // The same two words are the same small string or the same storage: the same bytes.
    if MemoryLayout<String>.size == 16
      && unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self)
    {
      return true
    }
    var a = a
    var b = b
    return a.withUTF8 { x in b.withUTF8 { y in x.count == y.count && x.elementsEqual(y) } }
  }
}

/// A set of (line, bytes) keys, compared byte for byte, kept without a String per key.
struct LineKeys {
  private var keys = ByteKeys()
  private var key: [UInt8] = []

  /// Keys held.
  var count: Int { keys.count }

  mutating func insert(_ line: Int64, _ path: UnsafeRawBufferPointer) {
    key.removeAll(keepingCapacity: true)
    withUnsafeBytes(of: line.littleEndian) { key.append(contentsOf: $0) }
    key.append(contentsOf: path)
    _ = key.withUnsafeBytes { keys.number($0) }
  }
}
