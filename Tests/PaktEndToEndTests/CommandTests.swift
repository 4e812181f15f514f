import Foundation
import PaktTestSupport
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

@Suite("Command line: pakt link", .serialized)
struct LinkCommandTests {
  /// 300 distinct synthetic people, three of them entered twice with variant spellings.
  static func personFile(in dir: String) -> String {
    let given = ["Amina", "Omar", "Selam", "Reza", "Layla", "Yusuf", "Zahra", "Dawit", "Hanan", "Tesfaye"]
    let family = ["Haddad", "Rahimi", "Khalil", "Tesfamariam", "Nasser", "Karimi", "Osman", "Saleh", "Abdi", "Bakr"]
    var rows = ["id,given,family,born"]
    // Dates of birth nearly all different, as in a real list, and never 1 January (a placeholder).
    func born(_ i: Int) -> String {
      "19\(50 + i % 45)-" + String(format: "%02d-%02d", 1 + (i * 7) % 12, 2 + (i * 13) % 27)
    }
    for i in 0..<300 {
      rows.append(
        "p\(i),\(given[i % 10]),\(family[(i / 10) % 10])\(i / 100 == 0 ? "" : String(i / 100)),\(born(i))")
    }
    rows.append("d1,Amina,Hadad,\(born(0))")  // p0, transliterated family name
    rows.append("d2,Rahimi,Omar,\(born(11))")  // p11, swapped names
    rows.append("d3,Selam,Khalil,\(born(22))")  // p22 exactly
    return TestSupport.write(rows.joined(separator: "\n") + "\n", to: "people.csv", in: dir)
  }

  static let settings = """
    id: id
    fields:
      given: { kind: name, swap_with: family }
      family: { kind: name, swap_with: given }
      born: { kind: date }
    blocking:
      - [family.nameset]
      - [born]
    """

  func clusters(_ path: String) throws -> [String: String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var out: [String: String] = [:]
    for line in text.split(whereSeparator: \.isNewline).dropFirst() {
      let cells = line.split(separator: ",")
      out[String(cells[0])] = String(cells[1])
    }
    return out
  }

  @Test("links the duplicates, writes the review, and respects a cannot-link decision")
  func linkReviewDecide() throws {
    let dir = TestSupport.scratch()
    let input = Self.personFile(in: dir)
    let config = TestSupport.write(Self.settings, to: "link.yml", in: dir)
    let r = try TestSupport.runPakt([
      "link", input, "--config", config, "--out", "\(dir)/out.csv", "--review", "\(dir)/review",
    ])
    #expect(r.code == 0, "\(r.err)")
    let c = try clusters("\(dir)/out.csv")
    #expect(c["d1"] == c["p0"])
    #expect(c["d2"] == c["p11"])
    #expect(c["d3"] == c["p22"])
    #expect(c["p1"] != c["p2"])
    #expect(FileManager.default.fileExists(atPath: "\(dir)/review/duplicate-review.html"))

    let decisions = TestSupport.write("record_a,record_b,decision\nd3,p22,cannot-link\n", to: "d.csv", in: dir)
    let again = try TestSupport.runPakt([
      "link", input, "--config", config, "--out", "\(dir)/out2.csv", "--decisions", decisions,
    ])
    #expect(again.code == 0, "\(again.err)")
    let c2 = try clusters("\(dir)/out2.csv")
    #expect(c2["d3"] != c2["p22"])
    #expect(c2["d1"] == c2["p0"])
  }
}
