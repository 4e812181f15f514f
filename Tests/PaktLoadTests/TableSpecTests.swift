import Foundation
import GRDB
import PaktCore
import PaktTestSupport
import Testing

@testable import PaktLoad

@Suite("Load: one declaration per table")
struct TableSpecTests {
  /// The columns of `table` in a warehouse: name, declared type, NOT NULL, primary key.
  static func columns(_ db: Database, _ table: String) throws -> [String] {
    try Row.fetchAll(db, sql: "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", arguments: [table]).map {
      "\($0["name"] as String) \($0["type"] as String)\(($0["notnull"] as Int) == 1 ? " NOT NULL" : "")"
        + "\(($0["pk"] as Int) > 0 ? " PRIMARY KEY" : "")"
    }
  }

  /// What `Tables` declares for `table`, in the same form.
  static func declared(_ table: String) -> [String]? {
    Tables.all.first { $0.name == table }?.columns.map {
      "\($0.name) \($0.type.rawValue)\($0.notNull ? " NOT NULL" : "")\($0.primaryKey ? " PRIMARY KEY" : "")"
    }
  }

  @Test("the migrations build exactly the columns each table's declaration lists, in its order")
  func migrationsMatchDeclarations() throws {
    let path = "\(TestSupport.scratch())/w.sqlite"
    _ = try Warehouse(path: path)
    let db = try DatabaseQueue(path: path)
    for table in Tables.all.map(\.name) {
      let built = try db.read { try Self.columns($0, table) }
      #expect(built == Self.declared(table), "table \(table)")
    }
  }

  @Test("the insert statement names the loaded columns in the order the encoder writes their values")
  func insertFollowsEncoder() throws {
    let spec = Tables.residence
    #expect(spec.loaded.first == "source" && spec.loaded.last == "path")
    #expect(!spec.loaded.contains("id") && !spec.loaded.contains("retired_run"))
    #expect(spec.insertSQL.contains("INSERT OR IGNORE INTO residence(\(spec.loaded.joined(separator: ", ")))"))
    // One residence encoded: as many values as loaded columns, the last three its lineage.
    let out = ByteBuffer(capacity: 64)
    let at = Lineage(file: "a.csv", line: 7, path: nil)
    spec.encode(Residence(source: "ulm", personLocalID: "K1", municipality: "Ulm", lineage: at), into: out)
    var position = 0
    var values = 0
    while position < out.count {
      position = EncodedRows.end(ofValueAt: position, in: out.contents.baseAddress!)
      values += 1
    }
    #expect(values == spec.loaded.count)
    #expect(position == out.count)
  }
}
