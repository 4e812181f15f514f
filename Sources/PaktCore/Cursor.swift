/// A lazy, throwing iterator: the shape of every streamed sequence in pakt
/// (records read from a file, rows mapped from a record).
///
/// Modelled on GRDB's `Cursor`: a cursor is consumed once, pulls one element
/// at a time and so keeps memory bounded whatever the size of its source.
///
/// ```swift
/// var cursor = try CSVRecordCursor(url: url)
/// while let record = try cursor.next() {
///   print(record.line, record.values)
/// }
/// ```
public protocol PaktCursor<Element> {
  associatedtype Element
  /// The next element, or nil at the end.
  mutating func next() throws -> Element?
}

extension PaktCursor {
  /// Consumes the cursor and collects what it yields (for tests and small inputs).
  ///
  /// ```swift
  /// let all = try cursor.collect(limit: 10)
  /// ```
  public mutating func collect(limit: Int = .max) throws -> [Element] {
    var out: [Element] = []
    while out.count < limit, let element = try next() { out.append(element) }
    return out
  }
}
