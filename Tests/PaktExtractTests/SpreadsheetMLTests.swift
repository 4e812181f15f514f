import Foundation
import PaktCore
import PaktTestSupport
import Testing

@testable import PaktExtract

/// Excel 2003 XML spreadsheets ("XML-Tabelle 2003", SpreadsheetML), as web applications and
/// older case-management software write their "Excel" export.
@Suite("Extract: Excel 2003 XML spreadsheets")
struct SpreadsheetMLTests {
  /// As Excel 2003 saves one: a title row, a gap of one row (`ss:Index`), a date cell, a
  /// skipped column, a merged title, a comment on a cell, rich text, a boolean, a second sheet.
  static let workbook = """
    <?xml version="1.0"?>
    <?mso-application progid="Excel.Sheet"?>
    <Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
     xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"
     xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:html="http://www.w3.org/TR/REC-html40">
     <Styles><Style ss:ID="s21"><NumberFormat ss:Format="Short Date"/></Style></Styles>
     <Worksheet ss:Name="Personen">
      <Table ss:ExpandedColumnCount="5" ss:ExpandedRowCount="6">
       <Row><Cell ss:MergeAcross="4"><Data ss:Type="String">Klientenliste Seetal</Data></Cell></Row>
       <Row ss:Index="3"><Cell><Data ss:Type="String">Kennung</Data></Cell><Cell><Data ss:Type="String">Nachname</Data></Cell>\
    <Cell><Data ss:Type="String">Vorname</Data></Cell><Cell><Data ss:Type="String">Geburtsdatum</Data></Cell>\
    <Cell><Data ss:Type="String">Aktiv</Data></Cell></Row>
       <Row><Cell><Data ss:Type="String">K-1</Data></Cell><Cell><Data ss:Type="String">Haddad</Data>\
    <Comment ss:Author="SB"><ss:Data xmlns="http://www.w3.org/TR/REC-html40"><B>Name prüfen</B></ss:Data></Comment></Cell>\
    <Cell><ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40"><B>Ami</B>na</ss:Data></Cell>\
    <Cell ss:StyleID="s21"><Data ss:Type="DateTime">1990-03-05T00:00:00.000</Data></Cell>\
    <Cell><Data ss:Type="Boolean">1</Data></Cell></Row>
       <Row><Cell><Data ss:Type="String">K-2</Data></Cell><Cell ss:Index="3"><Data ss:Type="String">José</Data></Cell>\
    <Cell><Data ss:Type="Number">1985</Data></Cell></Row>
      </Table>
     </Worksheet>
     <Worksheet ss:Name="Maßnahmen">
      <Table><Row><Cell><Data ss:Type="String">Kennung</Data></Cell><Cell><Data ss:Type="String">Kurs</Data></Cell></Row>
      <Row><Cell><Data ss:Type="String">K-1</Data></Cell><Cell><Data ss:Type="String">Integrationskurs</Data></Cell></Row></Table>
     </Worksheet>
    </Workbook>
    """

  @Test("Excel 2003's XML: title row skipped, row and column gaps kept, dates, booleans, comments left out")
  func workbook() throws {
    let path = TestSupport.write(Self.workbook, to: "export.xml", in: TestSupport.scratch())
    #expect(FileFormat.detect(path: path) == .xmlss)
    let reader = try SpreadsheetMLReader(path: path)
    #expect(reader.headerRow == 3)
    #expect(reader.header == ["Kennung", "Nachname", "Vorname", "Geburtsdatum", "Aktiv"])
    #expect(reader.otherSheets == ["Maßnahmen"])
    #expect(
      try sheetRows(reader).map(\.fields) == [
        ["K-1", "Haddad", "Amina", "1990-03-05", "TRUE"], ["K-2", "", "José", "1985", ""],
      ])
    let other = try SpreadsheetMLReader(path: path, sheet: "Maßnahmen")
    #expect(try sheetRows(other).map(\.fields) == [["K-1", "Integrationskurs"]])
  }

  @Test("a cut spreadsheet is an error that says so")
  func cut() throws {
    let text = String(Self.workbook.prefix(900))
    let path = TestSupport.write(text, to: "cut.xml", in: TestSupport.scratch())
    #expect(FileFormat.detect(path: path) == .xmlss)
    let problem = Inspection.inspect(path: path).problem
    #expect(problem?.contains("not well-formed") == true, "\(problem ?? "")")
  }
}
