import Foundation
import PaktCore
import PaktTestSupport
import Testing

@testable import PaktExtract

/// HTML pages delivered as "Excel" (`export.xls` that is a web page: case-management portals,
/// Excel's "Web page" save): the page's table read as a sheet.
@Suite("Extract: HTML tables delivered as Excel")
struct HTMLTableTests {
  /// A page as a portal writes one: its charset declared (Windows-1252), a heading, a title
  /// row over the table, cells left unclosed, a `<br>`, `&nbsp;`, a `rowspan` over two persons
  /// of one family, white space from the source's line breaks.
  static let portal = """
    <html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">
    <head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
    <style>td {mso-number-format:"\\@";}</style></head>
    <body><h1>Klientenliste</h1>
    <table border=1>
    <tr><th colspan=4>Export vom 01.12.2026</th></tr>
    <tr><th>Kennung<th>Nachname<th>Vorname<th>Geburtsdatum
    <tr><td>K-1<td>Haddad<td>Amina<br>Fatima<td>05.03.1990
    <tr><td>K-2<td rowspan=2>Müller&nbsp;  Çelik<td>José<td>31.12.1985
    <tr><td>K-3<td>Josephine<td>01.01.2001
    <tr><td>K-4<td>  Tes
    fay </td><td><p>Selam</p></td><td x:num="36161">01.01.1999</td></tr>
    </table></body></html>
    """

  @Test("a portal's page in its declared charset: title row skipped, rowspan repeated, white space as shown")
  func portalPage() throws {
    let bytes = Array(Self.portal.utf8).transcodedToWindows1252()
    let path = TestSupport.write(bytes, to: "export.xls", in: TestSupport.scratch())
    #expect(FileFormat.detect(path: path) == .html)
    let reader = try HTMLTableReader(path: path)
    #expect(reader.encoding == "windows-1252")
    #expect(reader.headerRow == 2)
    #expect(reader.header == ["Kennung", "Nachname", "Vorname", "Geburtsdatum"])
    let rows = try sheetRows(reader)
    #expect(rows.map { $0.line } == [3, 4, 5, 6])
    #expect(
      rows.map(\.fields) == [
        ["K-1", "Haddad", "Amina\nFatima", "05.03.1990"], ["K-2", "Müller Çelik", "José", "31.12.1985"],
        ["K-3", "Müller Çelik", "Josephine", "01.01.2001"], ["K-4", "Tes fay", "Selam", "01.01.1999"],
      ])
  }

  @Test("a page without a charset is read in what its bytes are; the largest table is read, nested tables apart")
  func largestTable() throws {
    let page = """
      <!DOCTYPE html><html><body>
      <table><tr><td>Stadt Seetal</td><td><table><tr><td>a</td></tr><tr><td>b</td></tr><tr><td>c</td></tr></table></td></tr></table>
      <table><thead><tr><th>Name</th><th>Staatsangehörigkeit</th></tr></thead>
      <tbody><tr><td>Öztürk</td><td>türkisch</td></tr><tr><td>Haddad</td><td>syrisch</td></tr></tbody></table>
      </body></html>
      """
    let path = TestSupport.write(page, to: "p.html", in: TestSupport.scratch())
    let reader = try HTMLTableReader(path: path)
    #expect(reader.encoding == "utf-8")
    #expect(reader.header == ["Name", "Staatsangehörigkeit"])
    #expect(try sheetRows(reader).map(\.fields) == [["Öztürk", "türkisch"], ["Haddad", "syrisch"]])
  }

  @Test("spans a crafted page asks for stop at a sheet's last column")
  func craftedSpans() throws {
    let wide = String(repeating: "<td colspan=\"1000\">x</td>", count: 100)
    let page = "<table><tr>\(wide)</tr><tr>\(wide)</tr></table>"
    let path = TestSupport.write(page, to: "w.html", in: TestSupport.scratch())
    let reader = try HTMLTableReader(path: path)
    #expect(reader.header.count <= TableRows.maxColumns)
    #expect(reader.header.filter { !$0.isEmpty }.count == 17)
  }

  @Test("HTML is told from XML by its start; a page with no table is refused with the reason")
  func detection() throws {
    #expect(FileFormat.detect(Array("<!DOCTYPE html>\n<html>".utf8)) == .html)
    #expect(FileFormat.detect(Array("  <table><tr><td>a".utf8)) == .html)
    #expect(
      FileFormat.detect(Array("<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">".utf8)) == .html)
    #expect(FileFormat.detect(Array("<?xml version=\"1.0\"?><Personen><Person/></Personen>".utf8)) == .xml)
    #expect(FileFormat.detect(Array("<table_data name=\"klienten\"><row/></table_data>".utf8)) == .xml)
    #expect(FileFormat.detect(Array("<tables><table name=\"a\"/></tables>".utf8)) == .xml)
    let path = TestSupport.write("<html><body><p>Kein Export</p></body></html>", to: "n.xls", in: TestSupport.scratch())
    #expect(Inspection.inspect(path: path).problem?.contains("holds no table") == true)
  }
}

extension Array where Element == UInt8 {
  /// UTF-8 text as Windows-1252 bytes (the characters these tests use are all in it).
  fileprivate func transcodedToWindows1252() -> [UInt8] {
    String(decoding: self, as: UTF8.self).unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
  }
}
