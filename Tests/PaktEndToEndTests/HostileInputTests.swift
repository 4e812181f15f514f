import Foundation
import GRDB
import PaktCore
import PaktExtract
import PaktPipeline
import PaktTestSupport
import Testing
import ZIPFoundation

@testable import PaktLoad

/// Workbooks made hostile at test time, from the sample workbook.
@Suite("Hostile night: workbooks", .serialized)
struct HostileWorkbookTests {
  static let sample = TestSupport.path("samples/heidelberg/teilnahmen_2024.xlsx")

  /// A copy of the sample workbook with `part` written by `write` instead.
  static func workbook(_ path: String, replacing part: String, _ write: (Archive) throws -> Void) throws {
    let source = try Archive(url: URL(fileURLWithPath: sample), accessMode: .read)
    let target = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
    for entry in source where entry.path != part {
      var data = Data()
      _ = try source.extract(entry) { data.append($0) }
      try target.addEntry(
        with: entry.path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
      ) { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
    }
    try write(target)
  }

  /// A pipeline reading the sample workbook and `odd.xlsx` beside it.
  static func night(extra: String = "", _ make: (String) throws -> Void) throws -> (dir: String, summary: RunSummary) {
    let dir = TestSupport.scratch("pakt-workbook")
    let file = TestSupport.onePipeline(
      in: dir, source: "heidelberg", files: "xlsx", mapping: "heidelberg", extra: extra)
    try FileManager.default.createDirectory(atPath: "\(dir)/inbox", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: sample, toPath: "\(dir)/inbox/good.xlsx")
    try make("\(dir)/inbox/odd.xlsx")
    return (dir, try PipelineRunner(config: try PipelineConfig.load(path: file)).run())
  }

  /// The sample workbook with two more sheets: "Maßnahmen" with a header and a record, and an
  /// empty "Tabelle3" as Excel leaves one.
  static func threeSheets(_ path: String) throws {
    let parts: [(String, String)] = [
      (
        "xl/workbook.xml",
        """
        <?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
        xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\
        <sheet name="Teilnahmen" sheetId="1" r:id="rId1"/><sheet name="Maßnahmen" sheetId="2" r:id="rId10"/>\
        <sheet name="Tabelle3" sheetId="3" r:id="rId11"/></sheets></workbook>
        """
      ),
      (
        "xl/_rels/workbook.xml.rels",
        """
        <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Target="sharedStrings.xml"/>\
        <Relationship Id="rId3" Target="styles.xml"/><Relationship Id="rId10" Target="worksheets/sheet2.xml"/>\
        <Relationship Id="rId11" Target="worksheets/sheet3.xml"/></Relationships>
        """
      ),
      (
        "xl/worksheets/sheet2.xml",
        """
        <?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Kennung</t></is></c>\
        <c r="B1" t="inlineStr"><is><t>Maßnahme</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>P-1</t></is></c>\
        <c r="B2" t="inlineStr"><is><t>Integrationskurs</t></is></c></row></sheetData></worksheet>
        """
      ),
      (
        "xl/worksheets/sheet3.xml",
        """
        <?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <dimension ref="A1"/><sheetData/></worksheet>
        """
      ),
    ]
    let source = try Archive(url: URL(fileURLWithPath: sample), accessMode: .read)
    let target = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
    for entry in source where !parts.contains(where: { $0.0 == entry.path }) {
      var data = Data()
      _ = try source.extract(entry) { data.append($0) }
      try target.addEntry(
        with: entry.path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
      ) { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
    }
    for (part, text) in parts {
      let data = Data(text.utf8)
      try target.addEntry(
        with: part, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
      ) { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
    }
  }

  @Test("a workbook's other sheet that holds rows is named until a source reads it; an empty sheet is not")
  func unreadSheets() throws {
    /// A night of the three-sheet workbook read by the sample's mapping, and by `extra` sources.
    func night(_ extra: (String) -> String = { _ in "" }) throws -> RunSummary {
      let dir = TestSupport.scratch("pakt-workbook")
      try FileManager.default.createDirectory(atPath: "\(dir)/inbox", withIntermediateDirectories: true)
      try Self.threeSheets("\(dir)/inbox/book.xlsx")
      let pipeline = TestSupport.onePipeline(
        in: dir, source: "heidelberg", files: "xlsx", mapping: "heidelberg", sourceExtra: extra(dir))
      return try PipelineRunner(config: try PipelineConfig.load(path: pipeline)).run()
    }
    let dir = TestSupport.scratch("pakt-workbook")
    try Self.threeSheets("\(dir)/book.xlsx")
    let layout = try OpenedFile(path: "\(dir)/book.xlsx").layout
    #expect(layout.sheet == "Teilnahmen")
    #expect(layout.otherSheets == ["Maßnahmen"])

    let note = try #require(try night().files.first?.note)
    #expect(note.contains("the workbook's sheet 'Maßnahmen' holds rows too"))
    #expect(!note.contains("Tabelle3"))

    // A second source reading the sheet: nothing is left unread, nothing to say.
    let both = try night { dir in
      let mapping = TestSupport.write(
        "municipality: Heidelberg\nread:\n  sheet: Maßnahmen\nperson:\n  id: Kennung\n", to: "m.yml", in: dir)
      return "  - name: massnahmen\n    files: \(dir)/inbox/*.xlsx\n    mapping: \(mapping)"
    }
    #expect(both.files.count == 2)
    #expect(both.files.allSatisfy { ($0.note ?? "").isEmpty }, "\(both.files.map(\.note))")
    #expect(both.files.contains { $0.source == "massnahmen" && $0.loaded == 1 })
  }

  @Test("limits are configurable: shared strings over `limits: shared_strings_mb` refuse their workbook")
  func configuredLimit() throws {
    let (_, summary) = try Self.night(extra: "limits: { shared_strings_mb: 1 }") { path in
      var original = Data()
      let source = try Archive(url: URL(fileURLWithPath: Self.sample), accessMode: .read)
      _ = try source.extract(source["xl/sharedStrings.xml"]!) { original.append($0) }
      let close = original.range(of: Data("</sst>".utf8))!.lowerBound
      let padded =
        original.subdata(in: 0..<close) + Data(repeating: 0x20, count: 2 << 20)
        + original.subdata(in: close..<original.count)
      try Self.workbook(path, replacing: "xl/sharedStrings.xml") { archive in
        try archive.addEntry(
          with: "xl/sharedStrings.xml", type: .file, uncompressedSize: Int64(padded.count), compressionMethod: .deflate
        ) { position, size in padded.subdata(in: Int(position)..<Int(position) + size) }
      }
    }
    let odd = try #require(summary.files.first { $0.name.hasSuffix("odd.xlsx") })
    #expect(odd.status == .unreadable)
    #expect(odd.problem?.contains("more than 1 MB") == true, "\(odd.problem ?? "")")
    let good = try #require(summary.files.first { $0.name.hasSuffix("good.xlsx") })
    #expect(good.loaded > 0)
  }

  @Test("a workbook whose sheet is a symbolic link is rejected as a whole; the good workbook loads")
  func sheetSymlink() throws {
    let (_, summary) = try Self.night { path in
      try Self.workbook(path, replacing: "xl/worksheets/sheet1.xml") { archive in
        let target = Data("/etc/passwd".utf8)
        try archive.addEntry(
          with: "xl/worksheets/sheet1.xml", type: .symlink, uncompressedSize: Int64(target.count)
        ) { position, size in target.subdata(in: Int(position)..<Int(position) + size) }
      }
    }
    let odd = try #require(summary.files.first { $0.name.hasSuffix("odd.xlsx") })
    #expect(odd.status == .unreadable)
    #expect(odd.problem?.contains("symbolic link") == true)
    let good = try #require(summary.files.first { $0.name.hasSuffix("good.xlsx") })
    #expect(good.loaded > 0)
  }

  @Test("shared strings that declare 2 KB and inflate past the limit stop at the limit: rejected, the night goes on")
  func inflationBomb() throws {
    let padding = 300 << 20
    let started = Date()
    let (_, summary) = try Self.night { path in
      var original = Data()
      let source = try Archive(url: URL(fileURLWithPath: Self.sample), accessMode: .read)
      _ = try source.extract(source["xl/sharedStrings.xml"]!) { original.append($0) }
      let close = original.range(of: Data("</sst>".utf8))!.lowerBound
      let head = original.subdata(in: 0..<close)
      let tail = original.subdata(in: close..<original.count)
      let total = head.count + padding + tail.count
      let spaces = Data(repeating: 0x20, count: 1 << 20)
      try Self.workbook(path, replacing: "xl/sharedStrings.xml") { archive in
        try archive.addEntry(
          with: "xl/sharedStrings.xml", type: .file, uncompressedSize: Int64(total), compressionMethod: .deflate
        ) { position, size in
          var chunk = Data()
          var p = Int(position)
          while chunk.count < size {
            if p < head.count {
              let n = min(size - chunk.count, head.count - p)
              chunk.append(head.subdata(in: p..<p + n))
              p += n
            } else if p < head.count + padding {
              let n = min(size - chunk.count, head.count + padding - p, spaces.count)
              chunk.append(spaces.prefix(n))
              p += n
            } else {
              let q = p - head.count - padding
              let n = min(size - chunk.count, tail.count - q)
              chunk.append(tail.subdata(in: q..<q + n))
              p += n
            }
          }
          return chunk
        }
      }
      // The part now declares the original small size, in its local header and the directory.
      var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
      let name = Array("xl/sharedStrings.xml".utf8)
      let declared = UInt32(original.count)
      for i in 0..<(bytes.count - name.count) where Array(bytes[i..<i + name.count]) == name {
        for (offset, signature) in [(30, [0x50, 0x4B, 0x03, 0x04]), (46, [0x50, 0x4B, 0x01, 0x02])] as [(Int, [UInt8])]
        where i >= offset && Array(bytes[(i - offset)..<(i - offset + 4)]) == signature {
          let at = i - offset + (offset == 30 ? 22 : 24)
          for k in 0..<4 { bytes[at + k] = UInt8((declared >> (8 * UInt32(k))) & 0xFF) }
        }
      }
      try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
    let odd = try #require(summary.files.first { $0.name.hasSuffix("odd.xlsx") })
    #expect(odd.status == .unreadable)
    // Stopped by counting what inflated, whatever the part declared.
    #expect(odd.problem?.contains("more than 256 MB") == true, "\(odd.problem ?? "")")
    let good = try #require(summary.files.first { $0.name.hasSuffix("good.xlsx") })
    #expect(good.loaded > 0)
    #expect(Date().timeIntervalSince(started) < 120)
  }
}

@Suite("Hostile night: erasure of a person the linkage may have joined")
struct ConflictingErasureTests {
  @Test("an erase whose person holds two AZR numbers stops and lists the records; --force erases them")
  func conflictingIdentifiers() throws {
    let night = CaseloadSource()
    // Two records of one name and date, with different AZR numbers, that the rules join.
    var bytes = night.export(0..<night.clients)
    bytes += Array(
      ("X-1,Samira,Conflict,1990-03-07,F,Syrian,111111111111,A2,Integrationskurs,VHS,2024-01-08,,running,,,\n"
        + "X-2,Samira,Conflict,1990-03-07,F,Syrian,999999999999,A2,Integrationskurs,VHS,2024-01-08,,running,,,\n")
        .utf8)
    night.deliver(bytes)
    _ = try night.run()
    let warehouse = try Warehouse(path: "\(night.dir)/warehouse.sqlite")
    let people = try warehouse.read {
      try $0.rows("SELECT DISTINCT person_id FROM source_person WHERE local_id IN ('X-1', 'X-2')")
    }
    try #require(people.count == 1, "the rules did not join the two records; the test needs them joined")
    let id = people[0]["person_id"]!
    let config = try PipelineConfig.load(path: night.file)
    #expect {
      _ = try Erasure.erase(config: config, person: id)
    } throws: { error in
      let text = "\(error)"
      return text.contains("2 different AZR numbers") && text.contains("wangen/X-1") && text.contains("--force")
        && !text.contains("111111111111")
    }
    #expect(try night.current() == night.clients + 2)
    let counts = try Erasure.erase(config: config, person: id, force: true)
    #expect(counts.sourceRecords == 2)
  }
}

@Suite("Hostile night: a long reader and a bad key", .serialized)
struct ReaderAndKeyTests {
  @Test("a run that meets an analyst's long read waits for it and commits, instead of failing")
  func longReader() throws {
    let night = try DeliveryGuardTests.loaded()
    night.deliver(night.export(0..<(night.clients + 1)))
    let reader = try DatabaseQueue(path: "\(night.dir)/warehouse.sqlite")
    let reading = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      try? reader.read { db in
        _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM source_person")
        reading.signal()
        Thread.sleep(forTimeInterval: 3)
      }
      done.signal()
    }
    reading.wait()
    let run = try TestSupport.runPakt(["run", night.file], environment: ["PAKT_LOCK_WAIT": "60"])
    done.wait()
    #expect(run.code == 0, "\(run.err)")
    #expect(try night.current() == night.clients + 1)
  }

  @Test("a key file that is too short stops the run before any warehouse file is made")
  func badKey() throws {
    let night = CaseloadSource(pipelineExtra: "pseudonym_key: short.key")
    TestSupport.write("too short", to: "short.key", in: night.dir)
    night.deliver(night.export(0..<3))
    let run = try TestSupport.runPakt(["run", night.file])
    #expect(run.code == 2)
    #expect(run.err.contains("fewer than 32 bytes"))
    #expect(!FileManager.default.fileExists(atPath: "\(night.dir)/warehouse.sqlite"))
  }
}

@Suite("Hostile night: configuration bombs")
struct ConfigurationBombTests {
  @Test("a YAML alias bomb used as a mapping key is refused at once, with the reason")
  func yamlAliasBomb() throws {
    var text = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in 1..<12 {
      let previous = i == 1 ? "a" : "l\(i - 1)"
      text += "l\(i): &l\(i) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
    }
    text += "? *l11\n: boom\n"
    let started = Date()
    #expect {
      _ = try YAMLNode.parse(text, file: "bomb.yml")
    } throws: { error in
      "\(error)".contains("YAML aliases")
    }
    #expect(Date().timeIntervalSince(started) < 5)
    // A few aliases, as a person might write, still parse.
    let fine = try YAMLNode.parse("base: &b { x: 1 }\nfirst: *b\nsecond: *b\n", file: "fine.yml")
    #expect(try fine.mapping()["first"] != nil)
  }
}

@Suite("Hostile night: storage errors are pakt messages")
struct StorageErrorTests {
  @Test(
    "a full disk, a read-only warehouse, a damaged file: one pakt message with what to do, not SQLite's words",
    arguments: [
      (ResultCode.SQLITE_FULL, "the disk is full"), (ResultCode.SQLITE_READONLY, "read-only"),
      (ResultCode.SQLITE_IOERR_WRITE, "the disk reported an error"), (ResultCode.SQLITE_NOTADB, "not a readable"),
    ])
  func explained(code: ResultCode, words: String) throws {
    let error = try #require(Warehouse.explained(DatabaseError(resultCode: code), "/srv/pakt/warehouse.sqlite"))
    #expect(error.message.contains(words))
    #expect(error.fix != nil)
    #expect(error.kind == .failed)
  }

  @Test("a warehouse path that is not a SQLite file is refused with a pakt message, exit 3")
  func notAWarehouse() throws {
    let night = CaseloadSource()
    TestSupport.write(Array(repeating: UInt8(0x41), count: 8192), to: "warehouse.sqlite", in: night.dir)
    night.deliver(night.export(0..<3))
    let run = try TestSupport.runPakt(["run", night.file])
    #expect(run.code == 3)
    #expect(run.err.contains("not a readable pakt warehouse"), "\(run.err)")
  }
}

@Suite("Every line accounted for")
struct SkippedLinesTests {
  @Test("title lines above the header are counted and named in the run summary: read + skipped covers every line")
  func titleLines() throws {
    let night = CaseloadSource()
    let title = Array("Export Stadt Wangen, Integrationsmanagement\nStand: 31.01.2025\n\n".utf8)
    night.deliver(title + night.export(0..<5))
    let summary = try night.run()
    let file = try #require(summary.files.first)
    #expect(file.read == 5)
    #expect(file.skipped == 2)
    #expect(file.skippedNote?.contains("line 1, 2") == true)
    let text = try TestSupport.runPakt(["inspect", "\(night.dir)/inbox/export.csv"])
    #expect(text.out.contains("skipped 2 lines above the header"))
  }
}

@Suite("Hostile night: configurable record limit")
struct RecordLimitTests {
  @Test("a CSV record longer than `limits: record_mb` is a reject with its line; the others load")
  func longRecord() throws {
    let night = CaseloadSource(pipelineExtra: "limits: { record_mb: 1 }")
    var bytes = night.export(0..<night.clients)
    // A remark of 2 MB in one more client's row.
    bytes += Array("W-999,Samira,Long,1990-03-07,F,Syrian,,A2,Integrationskurs,VHS,2024-01-08,,running,,".utf8)
    bytes += [UInt8](repeating: 0x78, count: 2 << 20) + Array(",\n".utf8)
    night.deliver(bytes)
    let summary = try night.run()
    let file = try #require(summary.files.first)
    // The long line is rejected (its first megabyte, then its rest, each with the line);
    // every other record loads.
    #expect(file.rejected >= 1)
    #expect(file.loaded == night.clients)
    #expect(file.read == file.loaded + file.rejected)
    let bad = CaseloadSource(pipelineExtra: "limits: { record_mb: 0 }")
    #expect(throws: PaktError.self) { _ = try PipelineConfig.load(path: bad.file) }
  }
}

@Suite("Hostile night: scratch left by a killed run")
struct StaleScratchTests {
  @Test("a workbook scratch folder of a process that is gone is removed; one of a live process stays")
  func staleScratch() throws {
    let temporary = NSTemporaryDirectory()
    // A pid far above any the system hands out is a process that is gone.
    let stale = (temporary as NSString).appendingPathComponent("pakt-xlsx-99999999-\(UUID().uuidString)")
    let live = (temporary as NSString).appendingPathComponent("pakt-xlsx-\(getpid())-\(UUID().uuidString)")
    for dir in [stale, live] {
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      TestSupport.write("name,date of birth\n", to: "sheet.xml", in: dir)
    }
    XLSXReader.removeStaleScratch()
    #expect(!FileManager.default.fileExists(atPath: stale))
    #expect(FileManager.default.fileExists(atPath: live))
    try FileManager.default.removeItem(atPath: live)
  }
}
