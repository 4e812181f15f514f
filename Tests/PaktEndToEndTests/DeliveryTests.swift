import Foundation
import PaktCore
import PaktPipeline
import PaktTestSupport
import Testing

@testable import PaktLoad

@Suite("Load: deliveries night after night", .serialized)
struct DeliveryTests {
  @Test("a full export that no longer holds a client retires them: kept with their measures, not current")
  func retire() throws {
    let night = NightlySource()
    night.deliver(["W-1", "W-2", "W-3"])
    let first = try night.run()
    #expect(first.totals.loaded == 6)
    let ids = try night.warehouse.read { try $0.personIDs() }

    // W-2 moved away: tonight's full export lacks them.
    night.deliver(["W-1", "W-3"])
    let second = try night.run()
    #expect(second.status == .committed)
    #expect(second.retired == 1)
    #expect(second.retiredTotal == 1)
    #expect(second.totals.loaded == 4)
    #expect(
      try night.count("SELECT count(*) FROM source_person WHERE retired_run IS NOT NULL AND local_id = 'W-2'") == 1)
    // The measures W-2 received stay, as history; every fact is kept exactly once.
    #expect(try night.count("SELECT count(*) FROM participation WHERE person_local_id = 'W-2'") == 2)
    #expect(try night.count("SELECT count(*) FROM participation WHERE retired_run IS NOT NULL") == 2)
    #expect(try night.count("SELECT count(*) FROM participation") == 6)
    #expect(try night.count("SELECT sum(source_records) FROM current_caseload") == 2)
    #expect(try night.warehouse.read { try $0.personIDs() } == ids)

    // Still missing the next night (a mapping change reloads the source): retired once, not again.
    night.deliver(["W-1", "W-3"], as: "export-2.csv")
    night.add(["W-1"], as: "late.csv")
    let third = try night.run()
    #expect(third.retired == 0)
    #expect(third.retiredTotal == 1)
    #expect(try night.count("SELECT count(*) FROM participation WHERE person_local_id = 'W-2'") == 2)

    // Back in the caseload: current again, nothing doubled.
    night.deliver(["W-1", "W-2", "W-3"])
    let fourth = try night.run()
    #expect(fourth.retiredTotal == 0)
    #expect(try night.count("SELECT count(*) FROM participation") == 6)
    #expect(try night.count("SELECT sum(source_records) FROM current_caseload") == 3)
    #expect(try night.warehouse.read { try $0.personIDs() } == ids)
  }
}

extension DeliveryTests {
  @Test("the same file again under another name is skipped and reported; a copy beside it is not read twice")
  func sameContent() throws {
    let night = NightlySource()
    night.deliver(["W-1", "W-2"], as: "export-2026-11-24.csv")
    _ = try night.run()
    let before = try night.count("SELECT count(*) FROM participation")

    night.deliver(["W-1", "W-2"], as: "export-2026-11-25.csv")
    let renamed = try night.run()
    #expect(renamed.status == .unchanged)
    let file = try #require(renamed.files.first)
    #expect(file.name.hasSuffix("export-2026-11-25.csv"))
    #expect(file.status == .unchanged)
    #expect(file.note?.contains("export-2026-11-24.csv") == true)
    #expect(file.loaded == 4)

    // Tonight's export and a copy of it: the copy is a duplicate, nothing loads twice.
    night.deliver(["W-1", "W-2", "W-3"], as: "export.csv")
    night.add(["W-1", "W-2", "W-3"], as: "export (1).csv")
    let copied = try night.run()
    #expect(copied.status == .committed)
    let duplicate = try #require(copied.files.first { $0.status == .duplicate })
    #expect(duplicate.note?.contains("export") == true)
    #expect(duplicate.read == 0)
    #expect(copied.totals.loaded == 6)
    #expect(try night.count("SELECT count(*) FROM participation") == before + 2)
    let again = try night.run()
    #expect(again.status == .unchanged)
    #expect(again.files.map(\.status.rawValue).sorted() == ["duplicate", "unchanged"])
    #expect(again.files.contains { $0.status == .duplicate && $0.note != nil })
  }
}
