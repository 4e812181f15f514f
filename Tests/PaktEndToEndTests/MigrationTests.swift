import Foundation
import PaktCore
import PaktTestSupport
import Testing

@testable import PaktLoad
@testable import PaktPipeline

#if canImport(Glibc)
  import Glibc
#endif

/// `pakt migrate` and dry runs, with real processes where an interruption is needed.
@Suite("Operations: bulk migration and dry runs", .serialized)
struct MigrationTests {
  @Test("a dry run reports what would load and writes nothing, not even a new warehouse or key")
  func dryRun() throws {
    let mappings = try TestSupport.copiedMappings()
    let pipeline = SamplePipeline(mappingsDir: mappings)
    let dry = try TestSupport.runPakt(["run", "--dry-run", "--json", pipeline.file])
    #expect(dry.code == 0, "\(dry.err)")
    #expect(!FileManager.default.fileExists(atPath: pipeline.warehouse))
    #expect(!FileManager.default.fileExists(atPath: "\(pipeline.dir)/pseudonym.key"))
    #expect(!FileManager.default.fileExists(atPath: "\(pipeline.dir)/reports"))
    let would = try JSONDecoder().decode(Probe.self, from: Data(dry.out.utf8))
    #expect(would.status == "dry run")

    let real = try pipeline.run()
    #expect(would.totals.loaded == real.totals.loaded && would.totals.rejected == real.totals.rejected)
    #expect(would.participations == real.participations)
    #expect(would.linkage.persons == real.linkage.persons)

    // Against an existing warehouse: a changed mapping would reload its source; nothing changes.
    let before = try Warehouse(path: pipeline.warehouse).tableCounts()
    let ids = try pipeline.personIDs()
    try TestSupport.append("# changed\n", to: "\(mappings)/ulm.yml")
    let config = try PipelineConfig.load(path: pipeline.file)
    let again = try PipelineRunner(config: config, options: .init(dryRun: true)).run()
    #expect(again.status == .dryRun)
    #expect(again.files.filter { $0.status == .loaded }.count == 1)
    #expect(try Warehouse(path: pipeline.warehouse).tableCounts() == before)
    #expect(try pipeline.personIDs() == ids)
  }

  @Test("time left is estimated from the share of bytes read")
  func timeLeft() {
    var p = LoadProgress(file: "a.csv", records: 1000, bytesDone: 25, bytesTotal: 100, elapsed: 10)
    #expect(p.secondsLeft == 30)
    #expect(p.recordsPerSecond == 100)
    #expect(p.fraction == 0.25)
    p.elapsed = 0.5
    #expect(p.secondsLeft == nil)
  }

  @Test("an interrupted migration resumes with the sources it had not finished; nothing loads twice")
  func resumes() throws {
    let reference = SamplePipeline()
    _ = try reference.run()
    let expected = try Warehouse(path: reference.warehouse).tableCounts()

    let pipeline = SamplePipeline()
    let process = try TestSupport.startPaused(["migrate", pipeline.file], at: "after-source:2")
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    // Two sources are in, committed; no person ids yet.
    let partial = try Warehouse(path: pipeline.warehouse)
    #expect(try partial.read { try $0.count("SELECT count(DISTINCT source) FROM delivery") } == 2)
    #expect(try partial.read { try $0.count("SELECT count(*) FROM source_person WHERE person_id IS NOT NULL") } == 0)
    // The run's row says how far it got.
    #expect(try partial.read { try $0.count("SELECT files FROM run ORDER BY run_id DESC LIMIT 1") } >= 2)
    #expect(try partial.read { try $0.count("SELECT records_read FROM run ORDER BY run_id DESC LIMIT 1") } > 0)

    let resumed = try TestSupport.runPakt(["migrate", "--json", pipeline.file])
    #expect(resumed.code == 0, "\(resumed.err)")
    let summary = try JSONDecoder().decode(Probe.self, from: Data(resumed.out.utf8))
    #expect(summary.files.filter { $0.status == "unchanged" }.count == 2)
    #expect(summary.files.filter { $0.status == "loaded" }.count == 4)
    // Progress went to standard error as plain lines (not a terminal), ending at 100%.
    #expect(resumed.err.contains("progress: 100%"), "\(resumed.err)")
    let counts = try Warehouse(path: pipeline.warehouse).tableCounts()
    for table in ["source_person", "participation", "residence", "potential", "reject", "person", "delivery"] {
      #expect(counts[table] == expected[table], "\(table)")
    }
  }
}

/// The fields of a run's JSON summary these tests read.
private struct Probe: Decodable {
  struct Totals: Decodable {
    var loaded: Int
    var rejected: Int
  }
  struct File: Decodable { var status: String }
  struct Linkage: Decodable { var persons: Int }
  var status: String
  var totals: Totals
  var participations: Int
  var linkage: Linkage
  var files: [File]
}
