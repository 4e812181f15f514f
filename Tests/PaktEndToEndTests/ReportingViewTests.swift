import Foundation
import PaktCore
import PaktPipeline
import PaktTestSupport
import Testing

@testable import PaktLoad

@Suite("Load: where persons lived, and the pact's reporting views")
struct ReportingViewTests {
  typealias Stay = LoadSession.Stay

  @Test("a timeline orders stays, ends each where the next begins, merges the same place")
  func timeline() {
    let inferred = "inferred from measures"
    let stays = [
      Stay(from: "2024-09-01", to: nil, municipality: "Isny", ags: nil, basis: inferred),
      Stay(from: "2024-01-08", to: nil, municipality: "Wangen", ags: nil, basis: inferred),
      Stay(from: "2024-03-01", to: "2024-05-31", municipality: "Wangen", ags: "08436081", basis: "delivered"),
      Stay(from: "2025-02-01", to: "2025-06-30", municipality: "Ulm", ags: nil, basis: "delivered"),
    ]
    #expect(
      LoadSession.timeline(stays) == [
        Stay(from: "2024-01-08", to: "2024-09-01", municipality: "Wangen", ags: nil, basis: "delivered"),
        Stay(from: "2024-09-01", to: "2025-02-01", municipality: "Isny", ags: nil, basis: inferred),
        Stay(from: "2025-02-01", to: "2025-06-30", municipality: "Ulm", ags: nil, basis: "delivered"),
      ])
  }

  /// The stays a record gives, found by joining on "source/id" keys in dictionaries: the
  /// reading before the side-by-side scans, kept here as the reference. Keyed by the keys'
  /// bytes: that reading keyed by Strings, which took two records whose ids are canonically
  /// equivalent ("\u{C4}" and "A\u{308}") for one.
  static func referencePeriods(_ load: LoadSession) throws -> [[String: String]] {
    var dated: [[UInt8]: [Stay]] = [:]
    var place: [[UInt8]: (String, String?)] = [:]
    for r in try load.rows(
      "SELECT source, person_local_id, municipality, ags, from_date, to_date FROM residence ORDER BY id")
    {
      let key = Array((r["source"]! + "/" + r["person_local_id"]!).utf8)
      if let from = r["from_date"] {
        dated[key, default: []].append(
          Stay(from: from, to: r["to_date"], municipality: r["municipality"]!, ags: r["ags"], basis: "delivered"))
      } else {
        place[key] = (r["municipality"]!, r["ags"])
      }
    }
    var stays: [Int64: [Stay]] = [:]
    for r in try load.rows(
      """
      SELECT sp.person_id, sp.source, sp.local_id, sp.municipality, min(p.start_date) AS first
      FROM source_person sp LEFT JOIN participation p ON p.source = sp.source AND p.person_local_id = sp.local_id
      WHERE sp.person_id IS NOT NULL GROUP BY sp.source, sp.local_id ORDER BY sp.source, sp.local_id
      """)
    {
      let person = Int64(r["person_id"]!)!
      let key = Array((r["source"]! + "/" + r["local_id"]!).utf8)
      if let delivered = dated[key] {
        stays[person, default: []] += delivered
      } else if let first = r["first"], let municipality = place[key]?.0 ?? r["municipality"] {
        stays[person, default: []].append(
          Stay(from: first, to: nil, municipality: municipality, ags: place[key]?.1, basis: "inferred from measures"))
      }
    }
    return stays.keys.sorted().flatMap { person in
      LoadSession.timeline(stays[person]!).map {
        var row = [
          "person_id": String(person), "municipality": $0.municipality, "from_date": $0.from, "basis": $0.basis,
        ]
        row["ags"] = $0.ags
        row["to_date"] = $0.to
        return row
      }
    }
  }

  /// Keys that sort differently as Swift Strings and as SQLite's bytes (a prefix, a combining
  /// mark, case, a space), records without a person row or without a residence, persons with
  /// several records: the two scans, merged by key in memory, give what the keyed join gives.
  @Test("residence periods from two scans merged by key equal those from a join by key")
  func periodsSideBySide() throws {
    let w = try Warehouse(path: "\(TestSupport.scratch())/w.sqlite")
    try w.transaction { load in
      let ids = ["1", "10", "2", "A", "a", "\u{C4}", "A\u{308}", "AB", "A B", "A-"]
      var n = 0
      for (s, source) in ["ul", "ulm", "ulm-x", "ulm\u{E9}", "ulme\u{301}"].enumerated() {
        for (i, id) in ids.enumerated() {
          n += 1
          let at = Lineage(file: "f.csv", line: n)
          if (s + i) % 3 != 0 {
            try load.insert(SourcePersonRecord(source: source, localID: id, municipality: "Ort \(n % 4)", lineage: at))
          }
          if (s + i) % 2 == 0 {
            for month in [1 + n % 12, 1 + (n * 5) % 12] {
              try load.insert(
                Participation(
                  source: source, personLocalID: id, programName: "Kurs \(month)",
                  start: PartialDate(year: 2024, month: month, day: 1), lineage: at))
            }
          }
          func residence(_ place: String, from: PartialDate? = nil, to: PartialDate? = nil) throws {
            try load.insert(
              Residence(
                source: source, personLocalID: id, municipality: place, ags: "0\(n)", from: from, to: to, lineage: at))
          }
          switch n % 5 {
          case 0: try residence("Wangen", from: PartialDate(year: 2023, month: 5, day: 1))
          case 1: try residence("Isny")
          case 2:
            try residence("Zell")
            try residence("Aach")
          case 3:
            try residence("Ulm", from: PartialDate(year: 2024, month: 2, day: 1), to: PartialDate(year: 2024, month: 6))
            try residence("Biberach")
          default: break
          }
        }
      }
      // Persons of one to three records, across sources.
      try load.db.execute(sql: "UPDATE source_person SET person_id = 1 + (rowid * 7) % 19")
      let expected = try Self.referencePeriods(load)
      #expect(expected.count > 20)
      #expect(try load.rebuildResidencePeriods() == expected.count)
      let got = try load.rows(
        "SELECT person_id, municipality, ags, from_date, to_date, basis FROM residence_period ORDER BY rowid")
      #expect(got == expected)
      #expect(Set(got.compactMap { $0["basis"] }) == ["delivered", "inferred from measures"])
    }
  }

  @Test("case management: one case per client with a pseudonymous manager; counted per municipality and quarter")
  func cases() throws {
    let pipeline = SamplePipeline()
    #expect(try pipeline.run().status == .committed)
    let w = try Warehouse(path: pipeline.warehouse)
    let clients = try w.read {
      try $0.count("SELECT count(*) FROM source_person WHERE source = 'stuttgart' AND local_id LIKE 'S-1%'")
    }
    let cases = try w.read { try $0.rows("SELECT manager_key, opened, municipality FROM case_fact") }
    #expect(clients > 20 && cases.count == clients)
    let managers = Set(cases.compactMap { $0["manager_key"] })
    #expect(managers.count == 4)
    #expect(managers.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
    #expect(cases.allSatisfy { $0["municipality"] == "Stuttgart" && $0["opened"]?.count == 10 })
    // The managers' names never reach the warehouse.
    for name in ["Keller", "Öztürk", "Nguyen", "Brandt"] {
      let found = try w.read {
        try $0.count("SELECT count(*) FROM case_fact WHERE instr(manager_key || opened || municipality, ?) > 0", [name])
      }
      #expect(found == 0)
    }
    let view = try w.read {
      try $0.rows(
        "SELECT ags, sum(cases) AS cases, sum(still_open) AS open FROM cases_per_municipality_quarter GROUP BY ags")
    }
    #expect(view.count == 1 && view.first?["ags"] == "08111000" && view.first?["cases"] == String(clients))
    #expect(view.first?["open"] == String(clients))
    // The municipality dimension holds every municipality the deliveries name, with its AGS.
    let stuttgart = try w.read { try $0.rows("SELECT ags FROM municipality WHERE name = 'Stuttgart'") }
    #expect(stuttgart.first?["ags"] == "08111000")
    #expect(try w.read { try $0.count("SELECT count(*) FROM municipality") } >= 6)
  }

  @Test("a mover's cost follows them to the new municipality; measures are counted around the move")
  func moverViews() throws {
    let dir = TestSupport.scratch("pakt-views")
    let root = TestSupport.root
    let stuttgart = try String(contentsOfFile: "\(root)/mappings/stuttgart.yml", encoding: .utf8)
    for (name, ags) in [("Wangen", "08436081"), ("Isny", "08436049")] {
      let mapping = stuttgart.replacingOccurrences(of: "municipality: Stuttgart", with: "municipality: \(name)")
        .replacingOccurrences(of: "ags: \"08111000\"", with: "ags: \"\(ags)\"")
      TestSupport.write(mapping, to: "\(name).yml", in: dir)
    }
    let header = NightlySource.header
    // Samira is kept by Wangen from January, then by Isny from September; Wangen still
    // reports a course that started after she had moved.
    TestSupport.write(
      """
      \(header)
      W-1,Samira,Haddad,1990-03-07,F,Syrian,,A2,Integrationskurs,VHS,2024-01-08,2024-07-01,completed,100.00,,
      W-1,Samira,Haddad,1990-03-07,F,Syrian,,A2,Sprachcafé,VHS,2024-02-01,,running,20.00,,
      W-1,Samira,Haddad,1990-03-07,F,Syrian,,A2,Jobcoaching,IB,2024-10-01,,running,50.00,,
      W-2,Yonas,Tesfay,1985-11-30,M,Eritrean,,A1,Jobcoaching,IB,2024-03-04,2024-09-30,completed,250.00,,

      """, to: "wangen/export.csv", in: dir)
    TestSupport.write(
      """
      \(header)
      I-7,Samira,Haddad,1990-03-07,F,Syrian,,A2,Berufssprachkurs B2,Caritas,2024-09-01,,running,300.00,,

      """, to: "isny/export.csv", in: dir)
    let pipeline = TestSupport.write(
      """
      catalogue: \(root)/mappings/catalogue.yml
      warehouse: \(dir)/warehouse.sqlite
      reports: \(dir)/reports
      sources:
        - name: wangen
          files: \(dir)/wangen/*.csv
          mapping: \(dir)/Wangen.yml
        - name: isny
          files: \(dir)/isny/*.csv
          mapping: \(dir)/Isny.yml
      """, to: "pipeline.yml", in: dir)
    let summary = try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    #expect(summary.linkage.linkedPersons == 1)
    let warehouse = try Warehouse(path: "\(dir)/warehouse.sqlite")
    func rows(_ sql: String) throws -> [[String: String]] { try warehouse.read { try $0.rows(sql) } }

    let periods = try rows(
      """
      SELECT rp.municipality, rp.from_date, rp.to_date FROM residence_period rp
      JOIN person pe ON pe.person_id = rp.person_id WHERE pe.records = 2 ORDER BY rp.from_date
      """)
    #expect(periods.map { $0["municipality"] } == ["Wangen", "Isny"])
    #expect(periods.map { $0["from_date"] } == ["2024-01-08", "2024-09-01"])
    #expect(periods[0]["to_date"] == "2024-09-01" && periods[1]["to_date"] == nil)

    // 2024-Q4: Wangen reported the October course, but Samira lived in Isny by then.
    let cost = try rows("SELECT * FROM cost_following_person WHERE quarter = '2024-Q4'")
    #expect(cost.count == 1)
    #expect(cost.first?["municipality"] == "Isny")
    #expect(cost.first?["cost_cents"] == "5000")
    #expect(cost.first?["reported_elsewhere"] == "1")
    let wangenQ1 = try rows(
      "SELECT cost_cents FROM cost_following_person WHERE municipality = 'Wangen' AND quarter = '2024-Q1'")
    #expect(wangenQ1.first?["cost_cents"] == "37000")

    let moves = try rows("SELECT * FROM measures_around_move")
    #expect(moves.count == 1)
    #expect(moves.first?["moved_from"] == "Wangen" && moves.first?["moved_to"] == "Isny")
    #expect(moves.first?["moved_on"] == "2024-09-01")
    #expect(moves.first?["measures_before"] == "2" && moves.first?["measures_after"] == "2")
    #expect(moves.first?["person_key"]?.count == 64)

    let persons = try rows(
      "SELECT quarter, municipality, persons FROM persons_per_municipality_quarter ORDER BY quarter, municipality")
    let q3 = persons.filter { $0["quarter"] == "2024-Q3" }
    #expect(q3.map { $0["municipality"] } == ["Isny", "Wangen"])
    #expect(q3.map { $0["persons"] } == ["1", "2"])
    #expect(persons.last?["quarter"] == "2024-Q4")

    let byCategory = try rows(
      """
      SELECT sum(participations) AS n, sum(cost_cents) AS cost FROM participations_by_category_municipality_quarter
      """)
    #expect(byCategory.first?["n"] == "5")
    #expect(byCategory.first?["cost"] == "72000")
  }
}
