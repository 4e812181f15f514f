import Foundation
import PaktCore
import Testing

@testable import PaktLink

/// Given names go with family names (both go with where people come from): agreeing on both is
/// not as rare as the product of the two agreements. `Training.uGivenName` measures by how much,
/// among pairs born in different years (different people), and `depends_on` applies it.
@Suite("Link: a given name weighed given the family name")
struct NameDependenceTests {
  /// Records of two origins, each with its own five family and five given names, or given
  /// names drawn from all ten (`correlated: false`); years 1960-1999; `duplicates` extra
  /// records repeating a record's names and year (one person entered twice).
  func records(correlated: Bool, duplicates: Int = 0) -> (given: KeyColumn, family: KeyColumn, years: [Int32]) {
    var state: UInt64 = 7
    func draw(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33) % n
    }
    var given: [Int32] = []
    var family: [Int32] = []
    var years: [Int32] = []
    for _ in 0..<3_000 {
      let origin = draw(2)
      family.append(Int32(origin * 5 + draw(5)))
      given.append(Int32(correlated ? origin * 5 + draw(5) : draw(10)))
      years.append(Int32(1960 + draw(40)))
    }
    for i in 0..<duplicates {
      // Rare names of their own, each person twice, in one year.
      given.append(Int32(10 + i / 2))
      family.append(Int32(10 + i / 2))
      years.append(1980)
    }
    let names = (0..<(10 + duplicates / 2)).map { "name\($0)" }
    let column = { (ids: [Int32]) in KeyColumn(items: names, of: ids) { Array($0.utf8) } }
    return (column(given), column(family), years)
  }

  /// u of a name field's levels as `Training.u` gives them (level 0 unused).
  let u: [Double] = [1, 0.1, 0.01, 0.0001, 0.0001, 0.001, 0.001, 0.001, 0.01, 0.8769, 0.0001]

  @Test("names that go together: the given name's u where the family name agrees is about twice its u")
  func correlated() throws {
    let r = records(correlated: true)
    let given = try #require(Training.uGivenName(u, values: r.given, keys: r.given, given: r.family, years: r.years))
    // Two people of one origin share a given name one time in five; two people at all, one in ten.
    let ratio = given[Int(Comparator.NameLevel.exact)] / u[Int(Comparator.NameLevel.exact)]
    #expect(ratio > 1.8 && ratio < 2.2, "ratio \(ratio)")
    let swapped = given[Int(Comparator.NameLevel.swapped)] / u[Int(Comparator.NameLevel.swapped)]
    #expect(abs(swapped - ratio) < 1e-9)
    // What the agreements gained, "else" gave up; the other levels stay.
    let total: Double = given.dropFirst().reduce(0, +)
    let before: Double = u.dropFirst().reduce(0, +)
    #expect(abs(total - before) < 1e-9)
    #expect(given[Int(Comparator.NameLevel.typo)] == u[Int(Comparator.NameLevel.typo)])
  }

  @Test("names drawn apart: u stays about as it is, a person's own records (one year) left out")
  func independent() throws {
    for duplicates in [0, 400] {
      let r = records(correlated: false, duplicates: duplicates)
      let given = try #require(
        Training.uGivenName(u, values: r.given, keys: r.given, given: r.family, years: r.years))
      let ratio = given[Int(Comparator.NameLevel.exact)] / u[Int(Comparator.NameLevel.exact)]
      #expect(ratio < (duplicates == 0 ? 1.1 : 1.2), "ratio \(ratio) with \(duplicates) duplicate records")
    }
  }

  @Test("without dates of birth nothing is estimated (matches could not be told from namesakes)")
  func withoutYears() {
    let r = records(correlated: true)
    #expect(Training.uGivenName(u, values: r.given, keys: r.given, given: r.family, years: nil) == nil)
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
    #expect(settings.fields.first { $0.name == "given_name" }?.dependsOn == "family_name")
  }
}
