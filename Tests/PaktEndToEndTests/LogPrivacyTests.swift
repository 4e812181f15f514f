import Foundation
import Logging
import PaktCore
import PaktPipeline
import PaktTestSupport
import Testing

@testable import PaktLoad

/// Collects every log line a run writes, with its metadata.
final class CapturedLog: @unchecked Sendable {
  // @unchecked: `lines` is only touched under `lock`.
  private let lock = NSLock()
  private var collected: [String] = []
  var lines: [String] { lock.withLock { collected } }
  func append(_ line: String) { lock.withLock { collected.append(line) } }

  struct Handler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
      get { metadata[key] }
      set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
      let all = metadata.merging(event.metadata ?? [:]) { $1 }
      log.append("\(event.level) \(event.message) \(all.map { "\($0)=\($1)" }.joined(separator: " "))")
    }
  }
}

@Suite("Operations: no personal data in logs")
struct LogPrivacyTests {
  @Test("a run's log lines name no person and no date of birth, also when files are rejected")
  func noPersonalData() throws {
    let broken = TestSupport.scratch("pakt-log")
    // Unreadable files whose broken content is personal data.
    TestSupport.write(
      "<Export><Person id=\"1\"><Name><Familienname>Zyxwaldt</Familienname><Geb>1977-09-24</Geb>",
      to: "cut.xml", in: broken)
    TestSupport.write("<Export><Zyxwaldt>Mariam 24.09.1977</Zyxwaldt></Export", to: "tag.xml", in: broken)
    let pipeline = SamplePipeline(
      extraSources: """
          - name: broken
            files: \(broken)/*.xml
            mapping: \(TestSupport.root)/mappings/ulm.yml
        """)
    let captured = CapturedLog()
    let logger = Logger(label: "pakt.test") { _ in CapturedLog.Handler(log: captured) }
    let summary = try PipelineRunner(config: try PipelineConfig.load(path: pipeline.file), logger: logger).run()
    #expect(summary.files.filter { $0.status == .unreadable }.count == 2)
    let lines = captured.lines
    #expect(lines.count >= 3)

    var secrets: Set<String> = ["Zyxwaldt", "Mariam", "1977-09-24", "24.09.1977"]
    let stored = try Warehouse(path: pipeline.warehouse).read {
      try $0.rows("SELECT family_name, given_name, birth_date FROM identity")
    }
    for row in stored {
      for key in ["family_name", "given_name", "birth_date"] {
        if let value = row[key], value.count >= 4 { secrets.insert(value) }
      }
    }
    #expect(secrets.count > 300)
    // Scratch folders' random names (hex UUIDs) can spell a short name ("Abeba" in
    // "…-abeba0f1…"): paths' UUIDs are taken out before looking.
    let uuid = /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}/
    for line in lines.map({ $0.replacing(uuid, with: "UUID") }) {
      for secret in secrets where line.localizedCaseInsensitiveContains(secret) {
        Issue.record("log line holds personal data ('\(secret)'): \(line)")
      }
    }
  }
}
