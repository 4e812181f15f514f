import ArgumentParser
import Foundation
import PaktExtract
import PaktPipeline
import PaktReport

/// `pakt inspect`: what pakt sees in a file.
struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "Show what pakt sees in files: format, encoding, delimiter or record element, records.",
    discussion: "Reads each file completely (streaming) to count its records; writes nothing.")

  @Argument(help: "The files to inspect.")
  var files: [String]

  @Flag(help: "Print JSON instead of text.")
  var json = false

  @Option(help: "How many records to show per file.")
  var records = 3

  func run() throws {
    let results = files.map { Inspection.inspect(path: $0, sampleCount: records) }
    if json {
      print(String(decoding: try ReportWriter.json(results.count == 1 ? [results[0]] : results), as: UTF8.self))
    } else {
      for r in results { print(render(r)) }
    }
    if results.contains(where: { $0.problem != nil }) { throw ExitCode(3) }
  }

  func render(_ r: Inspection) -> String {
    var out = ["\(r.file)"]
    guard let l = r.layout else {
      out.append("  cannot be read: \(r.problem ?? "unknown problem")")
      return out.joined(separator: "\n")
    }
    out.append("  format:    \(l.format)")
    out.append("  encoding:  \(l.encoding)")
    if l.format == .csv {
      out.append(
        "  delimiter: \(l.delimiter == "\t" ? "tab" : "'\(l.delimiter ?? "")'")  quote: \(l.quote ?? "")  line ending: \(l.lineEnding ?? "")"
          + (l.certainty.map { "\n  certainty: \($0)" } ?? "")
      )
      if l.headerLine == 0 {
        out.append(
          "  header:    none (the first line holds data); columns by position: \((l.header ?? []).joined(separator: " | "))"
        )
      } else {
        let line = l.headerLine ?? 1
        let lines = l.headerRows.map { "lines \(line)-\(line + $0 - 1)" } ?? "line \(line)"
        out.append("  header:    \(lines): \((l.header ?? []).joined(separator: " | "))")
      }
      if let note = l.headerNote { out.append("             \(note)") }
      if let skipped = l.skippedLines, !skipped.isEmpty {
        out.append("  skipped:   " + PipelineRunner.skippedNote(skipped, wide: l.skippedWide ?? []))
      }
    } else if l.format.isWorkbook || l.format == .html {
      if let sheet = l.sheet { out.append("  sheet:     \(sheet)") }
      out.append("  header:    row \(l.headerLine ?? 1): \((l.header ?? []).joined(separator: " | "))")
      if let others = l.otherSheets {
        out.append("  sheets:    " + FileLayout.unreadSheetsNote(others, besides: l.sheet))
      }
    } else {
      out.append("  root:      <\(l.rootElement ?? "")>")
      out.append("  records:   \((l.recordElements ?? []).map { "<\($0)>" }.joined(separator: " "))")
      if let ns = l.namespaces {
        out.append(
          "  namespaces: \(ns.map { "\($0.key.isEmpty ? "(default)" : $0.key)=\($0.value)" }.sorted().joined(separator: " "))"
        )
      }
    }
    out.append(
      "  records:   \(r.records) (\(r.malformed) malformed"
        + (r.repaired > 0 ? ", \(r.repaired) read after a repair, each flagged when run" : "") + ")")
    if let problem = r.problem { out.append("  stopped:   \(problem)") }
    for s in r.samples {
      if let p = s.problem {
        out.append("  line \(s.line): \(p)")
      } else {
        let fields = (s.fields ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        out.append("  line \(s.line): \(fields.joined(separator: "; "))")
      }
    }
    for s in r.repairs { out.append("  line \(s.line): \(s.problem ?? "")") }
    return out.joined(separator: "\n")
  }
}
