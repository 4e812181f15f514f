import PaktCore

/// The reader's room for a record's field spans, allocated once and grown when a record is
/// wider. Why not an array: its uniqueness check and closure per record were a tenth of the
/// cost of handing out a row (callgrind).
final class SpanStore {
  private var storage = UnsafeMutableBufferPointer<CSVScan.Span>.allocate(capacity: 16)

  /// Room for at least `count` spans (valid until the next call).
  func room(for count: Int) -> UnsafeMutableBufferPointer<CSVScan.Span> {
    if storage.count < count {
      storage.deallocate()
      storage = .allocate(capacity: max(count, 2 * storage.count))
    }
    return storage
  }

  deinit { storage.deallocate() }
}
