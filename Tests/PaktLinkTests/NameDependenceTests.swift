import Foundation
import PaktCore
import PaktTestSupport
import Testing

@testable import PaktLink

/// Given names go with family names (both go with where people come from): agreeing on both is
/// not as rare as the product of the two agreements. The given name's u where the family name
/// agrees is counted on pairs that share a family name and were born in different years
/// (different people; `Training.uAmong`), and each name's own frequency among its family's
/// records replaces its share of all records (`Training.conditionalFrequency`).
@Suite("Link: a given name weighed given the family name")
struct NameDependenceTests {
  /// u of a name field's levels as `Training.u` gives them (level 0 unused).
  let u: [Double] = [1, 0.1, 0.01, 0.0001, 0.0001, 0.001, 0.001, 0.001, 0.01, 0.8769, 0.0001]

  /// Persons of a large community (2,700) and a small one (300), each with five family and
  /// five given names of its own, born 1960-1999, one in ten entered twice, as linkage.yml's
  /// columns; `extra` rows appended.
  /// With `equal`: twenty communities of 150 persons each, AA to TT.
  static func communities(extra: [[String?]] = [], equal: Bool = false) -> [[String?]] {
    var state: UInt64 = 11
    func draw(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33) % n
    }
    var rows: [[String?]] = []
    for i in 0..<3_000 {
      let letter = String(UnicodeScalar(UInt8(65 + i / 150)))
      let origin = equal ? letter + letter : i < 2_700 ? "A" : "B"
      let date = String(format: "%04d-%02d-%02d", 1960 + draw(40), 1 + draw(12), 1 + draw(28))
      rows.append(["Fam\(origin)\(draw(5))", "Giv\(origin)\(draw(5))", date, "M", origin, nil, nil, nil])
      // One person in ten entered twice.
      if i % 10 == 0 { rows.append(rows[rows.count - 1]) }
    }
    return rows + extra
  }

  static func columns(_ rows: [[String?]]) -> [[String?]] { (0..<8).map { c in rows.map { $0[c] } } }

  /// A linker with `mappings/linkage.yml` as shipped.
  static func linker() throws -> ProbabilisticLinker {
    ProbabilisticLinker(config: try LinkageConfig.load(file: TestSupport.path("mappings/linkage.yml")))
  }

  /// Hand-made pairs (rows 0-1, 2-3, …) linked among the twenty equal communities: each
  /// pair's explanation, the model's λ, and all rows.
  static func explained(_ pairs: [[String?]]) throws -> (
    pairs: [PairExplanation], lambda: Double, rows: [[String?]]
  ) {
    let linker = try linker()
    let rows = communities(extra: pairs, equal: true)
    let full = linker.link(columns: columns(rows), randomPairs: 50_000)
    let first = rows.count - pairs.count
    let explained = linker.explain(
      columns: columns(rows), pairs: stride(from: 0, to: pairs.count, by: 2).map { (first + $0, first + $0 + 1) },
      model: full.model, of: full)
    return (explained, full.model.lambda, rows)
  }

  /// Three hand-made pairs (rows 0-1, 2-3, 4-5) linked among the twenty equal communities:
  /// each pair's part for `field`.
  static func parts(of pairs: [[String?]], field: String) throws -> [PairExplanation.Part] {
    try explained(pairs).pairs.map { pair in try #require(pair.parts.first { $0.field == field }) }
  }

  @Test("a small community's given name is common among its family names, far more than its share of all records says")
  func conditionalFrequency() throws {
    let rows = Self.communities()
    let names = Array(Set(rows.flatMap { [$0[0]!, $0[1]!] })).sorted()
    let number = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Int32($0)) })
    let column = { (c: Int) in KeyColumn(items: names, of: rows.map { number[$0[c]!]! }) { Array($0.utf8) } }
    let (family, given) = (column(0), column(1))
    let years = rows.map { Int32($0[2]!.prefix(4))! }
    var counts: [String: Double] = [:]
    for row in rows { counts[row[1]!, default: 0] += 1 }
    let share = rows.map { counts[$0[1]!]! / Double(rows.count) }
    let conditional = Training.conditionalFrequency(
      given, given: family, years: years, prior: share.map { 2 * $0 }, floor: share)
    // One given name in five among people who share a family name, in either community.
    func mean(_ community: String) -> Double {
      let records = rows.indices.filter { rows[$0][4] == community }
      return records.reduce(0.0) { $0 + conditional[$1] / share[$1] } / Double(records.count)
    }
    let small = mean("B")
    let large = mean("A")
    #expect(small > 7, "small community: \(small) times its share")
    #expect(small < 13, "small community: \(small) times its share")
    #expect(large > 0.9, "large community: \(large) times its share")
    #expect(large < 1.4, "large community: \(large) times its share")
    // A person whose names no one else holds, entered twice in one year: nothing to count,
    // the prior stands.
    let twice: [[String?]] = Array(
      repeating: ["Qaderyar", "Wahidullah", "1970-03-04", "M", "C", nil, nil, nil], count: 2)
    let more = rows + twice
    let allNames = names + ["Qaderyar", "Wahidullah"]
    let allNumber = Dictionary(uniqueKeysWithValues: allNames.enumerated().map { ($1, Int32($0)) })
    let allColumn = { (c: Int) in KeyColumn(items: allNames, of: more.map { allNumber[$0[c]!]! }) { Array($0.utf8) } }
    let rare = Training.conditionalFrequency(
      allColumn(1), given: allColumn(0), years: more.map { Int32($0[2]!.prefix(4))! },
      prior: Array(repeating: 0.01, count: more.count), floor: Array(repeating: 0.001, count: more.count))
    #expect(abs(rare[more.count - 1] - 0.01) < 1e-12)
  }

  @Test("the conditional frequency is what counting every pair of records one by one gives")
  func conditionalFrequencyByPairs() {
    // 300 records: 6 family names, 5 given names, 4 years, some without a name or year.
    var state: UInt64 = 7
    func next(_ n: Int) -> Int32 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int32(Int(state >> 33) % n)
    }
    let count = 300
    let family = (0..<count).map { _ in next(7) - 1 }
    let given = (0..<count).map { _ in next(6) - 1 }
    let years = (0..<count).map { _ in next(5) == 0 ? -1 : 1980 + next(4) }
    let prior = (0..<count).map { _ in Double(next(100) + 1) / 1_000 }
    let floor = prior.map { $0 / 3 }
    let column = { (ids: [Int32], n: Int) in KeyColumn(items: Array(0..<n), of: ids) { Array("\($0)".utf8) } }
    let got = Training.conditionalFrequency(
      column(given, 5), given: column(family, 6), years: years, prior: prior, floor: floor)
    for r in 0..<count {
      guard family[r] >= 0, given[r] >= 0 else {
        #expect(got[r] == 0)
        continue
      }
      // Ordered pairs (a record with r's two names and a year, a record with r's family name
      // born in another year), and those of them whose second record has r's given name too.
      let dated = (0..<count).filter { family[$0] == family[r] && given[$0] >= 0 && years[$0] >= 0 }
      let holders = dated.filter { given[$0] == given[r] }
      var all = 0.0
      var shared = 0.0
      for a in holders {
        for b in dated where years[b] != years[a] {
          all += 1
          if given[b] == given[r] { shared += 1 }
        }
      }
      let weight = 2 * Double(dated.count)
      let expected = weight > 0 ? max(floor[r], (shared + weight * prior[r]) / (all + weight)) : prior[r]
      #expect(abs(got[r] - expected) < 1e-12, "record \(r): \(got[r]) against \(expected)")
    }
  }

  @Test("pairs sampled among records sharing a key are born in different years")
  func sharedKeyPairs() {
    let keys: [Int32] = [0, 0, 0, 1, 1, -1, 2]
    let years: [Int32] = [1980, 1980, 1990, 1970, 1971, 1970, 1999]
    let (pairs, available) = ProbabilisticLinker.sharedKeyPairs(keys: keys, years: years, limit: 1_000)
    #expect(pairs.count == 1_000)
    #expect(available == 3)
    let seen = Set(pairs.map { (Int($0 >> 32), Int($0 & 0xFFFF_FFFF)) }.map { "\($0.0)-\($0.1)" })
    #expect(seen == ["0-2", "1-2", "3-4"])
  }

  @Test(
    "u where the family name agrees, counted on such pairs: the swapped levels follow exact and transliteration, one name against two keeps its u"
  )
  func uAmong() {
    let f = 1
    func pattern(_ level: UInt8) -> UInt64 { UInt64(level) << (4 * UInt64(f)) }
    let patterns =
      Array(repeating: pattern(Comparator.NameLevel.exact), count: 199)
      + Array(repeating: pattern(Comparator.NameLevel.typo), count: 99)
      + Array(repeating: pattern(Comparator.NameLevel.differ), count: 1_692)
    let given = Training.uAmong(patterns, field: f, u: u)
    // Smoothed: one more of each of the ten levels.
    #expect(abs(given[Int(Comparator.NameLevel.exact)] - 200.0 / 2_000) < 1e-12)
    #expect(abs(given[Int(Comparator.NameLevel.typo)] - 100.0 / 2_000) < 1e-12)
    #expect(abs(given[Int(Comparator.NameLevel.swapped)] - u[3] * given[1] / u[1]) < 1e-12)
    #expect(given[Int(Comparator.NameLevel.oneAgainstTwo)] == u[Int(Comparator.NameLevel.oneAgainstTwo)])
  }

  @Test(
    "given names of one community, a letter apart, are a letter apart among namesakes far more often than at random")
  func typoAmongNamesakes() throws {
    let linker = try Self.linker()
    let rows = Self.communities(equal: true)
    let model = linker.link(columns: Self.columns(rows), randomPairs: 50_000).model
    let (g, typo) = (1, Int(Comparator.NameLevel.typo))
    // GivAA0 … GivAA4 are a letter apart: two people sharing a family name are of one
    // community and hold two such names far more often than two people at random, who are of
    // one community one time in twenty. Agreement counts more often among them too.
    #expect(model.uGiven[g][typo] > 4 * model.u[g][typo], "\(model.uGiven[g]) against \(model.u[g])")
    #expect(model.uGiven[g][1] > 4 * model.u[g][1], "\(model.uGiven[g]) against \(model.u[g])")
    // Without dates of birth, different people cannot be told from one person's records:
    // nothing is counted, and the name weighs as if it did not depend on the other.
    let undated = rows.map { row in row.enumerated().map { $0.offset == 2 ? nil : $0.element } }
    #expect(linker.link(columns: Self.columns(undated), randomPairs: 50_000).model.uGiven[g].isEmpty)
  }

  @Test("a family name a letter off is still the same family's name: the given name weighs as where it agrees")
  func familyTypo() throws {
    let pairs: [[String?]] = [
      // 0-1 family names agree, 2-3 a letter apart, 4-5 differ; the given name agrees in each.
      ["FamCC1", "GivCC3", "1971-02-03", "M", "CC", nil, nil, nil],
      ["FamCC1", "GivCC3", "1971", "M", "CC", nil, nil, nil],
      ["FamCC1", "GivCC3", "1981-02-03", "M", "CC", nil, nil, nil],
      ["FamCC1s", "GivCC3", "1981", "M", "CC", nil, nil, nil],
      ["FamCC1", "GivCC3", "1991-02-03", "M", "CC", nil, nil, nil],
      ["Qaderyar", "GivCC3", "1991", "M", "CC", nil, nil, nil],
    ]
    let given = try Self.parts(of: pairs, field: "given_name")
    let (agree, typo, differ) = (given[0], given[1], given[2])
    #expect(agree.level == "exact" && typo.level == "exact" && differ.level == "exact")
    #expect(abs(typo.weight - agree.weight) < 1e-9, "\(typo.weight) against \(agree.weight)")
    #expect(differ.weight > agree.weight + 1, "\(differ.weight) against \(agree.weight)")
  }

  @Test("nationality goes with either name: where the family or the given name agrees, agreeing on it says little more")
  func nationalityEitherName() throws {
    #expect(
      try Self.linker().config.fields.first { $0.name == "nationality" }?.dependsOn == ["family_name", "given_name"])
    let pairs: [[String?]] = [
      // 0-1 the family name agrees, 2-3 the given name, 4-5 neither; the nationality in each.
      ["FamDD1", "GivDD3", "1971-02-03", "M", "DD", nil, nil, nil],
      ["FamDD1", "Qaderyar", "1971", "M", "DD", nil, nil, nil],
      ["FamDD1", "GivDD3", "1981-02-03", "M", "DD", nil, nil, nil],
      ["Wahidullah", "GivDD3", "1981", "M", "DD", nil, nil, nil],
      ["FamDD1", "GivDD3", "1991-02-03", "M", "DD", nil, nil, nil],
      ["Wahidullah", "Qaderyar", "1991", "M", "DD", nil, nil, nil],
    ]
    let nationality = try Self.parts(of: pairs, field: "nationality")
    #expect(nationality.allSatisfy { $0.level == "exact" })
    let (family, given, neither) = (nationality[0].weight, nationality[1].weight, nationality[2].weight)
    #expect(abs(family - given) < 1e-9)
    #expect(neither > family + 1, "\(neither) against \(family)")
  }

  @Test("a night's records score as the full link scored them, with each name's frequency among its family's")
  func keptConditional() throws {
    let linker = try Self.linker()
    // One person of the small community, entered twice.
    let pair: [[String?]] = [
      ["FamB1", "GivB2", "1983-06-12", "M", "B", nil, nil, nil],
      ["FamB1", "GivB2", "1983-06-12", "M", "B", nil, nil, nil],
    ]
    let rows = Self.communities(extra: pair)
    let full = linker.link(columns: Self.columns(rows), randomPairs: 50_000, keeping: rows.indices.map { "\($0)" })
    let scorer = try #require(full.scoring?.scorer)
    let g = 1
    #expect(!scorer.conditional[g][1].isEmpty)
    let kept = try #require(full.index)
    let index = try #require(LinkIndex(encoded: kept.encoded()))
    #expect(!index.frequencies.conditional[g][0].isEmpty)
    let (a, b) = (rows.count - 2, rows.count - 1)
    let q = try #require(full.pairs.first { $0.a == a && $0.b == b }).probability
    #expect(q > 0.01 && q < 0.999)
    let night = linker.link(columns: Self.columns(pair), model: full.model, kept: index)
    let p = try #require(night.pairs.first { $0.a == 0 && $0.b == 1 }).probability
    #expect(abs(p - q) < 1e-9, "night \(p), full link \(q)")
  }

  @Test("depends_on is for category and name fields")
  func settings() throws {
    let yaml = """
      fields:
        family_name: { kind: name, swap_with: given_name }
        given_name: { kind: name, swap_with: family_name, depends_on: family_name }
        birth_date: { kind: date, depends_on: family_name }
      blocking:
        - [birth_date]

      """
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("depends-\(UUID().uuidString).yml")
    try yaml.write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    var message = ""
    do { _ = try LinkageConfig.load(file: file.path) } catch { message = "\(error)" }
    #expect(message.contains("'depends_on' is for category and name fields"), "\(message)")
    #expect(message.contains("4"), "\(message)")
    try yaml.replacingOccurrences(of: ", depends_on: family_name }\n  blocking", with: " }\n  blocking")
      .replacingOccurrences(
        of: "birth_date: { kind: date, depends_on: family_name }", with: "birth_date: { kind: date }"
      )
      .write(to: file, atomically: true, encoding: .utf8)
    let settings = try LinkageConfig.load(file: file.path)
    #expect(settings.fields.first { $0.name == "given_name" }?.dependsOn == ["family_name"])
    // Several fields: a list; each must be another field.
    try yaml.replacingOccurrences(
      of: "birth_date: { kind: date, depends_on: family_name }", with: "birth_date: { kind: date }"
    )
    .replacingOccurrences(of: "depends_on: family_name }", with: "depends_on: [family_name, nickname] }")
    .write(to: file, atomically: true, encoding: .utf8)
    message = ""
    do { _ = try LinkageConfig.load(file: file.path) } catch { message = "\(error)" }
    #expect(message.contains("'given_name' depends on 'nickname', which is not another field"), "\(message)")
  }

  @Test("names no one else holds weigh by their own rarity: no tenfold cap on a term frequency")
  func rareNames() throws {
    // Two records of one person whose names no other record holds, one without a date of
    // birth, among twenty communities whose names are each held by about 33 records. Before,
    // a term frequency raised a field's weight at most tenfold (3.3 bits, "a value met once
    // may be a typo"; but two records agreeing exactly are no typo): on a file generated apart
    // from pakt, 1,336 true pairs of names held by one person only scored below 0.5, and
    // without the cap F1 rose 0.914 → 0.920.
    let linker = try Self.linker()
    let pair: [[String?]] = [
      ["Qorbanzadeh", "Befaeh", "1975-04-02", "M", "AFG", nil, nil, nil],
      ["Qorbanzadeh", "Befaeh", nil, "M", "AFG", nil, nil, nil],
    ]
    let rows = Self.communities(extra: pair, equal: true)
    let full = linker.link(columns: Self.columns(rows), randomPairs: 50_000)
    let explained = linker.explain(
      columns: Self.columns(rows), pairs: [(rows.count - 2, rows.count - 1)], model: full.model, of: full)[0]
    let termFrequencies = explained.termFrequencyBits(lambda: full.model.lambda)
    // Each name is about 16 times rarer than the average name, about 4 bits each (8.2 in
    // all); the cap allowed 3.3 bits each (6.6).
    #expect(termFrequencies > 2 * log2(10.0) + 1, "term frequencies add \(termFrequencies) bits")
    #expect(explained.probability >= 0.5, "p \(explained.probability)")
  }
}
