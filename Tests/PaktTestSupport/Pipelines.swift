import Foundation
import PaktCore
import PaktLoad
import PaktPipeline

/// A copy of the sample pipeline that writes into a scratch folder.
public struct SamplePipeline {
  public let dir: String
  public let file: String

  /// `postgres`: a `warehouse: postgres://…` URL and PostgreSQL schema; the working copy is
  /// then `warehouse`.
  public init(extraSources: String = "", mappingsDir: String? = nil, postgres: (url: String, schema: String)? = nil) {
    let dir = TestSupport.scratch("pakt-e2e")
    self.dir = dir
    let warehouseLines =
      postgres.map {
        """
        warehouse: \($0.url)
        postgres:
          local_copy: \(dir)/warehouse.sqlite
          schema: \($0.schema)
          analyst_role: pakt_analyst
        """
      } ?? "warehouse: \(dir)/warehouse.sqlite"
    let root = TestSupport.root
    let mappings = mappingsDir ?? "\(root)/mappings"
    let text = """
      catalogue: \(root)/mappings/catalogue.yml
      \(warehouseLines)
      reports: \(dir)/reports
      mapping:
        auto_apply_threshold: 0.9
      linkage:
        settings: \(root)/mappings/linkage.yml
      sources:
        - name: stuttgart
          files: \(root)/samples/stuttgart/*.csv
          mapping: \(mappings)/stuttgart.yml
        - name: freiburg
          files: \(root)/samples/freiburg/*.csv
          mapping: \(mappings)/freiburg.yml
        - name: mannheim
          files: \(root)/samples/mannheim/*.txt
          mapping: \(mappings)/mannheim.yml
        - name: ulm
          files: \(root)/samples/ulm/*.xml
          mapping: \(mappings)/ulm.yml
        - name: karlsruhe
          files: \(root)/samples/karlsruhe/*.xml
          mapping: \(mappings)/karlsruhe.yml
        - name: heidelberg
          files: \(root)/samples/heidelberg/*.xlsx
          mapping: \(mappings)/heidelberg.yml
      \(extraSources)
      """
    file = TestSupport.write(text, to: "pipeline.yml", in: dir)
  }

  public func run() throws -> RunSummary {
    try PipelineRunner(config: try PipelineConfig.load(path: file)).run()
  }

  public var warehouse: String { "\(dir)/warehouse.sqlite" }

  public func personIDs() throws -> [String: Int64] {
    try Warehouse(path: warehouse).read { try $0.personIDs() }
  }
}

/// A one-source pipeline whose export the test rewrites from night to night.
public struct NightlySource {
  public let dir: String
  public let file: String
  public static let header =
    "client_id,first_name,last_name,date_of_birth,gender,nationality,azr_number,german_level,programme,provider,start_date,end_date,status,cost_eur,case_manager,case_opened"
  /// Three synthetic clients, two participations each.
  public static let rows: [String: [String]] = [
    "W-1": [
      "W-1,Samira,Haddad,1990-03-07,F,Syrian,,A2,Integrationskurs,VHS,2024-01-08,2024-07-01,completed,100.00",
      "W-1,Samira,Haddad,1990-03-07,F,Syrian,,A2,Sprachcafé,VHS,2024-02-01,,running,",
    ],
    "W-2": [
      "W-2,Yonas,Tesfay,1985-11-30,M,Eritrean,,A1,Jobcoaching,IB,2024-03-04,2024-09-30,completed,250.00",
      "W-2,Yonas,Tesfay,1985-11-30,M,Eritrean,,A1,Bewerbungstraining,IB,2024-05-06,,running,",
    ],
    "W-3": [
      "W-3,Ahmad,Rahimi,2001-01-01,M,Afghan,,B1,Berufssprachkurs B2,Caritas,2024-04-02,,planned,",
      "W-3,Ahmad,Rahimi,2001-01-01,M,Afghan,,B1,Kita,Caritas,2024-06-24,,planned,",
    ],
  ]

  public init() {
    dir = TestSupport.scratch("pakt-nightly")
    file = TestSupport.onePipeline(in: dir, source: "wangen", files: "csv", mapping: "stuttgart")
  }

  /// Writes tonight's export: the named clients' rows, in a file called `name`.
  public func deliver(_ clients: [String], as name: String = "export.csv") {
    try? FileManager.default.removeItem(atPath: "\(dir)/inbox")
    add(clients, as: name)
  }

  /// Adds a second file beside tonight's export.
  public func add(_ clients: [String], as name: String) {
    // No case columns filled in (case_manager, case_opened).
    let body = clients.flatMap { Self.rows[$0]! }.map { $0 + ",," }
    TestSupport.write(([Self.header] + body).joined(separator: "\n") + "\n", to: "inbox/\(name)", in: dir)
  }

  public func run() throws -> RunSummary { try PipelineRunner(config: try PipelineConfig.load(path: file)).run() }

  public var warehouse: Warehouse { get throws { try Warehouse(path: "\(dir)/warehouse.sqlite") } }

  public func count(_ sql: String) throws -> Int { try warehouse.read { try $0.count(sql) } }
}
