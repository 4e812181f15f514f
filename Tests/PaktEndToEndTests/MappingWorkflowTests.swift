import Foundation
import PaktCore
import PaktExtract
import PaktLoad
import PaktPipeline
import PaktTestSupport
import Testing

@testable import PaktMap

@Suite("Map: editing mapping files")
struct MappingEditorTests {
  @Test("a new name is added at the end of programs:, comments and order kept")
  func add() throws {
    let text = "# head\nmunicipality: X\nprograms:\n  # a comment\n  Alphakurs: SPR-IK-ALPHA\n\nvalues:\n  sex: {}\n"
    let out = try MappingEditor.settingProgram("Nähcafé \"Nord\"", to: "SPR-NS", in: text, file: "m.yml")
    #expect(
      out
        == "# head\nmunicipality: X\nprograms:\n  # a comment\n  Alphakurs: SPR-IK-ALPHA\n  \"Nähcafé \\\"Nord\\\"\": SPR-NS\n\nvalues:\n  sex: {}\n"
    )
  }

  @Test("a name mapped already is changed in place (matched after folding)")
  func replace() throws {
    let text = "programs:\n  \"ALPHAKURS\": SPR-IK\n  EOK: SPR-EOK\n"
    let out = try MappingEditor.settingProgram("alphakurs", to: "SPR-IK-ALPHA", in: text, file: "m.yml")
    #expect(out == "programs:\n  \"alphakurs\": SPR-IK-ALPHA\n  EOK: SPR-EOK\n")
  }

  @Test("a file without programs: gets the section at its end")
  func create() throws {
    let out = try MappingEditor.settingProgram("EOK", to: "SPR-EOK", in: "municipality: X\n", file: "m.yml")
    #expect(out.hasSuffix("programs:\n  \"EOK\": SPR-EOK\n"))
    #expect(out.hasPrefix("municipality: X\n"))
  }

  @Test("flow style is refused with a fix")
  func flow() {
    #expect(throws: PaktError.self) {
      _ = try MappingEditor.settingProgram("EOK", to: "SPR-EOK", in: "programs: { A: SPR-IK }\n", file: "m.yml")
    }
  }
}

@Suite("Map: a steward's workflow", .serialized)
struct MappingWorkflowTests {
  func copiedMappings() throws -> String { try TestSupport.copiedMappings() }

  @Test("run, suggest, accept (one and from CSV), run: the names are mapped and the decisions recorded")
  func workflow() throws {
    let mappings = try copiedMappings()
    let pipeline = SamplePipeline(mappingsDir: mappings)
    let first = try pipeline.run()
    #expect(first.unmapped.count == 5)
    let config = try PipelineConfig.load(path: pipeline.file)
    let bench = try MappingWorkbench(config: config)
    let open = try bench.unmapped()
    #expect(open.map(\.name).contains("Nähcafé für Frauen"))
    // Names with a plausible code get suggestions; "Fahrradwerkstatt" (a bicycle workshop) has none.
    #expect(open.filter { $0.name != "Fahrradwerkstatt" }.allSatisfy { !$0.suggestions.isEmpty })
    #expect(open.first { $0.name == "Fahrradwerkstatt" }?.suggestions.isEmpty == true)

    try bench.accept(source: "freiburg", name: "Nähcafé für Frauen", code: "SPR-NS", by: "steward-a", scope: .source)
    let csv = TestSupport.write(
      "source;local_name;count;code\nulm;Lerncafé Weststadt;9;SPR-NS\nmannheim;Fahrradwerkstatt;7;\n", to: "d.csv",
      in: TestSupport.scratch())
    let decisions = try bench.decisions(fromCSV: csv)
    #expect(decisions.count == 1)
    try bench.acceptAll(decisions, by: "steward-b", scope: .source)

    let freiburg = try String(contentsOfFile: "\(mappings)/freiburg.yml", encoding: .utf8)
    #expect(freiburg.hasPrefix("# Stadt Freiburg im Breisgau"))
    #expect(freiburg.contains("  \"Nähcafé für Frauen\": SPR-NS"))

    let second = try pipeline.run()
    #expect(Set(second.unmapped.map(\.name)) == ["Fahrradwerkstatt", "Repair-Café", "Bewerbungswerkstatt"])
    let recorded = try Warehouse(path: pipeline.warehouse).read {
      try $0.rows("SELECT source, local_name, code, decided_by FROM mapping_decision ORDER BY id")
    }
    #expect(recorded.map { $0["decided_by"] } == ["steward-a", "steward-b"])
    #expect(recorded.map { $0["code"] } == ["SPR-NS", "SPR-NS"])
  }

  @Test("an unknown code or source is refused and nothing is written")
  func refused() throws {
    let mappings = try copiedMappings()
    let pipeline = SamplePipeline(mappingsDir: mappings)
    let bench = try MappingWorkbench(config: try PipelineConfig.load(path: pipeline.file))
    let before = try String(contentsOfFile: "\(mappings)/ulm.yml", encoding: .utf8)
    #expect(throws: PaktError.self) { try bench.accept(source: "ulm", name: "X", code: "SPR-NOPE", by: "t") }
    #expect(throws: PaktError.self) { try bench.accept(source: "atlantis", name: "X", code: "SPR-NS", by: "t") }
    #expect(try String(contentsOfFile: "\(mappings)/ulm.yml", encoding: .utf8) == before)
  }

  @Test("pakt mappings init drafts a mapping that recognises obvious headers")
  func initDraft() throws {
    let dir = TestSupport.scratch()
    let file = TestSupport.write(
      "Fall-Nr.;Nachname;Vorname;Geb.-Datum;Staatsangehörigkeit;Kursname;Bemerkung\n1;Haddad;Amina;01.02.1990;syrisch;IK;x\n",
      to: "export.csv", in: dir)
    let draft = try MappingDraft.make(path: file, municipality: "Heilbronn")
    #expect(draft.unrecognised == ["Bemerkung"])
    #expect(
      draft.recognised.map(\.column) == [
        "Fall-Nr.", "Nachname", "Vorname", "Geb.-Datum", "Staatsangehörigkeit", "Kursname",
      ])
    #expect(draft.yaml.contains("municipality: \"Heilbronn\""))
    // The draft itself is a valid mapping once saved.
    let saved = TestSupport.write(draft.yaml, to: "m.yml", in: dir)
    let catalogue = try Catalogue.load(file: TestSupport.path("mappings/catalogue.yml"))
    _ = try MappingFile.load(file: saved, catalogue: catalogue)
  }

  @Test(
    "init reads columns by content too: dates named like an outcome, \"FAMILY, GIVEN\" names, AZR numbers, levels, no id"
  )
  func initByContent() throws {
    let dir = TestSupport.scratch()
    let file = TestSupport.write(
      """
      NAME;GEBDAT;Maßnahme/Kurs;Beginn;Abschluss;Cost_EUR;Sprache;AZ
      HADDAD, Amina;07.03.1990;Integrationskurs;01.02.2024;30.06.2024;1.306,42;B1;123456789012
      TESFAYE, Yonas;02.01.1985;Bewerbungstraining;01.03.2024;31.05.2024;200,00;A2;123456789013

      """, to: "legacy.csv", in: dir)
    let draft = try MappingDraft.make(path: file, municipality: "Aalen")
    #expect(draft.yaml.contains("  full_name: \"NAME\""))
    #expect(draft.yaml.contains("  end: \"Abschluss\""))
    #expect(draft.yaml.contains("  azr: \"AZ\""))
    // "Sprache" is a known header now; its CEFR levels confirm it.
    #expect(draft.yaml.contains("Sprache → potential.language_level"))
    #expect(draft.yaml.contains("GEBDAT → person.birth_date"))
    #expect(draft.yaml.contains("# id: no column holds a person id"))
    #expect(!draft.yaml.contains("id: \"GEBDAT\""))
    // The draft loads the file unedited: names split, the end date read, nothing rejected.
    TestSupport.write(draft.yaml, to: "m.yml", in: dir)
    let catalogue = try Catalogue.load(file: TestSupport.path("mappings/catalogue.yml"))
    let mapping = try MappingFile.load(file: "\(dir)/m.yml", catalogue: catalogue)
    let opened = try OpenedFile(path: file)
    var mapper = try RecordMapper(
      source: "aalen", fileName: "legacy.csv", mapping: mapping, layout: opened.layout,
      matcher: ProgramMatcher(catalogue: catalogue), autoApplyThreshold: 0.9)
    let record = try #require(try opened.next())
    let mapped = mapper.map(record)
    #expect(mapped.person?.familyName == "HADDAD" && mapped.person?.givenName == "Amina")
    #expect(mapped.person?.azrNumber == "123456789012")
    #expect(mapped.participations.first?.end?.iso == "2024-06-30")
    #expect(mapped.participations.first?.costCents == 130642)
    #expect(mapped.potentials.map(\.value) == ["B1"])
  }

  @Test(
    "a column renamed between two deliveries is matched and reported, never dropped; an unknown rename still fails the file"
  )
  func renamedColumn() throws {
    let dir = TestSupport.scratch("pakt-rename")
    TestSupport.write("person:\n  id: Nr\n  given_name: Vorname\n  family_name: Familie\n", to: "m.yml", in: dir)
    TestSupport.write("Nr;Familie;Vornamen;Kurs\n1;Haddad;Amina;Integrationskurs\n", to: "inbox/a.csv", in: dir)
    let pipeline = TestSupport.onePipeline(in: dir, source: "aalen", files: "csv", mappingPath: "\(dir)/m.yml")
    let summary = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    let file = try #require(summary.files.first)
    #expect(file.status == .loaded)
    #expect(file.note?.contains("column 'Vorname' is now 'Vornamen'") == true)
    let given = try Warehouse(path: "\(dir)/warehouse.sqlite").read {
      try $0.rows("SELECT given_name FROM identity").map { $0["given_name"] }
    }
    #expect(given == ["Amina"])
    // A column renamed to a name pakt does not know is matched by what it holds: the only
    // column of dates for the mapping's start date.
    try String(contentsOfFile: "\(dir)/m.yml", encoding: .utf8).appending("participation:\n  start: Beginn\n")
      .write(toFile: "\(dir)/m.yml", atomically: true, encoding: .utf8)
    TestSupport.write(
      "Nr;Familie;Vorname;Kurs;Termin X\n1;Haddad;Amina;Integrationskurs;01.02.2024\n2;Ali;Noor;IK;03.04.2024\n",
      to: "inbox/a.csv", in: dir)
    let byContent = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    #expect(byContent.files.first?.note?.contains("column 'Beginn' is now 'Termin X'") == true)
    #expect(byContent.files.first?.note?.contains("matched by its content") == true)
    let starts = try Warehouse(path: "\(dir)/warehouse.sqlite").read {
      try $0.rows("SELECT start_date FROM participation ORDER BY start_date").map { $0["start_date"] }
    }
    #expect(starts == ["2024-02-01", "2024-04-03"])
    // A rename pakt cannot tell apart (two candidates) rejects the file with the reason.
    TestSupport.write("Nr;Familie;Vornamex;Vornamey;Beginn\n1;Haddad;Amina;A;01.02.2024\n", to: "inbox/a.csv", in: dir)
    let second = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    #expect(second.files.first?.problem?.contains("'Vorname'") == true)
  }

  @Test(
    "upgrades keep a steward's work: the sample mappings and pipeline load as written and a run leaves them byte for byte"
  )
  func upgradeKeepsFiles() throws {
    let catalogue = try Catalogue.load(file: TestSupport.path("mappings/catalogue.yml"))
    var before: [String: Data] = [:]
    for name in TestSupport.sampleSources {
      let path = TestSupport.path("mappings/\(name).yml")
      before[path] = FileManager.default.contents(atPath: path)
      _ = try MappingFile.load(file: path, catalogue: catalogue)
    }
    _ = try PipelineConfig.load(path: TestSupport.path("pipeline.yml"))
    _ = try SamplePipeline().run()
    for (path, bytes) in before { #expect(FileManager.default.contents(atPath: path) == bytes, "\(path)") }
  }

  @Test("pakt mappings init drafts XML record elements and recognised paths")
  func initXML() throws {
    let draft = try MappingDraft.make(path: TestSupport.path("samples/ulm/ulm_export.xml"), municipality: "Ulm")
    #expect(draft.yaml.contains("- element: Person"))
    #expect(draft.yaml.contains("birth_date: \"Geburtsdatum\""))
    #expect(draft.yaml.contains("given_name: \"Name/Vorname\""))
  }
}
