import ArgumentParser
import Foundation
import Logging
import PaktCore
import PaktPipeline
import PaktReport

#if canImport(Glibc)
  import Glibc
#endif

/// `pakt migrate`: a one-off bulk load of legacy records.
struct MigrateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "migrate",
    abstract: "Load years of legacy records once, in bulk, with progress; resumable after an interruption.",
    discussion: """
      Runs the pipeline like `pakt run`, but commits each source on its own and links persons \
      at the end, so that an interrupted migration (a reboot, Ctrl-C) resumes with the sources \
      it had not finished when started again: finished ones are unchanged in the ledger and \
      are not read again, and nothing is loaded twice. Until the migration has finished, newly \
      loaded records have no person id yet. Progress goes to standard error: a bar on a \
      terminal (records, records/s, time left), a plain line every 10 seconds otherwise. \
      --dry-run reads and checks everything and reports what would load without writing.
      """)

  @Argument(help: "The pipeline file naming the legacy exports as sources.")
  var pipeline = "pipeline.yml"

  @Flag(help: "Report what would load without writing anything (one transaction, rolled back).")
  var dryRun = false

  @Flag(help: "Print the summary as JSON on standard output.")
  var json = false

  @OptionGroup var log: LogOptions

  func run() throws {
    log.bootstrap()
    let config = try PipelineConfig.load(path: pipeline)
    let display = ProgressDisplay()
    let summary = try PipelineRunner(
      config: config, logger: Logger(label: "pakt.migrate"),
      options: .init(dryRun: dryRun, commitPerSource: true, progress: { display.show($0) })
    ).run()
    display.end()
    if json {
      print(String(decoding: try ReportWriter.json(summary), as: UTF8.self))
    } else {
      print(SummaryText.render(summary, command: "pakt migrate"))
    }
  }
}

/// Draws load progress on standard error: redrawn in place on a terminal (at most five times a
/// second), a plain line every ten seconds when standard error is a file or a pipe.
final class ProgressDisplay: @unchecked Sendable {
  // @unchecked: `show` is called from the thread that writes the warehouse only.
  let terminal = isatty(2) == 1
  private var last = Date.distantPast
  private var latest: LoadProgress?
  private var shown: LoadProgress?

  func show(_ p: LoadProgress) {
    latest = p
    let now = Date()
    guard now.timeIntervalSince(last) >= (terminal ? 0.2 : 10) else { return }
    last = now
    draw(p)
  }

  private func draw(_ p: LoadProgress) {
    shown = p
    let text = Self.line(p, bar: terminal)
    FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + text : "progress: " + text + "\n").utf8))
  }

  /// Shows the final state (once) and ends the line.
  func end() {
    if let latest, latest.records != shown?.records || latest.bytesDone != shown?.bytesDone { draw(latest) }
    if terminal && shown != nil { FileHandle.standardError.write(Data("\n".utf8)) }
  }

  /// "[########------------] 40%  1,234,567 records  31,200/s  2:03 left  file.csv"
  static func line(_ p: LoadProgress, bar: Bool) -> String {
    let percent = Int((p.fraction * 100).rounded(.down))
    var parts: [String] = []
    if bar {
      let filled = Int((p.fraction * 20).rounded(.down))
      parts.append("[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "]")
    }
    parts.append("\(percent)%")
    parts.append("\(grouped(p.records)) records")
    parts.append("\(grouped(Int(p.recordsPerSecond.rounded())))/s")
    if let left = p.secondsLeft {
      let s = Int(left.rounded())
      parts.append(String(format: "%d:%02d left", s / 60, s % 60))
    }
    parts.append(p.file)
    return parts.joined(separator: "  ")
  }

  static func grouped(_ n: Int) -> String {
    let digits = String(n)
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return out
  }
}
