import Foundation
import GRDB
import PaktLoad
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
    let handle = FileHandle(forWritingAtPath: "\(mappings)/ulm.yml")!
    handle.seekToEndOfFile()
    handle.write(Data("# changed\n".utf8))
    try handle.close()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: TestSupport.paktExecutable)
    process.arguments = ["run", pipeline.file]
    var environment = ProcessInfo.processInfo.environment
    environment["PAKT_FAULT_PAUSE"] = point
    process.environment = environment
    let err = Pipe()
    process.standardError = err
    process.standardOutput = Pipe()
    try process.run()
    // Wait until the run reports that it is paused inside its transaction.
    var seen = ""
    let deadline = Date().addingTimeInterval(60)
    while !seen.contains("paused at \(point)") && Date() < deadline {
      let chunk = err.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      seen += String(decoding: chunk, as: UTF8.self)
    }
    #expect(seen.contains("paused at \(point)"), "\(seen)")
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
