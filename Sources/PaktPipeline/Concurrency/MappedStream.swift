import Foundation
import PaktExtract
import PaktLoad
import PaktMap

/// Reads and maps one file on a thread of its own while the caller loads what is ready: the
/// second core extracts and maps, the first writes to the warehouse (SQLite takes one writer).
///
/// Records arrive in file order, in batches; a queue of a fixed number of bytes bounds the
/// memory. A file that turns out unreadable part-way ends the stream with its `ExtractError`
/// after the records before it, so the caller can roll the file back as before.
///
/// Each record is encoded for the warehouse on that thread too (`encode`, into a
/// `RowEncoder`), so the writing thread only binds and runs statements.
///
/// ```swift
/// let stream = MappedStream(path: file.path, options: options, mapper: mapper, encoder: load.encoder()) {
///   line, mapped, encoder in encoder.record(); …
/// }
/// defer { stream.close() }
/// while let rows = try stream.next() { try load.write(rows, runID: runID, counts: &counts) }
/// if let encoder = stream.finishedEncoder { load.resume(encoder) }
/// ```
final class MappedStream: @unchecked Sendable {
  typealias Batch = EncodedRows
  /// Encodes one mapped record (with its line) for the warehouse.
  typealias Encode = @Sendable (Int, MappedRecord, inout RowEncoder) -> Void

  // Guarded by `condition`.
  private let condition = NSCondition()
  private var queue: [Batch?] = []
  /// Where the next batch to hand out is in `queue` (taken ones are nil, dropped in bulk).
  private var head = 0
  /// Bytes of the batches waiting (`EncodedRows.byteCount`).
  private var queuedBytes = 0
  private var ended = false
  private var failure: (any Error)?
  private var closed = false
  private var producerRunning = true
  private var bytesReadByProducer = 0
  private var encoderAtEnd: RowEncoder?

  /// Bytes held at most (encoded rows and kept raw texts; about 250 batches of the benchmark
  /// corpus's records). Why this many: a file started ahead then maps well ahead of the
  /// writer, so that the writer finds the next file's batches ready; with 8 batches each, the
  /// writer waited 5.3 s of a 17 s load for the file it was on while the files ahead sat full
  /// (timing laps, 300,000-person run); with this, 1.1 s, and the load took 12.9–13.7 s.
  private let capacityBytes = 16 << 20
  private let batchSize = 256

  init(path: String, options: ReadOptions, mapper: RecordMapper, encoder: RowEncoder, encode: @escaping Encode) {
    let thread = Thread { [self] in
      self.produce(path: path, options: options, mapper: mapper, encoder: encoder, encode: encode)
    }
    thread.name = "pakt-extract"
    thread.start()
  }

  private func produce(
    path: String, options: ReadOptions, mapper: RecordMapper, encoder: RowEncoder, encode: Encode
  ) {
    var mapper = mapper
    var encoder = encoder
    var error: (any Error)?
    var finished = false
    do {
      let opened = try OpenedFile(path: path, options: options)
      finished = true
      while let record = try opened.next() {
        encode(record.line, mapper.map(record), &encoder)
        if encoder.records == batchSize {
          guard push(encoder.takeRows(), bytesRead: opened.bytesRead) else {
            finished = false
            break
          }
        }
      }
      if finished && encoder.records > 0 { finished = push(encoder.takeRows(), bytesRead: opened.bytesRead) }
    } catch let thrown {
      error = thrown
      finished = false
    }
    condition.lock()
    failure = error
    if finished { encoderAtEnd = encoder }
    ended = true
    producerRunning = false
    condition.broadcast()
    condition.unlock()
  }

  /// Waits for room; false when the reader closed the stream.
  private func push(_ batch: Batch, bytesRead: Int) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    while queuedBytes > 0 && queuedBytes + batch.byteCount > capacityBytes && !closed { condition.wait() }
    if closed { return false }
    queue.append(batch)
    queuedBytes += batch.byteCount
    bytesReadByProducer = bytesRead
    condition.broadcast()
    return true
  }

  /// Whether the reader thread has read the file to its end (or stopped): its batches may
  /// still wait to be taken.
  var producerEnded: Bool {
    condition.lock()
    defer { condition.unlock() }
    return ended
  }

  /// The encoder after the file's last record, once the reader thread has ended (nil when the
  /// file ended early).
  var finishedEncoder: RowEncoder? {
    condition.lock()
    defer { condition.unlock() }
    return encoderAtEnd
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
    while head == queue.count && !ended { condition.wait() }
    if head < queue.count {
      let batch = queue[head]!
      queue[head] = nil
      head += 1
      queuedBytes -= batch.byteCount
      if head >= 64 && head * 2 >= queue.count {
        queue.removeFirst(head)
        head = 0
      }
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
    head = 0
    queuedBytes = 0
    condition.broadcast()
    while producerRunning { condition.wait() }
    condition.unlock()
  }
}
