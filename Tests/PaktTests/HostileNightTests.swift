import Foundation
import PaktCore
import PaktPipeline
import Testing

@testable import PaktLoad

/// A one-source pipeline of 60 synthetic clients, whose nightly export a test can break the
/// ways real uploads break.
struct CaseloadSource {
  let dir: String
  let file: String
  let clients = 60

  init(pipelineExtra: String = "", sourceExtra: String = "") {
    dir = TestSupport.scratch("pakt-hostile")
    let root = TestSupport.root
    let text = """
      catalogue: \(root)/mappings/catalogue.yml
      warehouse: \(dir)/warehouse.sqlite
      reports: \(dir)/reports
      \(pipelineExtra)
      sources:
        - name: wangen
          files: \(dir)/inbox/*.csv
          mapping: \(root)/mappings/stuttgart.yml
      \(sourceExtra)
      """
    file = TestSupport.write(text, to: "pipeline.yml", in: dir)
  }

  /// The export of clients `range`, one participation each, as bytes.
  func export(_ range: Range<Int>) -> [UInt8] {
    var lines = [NightlySource.header]
    let given = ["Samira", "Yonas", "Ahmad", "Layla", "Omar", "Selam"]
    for i in range {
      lines.append(
        "W-\(i),\(given[i % given.count]),Family\(i),19\(60 + i % 40)-0\(1 + i % 9)-1\(i % 10),F,Syrian,,A2,"
          + "Integrationskurs,VHS,2024-01-08,2024-07-01,completed,100.00,,")
    }
    return Array((lines.joined(separator: "\n") + "\n").utf8)
  }

  func deliver(_ bytes: [UInt8]) {
    try? FileManager.default.removeItem(atPath: "\(dir)/inbox")
    TestSupport.write(bytes, to: "inbox/export.csv", in: dir)
  }

  func run(acceptShrink: Set<String> = []) throws -> RunSummary {
    try PipelineRunner(config: try PipelineConfig.load(path: file), options: .init(acceptShrink: acceptShrink)).run()
  }

  func current() throws -> Int {
    try Warehouse(path: "\(dir)/warehouse.sqlite").read {
      try $0.count("SELECT count(*) FROM source_person WHERE retired_run IS NULL")
    }
  }
}

/// The hostile night's failure classes (issue #22), each a test that failed on the main
/// branch before the guard: a bad re-delivery must never retire a municipality's caseload.
@Suite("Hostile night: delivery guard", .serialized)
struct DeliveryGuardTests {
  static func loaded() throws -> CaseloadSource {
    let night = CaseloadSource()
    night.deliver(night.export(0..<night.clients))
    let first = try night.run()
    #expect(first.heldBack.isEmpty)
    #expect(try night.current() == night.clients)
    return night
  }

  @Test("an empty re-delivery (header only) is held back: nothing retired, the previous delivery stays")
  func empty() throws {
    let night = try Self.loaded()
    night.deliver(night.export(0..<0))
    let summary = try night.run()
    #expect(summary.heldBack.map(\.reason) == ["empty"])
    #expect(summary.retired == 0)
    #expect(try night.current() == night.clients)
    #expect(summary.heldBack[0].message.contains("--accept-shrink wangen"))
  }

  @Test("a zero-byte file is held back too")
  func zeroBytes() throws {
    let night = try Self.loaded()
    night.deliver([])
    let summary = try night.run()
    #expect(summary.heldBack.count == 1)
    #expect(try night.current() == night.clients)
  }

  @Test("an export cut at half its size (a partial upload) is held back as shrunk")
  func truncated() throws {
    let night = try Self.loaded()
    let full = night.export(0..<night.clients)
    night.deliver(Array(full.prefix(full.count / 2)))
    let summary = try night.run()
    #expect(summary.heldBack.map(\.reason) == ["shrunk"])
    #expect(summary.heldBack[0].deliveredRecords < night.clients / 2 + 2)
    #expect(summary.retired == 0)
    #expect(try night.current() == night.clients)
    #expect(summary.files.first?.status == "held back")
  }

  @Test("a file made unreadable (binary content) keeps the previous delivery")
  func unreadable() throws {
    let night = try Self.loaded()
    // Mostly NUL bytes: binary content, not text.
    night.deliver(night.export(0..<5) + [UInt8](repeating: 0, count: 4096))
    let summary = try night.run()
    #expect(summary.heldBack.count == 1)
    #expect(summary.retired == 0)
    #expect(try night.current() == night.clients)
  }

  @Test("the guard is held back every night until the delivery is fixed, then the fixed one loads")
  func heldUntilFixed() throws {
    let night = try Self.loaded()
    night.deliver(night.export(0..<0))
    #expect(try night.run().heldBack.count == 1)
    #expect(try night.run().heldBack.count == 1)
    night.deliver(night.export(0..<(night.clients - 2)))
    let fixed = try night.run()
    #expect(fixed.heldBack.isEmpty)
    #expect(fixed.retired == 2)
    #expect(try night.current() == night.clients - 2)
  }

  @Test("--accept-shrink takes a smaller delivery on purpose, and retires the clients it lacks")
  func acceptShrink() throws {
    let night = try Self.loaded()
    night.deliver(night.export(0..<20))
    let summary = try night.run(acceptShrink: ["wangen"])
    #expect(summary.heldBack.isEmpty)
    #expect(summary.retired == 40)
    #expect(try night.current() == 20)
  }

  @Test("accept_shrink: true in pipeline.yml, and a loss below min_loss, are taken")
  func configured() throws {
    let night = CaseloadSource(sourceExtra: "    accept_shrink: true")
    night.deliver(night.export(0..<night.clients))
    _ = try night.run()
    night.deliver(night.export(0..<10))
    #expect(try night.run().heldBack.isEmpty)
    #expect(try night.current() == 10)

    let small = CaseloadSource(pipelineExtra: "delivery_guard: { max_shrink: 0.2, min_loss: 30 }")
    small.deliver(small.export(0..<small.clients))
    _ = try small.run()
    // 25 of 60 gone: more than 20%, fewer than 30 records.
    small.deliver(small.export(0..<35))
    #expect(try small.run().heldBack.isEmpty)
    #expect(try small.current() == 35)
  }

  @Test("pakt run exits 4 on a held-back delivery and says what to do; a bad guard setting is a config error")
  func exitCode() throws {
    let night = try Self.loaded()
    night.deliver(night.export(0..<0))
    let held = try TestSupport.runPakt(["run", night.file])
    #expect(held.code == 4)
    #expect(held.out.contains("HELD BACK: source 'wangen'"))
    let unknown = try TestSupport.runPakt(["run", night.file, "--accept-shrink", "nowhere"])
    #expect(unknown.code == 2)
    #expect(unknown.err.contains("no source named 'nowhere'"))
    let accepted = try TestSupport.runPakt(["run", night.file, "--accept-shrink", "wangen"])
    #expect(accepted.code == 0)
    #expect(try night.current() == 0)

    let bad = CaseloadSource(pipelineExtra: "delivery_guard: { max_shrink: 1.5 }")
    bad.deliver(bad.export(0..<3))
    let refused = try TestSupport.runPakt(["run", bad.file])
    #expect(refused.code == 2)
    #expect(refused.err.contains("max_shrink must lie between 0 and 1"))
  }
}

@Suite("Hostile night: concurrent first runs", .serialized)
struct ConcurrentFirstRunTests {
  /// Starts `pakt run` twice at once and waits for both.
  static func twoAtOnce(_ pipeline: String, delay: String) throws -> [Int32] {
    let processes = (0..<2).map { _ in
      let p = Process()
      p.executableURL = URL(fileURLWithPath: TestSupport.paktExecutable)
      p.arguments = ["run", pipeline, "--json"]
      p.environment = ProcessInfo.processInfo.environment.merging(["PAKT_FAULT_DELAY": delay]) { $1 }
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      return p
    }
    for p in processes { try p.run() }
    for p in processes { p.waitUntilExit() }
    return processes.map(\.terminationStatus)
  }

  @Test("two first runs at once: one key, one load; every later run accepts the key and finds nothing to do")
  func twoFirstRuns() throws {
    // Both past the point where the key is created, or where the run has planned, before
    // either goes on: the moments two first runs raced at.
    for delay in ["before-key-create", "after-plan", "before-key-create", "after-plan"] {
      let night = CaseloadSource()
      night.deliver(night.export(0..<night.clients))
      let codes = try Self.twoAtOnce(night.file, delay: delay)
      #expect(codes == [0, 0])
      let runs = try Warehouse(path: "\(night.dir)/warehouse.sqlite").read { try $0.count("SELECT count(*) FROM run") }
      #expect(runs == 1, "the second run loaded everything again")
      let later = try TestSupport.runPakt(["run", night.file])
      #expect(later.code == 0, "\(later.err)")
      #expect(later.out.contains("nothing changed"))
      // The key file is private and not left half-written beside a temporary copy.
      let files = try FileManager.default.contentsOfDirectory(atPath: night.dir)
      #expect(!files.contains { $0.hasSuffix(".tmp") })
    }
  }
}
