import Foundation
import PaktCore
import PaktSamples
import PaktTestSupport
import Testing

@testable import PaktExtract

@Suite("Extract: XML")
struct XMLTests {
  func read(_ xml: String, records: [XMLPath]) throws -> [ExtractedRecord] {
    let dir = TestSupport.scratch()
    let path = TestSupport.write(xml, to: "f.xml", in: dir)
    var reader = try XMLReader(path: path, records: records)
    return try reader.collect()
  }

  @Test("record elements with attributes, children, nested groups and paths")
  func records() throws {
    let xml = """
      <?xml version="1.0"?>
      <Export><Personen>
        <Person id="1"><Name><Familienname>Haddad</Familienname></Name>
          <Massnahmen><Massnahme status="running"><Bezeichnung>IK</Bezeichnung></Massnahme>
          <Massnahme><Bezeichnung>EOK</Bezeichnung></Massnahme></Massnahmen></Person>
        <Person id="2"/>
      </Personen></Export>
      """
    let records = try read(xml, records: [XMLPath("Person")])
    #expect(records.count == 2)
    let first = try #require(records[0].xmlRecord)
    #expect(first.path == "/Export/Personen/Person[1]")
    #expect(first.line == 3)
    #expect(XMLPath("@id").value(in: first.element) == "1")
    #expect(XMLPath("Name/Familienname").value(in: first.element) == "Haddad")
    let groups = XMLPath("Massnahmen/Massnahme").elements(in: first.element)
    #expect(groups.map { XMLPath("Bezeichnung").value(in: $0) } == ["IK", "EOK"])
    #expect(XMLPath("@status").value(in: groups[0]) == "running")
    // A step may select by an attribute's value.
    #expect(XMLPath("Massnahmen/Massnahme[@status='running']/Bezeichnung").values(in: first.element) == ["IK"])
    #expect(XMLPath("Massnahmen/Massnahme[@status=\"done\"]/Bezeichnung").value(in: first.element) == nil)
    let second = try #require(records[1].xmlRecord)
    #expect(second.path == "/Export/Personen/Person[2]")
  }

  @Test("text around children, entities, Unicode spaces and attribute values survive the flat record")
  func textRuns() throws {
    let xml = """
      <E><R a="x &amp; y" b="Zoë" c="" d="a &lt; b &#60; c &amp;#38;"> Kopf <K>Kind</K> Ende&#160;<K>zwei</K>\u{2003}Schluss\u{2003}</R>
      <R><L>  Mohammed   Al-Hassan  </L><L>\u{00A0}</L></R></E>
      """
    let records = try read(xml, records: [XMLPath("R")])
    guard records.count == 2, case .element(let r) = records[0], case .element(let s) = records[1] else {
      Issue.record("expected two records, got \(records.count)")
      return
    }
    let root = r.element
    #expect(root.text == " Kopf  Ende\u{00A0}\u{2003}Schluss\u{2003}")
    #expect(root.trimmedText == "Kopf  Ende\u{00A0}\u{2003}Schluss")
    #expect(root.children.map(\.text) == ["Kind", "zwei"])
    #expect(root.attribute("a") == "x & y")
    #expect(root.attribute("b") == "Zoë")
    #expect(root.attribute("c") == "")
    #expect(root.attribute("d") == "a < b < c &#38;")
    #expect(root.attribute("e") == nil)
    #expect(root.attributes.map(\.name) == ["a", "b", "c", "d"])
    #expect(XMLPath("L").values(in: s.element) == ["Mohammed   Al-Hassan", ""])
    #expect(
      root.render().hasSuffix(
        "c=\"\" d=\"a < b < c &#38;\">Kopf  Ende\u{00A0}\u{2003}Schluss<K>Kind</K><K>zwei</K></R>"))
  }

  @Test("namespaced elements and attributes match through the mapping's prefixes")
  func namespaces() throws {
    let xml = """
      <k:Export xmlns:k="urn:x"><k:Person k:nr="7"><k:Name>Ali</k:Name></k:Person></k:Export>
      """
    let ns = ["p": "urn:x"]
    let records = try read(xml, records: [XMLPath("p:Person", namespaces: ns)])
    guard case .element(let e) = records.first else {
      Issue.record("no record")
      return
    }
    #expect(XMLPath("@p:nr", namespaces: ns).value(in: e.element) == "7")
    #expect(XMLPath("p:Name", namespaces: ns).value(in: e.element) == "Ali")
    #expect(XMLPath("p:Name", namespaces: ["p": "urn:other"]).value(in: e.element) == nil)
  }

  @Test("the record elements of an export are detected")
  func shape() throws {
    let dir = TestSupport.scratch()
    let path = TestSupport.write(
      "<R><Ps><P a='1'><x/></P><P a='2'/></Ps><Ts><T p='1'><y/></T><T p='2'><y/></T></Ts></R>", to: "f.xml", in: dir)
    let shape = try XMLShape.detect(path: path)
    #expect(shape.rootElement == "R")
    #expect(shape.recordElements == ["P", "T"])
  }

  @Test("an entity-expansion bomb is refused with a clear message")
  func billionLaughs() throws {
    var dtd = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
    for i in 1...9 {
      let prev = i == 1 ? "lol" : "lol\(i - 1)"
      dtd += "<!ENTITY lol\(i) \"" + String(repeating: "&\(prev);", count: 10) + "\">"
    }
    dtd += "]>"
    let xml = "<?xml version=\"1.0\"?>\(dtd)<R><P><x>&lol9;</x></P><P><x>1</x></P></R>"
    let started = Date()
    #expect {
      _ = try read(xml, records: [XMLPath("P")])
    } throws: { error in
      // Refused at the declaration, before anything expands (libxml2's own checks let one
      // reach 2.1 GB first).
      "\(error)".contains("built from other entities")
    }
    #expect(Date().timeIntervalSince(started) < 2)
  }

  @Test("an external entity is never read from disk")
  func xxe() throws {
    let dir = TestSupport.scratch()
    let secret = TestSupport.write("TOPSECRET", to: "secret.txt", in: dir)
    let xml = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file://\(secret)\">]><R><P><v>&x;</v></P></R>"
    let path = TestSupport.write(xml, to: "f.xml", in: dir)
    let reader = try XMLReader(path: path, records: [XMLPath("P")])
    var seen = ""
    do {
      while let r = try reader.next() { if case .element(let e) = r { seen += e.element.render() } }
    } catch {
      seen += "\(error)"
    }
    #expect(!seen.contains("TOPSECRET"))
  }

  @Test("a truncated document is unreadable, with the place")
  func truncated() throws {
    #expect(throws: ExtractError.self) {
      _ = try read("<R><P><x>1</x></P><P><x>2", records: [XMLPath("P")])
    }
  }

  /// A document of many event batches (the parser thread hands over about 128 KiB at a time),
  /// with an attribute value and a text each larger than a batch.
  static func longDocument(records: Int, bigAt: Int) -> String {
    let big = String(repeating: "ä0123456789", count: 20_000)
    var xml = "<?xml version=\"1.0\"?>\n<Export xmlns:k=\"urn:k\">\n"
    for i in 0..<records {
      let attribute = i == bigAt ? big : "v\(i)"
      let text = i == bigAt + 1 ? big : "Text &amp; \(i)"
      xml += "<P id=\"\(i)\" a=\"\(attribute)\"><n>\(text)</n><k:m>\(i % 7)</k:m></P>\n"
    }
    return xml + "</Export>\n"
  }

  @Test("a document of many batches: every record whole and in order, also past a value larger than a batch")
  func manyBatches() throws {
    let count = 30_000
    let records = try read(Self.longDocument(records: count, bigAt: 12_345), records: [XMLPath("P")])
    #expect(records.count == count)
    var wrong = 0
    for (i, record) in records.enumerated() {
      guard case .element(let e) = record else {
        wrong += 1
        continue
      }
      let attribute = XMLPath("@a").value(in: e.element)
      let text = XMLPath("n").value(in: e.element)
      let expectedAttribute = i == 12_345 ? 220_000 : "v\(i)".count
      let expectedText = i == 12_346 ? 220_000 : "Text & \(i)".count
      if XMLPath("@id").value(in: e.element) != "\(i)" || e.line != i + 3 || e.path != "/Export/P[\(i + 1)]"
        || attribute?.count != expectedAttribute || text?.count != expectedText
        || XMLPath("k:m", namespaces: ["k": "urn:k"]).value(in: e.element) != "\(i % 7)"
      {
        wrong += 1
      }
    }
    #expect(wrong == 0)
  }

  @Test("a reader dropped after its first record stops its parser thread; an error after many records still throws")
  func stopsEarly() throws {
    let dir = TestSupport.scratch()
    let path = TestSupport.write(Self.longDocument(records: 20_000, bigAt: -2), to: "f.xml", in: dir)
    for _ in 0..<20 {
      let reader = try XMLReader(path: path, records: [XMLPath("P")])
      #expect(try reader.next() != nil)
      // Dropped here: its deinit waits for the parser thread, which is blocked on a full queue.
    }
    var cut = Self.longDocument(records: 20_000, bigAt: -2)
    cut.removeLast(200)
    let truncated = TestSupport.write(cut + "<P><broken", to: "cut.xml", in: dir)
    let reader = try XMLReader(path: truncated, records: [XMLPath("P")])
    var seen = 0
    #expect(throws: ExtractError.self) {
      while try reader.next() != nil { seen += 1 }
    }
    #expect(seen > 19_000)
    #expect(try reader.next() == nil)
  }

  @Test("ISO-8859-1 declared encoding is honoured")
  func latin1() throws {
    let bytes: [UInt8] =
      Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><R><P><n>M".utf8) + [0xFC] + Array("ller</n></P></R>".utf8)
    let dir = TestSupport.scratch()
    let path = TestSupport.write(bytes, to: "f.xml", in: dir)
    var reader = try XMLReader(path: path, records: [XMLPath("P")])
    let records = try reader.collect()
    let e = try #require(records.first?.xmlRecord)
    #expect(XMLPath("n").value(in: e.element) == "Müller")
  }
}

@Suite("Extract: formats and inspection")
struct FormatTests {
  @Test("format from content, not name")
  func format() {
    #expect(FileFormat.detect(Array("\u{FEFF}<?xml?>".utf8)) == .xml)
    #expect(FileFormat.detect(Array("a,b\n".utf8)) == .csv)
    #expect(FileFormat.detect([0x50, 0x4B, 0x03, 0x04]) == .xlsx)
    #expect(FileFormat.detect(FileFormat.legacyOfficeSignature + [0, 0]) == .xls)
    #expect(FileFormat.detect([]) == .empty)
    #expect(FileFormat.detect([0x00, 0x01, 0x02, 0x03, 0x41]) == .binary)
  }

  @Test("empty and binary files are unreadable with a reason")
  func unreadable() {
    let dir = TestSupport.scratch()
    let empty = TestSupport.write([], to: "e.csv", in: dir)
    let binary = TestSupport.write([0x00, 0x01, 0x02, 0x03, 0x04, 0x05], to: "b.csv", in: dir)
    #expect(Inspection.inspect(path: empty).problem?.contains("empty") == true)
    #expect(Inspection.inspect(path: binary).problem?.contains("binary") == true)
  }
}

@Suite("Extract: Excel workbooks")
struct XLSXTests {
  @Test("the sample workbook: title row skipped, shared and inline strings, date cells as ISO dates")
  func sample() throws {
    let reader = try XLSXReader(path: TestSupport.path("samples/heidelberg/teilnahmen_2024.xlsx"))
    #expect(reader.sheetName == "Teilnahmen")
    #expect(reader.headerRow == 3)
    #expect(reader.header.first == "Personen-ID")
    #expect(reader.header.contains("Staatsangehörigkeit"))
    var rows: [CSVRow] = []
    var malformed = 0
    while let r = try reader.next() {
      switch r {
      case .row(let row): rows.append(row)
      default: malformed += 1
      }
    }
    #expect(malformed == 0)
    #expect(rows.first?.line == 4)
    let birth = rows[0].fields[reader.header.firstIndex(of: "Geburtsdatum")!]
    #expect(birth.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil)
    let given = rows[0].fields[reader.header.firstIndex(of: "Vorname")!]
    #expect(!given.isEmpty)
  }

  @Test("serial numbers of the 1900 date system")
  func serials() {
    #expect(XLSXReader.isoDate(serial: 1) == "1900-01-01")
    #expect(XLSXReader.isoDate(serial: 61) == "1900-03-01")
    #expect(XLSXReader.isoDate(serial: 45_000) == "2023-03-15")
    #expect(XLSXReader.isoDate(serial: 32_939.5) == "1990-03-07")
    #expect(XLSXReader.isoDate(serial: 2_958_465) == "9999-12-31")
    // Beyond Excel's last day, or no number at all (a crafted date cell): the number stays.
    #expect(XLSXReader.isoDate(serial: 1e300) == "1e+300")
    #expect(XLSXReader.isoDate(serial: -5) == "-5.0")
    #expect(XLSXReader.isoDate(serial: .nan) == "nan")
  }

  @Test("column references")
  func columns() {
    #expect(XLSXReader.columnIndex("A1") == 0)
    #expect(XLSXReader.columnIndex("Z9") == 25)
    #expect(XLSXReader.columnIndex("AA10") == 26)
  }

  @Test("a zip that is no workbook is unreadable with a reason")
  func notAWorkbook() {
    let dir = TestSupport.scratch()
    let path = TestSupport.write([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00], to: "x.xlsx", in: dir)
    #expect(Inspection.inspect(path: path).problem?.contains("workbook") == true)
  }
}

/// Excel 97-2003 workbooks (.xls), written by tools other than pakt: `Tests/Fixtures/xls/`
/// holds one from xlwt 1.3.0 (`small.xls`: a title row, date cells, booleans, a text number with
/// a leading zero, a formula, three sheets) and two from LibreOffice 7.4 (`soffice --convert-to
/// xls`): `tiny.xls`, whose workbook is small enough to sit in the compound file's mini stream,
/// and `sst.xls`, 700 rows whose shared strings run over CONTINUE records; `merged.*` for cells
/// merged over rows. Synthetic names.
@Suite("Extract: Excel 97-2003 workbooks (.xls)")
struct XLSTests {
  static func fixture(_ name: String) -> String { TestSupport.path("Tests/Fixtures/xls/\(name)") }

  @Test("xlwt's workbook: title row skipped, dates as ISO dates, booleans, text numbers keep their zeros")
  func xlwt() throws {
    let reader = try XLSReader(path: Self.fixture("small.xls"))
    #expect(reader.sheetName == "Personen")
    #expect(reader.headerRow == 3)
    #expect(
      reader.header == [
        "Kennung", "Nachname", "Vorname", "Geburtsdatum", "Staatsangehörigkeit", "AZR-Nummer", "Kosten", "Aktiv",
        "Kurse",
      ])
    // The empty sheet "Leer" is not named; "Maßnahmen" holds rows.
    #expect(reader.otherSheets == ["Maßnahmen"])
    let rows = try sheetRows(reader)
    #expect(rows.map(\.line) == [4, 5, 6, 7])
    #expect(
      rows[0].fields == ["K-1", "Haddad", "Amina", "1990-03-05", "syrisch", "012345678901", "1234.5", "TRUE", ""])
    #expect(rows[1].fields == ["K-2", "Müller-Çelik", "José", "1985-12-31", "türkisch", "", "72", "FALSE", ""])
    #expect(rows[2].fields[6] == "0.25")
    // A formula the writer left without a value is empty, as Excel would show it before it
    // recalculates.
    #expect(rows[3].fields.prefix(4) == ["K-4", "Tesfay", "Selam", ""])
    let other = try XLSReader(path: Self.fixture("small.xls"), sheet: "Maßnahmen")
    #expect(try sheetRows(other).map(\.fields) == [["K-1", "Integrationskurs"]])
    #expect(throws: ExtractError.self) { try XLSReader(path: Self.fixture("small.xls"), sheet: "Tabelle1") }
  }

  @Test("LibreOffice's workbooks: one in the mini stream, and shared strings over CONTINUE records")
  func libreOffice() throws {
    let tiny = try XLSReader(path: Self.fixture("tiny.xls"))
    #expect(tiny.header == ["Name", "Vorname"])
    #expect(try sheetRows(tiny).map(\.fields) == [["Haddad", "Amina"]])
    let reader = try XLSReader(path: Self.fixture("sst.xls"))
    #expect(reader.header == ["Kennung", "Nachname", "Vorname", "Geburtsdatum"])
    let rows = try sheetRows(reader)
    #expect(rows.count == 700)
    #expect(rows.first?.fields == ["K-0", "Łukasz-Tesfay0", "Ýmir", "2010-12-26"])
    #expect(rows.last?.fields == ["K-699", "Øberg-Łukasz699", "Reza", "1992-12-14"])
    #expect(rows.last?.line == 701)
    // Every row's id is its own: no string slipped at a CONTINUE boundary.
    #expect(rows.enumerated().allSatisfy { $0.element.fields[0] == "K-\($0.offset)" })
    #expect(rows.allSatisfy { $0.fields[1].hasSuffix(String($0.fields[0].dropFirst(2))) })
  }

  @Test(
    "cells merged over rows give every row below them their value (a person beside each measure); a title merged across stays one cell",
    arguments: ["merged.xlsx", "merged.xls", "merged.ods"])
  func mergedCells(_ name: String) throws {
    // merged.xlsx was written by openpyxl 3.1 (A1:F1 a title; A3:A5 to D3:D5 one person over
    // two measures and an empty row); LibreOffice 7.4 turned it into .xls and .ods.
    let file = try OpenedFile(path: Self.fixture(name))
    #expect(file.layout.headerLine == 2)
    #expect(file.layout.header == ["Kennung", "Nachname", "Vorname", "Geburtsdatum", "Maßnahme", "Beginn"])
    var rows: [[String]] = []
    while let record = try file.next() {
      guard case .row(let row) = record else {
        Issue.record("not a row: \(record)")
        continue
      }
      rows.append(row.fields)
    }
    #expect(
      rows == [
        ["K-1", "Haddad", "Amina", "1990-03-05", "Integrationskurs", "2024-01-08"],
        ["K-1", "Haddad", "Amina", "1990-03-05", "Kompetenzfeststellung", "2024-09-02"],
        ["K-2", "Okafor", "Musa", "2001-11-30", "Integrationskurs", "2024-02-05"],
      ])
  }

  @Test("a cut or damaged .xls is an error that says so, never a crash; a compound file with no workbook is named")
  func damaged() throws {
    let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixture("small.xls"))))
    let dir = TestSupport.scratch()
    let cut = TestSupport.write(Array(whole.prefix(3_000)), to: "cut.xls", in: dir)
    #expect(Inspection.inspect(path: cut).problem?.contains("damaged") == true)
    // Every length cut short, and bytes overwritten at spread-out places: each either reads or
    // is refused with a reason.
    for length in stride(from: 0, to: whole.count, by: 61) {
      let path = TestSupport.write(Array(whole.prefix(length)), to: "p.xls", in: dir)
      let inspected = Inspection.inspect(path: path)
      #expect(inspected.problem != nil || inspected.layout != nil)
    }
    var seed: UInt64 = 7
    for _ in 0..<200 {
      var bytes = whole
      for _ in 0..<4 {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        bytes[Int(seed >> 33) % bytes.count] = UInt8(truncatingIfNeeded: seed >> 17)
      }
      let path = TestSupport.write(bytes, to: "f.xls", in: dir)
      if let reader = try? XLSReader(path: path) { while (try? reader.next()) != nil {} }
    }
    // The directory's "Workbook" renamed: a legacy Office file, but no workbook.
    var renamed = whole
    let name = Array("Workbook".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let at = try #require((0...(whole.count - name.count)).first { Array(whole[$0..<($0 + name.count)]) == name })
    renamed[at + 14] = UInt8(ascii: "x")
    let other = TestSupport.write(renamed, to: "r.xls", in: dir)
    #expect(Inspection.inspect(path: other).problem?.contains("holds no workbook") == true)
    // A password-protected .xlsx is a compound file holding an "EncryptedPackage".
    var encrypted = whole
    let package = Array("EncryptedPackage".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    encrypted.replaceSubrange(at..<(at + package.count), with: package)
    encrypted[at + 64] = UInt8(package.count + 2)
    let locked = TestSupport.write(encrypted, to: "locked.xlsx", in: dir)
    #expect(Inspection.inspect(path: locked).problem?.contains("protected by a password") == true)
  }

  @Test("a workbook stream with a password (FILEPASS) or from before Excel 97 is refused with what it is")
  func passwordAndVersion() {
    func record(_ type: UInt16, _ body: [UInt8]) -> [UInt8] {
      [UInt8(type & 0xFF), UInt8(type >> 8), UInt8(body.count & 0xFF), UInt8(body.count >> 8)] + body
    }
    let bof = record(0x0809, [0x00, 0x06, 0x05, 0x00] + [UInt8](repeating: 0, count: 12))
    #expect(throws: BIFFWorkbook.Unreadable.self) { try BIFFWorkbook(stream: bof + record(0x002F, [0, 0])) }
    do {
      _ = try BIFFWorkbook(stream: bof + record(0x002F, [0, 0]))
    } catch let error as BIFFWorkbook.Unreadable {
      #expect(error.reason.contains("password"))
    } catch {
      Issue.record("\(error)")
    }
    let biff5 = record(0x0809, [0x00, 0x05, 0x05, 0x00])
    do {
      _ = try BIFFWorkbook(stream: biff5)
      Issue.record("a BIFF5 stream was read")
    } catch let error as BIFFWorkbook.Unreadable {
      #expect(error.reason.contains("before 97"))
    } catch {
      Issue.record("\(error)")
    }
  }
}
