import Foundation
import PaktLoad

/// The streams of the files a load writes, in the order it writes them; each file is read and
/// mapped on a thread of its own as soon as the file before it has been read, while the writer
/// still writes that one's last batches and the source's closing checks.
///
/// Why: the next file's thread used to start only once the writer had finished the file
/// before it, so the mapping core idled while the writer drained its queue and checked a
/// source (orphans, retired records, reconciliation), and the writer then idled while the next
/// file was opened and its first batch mapped.
///
/// A file started ahead continues the encoder that its predecessor's thread ended with (or a
/// fresh one for a new source, which `LoadSession.replaceSource` also starts with). That is the
/// encoder the session holds once the predecessor has loaded; when a file fails instead, the
/// file started ahead is dropped and started again from the session's encoder.
///
/// ```swift
/// let streams = FileStreams(planned: files) { file, encoder in MappedStream(…, encoder: encoder) { … } }
/// defer { streams.close() }
/// let stream = streams.stream(for: file.path, encoder: load.encoder())
/// while let rows = try stream.next() { …; streams.startNext(after: stream) }
/// ```
final class FileStreams {
  /// A file to be streamed: its path and its source's name.
  struct Planned {
    var path: String
    var source: String
  }

  private let planned: [Planned]
  private let make: (Int, RowEncoder) -> MappedStream
  /// The planned file that `stream(for:encoder:)` hands out next.
  private var position = 0
  /// The stream of planned file `position`, started ahead.
  private var ahead: MappedStream?

  /// `make` starts the stream of planned file `i` with an encoder.
  init(planned: [Planned], make: @escaping (Int, RowEncoder) -> MappedStream) {
    self.planned = planned
    self.make = make
  }

  /// The stream of the next planned file, which must be the one at `path`: the one started
  /// ahead, or one started now with `encoder` (the session's).
  func stream(for path: String, encoder: RowEncoder) -> MappedStream {
    precondition(position < planned.count && planned[position].path == path, "files are loaded as planned")
    defer { position += 1 }
    if let ahead {
      self.ahead = nil
      return ahead
    }
    return make(position, encoder)
  }

  /// Starts the next planned file once `current` (the stream last handed out) has been read to
  /// its end; does nothing before that, or when the next file is already started.
  func startNext(after current: MappedStream) {
    guard ahead == nil, position < planned.count, current.producerEnded else { return }
    let sameSource = position > 0 && planned[position - 1].source == planned[position].source
    ahead = make(position, sameSource ? current.finishedEncoder ?? RowEncoder() : RowEncoder())
  }

  /// Drops the file started ahead: the file before it did not load, so the encoder it was
  /// started with is not the session's.
  func dropAhead() {
    ahead?.close()
    ahead = nil
  }

  /// Stops the file started ahead, if any (the load ended or failed).
  func close() { dropAhead() }
}
