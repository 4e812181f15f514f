import Foundation
import PaktCore
import PaktExtract
import PaktLoad
import PaktMap

/// The steward's side of mapping: unmapped names with suggestions, and decisions written back
/// into the mapping files (and recorded in the warehouse) so that the next run applies them.
///
/// ```swift
/// let bench = try MappingWorkbench(config: config)
/// let open = try bench.unmapped(source: "freiburg")
/// try bench.accept(source: nil, name: "Nähcafé für Frauen", code: "SPR-NS", by: "steward")  // every source
/// ```
public struct MappingWorkbench: Sendable {
  public let config: PipelineConfig
  let catalogue: Catalogue
  let matcher: ProgramMatcher

  public init(config: PipelineConfig) throws {
    self.config = config
    catalogue = try Catalogue.load(file: config.catalogue)
    matcher = ProgramMatcher(catalogue: catalogue).learning(
      from: Self.decidedNames(config: config, catalogue: catalogue))
  }

  /// Every program name a steward has decided, in any source's mapping file or the shared
  /// decisions: suggestions rank a decided name's code first for every other source. Files
  /// that do not load are left out here (the run reports them).
  public static func decidedNames(config: PipelineConfig, catalogue: Catalogue) -> [(name: String, code: String)] {
    var files = config.sources.map(\.mapping)
    files.append(config.mapping.sharedPrograms)
    var names: [(name: String, code: String)] = []
    for file in files where FileManager.default.fileExists(atPath: file) {
      guard let mapping = try? MappingFile.load(file: file, catalogue: catalogue) else { continue }
      names += mapping.programs.values.map { ($0.name, $0.code) }.sorted { $0.name < $1.name }
    }
    return names
  }

  /// Unmapped program names in the warehouse (after `pakt run`), most frequent first.
  public func unmapped(source: String? = nil) throws -> [RunSummary.ProgramName] {
    if let source { _ = try sourceConfig(source) }
    guard FileManager.default.fileExists(atPath: config.warehouse) else {
      throw PaktError.config(
        file: config.warehouse, line: nil, "there is no warehouse yet", fix: "run `pakt run` first")
    }
    return try Warehouse(path: config.warehouse).read { try $0.unmappedNames(source: source) }.map {
      RunSummary.ProgramName(source: $0.source, name: $0.name, count: $0.count, suggestions: matcher.ranked($0.name))
    }
  }

  func sourceConfig(_ name: String) throws -> PipelineConfig.Source {
    guard let s = config.sources.first(where: { $0.name == name }) else {
      throw PaktError.config(
        file: config.file, line: nil, "there is no source '\(name)' in the pipeline",
        fix: "use one of: \(config.sources.map(\.name).joined(separator: ", "))")
    }
    return s
  }

  /// Where a decision is written.
  public enum Scope: Sendable {
    /// The shared decisions (`mappings/programs.yml`): every source, from the next run on.
    case shared
    /// The source's own mapping file: this source only, over a shared decision.
    case source
  }

  /// Maps `name` to `code`: in the shared decisions (by default) or, with `scope: .source`, in
  /// `source`'s mapping file. Writes the file (comments and order kept), checks that it still
  /// loads, and records who decided when. Returns notes for the steward: sources whose own
  /// decision for the name stays in force over the shared one.
  @discardableResult
  public func accept(
    source: String?, name: String, code: String, by: String, scope: Scope = .shared, at date: Date = Date()
  ) throws -> [String] {
    try acceptAll([(source, name, code)], by: by, scope: scope, at: date)
  }

  /// Accepts several decisions at once; nothing is written unless every one is valid.
  @discardableResult
  public func acceptAll(
    _ decisions: [(source: String?, name: String, code: String)], by: String, scope: Scope = .shared,
    at date: Date = Date()
  ) throws -> [String] {
    var edited: [String: String] = [:]
    for d in decisions {
      guard catalogue[d.code] != nil else {
        let hint = closest(d.code, in: Set(catalogue.measures.map(\.code))).map { "did you mean \($0)? " } ?? ""
        throw PaktError.config(
          file: nil, line: nil, "'\(d.code)' (for '\(d.name)') is not a catalogue code",
          fix: "\(hint)codes are listed in \(config.catalogue)")
      }
      if let source = d.source { _ = try sourceConfig(source) }
      let file: String
      switch scope {
      case .shared: file = config.mapping.sharedPrograms
      case .source:
        guard let source = d.source else {
          throw PaktError.config(
            file: nil, line: nil, "a decision for one source only needs the source ('\(d.name)')",
            fix: "give --source SOURCE, or leave out --source-only to decide for every source")
        }
        file = try sourceConfig(source).mapping
      }
      let text = try edited[file] ?? Self.text(of: file)
      edited[file] = try MappingEditor.settingProgram(d.name, to: d.code, in: text, file: file)
    }
    // Check every edited file before writing any.
    let scratch = NSTemporaryDirectory() + "pakt-accept-\(UUID().uuidString).yml"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    for (file, text) in edited {
      try text.write(toFile: scratch, atomically: true, encoding: .utf8)
      do {
        _ = try MappingFile.load(file: scratch, catalogue: catalogue)
      } catch let e as PaktError {
        throw PaktError.config(file: file, line: e.line, "the edited mapping would not load: \(e.message)", fix: e.fix)
      }
    }
    for (file, text) in edited {
      try FileManager.default.createDirectory(
        atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try text.write(toFile: file, atomically: true, encoding: .utf8)
    }
    try Warehouse(path: config.warehouse).transaction { load in
      for d in decisions {
        try load.recordDecision(
          source: scope == .shared ? Self.sharedSource : d.source ?? Self.sharedSource, localName: d.name,
          code: d.code, by: by, at: date)
      }
    }
    guard scope == .shared else { return [] }
    // A source's own line for the name stays in force over the shared decision: say so.
    var notes: [String] = []
    for source in config.sources {
      guard let own = try? MappingFile.load(file: source.mapping, catalogue: catalogue) else { continue }
      for d in decisions {
        if let code = own.explicitCode(for: d.name), code != d.code {
          notes.append(
            "\(source.name) keeps its own decision \"\(d.name)\" → \(code) (\(source.mapping)); "
              + "remove that line to use \(d.code)")
        }
      }
    }
    return notes
  }

  /// The source recorded in `mapping_decision` for a shared decision (no source may be named so).
  public static let sharedSource = "*"

  /// A mapping file's text; a shared decisions file that does not exist yet starts with a comment.
  static func text(of file: String) throws -> String {
    guard !FileManager.default.fileExists(atPath: file) else {
      return try String(contentsOfFile: file, encoding: .utf8)
    }
    return """
      # Decisions every source shares: local program names → catalogue codes, written by
      # `pakt mappings accept`. A source's own mapping file overrides a line here for that source.
      # Shared value maps (sex, status, nationality, school_years, …) go in mappings/values.yml.

      """
  }

  /// Reads a steward's edited suggestions file (CSV in any dialect pakt reads, with columns
  /// `source`, `local_name` and `code`); rows with an empty code are skipped.
  public func decisions(fromCSV path: String) throws -> [(source: String?, name: String, code: String)] {
    let file: OpenedFile
    do {
      file = try OpenedFile(path: path, options: ReadOptions(format: .csv))
    } catch let e as ExtractError {
      throw PaktError.config(file: path, line: nil, "cannot read the decisions file: \(e)")
    }
    let header = (file.layout.header ?? []).map { TextFold.compact($0) }
    guard let s = header.firstIndex(of: "source"), let n = header.firstIndex(of: "localname"),
      let c = header.firstIndex(of: "code")
    else {
      throw PaktError.config(
        file: path, line: file.layout.headerLine, "the decisions file needs columns source, local_name and code",
        fix: "start from `pakt mappings suggest --format csv` and fill in the code column")
    }
    var out: [(String?, String, String)] = []
    while let record = try file.next() {
      guard case .row(let row) = record else {
        throw PaktError.config(file: path, line: record.line, "this line of the decisions file cannot be read")
      }
      let code = row.fields[c].trimmingCharacters(in: .whitespaces)
      if code.isEmpty { continue }
      // Undo the defusing that `suggest --format csv` applied to names a spreadsheet would run.
      var name = row.fields[n]
      if name.hasPrefix("'"), let next = name.dropFirst().first, "=+-@\t\r".contains(next) { name.removeFirst() }
      out.append((row.fields[s], name, code))
    }
    return out
  }
}
