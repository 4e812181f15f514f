import Foundation
import PaktCore
import PaktExtract
import PaktTestSupport
import Testing

@testable import PaktMap

/// What a spreadsheet leaves in an export that went through one: text written as UTF-8 and
/// read back as Windows-1252 ("YÄ±lmaz" for "Yılmaz"), AZR numbers that became numbers (their
/// leading zeros dropped, a decimal added, or rounded).
@Suite("Map: an export that went through a spreadsheet")
struct SpreadsheetTraceTests {
  @Test(
    "text read back in the wrong encoding is repaired; real text is left as it is",
    arguments: [
      ("YÄ±lmaz", "Yılmaz"), ("AyÅŸe", "Ayşe"), ("SprachcafÃ©", "Sprachcafé"), ("MÃ¼ller", "Müller"),
      ("StaatsangehÃ¶rigkeit", "Staatsangehörigkeit"), ("Ã„rztin", "Ärztin"), ("Ø£Ø­Ù…Ø¯", "أحمد"),
      ("Müller", "Müller"), ("Ärztin", "Ärztin"), ("Şahin", "Şahin"), ("أحمد", "أحمد"), ("Ã", "Ã"),
      ("JOÃO", "JOÃO"), ("Ñuñez", "Ñuñez"), ("Haddad", "Haddad"), ("", ""),
    ])
  func mojibake(text: String, expected: String) {
    #expect(Mojibake.repair(text) == expected)
  }

  @Test(
    "an AZR number keeps its twelve digits through a spreadsheet; a rounded one is not read",
    arguments: [
      ("015957162949", "015957162949"), ("15957162949", "015957162949"), ("0159 5716 2949", "015957162949"),
      ("785805919610.0", "785805919610"), ("785805919610,00", "785805919610"), ("785.805.919.610", "785805919610"),
      ("7,85806E+11", nil), ("7.85806e+11", nil), ("12345", "12345"), ("A12345678901", "A12345678901"),
    ] as [(String, String?)])
  func azr(raw: String, expected: String?) {
    #expect(RecordMapper.azr(raw) == expected)
  }

  @Test("a record of such an export maps as the office wrote it: names, program, AZR; the note says why")
  func record() throws {
    let rows = [
      ["1", "YÄ±lmaz", "AyÅŸe", "15957162949", "SprachcafÃ©"], ["2", "7,85806E+11", "Amina", "7,85806E+11", "X"],
    ]
    var mapper = try MapperFixture.mapper(
      "municipality: X\nprograms:\n  Sprachcafé: SPR-NS\n",
      header: ["Nr", "Nachname", "Vorname", "AZR-Nummer", "Maßnahme"],
      sample: rows)
    let m = mapper.map(.row(CSVRow(line: 2, fields: rows[0])))
    #expect(m.person?.familyName == "Yılmaz")
    #expect(m.person?.givenName == "Ayşe")
    #expect(m.person?.azrNumber == "015957162949")
    #expect(m.participations.first?.programName == "Sprachcafé")
    #expect(m.participations.first?.catalogueCode == "SPR-NS")
    #expect(
      mapper.notes == [
        "3 sampled values were written as UTF-8 and read back as Windows-1252 (\"Ã¼\" for \"ü\"): repaired while mapping; ask the office to export UTF-8 as it is"
      ])
    // A decision a steward recorded for the spelling read before the repair still applies.
    var earlier = try MapperFixture.mapper(
      "municipality: X\nprograms:\n  SprachcafÃ©: SPR-NS\n",
      header: ["Nr", "Nachname", "Vorname", "AZR-Nummer", "Maßnahme"])
    let decided = earlier.map(.row(CSVRow(line: 2, fields: rows[0])))
    #expect(decided.participations.first?.catalogueCode == "SPR-NS")
    #expect(decided.participations.first?.mappingMethod == .explicit)
    // A rounded AZR number is a value that could not be read: loaded as empty, listed.
    let rounded = mapper.map(.row(CSVRow(line: 3, fields: rows[1])))
    #expect(rounded.person?.azrNumber == nil)
    #expect(rounded.misses.map(\.field) == ["person.azr"])
    #expect(rounded.misses.first?.lineage.line == 3)
  }
}
