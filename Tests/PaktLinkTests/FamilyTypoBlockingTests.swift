import PaktCore
import PaktTestSupport
import Testing

@testable import PaktLink

/// A family name a letter off whose sound-alike code changes too (Kidane / Zidane) is found
/// by the given name's sound-alike code and the year together with the family name's first
/// three letters, its last three, or its first and last: one letter wrong, added, left out
/// or swapped keeps one of the three. The given name and year alone paired every Mohammad
/// born in a year with every other (half the candidate pairs on a 300,000-person file).
@Suite("Link: blocking a family name a letter off")
struct FamilyTypoBlockingTests {
  /// linkage.yml's columns: family, given, date, sex, nationality, AZR, BAMF, municipality.
  static let columns: [[String?]] = [
    ["Hotak", "Hota", "Kidane", "Zidane", "Nona", "Nbna", "Ahmadi", "Sereeh", "Esreeh"],
    ["Mohammad", "Mohammad", "Winta", "Winta", "Zainab", "Zainab", "Mohammad", "Tetiana", "Tetiana"],
    ["1984", "01.01.1984", "1980", "00.00.1980", "1991", "1991", "1984", "1978", "1978"],
    ["M", "M", "F", "F", "F", "F", "M", "F", "F"],
    ["AFG", "AFG", "ERI", "ERI", "IRQ", "IRQ", "AFG", "UKR", "UKR"],
    [nil, nil, nil, nil, nil, nil, nil, nil, nil],
    [nil, nil, nil, nil, nil, nil, nil, nil, nil],
    ["a", "b", "a", "b", "a", "b", "c", "a", "b"],
  ]

  @Test("the shipped rules pair a family name a letter off at its end, its start, inside, or two letters swapped")
  func familyTypo() throws {
    let config = try LinkageConfig.load(file: TestSupport.path("mappings/linkage.yml"))
    let records = PreparedRecords(columns: Self.columns, config: config)
    let family = records.fields[0].phonetic
    // Each pair's family names sound different: the family name's sound-alike rule misses them.
    for (a, b) in [(0, 1), (2, 3), (4, 5), (7, 8)] {
      #expect(family.ids[a] != family.ids[b], "\(a)-\(b) sound alike")
    }
    let (made, _) = RestrictedBlockingTests.pairs(config, Self.columns)
    func rule(_ pair: String) -> String? {
      made[pair].map {
        config.blocking[$0].map { "\(config.fields[$0.field].name).\($0.transform)" }.joined(separator: " ")
      }
    }
    // Hotak / Hota: the last letter left out keeps the first three.
    #expect(rule("0-1") == "given_name.phonetic family_name.prefix3 birth_date.year")
    // Kidane / Zidane: the first letter wrong keeps the last three.
    #expect(rule("2-3") == "given_name.phonetic family_name.suffix3 birth_date.year")
    // Nona / Nbna: a letter inside a short name wrong keeps the first and last.
    #expect(rule("4-5") == "given_name.phonetic family_name.ends birth_date.year")
    // Sereeh / Esreeh: the first two letters swapped keep the last three.
    #expect(rule("7-8") == "given_name.phonetic family_name.suffix3 birth_date.year")
    // Another family name, the same given name and year: not a candidate.
    #expect(made["0-6"] == nil && made["1-6"] == nil)
  }
}
