import Foundation
import Testing

@Suite("Command line", .serialized)
struct CommandTests {
  @Test("pakt inspect --json detects each sample's encoding and delimiter or record element")
  func inspect() throws {
    let samples: [(String, String, String?, String?)] = [
      ("samples/heidelberg/teilnahmen_2024.xlsx", "utf-8", nil, "sheet 'Teilnahmen'"),
      ("samples/stuttgart/clients.csv", "utf-8", ",", nil),
      ("samples/freiburg/klienten_2025-01.csv", "windows-1252", ";", nil),
      ("samples/mannheim/export_mannheim.txt", "utf-16le", "\t", nil),
      ("samples/ulm/ulm_export.xml", "utf-8", nil, "Person"),
      ("samples/karlsruhe/meldung_2025q1.xml", "iso-8859-1", nil, "Person"),
    ]
    for (file, encoding, delimiter, record) in samples {
      let r = try TestSupport.runPakt(["inspect", "--json", TestSupport.path(file)])
      #expect(r.code == 0, "\(file): \(r.err)")
      let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]]
      let layout = try #require(json?.first?["layout"] as? [String: Any])
      #expect(layout["encoding"] as? String == encoding, "\(file)")
      if let delimiter { #expect(layout["delimiter"] as? String == delimiter, "\(file)") }
      if let record { #expect((layout["record_elements"] as? [String])?.first == record, "\(file)") }
    }
  }

  @Test("a bad pipeline.yml exits 2 with one message naming file and line")
  func badPipeline() throws {
    let dir = TestSupport.scratch()
    TestSupport.write("catalogue: nowhere.yml\nsources: []\n", to: "pipeline.yml", in: dir)
    let r = try TestSupport.runPakt(["run", "pipeline.yml"], in: dir)
    #expect(r.code == 2)
    #expect(r.err.contains("pipeline.yml:1"))
    #expect(r.err.contains("fix:"))
    #expect(!FileManager.default.fileExists(atPath: "\(dir)/out"))
  }

  @Test("an unknown option is a usage error, exit 2")
  func usage() throws {
    let r = try TestSupport.runPakt(["run", "--no-such-flag"])
    #expect(r.code == 2)
  }

  @Test("pakt run --json prints the summary as JSON and exits 0")
  func runJSON() throws {
    let pipeline = SamplePipeline()
    let r = try TestSupport.runPakt(["run", "--json", pipeline.file])
    #expect(r.code == 0, "\(r.err)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    #expect(json["status"] as? String == "committed")
    let files = try #require(json["files"] as? [[String: Any]])
    #expect(files.count == 6)
    #expect(
      files.allSatisfy { $0["read"] != nil && $0["loaded"] != nil && $0["rejected"] != nil && $0["encoding"] != nil })
    let totals = try #require(json["totals"] as? [String: Any])
    #expect(totals["read"] as? Int == 462)
    // --strict: committed but with rejects and unmapped names → exit 1.
    let strict = try TestSupport.runPakt(["run", "--strict", pipeline.file])
    #expect(strict.code == 1)
  }
}
