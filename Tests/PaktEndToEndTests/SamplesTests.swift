import Foundation
import PaktCore
import PaktPipeline
import PaktTestSupport
import Testing

@testable import PaktLoad
@testable import PaktSamples

@Suite("Samples: the corpus generator")
struct SampleGeneratorTests {
  static func generate(into dir: String, persons: Int = 300, municipalities: Int = 5, seed: UInt64 = 3) throws
    -> SampleGenerator.Result
  {
    try SampleGenerator.generate(
      .init(
        persons: persons, municipalities: municipalities, seed: seed, out: dir,
        catalogue: TestSupport.path("mappings/catalogue.yml")))
  }

  static func contents(of dir: String) throws -> [String: Data] {
    var out: [String: Data] = [:]
    let files = FileManager.default.enumerator(atPath: dir)!.compactMap { $0 as? String }
    for f in files.sorted() {
      var isDirectory: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: "\(dir)/\(f)", isDirectory: &isDirectory)
      if exists && !isDirectory.boolValue { out[f] = FileManager.default.contents(atPath: "\(dir)/\(f)") }
    }
    return out
  }

  @Test("a namesake has a grandfather's name exactly where the nationality taken over has them")
  func namesakeGrandfather() {
    var rng = SeededRandom(seed: 41)
    var checked = (eritrean: 0, other: 0)
    for id in 0..<3_000 {
      let person = TruePerson.invent(id: id, rng: &rng)
      let namesake = person.namesake(id: id + 10_000, rng: &rng)
      #expect(
        (namesake.given, namesake.family, namesake.nationality) == (person.given, person.family, person.nationality))
      if ["ERI", "SOM"].contains(person.nationality) && !person.oneName {
        #expect(!namesake.grandfather.isEmpty)
        checked.eritrean += 1
      } else {
        // A Syrian namesake of someone invented Eritrean keeps no Eritrean grandfather.
        #expect(namesake.grandfather.isEmpty, "\(person.nationality) \(namesake.grandfather)")
        checked.other += 1
      }
    }
    #expect(checked.eritrean > 20 && checked.other > 1_000)
  }

  @Test("the person file has true pairs whose dates differ by one keyed digit, or whose given names by one of two")
  func dateTypos() throws {
    let dir = TestSupport.scratch("pakt-gen-persons")
    var options = SampleGenerator.Options(persons: 20_000, municipalities: 10, seed: 11, out: dir)
    (options.movers, options.duplicates) = (0.3, 0.1)
    _ = try PersonFile.write(options)
    let text = try String(contentsOfFile: "\(dir)/persons.csv", encoding: .utf8)
    var dates: [String: String] = [:]
    var given: [String: String] = [:]
    for line in text.split(separator: "\n").dropFirst() {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      (dates[fields[0]], given[fields[0]]) = (fields[3], fields[2])
    }
    // YYYYMMDD, or nil for a placeholder or year-only date.
    func digits(_ date: String) -> [Character]? {
      let parts = date.split(whereSeparator: { $0 == "-" || $0 == "." }).map(String.init)
      guard parts.count == 3 else { return nil }
      let ymd = parts[0].count == 4 ? parts : parts.reversed()
      guard ymd[1] != "01" || ymd[2] != "01", ymd[1] != "00" else { return nil }
      return Array(ymd.joined())
    }
    var inDayOrMonth = 0
    var inYear = 0
    let truth = try String(contentsOfFile: "\(dir)/truth-pairs.csv", encoding: .utf8)
    for line in truth.split(separator: "\n").dropFirst() {
      let pair = line.split(separator: ",").map(String.init)
      guard let a = digits(dates[pair[0]]!), let b = digits(dates[pair[1]]!) else { continue }
      let differing = (0..<8).filter { a[$0] != b[$0] }
      guard differing.count == 1 else { continue }
      if differing[0] < 4 { inYear += 1 } else { inDayOrMonth += 1 }
      // Never in the century, and always a valid date.
      #expect(differing[0] >= 2)
      let month = Int(String(b[4...5]))!
      let day = Int(String(b[6...7]))!
      #expect((1...12).contains(month) && (1...28).contains(day))
    }
    #expect(inYear > 20 && inDayOrMonth > 20, "\(inYear) in the year, \(inDayOrMonth) in day or month")
    // And true pairs where one office wrote one of two given names only.
    var shortened = 0
    for line in truth.split(separator: "\n").dropFirst() {
      let pair = line.split(separator: ",").map(String.init)
      let (a, b) = (given[pair[0]]!.split(separator: " "), given[pair[1]]!.split(separator: " "))
      if a.count != b.count && Set(a.count < b.count ? a : b).isSubset(of: Set(a.count < b.count ? b : a)) {
        shortened += 1
      }
    }
    #expect(shortened > 100, "\(shortened) pairs with one given name left out")
  }

  @Test("given names go with where people come from: a Khaled is mostly Syrian or Iraqi, an Olena Ukrainian")
  func givenNamesByOrigin() throws {
    let dir = TestSupport.scratch("pakt-gen-origin")
    _ = try PersonFile.write(SampleGenerator.Options(persons: 5_000, municipalities: 5, seed: 12, out: dir))
    let text = try String(contentsOfFile: "\(dir)/persons.csv", encoding: .utf8)
    var holders: [String: [String]] = [:]
    var all: [String] = []
    for line in text.split(separator: "\n").dropFirst() {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      for word in fields[2].split(separator: " ") { holders[word.lowercased(), default: []].append(fields[5]) }
      all.append(fields[5])
    }
    func share(_ names: [String], _ of: Set<String>) -> Double {
      Double(names.filter { of.contains($0) }.count) / Double(max(1, names.count))
    }
    let arab: Set = ["SYR", "IRQ"]
    let khaled = holders["khaled", default: []]
    #expect(
      khaled.count > 20 && share(khaled, arab) > 0.6, "\(khaled.count) Khaled, \(share(khaled, arab)) Syrian or Iraqi")
    #expect(share(all, arab) < 0.4)
    let olena = holders["olena", default: []]
    #expect(olena.count > 5 && share(olena, ["UKR"]) > 0.6, "\(olena.count) Olena, \(share(olena, ["UKR"])) Ukrainian")
  }

  @Test("the same seed and sizes give the same bytes; another seed gives other data")
  func deterministic() throws {
    let a = TestSupport.scratch("pakt-gen")
    let b = TestSupport.scratch("pakt-gen")
    let c = TestSupport.scratch("pakt-gen")
    _ = try Self.generate(into: a)
    _ = try Self.generate(into: b)
    _ = try Self.generate(into: c, seed: 4)
    let first = try Self.contents(of: a)
    #expect(first.keys.contains("pipeline.yml"))
    #expect(first.keys.contains("truth/persons.csv"))
    #expect(first == (try Self.contents(of: b)))
    #expect(first["truth/persons.csv"] != (try Self.contents(of: c))["truth/persons.csv"])
  }

  @Test("one export per municipality in every format; pakt loads them all, rejecting exactly the bad records")
  func loads() throws {
    let dir = TestSupport.scratch("pakt-gen")
    let generated = try Self.generate(into: dir, persons: 400, municipalities: 5)
    #expect(generated.files.count == 5)
    let summary = try PipelineRunner(config: try PipelineConfig.load(path: "\(dir)/pipeline.yml")).run()
    #expect(summary.status == .committed)
    #expect(Set(summary.files.map(\.encoding)) == ["utf-8", "windows-1252", "utf-16le", "iso-8859-1"])
    #expect(Set(summary.files.map(\.format)) == ["csv", "xml"])
    #expect(summary.totals.rejected == generated.badRecords)
    #expect(summary.participations == generated.participations)
    #expect(summary.linkage.sourcePersonRecords == generated.personRecords)
    #expect(summary.stages.map(\.name).contains("link"))
    // Every record the truth lists is in the warehouse under its local id.
    let truth = try String(contentsOfFile: "\(dir)/truth/persons.csv", encoding: .utf8)
      .split(whereSeparator: \.isNewline).dropFirst()
      .map { line -> String in
        let cells = line.split(separator: ",")
        return "\(cells[0])/\(cells[1])"
      }
    let stored = try Warehouse(path: "\(dir)/out/warehouse.sqlite").read { try $0.personIDs() }
    #expect(Set(truth) == Set(stored.keys))
  }

  @Test("every flaw the generator writes is caught by its quality rule, and nothing else is flagged")
  func flawsCaught() throws {
    let dir = TestSupport.scratch("pakt-gen")
    // A seed no rule was tuned on, with flaws at ten times the default rate to have each kind.
    var options = SampleGenerator.Options(
      persons: 800, municipalities: 5, seed: 4_711, out: dir, catalogue: TestSupport.path("mappings/catalogue.yml"))
    options.flaws = 0.02
    let result = try SampleGenerator.generate(options)
    _ = try PipelineRunner(config: try PipelineConfig.load(path: "\(dir)/pipeline.yml")).run()
    let truth = try String(contentsOfFile: "\(dir)/truth/quality.csv", encoding: .utf8)
      .split(separator: "\n").dropFirst().map(String.init)
    #expect(truth.count == result.flawedRecords)
    #expect(Set(truth.map { $0.split(separator: ",").last.map(String.init) ?? "" }).count >= 5)
    let flagged = try Warehouse(path: "\(dir)/out/warehouse.sqlite").read { load in
      try load.rows("SELECT source, record, rule FROM quality_flag").map {
        "\($0["source"] ?? ""),\($0["record"] ?? ""),\($0["rule"] ?? "")"
      }
    }
    #expect(Set(flagged) == Set(truth))
  }
}
