import Foundation
import GRDB
import PaktCore
import PaktMap
import PaktPipeline
import PaktTestSupport
import Testing

/// XML exports as offices write them: nested measures, potentials as key and value elements,
/// participations listed apart with a reference to their person; drafted by `pakt mappings
/// init` and loaded.
@Suite("Map: XML shapes and their drafts", .serialized)
struct XMLDraftTests {
  /// Persons with nested measures and key/value potentials (UTF-8, no namespace).
  static let nested = """
    <?xml version="1.0" encoding="UTF-8"?>
    <Export gemeinde="Aalen">
      <Personen>
        <Person id="A-1">
          <Familienname>Haddad</Familienname><Vorname>Amina</Vorname><Geburtsdatum>1990-03-07</Geburtsdatum>
          <Potenziale>
            <Potenzial><art>Sprache</art><wert>B1</wert></Potenzial>
            <Potenzial><art>Schule</art><wert>ca. 9 Jahre</wert></Potenzial>
            <Potenzial><art>Hobby</art><wert>Fußball</wert></Potenzial>
          </Potenziale>
          <Massnahmen>
            <Massnahme><Bezeichnung>Integrationskurs</Bezeichnung><Beginn>2024-01-08</Beginn></Massnahme>
            <Massnahme><Bezeichnung>Bewerbungstraining</Bezeichnung><Beginn>2024-09-02</Beginn></Massnahme>
          </Massnahmen>
        </Person>
        <Person id="A-2">
          <Familienname>Tesfaye</Familienname><Vorname>Yonas</Vorname><Geburtsdatum>1985-01-02</Geburtsdatum>
          <Potenziale><Potenzial><art>Sprache</art><wert>A2</wert></Potenzial></Potenziale>
          <Massnahmen>
            <Massnahme><Bezeichnung>Integrationskurs</Bezeichnung><Beginn>2024-02-05</Beginn></Massnahme>
          </Massnahmen>
        </Person>
      </Personen>
    </Export>
    """

  /// Persons listed once, participations apart with a reference (ISO-8859-1, namespaced).
  static let flat = """
    <?xml version="1.0" encoding="ISO-8859-1"?>
    <m:Meldung xmlns:m="urn:example:meldung:1">
      <m:Personen>
        <m:Person m:nr="B-1"><m:Nachname>Karimi</m:Nachname><m:Vorname>Sara</m:Vorname></m:Person>
        <m:Person m:nr="B-2"><m:Nachname>Ali</m:Nachname><m:Vorname>Noor</m:Vorname></m:Person>
      </m:Personen>
      <m:Teilnahmen>
        <m:Teilnahme m:nr="T-1" person="B-1"><m:Programm>Integrationskurs</m:Programm><m:Von>01.02.2024</m:Von></m:Teilnahme>
        <m:Teilnahme m:nr="T-2" person="B-2"><m:Programm>Sprachcafé</m:Programm><m:Von>01.03.2024</m:Von></m:Teilnahme>
        <m:Teilnahme m:nr="T-3" person="B-1"><m:Programm>Bewerbungstraining</m:Programm><m:Von>01.04.2024</m:Von></m:Teilnahme>
      </m:Teilnahmen>
    </m:Meldung>
    """

  static func night(_ xml: String, mapping: String, latin1: Bool = false) -> (dir: String, pipeline: String) {
    let dir = TestSupport.scratch("pakt-xml")
    let bytes = latin1 ? Array(xml.data(using: .isoLatin1)!) : Array(xml.utf8)
    TestSupport.write(bytes, to: "inbox/export.xml", in: dir)
    TestSupport.write(mapping, to: "mappings/src.yml", in: dir)
    let pipeline = TestSupport.onePipeline(
      in: dir, source: "src", files: "xml", mappingPath: "\(dir)/mappings/src.yml")
    return (dir, pipeline)
  }

  static func rows(_ dir: String, _ sql: String) throws -> [String] {
    try DatabaseQueue(path: "\(dir)/warehouse.sqlite").read { db in
      try Row.fetchAll(db, sql: sql).map { row in row.databaseValues.map { "\($0)" }.joined(separator: " ") }
    }
  }

  @Test("potentials written as key and value load with their kind; a key the mapping does not name is reported")
  func keyedPotentials() throws {
    let mapping = """
      municipality: Aalen
      xml:
        records:
          - element: Person
            person: { id: "@id", family_name: Familienname, given_name: Vorname, birth_date: Geburtsdatum }
            potential:
              each: Potenziale/Potenzial
              key: art
              value: wert
              keys: { Sprache: language_level, Schule: school_years }
            participation: { each: Massnahmen/Massnahme, program: Bezeichnung, start: Beginn }
      """
    let (dir, pipeline) = Self.night(Self.nested, mapping: mapping)
    let summary = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    #expect(summary.totals.rejected == 0)
    #expect(
      try Self.rows(dir, "SELECT person_local_id, kind, value FROM potential ORDER BY person_local_id, kind")
        == ["\"A-1\" \"language_level\" \"B1\"", "\"A-1\" \"school_years\" \"9\"", "\"A-2\" \"language_level\" \"A2\""])
    #expect(try Self.rows(dir, "SELECT count(*) FROM participation") == ["3"])
    #expect(summary.normalizationMisses.contains { $0.field == "potential.key" && $0.value == "Hobby: Fußball" })
  }

  @Test("a key/value potential naming no potential is a configuration error with the file and line")
  func badKeyedKind() throws {
    let mapping = """
      xml:
        records:
          - element: Person
            person: { id: "@id" }
            potential: { each: Potenziale/Potenzial, key: art, value: wert, keys: { Sprache: sprachniveau } }
      """
    let (_, pipeline) = Self.night(Self.nested, mapping: mapping)
    #expect {
      _ = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    } throws: { error in
      "\(error)".contains("'sprachniveau' (for 'Sprache') is not a potential") && "\(error)".contains("src.yml")
    }
  }

  /// Drafts a mapping from the export with `pakt mappings init` and loads the export with it, unedited.
  static func draftAndLoad(_ xml: String) throws -> (dir: String, draft: String, summary: RunSummary) {
    let (dir, pipeline) = Self.night(xml, mapping: "")
    let draft = try MappingDraft.make(path: "\(dir)/inbox/export.xml", municipality: "Aalen").yaml
    TestSupport.write(draft, to: "mappings/src.yml", in: dir)
    return (dir, draft, try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run())
  }

  @Test("a nested export is drafted with its measure group and its key/value potentials, and loads unedited")
  func draftNested() throws {
    let (dir, draft, summary) = try Self.draftAndLoad(Self.nested)
    #expect(draft.contains("each: \"Massnahmen/Massnahme\""))
    #expect(draft.contains("program: \"Bezeichnung\""))
    #expect(draft.contains("key: \"art\"") && draft.contains("\"Sprache\": language_level"))
    #expect(draft.contains("potential key \"Hobby\" not recognised"))
    #expect(summary.totals.rejected == 0)
    #expect(try Self.rows(dir, "SELECT count(*) FROM participation") == ["3"])
    #expect(try Self.rows(dir, "SELECT count(*) FROM potential") == ["3"])
  }

  @Test(
    "a flat export (persons listed once, participations apart) is drafted with person_ref, not the participation's own number"
  )
  func draftFlat() throws {
    let (dir, pipeline) = Self.night(Self.flat, mapping: "", latin1: true)
    let draft = try MappingDraft.make(path: "\(dir)/inbox/export.xml", municipality: "Biberach").yaml
    TestSupport.write(draft, to: "mappings/src.yml", in: dir)
    #expect(draft.contains("person_ref: \"@person\""))
    #expect(!draft.contains("id: \"@nr\"\n      participation") && draft.components(separatedBy: "id: ").count == 2)
    let summary = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    #expect(summary.totals.rejected == 0)
    #expect(
      try Self.rows(dir, "SELECT person_local_id FROM participation ORDER BY id") == ["\"B-1\"", "\"B-2\"", "\"B-1\""])
    #expect(try Self.rows(dir, "SELECT count(*) FROM source_person") == ["2"])
  }

  /// Everything in attributes; the measure's name is the course's `name`.
  static let attributes = """
    <?xml version="1.0" encoding="UTF-8"?>
    <Daten>
      <Teilnehmer id="T-1" nachname="Haddad" vorname="Amina" geburtsdatum="07.03.1990">
        <Kurs name="Integrationskurs" beginn="08.01.2024" ende="30.06.2024"/>
      </Teilnehmer>
      <Teilnehmer id="T-2" nachname="Tesfaye" vorname="Yonas" geburtsdatum="02.01.1985">
        <Kurs name="Bewerbungstraining" beginn="02.09.2024" ende=""/>
      </Teilnehmer>
    </Daten>
    """

  /// Identifiers told apart by an attribute, as XÖV-style exports write them.
  static let typedIdentifiers = """
    <?xml version="1.0" encoding="UTF-8"?>
    <Daten>
      <Person>
        <Kennung typ="Fall-Nr">F-1</Kennung><Kennung typ="AZR">012345678901</Kennung><Kennung typ="BAMF">7654321-475</Kennung>
        <Name>Haddad</Name><Vorname>Amina</Vorname>
      </Person>
      <Person>
        <Kennung typ="Fall-Nr">F-2</Kennung><Kennung typ="BAMF">7654322-423</Kennung>
        <Name>Tesfaye</Name><Vorname>Yonas</Vorname>
      </Person>
    </Daten>
    """

  @Test("identifiers told apart by an attribute (`<Kennung typ=\"AZR\">`) are drafted by a path each, and load")
  func draftTypedIdentifiers() throws {
    let (dir, draft, summary) = try Self.draftAndLoad(Self.typedIdentifiers)
    #expect(draft.contains("azr: \"Kennung[@typ='AZR']\""), "\(draft)")
    #expect(draft.contains("bamf: \"Kennung[@typ='BAMF']\""))
    #expect(draft.contains("id: \"Kennung[@typ='Fall-Nr']\""))
    #expect(summary.totals.rejected == 0)
    #expect(
      try Self.rows(dir, "SELECT local_id, azr_number, bamf_number FROM identity ORDER BY local_id") == [
        "\"F-1\" \"012345678901\" \"7654321475\"", "\"F-2\" NULL \"7654322423\"",
      ])
  }

  /// An English case-management tool's export: a default namespace, enrolments with `from`
  /// and `until`, dates of birth as xs:date with a time zone.
  static let english = """
    <?xml version="1.0" encoding="UTF-8"?>
    <export xmlns="urn:example:casemanager:2.1">
      <clients>
        <client clientId="C-1">
          <personalData><surname>Haddad</surname><forename>Amina</forename><dateOfBirth>1990-03-07+01:00</dateOfBirth></personalData>
          <enrolments><enrolment><programme>Integrationskurs</programme><from>2024-01-08</from><until>2024-06-30</until></enrolment></enrolments>
        </client>
        <client clientId="C-2">
          <personalData><surname>Tesfaye</surname><forename>Yonas</forename><dateOfBirth>1985-01-02Z</dateOfBirth></personalData>
          <enrolments><enrolment><programme>Bewerbungstraining</programme><from>2024-09-02</from><until/></enrolment></enrolments>
        </client>
      </clients>
    </export>
    """

  @Test(
    "a leaf is read inside its element: a course's name is the program, an enrolment's from and until its dates; one path per field"
  )
  func draftInsideElements() throws {
    let (dir, draft, summary) = try Self.draftAndLoad(Self.attributes)
    #expect(draft.contains("program: \"Kurs/@name\""))
    #expect(draft.contains("start: \"Kurs/@beginn\"") && draft.contains("end: \"Kurs/@ende\""))
    #expect(draft.components(separatedBy: "family_name:").count == 2)
    #expect(summary.totals.rejected == 0)
    #expect(
      try Self.rows(dir, "SELECT program_name, start_date FROM participation ORDER BY id") == [
        "\"Integrationskurs\" \"2024-01-08\"", "\"Bewerbungstraining\" \"2024-09-02\"",
      ])

    let (englishDir, englishDraft, englishSummary) = try Self.draftAndLoad(Self.english)
    #expect(englishDraft.contains("start: \"enrolments/enrolment/from\""))
    #expect(englishDraft.contains("end: \"enrolments/enrolment/until\""))
    #expect(englishSummary.totals.rejected == 0)
    #expect(
      try Self.rows(englishDir, "SELECT birth_date FROM identity ORDER BY local_id") == [
        "\"1990-03-07\"", "\"1985-01-02\"",
      ])
  }
}
