import ArgumentParser
import Foundation
import PaktCore
import PaktMap
import PaktPipeline
import PaktReport

/// `pakt mappings`: the data steward's commands.
struct MappingsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mappings",
    abstract: "Draft mapping files and map local program names onto the catalogue.",
    discussion: """
      A new municipality, from first look to fully mapped:
        pakt inspect export.csv                        what pakt sees in the file
        pakt mappings init export.csv --out mappings/x.yml
        (add the source to pipeline.yml) and pakt run
        pakt mappings suggest --source x               unmapped names with ranked suggestions
        pakt mappings accept "local name" CODE        for every source (--source-only --source x: one)
        pakt run                                       applies the decisions
      """,
    subcommands: [Init.self, Suggest.self, Accept.self])

  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Draft a mapping file for a new source from what pakt recognises in one of its files.")

    @Argument(help: "A file the source delivers.")
    var file: String

    @Option(help: "The municipality that exports it.")
    var municipality: String?

    @Option(help: "Write the draft here (refuses to overwrite) instead of printing it.")
    var out: String?

    func run() throws {
      let draft: MappingDraft
      do {
        draft = try MappingDraft.make(path: file, municipality: municipality)
      } catch {
        throw PaktError.config(
          file: file, line: nil, "cannot read the file: \(error)", fix: "check it with `pakt inspect`")
      }
      if let out {
        guard !FileManager.default.fileExists(atPath: out) else {
          throw PaktError.config(file: out, line: nil, "exists already", fix: "choose another path or remove it")
        }
        try draft.yaml.write(toFile: out, atomically: true, encoding: .utf8)
        print("wrote \(out)")
      } else {
        print(draft.yaml, terminator: "")
      }
      let note = "recognised \(draft.recognised.count) column(s); not recognised: "
      FileHandle.standardError.write(
        Data((note + (draft.unrecognised.isEmpty ? "none" : draft.unrecognised.joined(separator: ", ")) + "\n").utf8))
    }
  }

  struct Suggest: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List unmapped program names in the warehouse with counts and ranked suggestions.")

    @Option(help: "The pipeline file.")
    var pipeline = "pipeline.yml"

    @Option(help: "Only this source.")
    var source: String?

    @Option(help: "text, csv (to edit and feed back with `accept --from`) or json.")
    var format = "text"

    func validate() throws {
      guard ["text", "csv", "json"].contains(format) else {
        throw ValidationError("--format must be text, csv or json")
      }
    }

    func run() throws {
      let bench = try MappingWorkbench(config: try PipelineConfig.load(path: pipeline))
      let names = try bench.unmapped(source: source)
      switch format {
      case "json":
        print(String(decoding: try ReportWriter.json(names), as: UTF8.self))
      case "csv":
        var out = Escape.csvLine([
          "source", "local_name", "count", "code", "suggestion_1", "score_1", "suggestion_2", "score_2", "suggestion_3",
          "score_3",
        ])
        for n in names {
          var cells = [n.source, n.name, String(n.count), ""]
          for i in 0..<3 {
            cells += i < n.suggestions.count ? [n.suggestions[i].code, String(n.suggestions[i].score)] : ["", ""]
          }
          out += Escape.csvLine(cells)
        }
        print(out, terminator: "")
      default:
        if names.isEmpty { print("no unmapped program names") }
        for n in names {
          print("\(n.source): \"\(n.name)\" ×\(n.count)")
          for s in n.suggestions {
            print("    \(s.code)  \(String(format: "%.2f", s.score))  \(s.name)")
          }
          if let best = n.suggestions.first {
            print("    accept: pakt mappings accept \(shellQuote(n.name)) \(best.code)")
          }
        }
      }
    }
  }

  struct Accept: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Map a local program name to a catalogue code, for every source (or one).",
      discussion: """
        By default the decision goes into the shared decisions (mapping: programs: in \
        pipeline.yml, mappings/programs.yml unless set), so it applies to every source that uses \
        the name from the next run on. --source-only writes it into the source's own mapping \
        file instead, where it overrides a shared decision for that source. Files keep their \
        comments and order; the warehouse records who decided when.
        """)

    @Option(help: "The pipeline file.")
    var pipeline = "pipeline.yml"

    @Option(help: "The source the name comes from (recorded; with --source-only, whose mapping file gets it).")
    var source: String?

    @Flag(help: "Decide for this source only, in its own mapping file.")
    var sourceOnly = false

    @Option(help: "A CSV with columns source, local_name and code (e.g. an edited `suggest --format csv`).")
    var from: String?

    @Option(help: "Who decides (recorded in the warehouse).")
    var by = ProcessInfo.processInfo.environment["USER"] ?? "unknown"

    @Argument(help: "The local program name and the catalogue code.")
    var nameAndCode: [String] = []

    func validate() throws {
      if from == nil && nameAndCode.count != 2 {
        throw ValidationError("give \"local name\" CODE (with --source S for one source), or --from FILE.csv")
      }
      if from != nil && !nameAndCode.isEmpty {
        throw ValidationError("give either --from or a name and code, not both")
      }
      if sourceOnly && from == nil && source == nil {
        throw ValidationError("--source-only needs --source S")
      }
    }

    func run() throws {
      let bench = try MappingWorkbench(config: try PipelineConfig.load(path: pipeline))
      let scope: MappingWorkbench.Scope = sourceOnly ? .source : .shared
      let whereTo = sourceOnly ? "for its source" : "for every source (\(bench.config.mapping.sharedPrograms))"
      let notes: [String]
      if let from {
        let decisions = try bench.decisions(fromCSV: from)
        notes = try bench.acceptAll(decisions, by: by, scope: scope)
        print("accepted \(decisions.count) decision(s) \(whereTo); the next `pakt run` applies them")
      } else {
        notes = try bench.accept(source: source, name: nameAndCode[0], code: nameAndCode[1], by: by, scope: scope)
        print("mapped \"\(nameAndCode[0])\" to \(nameAndCode[1]) \(whereTo); the next `pakt run` applies it")
      }
      for note in notes { print("note: \(note)") }
    }
  }
}

/// Quotes text for a POSIX shell.
func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
