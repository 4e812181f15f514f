import Foundation
import GRDB
import PaktCore
import PaktLoad
import PaktTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Real `pakt run` processes killed with SIGKILL inside their transaction: the warehouse must be
/// exactly as before, intact, and the next run must succeed.
@Suite("Load: a killed run changes nothing", .serialized)
struct CrashTests {
  @Test("kill -9 at each point of a run", arguments: ["after-file", "before-link", "before-commit"])
  func killed(point: String) throws {
    let mappings = try TestSupport.copiedMappings()
    let pipeline = SamplePipeline(mappingsDir: mappings)
    let first = try TestSupport.runPakt(["run", pipeline.file])
    #expect(first.code == 0, "\(first.err)")
    let before = try Warehouse(path: pipeline.warehouse).tableCounts()
    let ids = try pipeline.personIDs()

    // Change a mapping so that the next run really rewrites a source, then kill it mid-run.
    try TestSupport.append("# changed\n", to: "\(mappings)/ulm.yml")
    // Killed while paused inside its transaction.
    let process = try TestSupport.startPaused(["run", pipeline.file], at: point)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal)

    let db = try DatabaseQueue(path: pipeline.warehouse)
    #expect(try db.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
    #expect(try Warehouse(path: pipeline.warehouse).tableCounts() == before)
    #expect(try pipeline.personIDs() == ids)

    let after = try TestSupport.runPakt(["run", pipeline.file])
    #expect(after.code == 0, "\(after.err)")
    #expect(try pipeline.personIDs() == ids)
  }
}

/// Two runs on one warehouse: the second waits for the first or gives up with a clear
/// message; they never interleave.
@Suite("Load: one run at a time", .serialized)
struct LockTests {
  @Test("a second run gives up after PAKT_LOCK_WAIT with a clear message and exit code 3")
  func givesUp() throws {
    let pipeline = SamplePipeline()
    let first = try TestSupport.startPaused(["run", pipeline.file], at: "before-commit")
    defer {
      kill(first.processIdentifier, SIGKILL)
      first.waitUntilExit()
    }
    let second = try TestSupport.runPakt(["run", pipeline.file], environment: ["PAKT_LOCK_WAIT": "1"])
    #expect(second.code == 3)
    #expect(second.err.contains("another pakt run holds the warehouse"), "\(second.err)")
    #expect(second.err.contains("PAKT_LOCK_WAIT"))
  }

  /// Closing any descriptor of a file drops the process's POSIX locks on it, so the
  /// descriptor that writes pages early must stay open until the transaction has ended.
  @Test("pages written to disk early: another run is still kept out, and a rollback undoes them")
  func writtenEarly() throws {
    let pipeline = SamplePipeline()
    let warehouse = try Warehouse(path: pipeline.warehouse)
    try warehouse.transaction(commit: false) { load in
      for n in 0..<5_000 {
        try load.insert(
          SourcePersonRecord(source: "ulm", localID: "P\(n)", lineage: Lineage(file: "f.csv", line: n + 2)))
      }
      load.writeToDiskMeanwhile()
      load.writeToDiskMeanwhile()
      // Long enough for both syncs to end: the lock must outlast them.
      Thread.sleep(forTimeInterval: 0.5)
      let second = try TestSupport.runPakt(["run", pipeline.file], environment: ["PAKT_LOCK_WAIT": "0"])
      #expect(second.code == 3, "\(second.err)")
    }
    #expect(try warehouse.tableCounts()["source_person"] == 0)
    // Free once the transaction has ended.
    let third = try TestSupport.runPakt(["run", pipeline.file])
    #expect(third.code == 0, "\(third.err)")
  }

  @Test("a second run waits for the first and then loads on its own, not interleaved")
  func waits() throws {
    let pipeline = SamplePipeline()
    let first = try TestSupport.startPaused(["run", pipeline.file], at: "before-commit")
    let second = Process()
    second.executableURL = URL(fileURLWithPath: TestSupport.paktExecutable)
    second.arguments = ["run", "--json", pipeline.file]
    let out = Pipe()
    second.standardOutput = out
    second.standardError = Pipe()
    try second.run()
    // The second run is waiting on the lock while the first holds it.
    Thread.sleep(forTimeInterval: 1.5)
    #expect(second.isRunning)
    kill(first.processIdentifier, SIGKILL)
    first.waitUntilExit()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    second.waitUntilExit()
    #expect(second.terminationStatus == 0)
    // The first run's work was rolled back whole; the second loaded every file once.
    let summary = try JSONDecoder().decode(RunSummaryProbe.self, from: output)
    #expect(summary.status == "committed")
    let counts = try Warehouse(path: pipeline.warehouse).tableCounts()
    #expect(counts["run"] == 1)
    #expect(counts["delivery"] == PipelineTests.expected.count)
  }
}

/// The fields of `pakt run --json` these tests read.
struct RunSummaryProbe: Decodable {
  var status: String
}
