import Foundation
import PaktCore
import PaktLoad
import PaktPipeline
import PaktTestSupport
import Testing

/// Nightly linkage in proportion to the change: a night that changes a few records links only
/// those and the persons they touch, with the model of the last full link, and keeps every
/// other person's id.
@Suite("Link: nights linked in proportion to their change", .serialized)
struct IncrementalLinkTests {
  static let header =
    "client_id,first_name,last_name,date_of_birth,gender,nationality,azr_number,german_level,programme,provider,start_date,end_date,status,cost_eur,case_manager,case_opened"

  /// The sample pipeline with one more source, `wangen`, whose export the test rewrites.
  static func night() -> (SamplePipeline, String) {
    let inbox = TestSupport.scratch("pakt-wangen")
    let pipeline = SamplePipeline(
      extraSources: """
          - name: wangen
            files: \(inbox)/*.csv
            mapping: \(TestSupport.root)/mappings/stuttgart.yml
        """)
    return (pipeline, inbox)
  }

  static func deliver(_ rows: [String], to inbox: String) {
    TestSupport.write(([header] + rows).joined(separator: "\n") + "\n", to: "export.csv", in: inbox)
  }

  static let wangen = [
    "W-1,Amani,Tesfay,1994-02-11,F,Eritrean,,A2,Integrationskurs,VHS,2024-01-08,2024-07-01,completed,100.00,,",
    "W-2,Farid,Nazari,1987-09-30,M,Afghan,,A1,Integrationskurs,VHS,2024-01-08,2024-07-01,completed,100.00,,",
    "W-3,Lina,Haddad,2001-05-17,F,Syrian,,B1,Integrationskurs,VHS,2024-01-08,2024-07-01,completed,100.00,,",
  ]

  @Test("a night with a changed and a new record links them and the persons they touch; everyone else keeps their id")
  func proportional() throws {
    let (pipeline, inbox) = Self.night()
    Self.deliver(Self.wangen, to: inbox)
    let first = try pipeline.run()
    #expect(first.linkage.relinkedRecords == first.linkage.sourcePersonRecords)
    let before = try pipeline.personIDs()
    // Night two: Farid's given name is corrected, and Wangen now also lists Reza Mansour, whom
    // Stuttgart lists (same name, date of birth and AZR number).
    var rows = Self.wangen
    rows[1] = rows[1].replacingOccurrences(of: "Farid", with: "Fareed")
    rows.append(
      "W-4,Reza,Mansour,2001-08-20,M,Syrian,6313146625,B1,Integrationskurs,VHS,2024-01-08,2024-07-01,completed,100.00,,"
    )
    Self.deliver(rows, to: inbox)
    let second = try pipeline.run()
    let mode = try Warehouse(path: pipeline.warehouse).read { try $0.meta("last_link_mode") }
    #expect(mode == "incremental")
    #expect(second.linkage.relinkedRecords > 0)
    #expect(second.linkage.relinkedRecords < second.linkage.sourcePersonRecords / 4)
    let after = try pipeline.personIDs()
    #expect(after["wangen/W-4"] != nil && after["wangen/W-4"] == before["stuttgart/S-1001"])
    #expect(after["wangen/W-2"] == before["wangen/W-2"])
    // Every record that was there before and is not one of the changed ones keeps its person.
    let moved = before.filter { key, id in key != "wangen/W-2" && after[key] != id }
    #expect(moved.isEmpty, "\(moved.count) records changed person")
    // A full link of the same night forms the same persons.
    let full = try PipelineRunner(config: try PipelineConfig.load(path: pipeline.file), options: .init(fullLink: true))
      .run()
    #expect(full.linkage.relinkedRecords == full.linkage.sourcePersonRecords)
    let fullIDs = try pipeline.personIDs()
    func partition(_ ids: [String: Int64]) -> Set<Set<String>> {
      Set(Dictionary(grouping: ids.keys, by: { ids[$0]! }).values.map { Set($0) })
    }
    #expect(partition(fullIDs) == partition(after))
    #expect(try Warehouse(path: pipeline.warehouse).read { try $0.meta("last_link_mode") } == "full")
  }

  /// Residence periods and program name counts as the warehouse holds them, and as worked
  /// out from scratch (in a transaction that is undone).
  static func derived(_ warehouse: String) throws -> (kept: [String], fresh: [String]) {
    let periods = "SELECT person_id, municipality, from_date, ifnull(to_date, '-'), basis FROM residence_period"
    let names = "SELECT source, program_name, ifnull(catalogue_code, '-'), mapping_method"
    func lines(_ load: LoadSession, _ sql: String) throws -> [String] {
      try load.rows(sql).map { row in row.keys.sorted().map { row[$0] ?? "" }.joined(separator: "|") }.sorted()
    }
    return try Warehouse(path: warehouse).transaction(commit: false) { load in
      let kept =
        try lines(load, periods)
        + lines(load, names + ", participations AS n FROM program_name_tally")
      try load.rebuildResidencePeriods()
      let fresh =
        try lines(load, periods)
        + lines(load, names + ", count(*) AS n FROM participation GROUP BY 1, 2, 3, 4")
      return (kept, fresh)
    }
  }

  @Test("two change nights in a row read only their change and keep periods and counts as a full rebuild has them")
  func twoNights() throws {
    let (pipeline, inbox) = Self.night()
    Self.deliver(Self.wangen, to: inbox)
    _ = try pipeline.run()
    // Night two: Wangen lists Reza Mansour, as Stuttgart does (same name, birth date, AZR).
    let reza =
      "W-4,Reza,Mansour,2001-08-20,M,Syrian,6313146625,B1,Sprachkurs,VHS,2023-03-01,2023-07-01,completed,90.00,,"
    Self.deliver(Self.wangen + [reza], to: inbox)
    let second = try pipeline.run()
    #expect(second.linkage.relinkedRecords < second.linkage.sourcePersonRecords / 4)
    var derived = try Self.derived(pipeline.warehouse)
    #expect(derived.kept == derived.fresh)
    let afterSecond = try pipeline.personIDs()
    #expect(afterSecond["wangen/W-4"] == afterSecond["stuttgart/S-1001"])
    // Night three: a second Wangen record of Reza, with a typo in his family name: found
    // through the record night two added to the index (W-4), and through Stuttgart's.
    Self.deliver(
      Self.wangen + [reza, reza.replacingOccurrences(of: "W-4,Reza,Mansour", with: "W-5,Reza,Mansur")], to: inbox)
    let third = try pipeline.run()
    #expect(try Warehouse(path: pipeline.warehouse).read { try $0.meta("last_link_mode") } == "incremental")
    #expect(third.linkage.relinkedRecords < third.linkage.sourcePersonRecords / 4)
    let afterThird = try pipeline.personIDs()
    #expect(afterThird["wangen/W-5"] == afterSecond["stuttgart/S-1001"])
    #expect(afterThird.filter { $0.key != "wangen/W-5" && afterSecond[$0.key] != $0.value }.isEmpty)
    derived = try Self.derived(pipeline.warehouse)
    #expect(derived.kept == derived.fresh)
    #expect(third.linkage.persons == afterThird.values.reduce(into: Set<Int64>()) { $0.insert($1) }.count)
  }

  @Test("changed linkage settings, or too large a change, link everything with a new model")
  func fullWhenNeeded() throws {
    let (pipeline, inbox) = Self.night()
    Self.deliver(Self.wangen, to: inbox)
    _ = try pipeline.run()
    // More than a fifth of all records new: a full link.
    let many = (10..<80).map {
      "W-\($0),Name\($0),Family\($0),19\(50 + $0 % 40)-01-1\($0 % 10),F,Syrian,,A2,Integrationskurs,VHS,2024-01-08,2024-07-01,completed,100.00,,"
    }
    Self.deliver(Self.wangen + many, to: inbox)
    let second = try pipeline.run()
    #expect(second.linkage.relinkedRecords == second.linkage.sourcePersonRecords)
    #expect(try Warehouse(path: pipeline.warehouse).read { try $0.meta("last_link_mode") } == "full")
  }
}
