import Foundation
import PaktExtract
import PaktMap

/// Paths and scratch space for tests.
public enum TestSupport {
  /// The repository root (…/Tests/PaktTests/Support.swift → …).
  public static let root: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
  }()

  public static func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }

  /// This test process's folder under the system's temporary folder, removed when the
  /// process exits (test data sets are made again on every run and must not pile up).
  public static let scratchRoot: String = {
    let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("pakt-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: TestSupport.scratchRoot) }
    return dir
  }()

  /// A new empty folder in `scratchRoot`.
  public static func scratch(_ name: String = "pakt-test") -> String {
    let dir = (scratchRoot as NSString).appendingPathComponent("\(name)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  /// Writes bytes to a file in `dir` and returns its path.
  @discardableResult
  public static func write(_ bytes: [UInt8], to name: String, in dir: String) -> String {
    let path = (dir as NSString).appendingPathComponent(name)
    try! FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
  }

  @discardableResult
  public static func write(_ text: String, to name: String, in dir: String) -> String {
    write(Array(text.utf8), to: name, in: dir)
  }

  /// Writes `dir/pipeline.yml` for one source reading `dir/inbox/*.EXT` through one of the
  /// sample mappings (or the mapping file at `mappingPath`), the warehouse and reports in `dir`;
  /// returns its path. `extra` goes at the top level, `sourceExtra` (indented four spaces) into
  /// the source.
  @discardableResult
  public static func onePipeline(
    in dir: String, source: String, files ext: String, mapping: String = "", mappingPath: String? = nil,
    extra: String = "", sourceExtra: String = ""
  ) -> String {
    let text = """
      catalogue: \(root)/mappings/catalogue.yml
      warehouse: \(dir)/warehouse.sqlite
      reports: \(dir)/reports
      \(extra)
      sources:
        - name: \(source)
          files: \(dir)/inbox/*.\(ext)
          mapping: \(mappingPath ?? "\(root)/mappings/\(mapping).yml")
      \(sourceExtra)
      """
    return write(text, to: "pipeline.yml", in: dir)
  }

  /// The sample sources' names, as pipeline.yml lists them.
  public static let sampleSources = ["stuttgart", "freiburg", "mannheim", "ulm", "karlsruhe", "heidelberg"]

  /// A scratch copy of the sample mapping files, for tests that edit them.
  public static func copiedMappings() throws -> String {
    let dir = scratch("pakt-mappings")
    for name in sampleSources {
      try FileManager.default.copyItem(atPath: path("mappings/\(name).yml"), toPath: "\(dir)/\(name).yml")
    }
    return dir
  }

  /// The built `pakt` executable, beside the test bundle.
  public static var paktExecutable: String {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if dir.lastPathComponent == "MacOS" { dir = dir.deletingLastPathComponent().deletingLastPathComponent() }
    return dir.appendingPathComponent("pakt").path
  }

  /// Runs the pakt executable, with `environment` added to this process's; returns exit code,
  /// standard output and standard error.
  public static func runPakt(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:])
    throws
    -> (code: Int32, out: String, err: String)
  {
    try run(paktExecutable, arguments, in: directory, environment: environment)
  }

  /// Runs a program to its end; its exit code, standard output and standard error.
  public static func run(
    _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]
  ) throws -> (code: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
      process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self)
    )
  }

  /// Appends `text` to a file (a comment to a mapping file makes its source load again).
  public static func append(_ text: String, to path: String) throws {
    guard let handle = FileHandle(forWritingAtPath: path) else { throw TestFailure("cannot open \(path)") }
    handle.seekToEndOfFile()
    handle.write(Data(text.utf8))
    try handle.close()
  }

  /// Starts pakt with `PAKT_FAULT_PAUSE=point` and returns once it reports that it is paused
  /// there (inside its transaction), for tests that kill it or hold its lock.
  public static func startPaused(_ arguments: [String], at point: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: paktExecutable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(["PAKT_FAULT_PAUSE": point]) { $1 }
    let err = Pipe()
    process.standardError = err
    process.standardOutput = Pipe()
    try process.run()
    let name = point.split(separator: ":").first.map(String.init) ?? point
    var seen = ""
    let deadline = Date().addingTimeInterval(60)
    while !seen.contains("paused at \(name)") && Date() < deadline {
      let chunk = err.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      seen += String(decoding: chunk, as: UTF8.self)
    }
    guard seen.contains("paused at \(name)") else {
      process.terminate()
      throw TestFailure("pakt never paused at \(point): \(seen)")
    }
    return process
  }
}

public struct TestFailure: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

extension ExtractedRecord {
  /// The XML record, nil for a row or a malformed record (for `#require` in tests).
  public var xmlRecord: XMLRecord? {
    if case .element(let e) = self { return e }
    return nil
  }
}

extension Normalized {
  /// The value read, nil for empty or invalid text (for `#require` in tests).
  public var value: Value? {
    if case .value(let v) = self { return v }
    return nil
  }
}
