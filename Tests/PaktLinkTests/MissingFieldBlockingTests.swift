import PaktCore
import PaktTestSupport
import Testing

@testable import PaktLink

/// Missing is not a value, in blocking too: a rule keyed on sex or on the year of birth must
/// not shut out the records that lack it. The shipped rules pair a record without a date of
/// birth, under the same names' keys, with records of any date (`only_where_missing`), and
/// key no rule on sex. Before, a record without sex met a given name spelled otherwise only
/// through rules that ask for the same given name's sound, and an office that exports no sex
/// at all lost those pairs for all its people (a file generated apart from pakt, six of 34
/// offices without sex: F1 0.950 to 0.948).
@Suite("Link: blocking records that lack sex or a date of birth")
struct MissingFieldBlockingTests {
  /// linkage.yml's columns: family, given, date, sex, nationality, AZR, BAMF, municipality.
  static let columns: [[String?]] = [
    ["Busa", "Busa", "Busa", "Kapanadze", "Nikoloz Davit", "Busa"],
    ["Sierno Mamadou", "Thierno Mamadou", "Sierno Mamadou", "Nikouloz Davit", "Kapanadxe", "Aminata"],
    ["01.01.1979", "00.00.1979", "1979-04-02", "1954-03-12", nil, "1979-06-07"],
    [nil, "M", "F", "M", "M", "F"],
    ["GIN", "GIN", "GIN", "GEO", "GEO", "GIN"],
    [nil, nil, nil, nil, nil, nil],
    [nil, nil, nil, nil, nil, nil],
    ["a", "b", "c", "a", "b", "c"],
  ]

  func rules(_ pair: String) throws -> String? {
    let config = try LinkageConfig.load(file: TestSupport.path("mappings/linkage.yml"))
    let (made, _) = RestrictedBlockingTests.pairs(config, Self.columns)
    return made[pair].map { rule in
      config.blocking[rule].map { "\(config.fields[$0.field].name).\($0.transform)" }.joined(separator: " ")
        + (config.onlyWhereMissing[rule].map { " where no \(config.fields[$0].name)" } ?? "")
    }
  }

  @Test(
    "a record without sex, or of the other sex, meets the same family name's sound and year through a given name's word"
  )
  func missingSex() throws {
    // Sierno / Thierno: another sound in the first word, the same last word. No sex, or M.
    #expect(try rules("0-1") == "family_name.phonetic given_name.lastword birth_date.year")
    // M and F (sex entered wrong in one office): paired all the same.
    #expect(try rules("1-2") == "family_name.phonetic given_name.lastword birth_date.year")
    // The same family name and year, no given name's word in common, another day: not paired.
    #expect(try rules("0-5") == nil)
    #expect(try rules("2-5") == nil)
  }

  @Test("a record without a date of birth meets one name's sound with the other's first and last letters")
  func missingDate() throws {
    // Swapped, the family name spelled otherwise in sound (Kapanadze / Kapanadxe): neither
    // the names as a set nor their sounds as a set pair them.
    let pair = try rules("3-4")
    #expect(
      pair?.hasPrefix("family_name.cross") == true && pair?.hasSuffix("where no birth_date") == true,
      "\(pair ?? "none")")
  }

  /// Given names with a word more or less, or a letter wrong, under one family name and year
  /// (a file generated apart from pakt: Iryna Behutaawi / Iryna, Hussain Reza / Raza,
  /// Shabnma / Shabnam, Orui / Dorui).
  static let wordColumns: [[String?]] = [
    ["Semen", "SEMEN", "Delezhei", "Delezhei", "Mananou", "Mananu", "Khabed", "Khabed"],
    ["Iryna", "Iryna Behutaawi", "Hussain Reza", "Raza", "Shabnma", "Shabnam", "Orui", "Dorui"],
    ["01.01.1959", "1959", "1991", "01.01.1991", "1953", "01.01.1953", "2009", "00.00.2009"],
    ["F", "F", "M", "M", "F", "F", "M", "M"],
    ["UKR", "UKR", "AFG", "AFG", "AFG", "AFG", "SYR", "SYR"],
    [nil, nil, nil, nil, nil, nil, nil, nil],
    [nil, nil, nil, nil, nil, nil, nil, nil],
    ["a", "b", "a", "b", "a", "b", "a", "b"],
  ]

  @Test(
    "a given name with a word more or less, or a letter wrong, meets its person by a word's sound or three letters",
    arguments: [
      ("0-1", "given_name.firstword"), ("2-3", "given_name.lastword"), ("4-5", "given_name.prefix3"),
      ("6-7", "given_name.suffix3"),
    ])
  func givenNameWords(pair: String, by part: String) throws {
    let config = try LinkageConfig.load(file: TestSupport.path("mappings/linkage.yml"))
    let (made, _) = RestrictedBlockingTests.pairs(config, Self.wordColumns)
    let rule = try #require(made[pair], "pair \(pair) not made")
    let parts = config.blocking[rule].map { "\(config.fields[$0.field].name).\($0.transform)" }
    #expect(parts == ["family_name.phonetic", part, "birth_date.year"])
    // Across the examples (other family names), nothing.
    #expect(made["0-2"] == nil && made["1-7"] == nil)
  }

  @Test("the word keys: each word's sound, the first and the last")
  func wordKeys() throws {
    let config = try LinkageConfig.load(file: TestSupport.path("mappings/linkage.yml"))
    let records = PreparedRecords(columns: Self.wordColumns, config: config)
    func key(_ transform: LinkageConfig.KeyPart.Transform, _ r: Int) -> String? {
      guard
        case .keys(let column) = ProbabilisticLinker.partValues(
          LinkageConfig.KeyPart(field: 1, transform: transform), records),
        column.ids[r] >= 0
      else { return nil }
      return String(decoding: column.texts[Int(column.ids[r])], as: UTF8.self)
    }
    // Iryna Behutaawi: Iryna's code first, Behutaawi's last; Iryna alone is both.
    #expect(key(.firstword, 1) == ColognePhonetics.code("Iryna"))
    #expect(key(.lastword, 1) == ColognePhonetics.code("Behutaawi"))
    #expect(key(.firstword, 0) == key(.lastword, 0))
    #expect(key(.lastword, 2) == key(.lastword, 3))
  }

  @Test("a name moved between the fields meets its person by the given name and the father's name")
  func movedName() throws {
    // linkage.yml's columns: family, given, date, sex, nationality, AZR, BAMF, municipality.
    let columns: [[String?]] = [
      ["Tesfay", "Gebremedhin", "Tesfay Gebremedhin", "Haile"],
      ["Yonas", "Yonas Tesfay", "Yonas", "Yonas"],
      ["01.01.1990", "1990", "00.00.1990", "1990"],
      ["M", "M", "M", "M"],
      ["ERI", "ERI", "ERI", "ERI"],
      [nil, nil, nil, nil],
      [nil, nil, nil, nil],
      ["a", "b", "c", "d"],
    ]
    let config = try LinkageConfig.load(file: TestSupport.path("mappings/linkage.yml"))
    let (made, _) = RestrictedBlockingTests.pairs(config, columns)
    func rule(_ pair: String) -> String? {
      made[pair].map {
        config.blocking[$0].map { "\(config.fields[$0.field].name).\($0.transform)" }.joined(separator: " ")
      }
    }
    // Placeholder dates: no day to pair them by; the given name and the father's name do.
    #expect(rule("0-1") == "given_name.namecore birth_date.year")
    // The father's and the grandfather's name as a family name of two words: paired (by the
    // family name's first letters, or by the names as a set).
    #expect(made["0-2"] != nil && made["1-2"] != nil)
    // Another father (Haile), the same given name and year: not by this rule.
    #expect(rule("1-3")?.contains("namecore") != true)
  }
}
