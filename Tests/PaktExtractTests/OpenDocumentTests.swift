import Foundation
import PaktCore
import PaktTestSupport
import Testing
import ZIPFoundation

@testable import PaktExtract

/// OpenDocument spreadsheets (.ods): one LibreOffice 7.4 wrote (`Tests/Fixtures/xls/small.ods`,
/// `soffice --convert-to ods` of `small.xls`), and hand-made ones with what Calc writes less
/// often in a small file: repeated rows and cells, merged (covered) cells, comments, spaces as
/// `<text:s/>`, two paragraphs in a cell.
@Suite("Extract: OpenDocument spreadsheets (.ods)")
struct OpenDocumentTests {
  /// An .ods file of `tables` (name and the XML of its rows), its MIME type first and stored, as
  /// the format asks; `mimeFirst: false` writes it after the content.
  static func write(_ tables: [(String, String)], to name: String, mimeFirst: Bool = true) throws -> String {
    let path = "\(TestSupport.scratch("pakt-ods"))/\(name)"
    let body = tables.map { "<table:table table:name=\"\($0.0)\">\($0.1)</table:table>" }.joined()
    let content = Data(
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
      xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" \
      xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" \
      xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3">
      <office:body><office:spreadsheet>\(body)</office:spreadsheet></office:body></office:document-content>
      """.utf8)
    let mime = Data(ODSReader.mimeType.utf8)
    let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
    func add(_ entry: String, _ data: Data, _ method: CompressionMethod) throws {
      try archive.addEntry(
        with: entry, type: .file, uncompressedSize: Int64(data.count), compressionMethod: method
      ) { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
    }
    if mimeFirst { try add("mimetype", mime, .none) }
    try add("content.xml", content, .deflate)
    if !mimeFirst { try add("mimetype", mime, .none) }
    return path
  }

  static func cell(_ text: String, _ attributes: String) -> String {
    "<table:table-cell office:value-type=\"string\"\(attributes)><text:p>\(text)</text:p></table:table-cell>"
  }

  @Test("LibreOffice's spreadsheet: title row skipped, dates, numbers as values, formula results, other sheets named")
  func libreOffice() throws {
    let path = TestSupport.path("Tests/Fixtures/xls/small.ods")
    #expect(FileFormat.detect(path: path) == .ods)
    let reader = try ODSReader(path: path)
    #expect(reader.sheetName == "Personen")
    #expect(reader.headerRow == 3)
    #expect(reader.header.prefix(4) == ["Kennung", "Nachname", "Vorname", "Geburtsdatum"])
    #expect(reader.otherSheets == ["Maßnahmen"])
    let rows = try sheetRows(reader)
    #expect(rows.map(\.line) == [4, 5, 6, 7])
    #expect(rows[0].fields.prefix(7) == ["K-1", "Haddad", "Amina", "1990-03-05", "syrisch", "012345678901", "1234.5"])
    #expect(rows[1].fields.prefix(4) == ["K-2", "Müller-Çelik", "José", "1985-12-31"])
    // Calc recalculated the formula (2 * 2).
    #expect(rows[0].fields[8] == "4")
    let other = try ODSReader(path: path, sheet: "Maßnahmen")
    #expect(try sheetRows(other).map(\.fields) == [["K-1", "Integrationskurs"]])
  }

  @Test("repeated rows and cells, merged cells, comments, spaces and paragraphs read as Calc shows them")
  func handMade() throws {
    let c = Self.cell
    let empty1024 = "<table:table-cell table:number-columns-repeated=\"1024\"/>"
    let empty1017 = "<table:table-cell table:number-columns-repeated=\"1017\"/>"
    var rows = "<table:table-row>\(c("Klientenliste Seetal", ""))</table:table-row>"
    rows += "<table:table-row table:number-rows-repeated=\"2\">\(empty1024)</table:table-row>"
    let names = ["Kennung", "Name", "Geburtsdatum", "Kosten", "Anteil", "Aktiv", "Notiz"]
    let headerCells: String = names.map { c($0, "") }.joined()
    rows += "<table:table-row>\(headerCells)\(empty1017)</table:table-row>"
    // A comment in the name's cell, three spaces as <text:s/>, a date with a time, an amount
    // shown with a currency, a percentage, a boolean, two paragraphs.
    var cells: [String] = [c("K-1", "")]
    cells.append(
      "<table:table-cell office:value-type=\"string\"><office:annotation><dc:creator>SB</dc:creator>"
        + "<text:p>Name prüfen</text:p></office:annotation><text:p>Al<text:s text:c=\"3\"/>Haddad</text:p></table:table-cell>"
    )
    cells.append(
      "<table:table-cell office:value-type=\"date\" office:date-value=\"1990-03-07T10:30:00\"><text:p>07.03.90</text:p></table:table-cell>"
    )
    cells.append(
      "<table:table-cell office:value-type=\"currency\" office:currency=\"EUR\" office:value=\"1234.5\"><text:p>1.234,50 €</text:p></table:table-cell>"
    )
    cells.append(
      "<table:table-cell office:value-type=\"percentage\" office:value=\"0.25\"><text:p>25 %</text:p></table:table-cell>"
    )
    cells.append(
      "<table:table-cell office:value-type=\"boolean\" office:boolean-value=\"true\"><text:p>WAHR</text:p></table:table-cell>"
    )
    cells.append(
      "<table:table-cell office:value-type=\"string\"><text:p>erste Zeile</text:p><text:p>zweite <text:span>Zeile</text:span></text:p></table:table-cell>"
    )
    let recordCells: String = cells.joined()
    rows += "<table:table-row>\(recordCells)\(empty1017)</table:table-row>"
    // The same measure three times (Calc writes equal rows once, repeated); a cell merged
    // over two columns, and a value repeated in two cells.
    let merged: String =
      "<table:table-cell table:number-columns-spanned=\"2\" office:value-type=\"string\"><text:p>Okafor</text:p></table:table-cell>"
      + "<table:covered-table-cell/>"
    let twice: String = c("x", " table:number-columns-repeated=\"2\"")
    let k2: String = c("K-2", "")
    rows += "<table:table-row table:number-rows-repeated=\"3\">\(k2)\(merged)\(twice)</table:table-row>"
    // Calc's empty rest of the sheet: a million empty rows.
    rows += "<table:table-row table:number-rows-repeated=\"1048570\">\(empty1024)</table:table-row>"
    let path = try Self.write([("Personen", rows), ("Leer", "")], to: "hand.ods")
    let reader = try ODSReader(path: path)
    #expect(reader.headerRow == 4)
    #expect(reader.header == ["Kennung", "Name", "Geburtsdatum", "Kosten", "Anteil", "Aktiv", "Notiz"])
    #expect(reader.otherSheets.isEmpty)
    let read = try sheetRows(reader)
    #expect(read.map { $0.line } == [5, 6, 7, 8])
    #expect(
      read[0].fields == ["K-1", "Al   Haddad", "1990-03-07", "1234.5", "0.25", "TRUE", "erste Zeile\nzweite Zeile"])
    #expect(read[1].fields == ["K-2", "Okafor", "", "x", "x", "", ""])
    #expect(read[2].fields == read[1].fields && read[3].fields == read[1].fields)
  }

  @Test("repeats a crafted file asks for stop at a sheet's last column; spaces at a thousand")
  func craftedRepeats() throws {
    let row =
      "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>a<text:s text:c=\"1000000000\"/>b</text:p>"
      + "</table:table-cell><table:table-cell table:number-columns-repeated=\"1000000000\" office:value-type=\"string\">"
      + "<text:p>x</text:p></table:table-cell></table:table-row>"
    let path = try Self.write([("Bombe", row + row)], to: "bomb.ods")
    let reader = try ODSReader(path: path)
    #expect(reader.header.count == TableRows.maxColumns)
    #expect(reader.header[0].count == 1_002)
  }

  @Test("an Excel binary workbook (.xlsb) is named as such, with what to do")
  func binaryWorkbook() throws {
    let path = "\(TestSupport.scratch("pakt-xlsb"))/book.xlsb"
    let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
    let data = Data([0x83, 0x01, 0x00])
    try archive.addEntry(with: "xl/workbook.bin", type: .file, uncompressedSize: Int64(data.count)) { position, size in
      data.subdata(in: Int(position)..<Int(position) + size)
    }
    let problem = Inspection.inspect(path: path).problem
    #expect(problem?.contains("Excel binary workbook (.xlsb)") == true, "\(problem ?? "")")
  }

  @Test("a zip of exports is named as such, with what it holds and what to do")
  func zipOfExports() throws {
    let path = "\(TestSupport.scratch("pakt-zip"))/lieferung.zip"
    let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
    for name in ["klienten.csv", "massnahmen.csv"] {
      let data = Data("Kennung;Name\nK-1;Haddad\n".utf8)
      try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count)) { position, size in
        data.subdata(in: Int(position)..<Int(position) + size)
      }
    }
    let problem = Inspection.inspect(path: path).problem ?? ""
    #expect(problem.contains("zip archive") && problem.contains("klienten.csv, massnahmen.csv"), "\(problem)")
    #expect(problem.contains("unzip"))
  }

  @Test("an .ods whose MIME type is not its first entry is named as OpenDocument, and reads when the mapping says so")
  func mimeNotFirst() throws {
    let path = try Self.write(
      [
        (
          "Tabelle1",
          "<table:table-row>\(Self.cell("Name", ""))</table:table-row><table:table-row>\(Self.cell("Haddad", ""))</table:table-row>"
        )
      ],
      to: "late.ods", mimeFirst: false)
    #expect(FileFormat.detect(path: path) == .xlsx)
    #expect(Inspection.inspect(path: path).problem?.contains("OpenDocument") == true)
    let file = try OpenedFile(path: path, options: ReadOptions(format: .ods))
    guard case .row(let row) = try file.next() else {
      Issue.record("no row")
      return
    }
    #expect(row.fields == ["Haddad"])
  }
}
