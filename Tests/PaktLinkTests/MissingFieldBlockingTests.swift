import PaktCore
import PaktTestSupport
import Testing

@testable import PaktLink

/// Missing is not a value, in blocking too: a rule keyed on sex or on the year of birth must
/// not shut out the records that lack it. The shipped rules pair such a record, under the same
/// names' keys, with records of either sex or any date (`only_where_missing`). Before, a
/// record without sex met a given name spelled otherwise only through rules that ask for the
/// same given name's sound, and an office that exports no sex at all lost those pairs for all
/// its people (a file generated apart from pakt, six of 34 offices without sex: F1 0.950 to
/// 0.948).
@Suite("Link: blocking records that lack sex or a date of birth")
struct MissingFieldBlockingTests {
  /// linkage.yml's columns: family, given, date, sex, nationality, AZR, BAMF, municipality.
  static let columns: [[String?]] = [
    ["Busa", "Busa", "Busa", "Kapanadze", "Nikoloz Davit"],
    ["Sierno Mamadou", "Thierno Mamadou", "Sierno Mamadou", "Nikouloz Davit", "Kapanadtse"],
    ["01.01.1979", "00.00.1979", "1979-04-02", "1954-03-12", nil],
    [nil, "M", "F", "M", "M"],
    ["GIN", "GIN", "GIN", "GEO", "GEO"],
    [nil, nil, nil, nil, nil],
    [nil, nil, nil, nil, nil],
    ["a", "b", "c", "a", "b"],
  ]

  func rules(_ pair: String) throws -> String? {
    let config = try LinkageConfig.load(file: TestSupport.path("mappings/linkage.yml"))
    let (made, _) = RestrictedBlockingTests.pairs(config, Self.columns)
    return made[pair].map { rule in
      config.blocking[rule].map { "\(config.fields[$0.field].name).\($0.transform)" }.joined(separator: " ")
        + (config.onlyWhereMissing[rule].map { " where no \(config.fields[$0].name)" } ?? "")
    }
  }

  @Test("a record without sex meets the same family name's sound and year, of either sex")
  func missingSex() throws {
    // Sierno / Thierno: another sound, so no rule on the given name pairs them.
    #expect(try rules("0-1") == "family_name.phonetic birth_date.year where no sex")
    // Two records with sex, M and F: not by this rule (nor by any other: the given names
    // differ in sound and the dates are not the same day).
    #expect(try rules("1-2") == nil)
  }

  @Test("a record without a date of birth meets one name's sound with the other's first and last letters")
  func missingDate() throws {
    // Swapped, the family name spelled otherwise in sound (Kapanadze / Kapanadtse): neither
    // the names as a set nor their sounds as a set pair them.
    let pair = try rules("3-4")
    #expect(
      pair?.hasPrefix("family_name.cross") == true && pair?.hasSuffix("where no birth_date") == true,
      "\(pair ?? "none")")
  }
}
