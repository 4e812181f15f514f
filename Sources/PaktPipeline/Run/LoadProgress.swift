import Foundation

/// How far the load of a run has come: for a progress bar during a bulk migration.
///
/// ```swift
/// let options = PipelineRunner.Options(progress: { p in print(p.records, p.secondsLeft ?? 0) })
/// ```
public struct LoadProgress: Sendable {
  /// The file being read.
  public var file: String
  public var records: Int
  public var bytesDone: Int
  public var bytesTotal: Int
  public var elapsed: TimeInterval
  public var recordsPerSecond: Double { elapsed > 0 ? Double(records) / elapsed : 0 }
  /// Estimated from the share of bytes read so far; nil until there is a basis for it.
  public var secondsLeft: Double? {
    guard bytesDone > 0, elapsed >= 1, bytesTotal >= bytesDone else { return nil }
    return elapsed * Double(bytesTotal - bytesDone) / Double(bytesDone)
  }
  public var fraction: Double { bytesTotal > 0 ? min(1, Double(bytesDone) / Double(bytesTotal)) : 0 }
}

/// Adds up records and bytes across the files of a run and reports them. Used from the
/// writing thread only.
final class ProgressTracker: @unchecked Sendable {
  // @unchecked: called only from the thread that writes the warehouse.
  private let report: @Sendable (LoadProgress) -> Void
  private let started = Date()
  private var state: LoadProgress
  /// Bytes of the files already finished.
  private var finishedBytes = 0

  init(bytesTotal: Int, report: @escaping @Sendable (LoadProgress) -> Void) {
    self.report = report
    state = LoadProgress(file: "", records: 0, bytesDone: 0, bytesTotal: bytesTotal, elapsed: 0)
  }

  func started(file: String) {
    state.file = file
    emit()
  }

  func advanced(records: Int, fileBytes: Int) {
    state.records += records
    state.bytesDone = finishedBytes + fileBytes
    emit()
  }

  func finished(file path: String) {
    finishedBytes += PipelineRunner.size(path)
    state.bytesDone = finishedBytes
    emit()
  }

  private func emit() {
    state.elapsed = Date().timeIntervalSince(started)
    report(state)
  }
}
