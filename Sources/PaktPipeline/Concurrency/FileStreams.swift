import Foundation
import PaktLoad

/// The streams of the files a load writes, in the order it writes them; each file is read and
/// mapped on a thread of its own, two files at a time, while the writer writes the file before
/// them (and a source's closing checks).
///
/// Why: the next file's thread used to start only once the writer had finished the file
/// before it, so the mapping core idled while the writer drained its queue and checked a
/// source (orphans, retired records, reconciliation), and the writer then idled while the next
/// file was opened and its first batch mapped.
///
/// A file started ahead continues the encoder that its predecessor's thread ended with (or a
/// fresh one for a new source, which `LoadSession.replaceSource` also starts with). That is the
/// encoder the session holds once the predecessor has loaded; when a file fails instead, the
/// files started ahead are dropped and started again from the session's encoder.
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

  /// Files read and mapped at once. Why two: the writer leaves a core's worth of time to the
  /// mapping threads, and one file's thread filled only 85% of it (perf, 300,000-person run).
  static let mappingThreads = 2
  /// Files started ahead at most: each holds up to 16 MB of encoded rows (`MappedStream`).
  static let mostAhead = 3

  private let planned: [Planned]
  private let make: (Int, RowEncoder) -> MappedStream
  /// The planned file that `stream(for:encoder:)` hands out next.
  private var position = 0
  /// The streams of planned files `position`…, started ahead.
  private var ahead: [MappedStream] = []

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
    if !ahead.isEmpty { return ahead.removeFirst() }
    return make(position, encoder)
  }

  /// Starts the next planned files while fewer than `mappingThreads` files are being read:
  /// a file of another source at once (with a fresh encoder), a file of the same source once
  /// the file before it has been read to its end (with that file's encoder). `current` is the
  /// stream last handed out.
  func startNext(after current: MappedStream) {
    while ahead.count < Self.mostAhead, position + ahead.count < planned.count {
      let next = position + ahead.count
      let previous = ahead.last ?? current
      let reading = ([current] + ahead).filter { !$0.producerEnded }.count
      guard reading < Self.mappingThreads else { return }
      if next > 0 && planned[next - 1].source == planned[next].source {
        guard previous.producerEnded else { return }
        ahead.append(make(next, previous.finishedEncoder ?? RowEncoder()))
      } else {
        ahead.append(make(next, RowEncoder()))
      }
    }
  }

  /// Drops the files started ahead: the file before them did not load, so the encoder a file
  /// of its source was started with is not the session's.
  func dropAhead() {
    for stream in ahead { stream.close() }
    ahead = []
  }

  /// Stops the files started ahead, if any (the load ended or failed).
  func close() { dropAhead() }
}
