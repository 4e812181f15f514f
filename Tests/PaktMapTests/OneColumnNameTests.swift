import Foundation
import PaktCore
import PaktExtract
import PaktTestSupport
import Testing

@testable import PaktMap

/// An export that keeps given and family name in one column, without a comma: "Amina Haddad",
/// or the family name in capitals, "AL HADDAD Amina". Read as a family name, such a record
/// matched no record of the same person elsewhere (recall 0.945 → 0.915 on an independent
/// 30,000-person night where 4 of 34 exports wrote names so).
@Suite("Map: given and family name in one column")
struct OneColumnNameTests {
  @Test(
    "the family name is the words in capitals where the others are not, or else the last word",
    arguments: [
      ("Amina Haddad", "Haddad", "Amina"), ("AL HADDAD Amina", "AL HADDAD", "Amina"),
      ("Amina HADDAD", "HADDAD", "Amina"), ("Mohammad Ali Ahmadi", "Ahmadi", "Mohammad Ali"),
      ("AMINA HADDAD", "HADDAD", "AMINA"), ("Haddad, Amina", "Haddad", "Amina"), ("Jawad", "Jawad", nil),
      ("Amina  Haddad", "Haddad", "Amina"), ("A HADDAD", "HADDAD", "A"),
    ] as [(String, String, String?)])
  func split(full: String, family: String, given: String?) {
    let (f, g) = RecordMapper.splitFullName(full)
    #expect(f == family)
    #expect(g == given)
  }

  @Test(
    "pakt mappings init maps a name column holding two words or more, with no given name beside it, as the full name")
  func draft() throws {
    let dir = TestSupport.scratch()
    let one = TestSupport.write(
      "Aktenzeichen;Name;Geburtsdatum\nA1;Amina Haddad;07.03.1990\nA2;TESFAYE Yonas;02.01.1985\nA3;Mohammad Ali Ahmadi;1990\n",
      to: "one.csv", in: dir)
    let draft = try MappingDraft.make(path: one, municipality: "X")
    #expect(draft.yaml.contains("  full_name: \"Name\"  # given and family name in one column"))
    #expect(draft.recognised.contains { $0.column == "Name" && $0.field == "person.full_name" })
    // The draft loads the file as a steward would leave it: the names split.
    var mapper = try MapperFixture.mapper(draft.yaml, header: ["Aktenzeichen", "Name", "Geburtsdatum"])
    let m = mapper.map(.row(CSVRow(line: 3, fields: ["A2", "TESFAYE Yonas", "02.01.1985"])))
    #expect(m.person?.familyName == "TESFAYE")
    #expect(m.person?.givenName == "Yonas")

    // Beside a given-name column, "Name" is the family name, two words or not.
    let two = TestSupport.write(
      "Nr;Name;Vorname\n1;Al Haddad;Amina\n2;Abu Bakr;Yonas\n", to: "two.csv", in: dir)
    let twoDraft = try MappingDraft.make(path: two, municipality: "X")
    #expect(!twoDraft.yaml.contains("full_name"))
    #expect(twoDraft.recognised.contains { $0.column == "Name" && $0.field == "person.family_name" })
    // Family names alone, a few of two words: the family name.
    let families = TestSupport.write(
      "Nr;Nachname;Geburtsdatum\n1;Haddad;1990\n2;Al Haddad;1991\n3;Tesfaye;1985\n", to: "families.csv", in: dir)
    #expect(!(try MappingDraft.make(path: families, municipality: "X").yaml.contains("full_name")))
  }

  @Test("a mapping that leaves such a column to its header reads it as the full name too, with a note")
  func run() throws {
    let mappingText = "municipality: X\nperson:\n  id: Nr\n"
    let header = ["Nr", "Name", "Geburtsdatum"]
    let rows = [["1", "Amina Haddad", "1990"], ["2", "TESFAYE Yonas", "1985"], ["3", "Jawad", "1973"]]
    var mapper = try MapperFixture.mapper(mappingText, header: header, sample: rows)
    let m = mapper.map(.row(CSVRow(line: 2, fields: rows[0])))
    #expect(m.person?.familyName == "Haddad")
    #expect(m.person?.givenName == "Amina")
    #expect(mapper.notes.contains { $0.hasPrefix("column 'Name' holds given and family name together") })
    // Family names alone stay family names.
    let families = [["1", "Haddad", "1990"], ["2", "Al Haddad", "1985"], ["3", "Jawad", "1973"]]
    var plain = try MapperFixture.mapper(mappingText, header: header, sample: families)
    #expect(plain.map(.row(CSVRow(line: 3, fields: families[1]))).person?.familyName == "Al Haddad")
    #expect(plain.notes.isEmpty)
  }
}

/// What offices write into a name field besides the name: the birth name after "geb.", a form
/// of address before it.
@Suite("Map: a name field with more than the name")
struct NameFieldExtrasTests {
  @Test(
    "a birth name after geb. is the birth name; a form of address is dropped",
    arguments: [
      ("Haddad geb. Ali", "Amina", "Haddad", "Amina", "Ali"),
      ("Haddad (geb. Al-Ali)", "Frau Amina", "Haddad", "Amina", "Al-Ali"),
      ("HADDAD GEB. ALI", "Herr Dr. Yonas", "HADDAD", "Yonas", "ALI"),
      ("Geb", "Amina", "Geb", "Amina", nil), ("Haddad geb.", "Frau", "Haddad geb.", "Frau", nil),
    ] as [(String, String, String, String, String?)])
  func extras(familyField: String, givenField: String, family: String, given: String, birthName: String?) throws {
    var mapper = try MapperFixture.mapper("municipality: X\n", header: ["Nr", "Nachname", "Vorname"])
    let m = mapper.map(.row(CSVRow(line: 2, fields: ["1", familyField, givenField])))
    #expect(m.person?.familyName == family)
    #expect(m.person?.givenName == given)
    #expect(m.person?.birthName == birthName)
  }

  @Test("a full name with geb. and a form of address: given, family and birth name as meant")
  func fullName() throws {
    var mapper = try MapperFixture.mapper("municipality: X\n", header: ["Nr", "Name, Vorname"])
    for (full, family, given) in [
      ("Frau Amina Haddad geb. Ali", "Haddad", "Amina"), ("HADDAD geb. ALI, Amina", "HADDAD", "Amina"),
    ] {
      let m = mapper.map(.row(CSVRow(line: 2, fields: ["1", full])))
      #expect(m.person?.familyName == family)
      #expect(m.person?.givenName == given)
      #expect(m.person?.birthName?.uppercased() == "ALI")
    }
  }
}
