import Foundation
import PaktExtract
import PaktMap

/// Reads and maps one file on a thread of its own while the caller loads what is ready: the
/// second core extracts and maps, the first writes to the warehouse (SQLite takes one writer).
///
/// Records arrive in file order, in batches; a queue of a few batches bounds the memory. A file
/// that turns out unreadable part-way ends the stream with its `ExtractError` after the records
/// before it, so the caller can roll the file back as before.
///
/// ```swift
/// let stream = MappedStream(path: file.path, options: options, mapper: mapper)
/// defer { stream.close() }
/// while let batch = try stream.next() {
///   for (line, mapped) in batch { … }
/// }
/// ```
final class MappedStream: @unchecked Sendable {
  typealias Batch = [(line: Int, mapped: MappedRecord)]

  // Guarded by `condition`.
  private let condition = NSCondition()
  private var queue: [Batch] = []
  private var ended = false
  private var failure: (any Error)?
  private var closed = false
  private var producerRunning = true
  private var bytesReadByProducer = 0

  /// Batches held at most; with 256 records each, a few thousand records in flight.
  private let capacity = 8
  private let batchSize = 256

  init(path: String, options: ReadOptions, mapper: RecordMapper) {
    let thread = Thread { [self] in
      self.produce(path: path, options: options, mapper: mapper)
    }
    thread.name = "pakt-extract"
    thread.start()
  }

  private func produce(path: String, options: ReadOptions, mapper: RecordMapper) {
    var mapper = mapper
    var error: (any Error)?
    do {
      let opened = try OpenedFile(path: path, options: options)
      var batch: Batch = []
      batch.reserveCapacity(batchSize)
      while let record = try opened.next() {
        batch.append((record.line, mapper.map(record)))
        if batch.count == batchSize {
          guard push(batch, bytesRead: opened.bytesRead) else { break }
          batch = []
          batch.reserveCapacity(batchSize)
        }
      }
      if !batch.isEmpty { _ = push(batch, bytesRead: opened.bytesRead) }
    } catch let thrown {
      error = thrown
    }
    condition.lock()
    failure = error
    ended = true
    producerRunning = false
    condition.broadcast()
    condition.unlock()
  }

  /// Waits for room; false when the reader closed the stream.
  private func push(_ batch: Batch, bytesRead: Int) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    while queue.count >= capacity && !closed { condition.wait() }
    if closed { return false }
    queue.append(batch)
    bytesReadByProducer = bytesRead
    condition.broadcast()
    return true
  }

  /// Bytes of the file the reader thread has read so far (for progress).
  var bytesRead: Int {
    condition.lock()
    defer { condition.unlock() }
    return bytesReadByProducer
  }

  /// The next batch in file order; nil at the end; throws what ended the file early.
  func next() throws -> Batch? {
    condition.lock()
    defer { condition.unlock() }
    while queue.isEmpty && !ended { condition.wait() }
    if !queue.isEmpty {
      let batch = queue.removeFirst()
      condition.broadcast()
      return batch
    }
    if let failure { throw failure }
    return nil
  }

  /// Stops the reader thread (if still running) and waits for it: no thread outlives the file.
  func close() {
    condition.lock()
    closed = true
    queue.removeAll()
    condition.broadcast()
    while producerRunning { condition.wait() }
    condition.unlock()
  }
}
