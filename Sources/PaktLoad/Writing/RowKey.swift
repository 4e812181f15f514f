/// Values of a unique key as one byte string, compared byte for byte as SQLite's BINARY
/// collation compares them: each value's UTF-8 bytes after their length, so that no two
/// different tuples give the same bytes.
///
/// Why not `String`: Swift compares strings by canonical equivalence ("\u{C4}1" and
/// "A\u{308}1" are equal), where SQLite's unique indexes compare bytes. A set of Strings would
/// take a person record SQLite keeps apart for one already loaded.
///
/// ```swift
/// var loaded: Set<RowKey> = [RowKey.person(source: "ulm", localID: "U-17")]
/// loaded.contains(RowKey.person(source: "ulm", localID: "U-17"))  // true
/// ```
struct RowKey: Hashable {
  private var bytes: [UInt8] = []

  init(_ values: String...) {
    bytes.reserveCapacity(32)
    for var value in values {
      value.withUTF8 { utf8 in
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: utf8)
      }
    }
  }

  /// The key of `source_person` (and `identity`).
  static func person(source: String, localID: String) -> RowKey { RowKey(source, localID) }

  // One call over the bytes: Array's own hashing combines them one element at a time.
  func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }

  static func == (a: RowKey, b: RowKey) -> Bool { a.bytes == b.bytes }
}
