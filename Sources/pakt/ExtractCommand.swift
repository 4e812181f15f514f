import ArgumentParser
import Foundation
import PaktCore
import PaktExtract
import PaktPipeline

/// `pakt extract`: each export as the records pakt reads from it, as plain CSV.
struct ExtractCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "extract",
    abstract: "Write each file as the records pakt reads from it: UTF-8 CSV (RFC 4180) and a rejects CSV.",
    discussion: """
      For a steward to see and share what pakt read, and for CSV-loading benchmarks. A CSV file or \
      workbook is written with its detected header as the file writes it (repeated names too: the \
      output is read by position; pakt itself names them Name_2), or col_0, col_1, … for a file \
      whose first line holds data; an XML \
      file with one column per path found in its records (attributes as @name), flattened as \
      `pakt inspect` shows them. DIR/NAME.csv holds the records, DIR/NAME.rejects.csv the lines \
      pakt could not read (line, kind, reason), and the rows it read only after a repair (kind \
      "repaired (loaded)": a delimiter too many, the field dropped or joined named in the reason). Values are written exactly as read: no formula \
      defusing, so open the output in a spreadsheet with care. The output holds whatever personal \
      data the export holds and is private to its owner.
      """)

  @Argument(help: "The files to extract.")
  var files: [String]

  @Option(help: "The folder to write into (created if missing).")
  var out: String

  @Option(help: "Read every file as this format (csv, xml, xlsx, xls, ods, html, xmlss) instead of detecting it.")
  var format: String?

  func run() throws {
    var options = ReadOptions()
    if let format {
      guard let f = FileFormat(rawValue: format.lowercased()),
        [.csv, .xml, .xlsx, .xls, .ods, .html, .xmlss].contains(f)
      else {
        throw ValidationError("--format takes csv, xml, xlsx, xls, ods, html or xmlss")
      }
      options.format = f
    }
    try FileManager.default.createDirectory(
      atPath: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    var failed = false
    for path in files {
      do {
        let result = try Self.extract(path, options: options, into: out)
        print(
          "\(path): \(result.records) records → \(result.output); \(result.rejects) rejected"
            + (result.repaired > 0 ? "; \(result.repaired) read after a repair (listed with the rejects)" : "")
            + (result.skipped > 0 ? "; \(result.skipped) lines above the header skipped" : ""))
      } catch let error as ExtractError {
        failed = true
        FileHandle.standardError.write(Data("pakt: \(path): \(error.description)\n".utf8))
      }
    }
    if failed { throw ExitCode(3) }
  }

  struct Result {
    var output: String
    var records = 0
    var rejects = 0
    var repaired = 0
    var skipped = 0
  }

  /// Writes `path`'s records and rejects into `folder`.
  static func extract(_ path: String, options: ReadOptions, into folder: String) throws -> Result {
    let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    let output = (folder as NSString).appendingPathComponent(base + ".csv")
    var result = Result(output: output)
    // An empty file holds no records: its extract is empty too (the pipeline rejects such a
    // delivery; here there is nothing to load, and nothing wrong with saying so).
    if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber,
      size.intValue == 0
    {
      try CSVOut(path: output).close()
      try CSVOut(path: (folder as NSString).appendingPathComponent(base + ".rejects.csv")).close()
      return result
    }
    var file = try OpenedFile(path: path, options: options)
    result.skipped = file.layout.skippedLines?.count ?? 0
    var header = file.layout.header
    if header == nil {
      // XML: the columns are the paths found in any record, in the order first met.
      var seen: Set<String> = []
      var order: [String] = []
      while let record = try file.next() {
        guard case .element(let e) = record else { continue }
        var fields: [String: String] = [:]
        Inspection.flatten(e.element, prefix: "", into: &fields)
        for key in fields.keys.sorted() where seen.insert(key).inserted { order.append(key) }
      }
      header = order
      file = try OpenedFile(path: path, options: options)
    }
    let columns = header ?? []
    let writer = try CSVOut(path: output)
    let rejects = try CSVOut(path: (folder as NSString).appendingPathComponent(base + ".rejects.csv"))
    // The header as the file writes it (repeated names too): the output is read by position.
    try writer.row(file.layout.writtenHeader ?? columns)
    try rejects.row(["line", "kind", "reason"])
    let index = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    while let record = try file.next() {
      switch record {
      case .row(let row):
        result.records += 1
        try writer.row(row.fields)
        if let repair = row.repair {
          result.repaired += 1
          try rejects.row([String(row.line), "repaired (loaded)", repair])
        }
      case .element(let e):
        result.records += 1
        var fields: [String: String] = [:]
        Inspection.flatten(e.element, prefix: "", into: &fields)
        var cells = [String](repeating: "", count: columns.count)
        for (key, value) in fields { if let i = index[key] { cells[i] = value } }
        try writer.row(cells)
      case .malformed(let m):
        result.rejects += 1
        try rejects.row([String(m.line), m.kind, m.reason])
      }
    }
    try writer.close()
    try rejects.close()
    return result
  }
}

/// A CSV file written as RFC 4180 says: a field is quoted when it holds a comma, a quote or a
/// line break, quotes doubled, lines ended by CRLF; nothing else changed.
final class CSVOut {
  private let handle: FileHandle
  private var buffer = ""

  init(path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
      let handle = FileHandle(forWritingAtPath: path)
    else { throw ExtractError.unreadable("cannot write \(path)", fix: "check the folder and free space") }
    self.handle = handle
  }

  static func field(_ value: String) -> String {
    guard value.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return value }
    return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  func row(_ fields: [String]) throws {
    buffer += fields.map(Self.field).joined(separator: ",") + "\r\n"
    if buffer.utf8.count > 1 << 20 { try flush() }
  }

  func flush() throws {
    try handle.write(contentsOf: Data(buffer.utf8))
    buffer = ""
  }

  func close() throws {
    try flush()
    try handle.close()
  }
}
