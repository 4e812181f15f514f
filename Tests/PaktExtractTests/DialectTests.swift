import Foundation
import PaktCore
import PaktTestSupport
import Testing

@testable import PaktExtract

/// Files written the way German office tools write them (issue #23): `;` with decimal commas,
/// comment columns with line breaks, empty trailing fields.
@Suite("Extract: dialect detection on German exports")
struct DialectTests {
  /// A LibreOffice / Excel export: `;`, decimal commas and thousands points in the cost column,
  /// a quoted comment column with line breaks, semicolons and doubled quotes, many rows whose
  /// last fields are empty.
  static func libreOfficeExport(rows: Int) -> String {
    var lines = ["Klienten-Nr.;Nachname;Vorname;Geburtsdatum;Maßnahme;Kosten;Bemerkung;Betreuer;Ende"]
    for i in 0..<rows {
      let cost = i % 3 == 0 ? "1.306,42 €" : (i % 3 == 1 ? "223,49" : "")
      let comment =
        i % 4 == 0
        ? "\"Termin verschoben;\nneuer Termin folgt, \"\"bitte\"\" anrufen\"" : (i % 4 == 1 ? "ok, erledigt" : "")
      let tail = i % 2 == 0 ? ";;" : ";Frau Weber;31.12.2024"
      lines.append("K-\(i);Haddad;Samira;07.03.19\(60 + i % 40);Integrationskurs;\(cost);\(comment)\(tail)")
    }
    return lines.joined(separator: "\r\n") + "\r\n"
  }

  @Test(
    "a `;` export with decimal commas and multi-line comments is read as `;`, header on line 1",
    arguments: [8, 40, 200])
  func semicolonWithDecimalCommas(rows: Int) throws {
    let text = Self.libreOfficeExport(rows: rows)
    let dialect = CSVDialect.sniff(head: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
    #expect(dialect.delimiterText == ";")
    #expect(dialect.headerLine == 1)
    let path = TestSupport.write([0xEF, 0xBB, 0xBF] + Array(text.utf8), to: "export.csv", in: TestSupport.scratch())
    let file = try OpenedFile(path: path)
    var read = 0
    var malformed = 0
    var narrow = 0
    while let record = try file.next() {
      if case .row(let row) = record {
        read += 1
        if row.fields.count != 9 { narrow += 1 }
      } else {
        malformed += 1
      }
    }
    #expect(read == rows)
    #expect(malformed == 0)
    #expect(narrow == 0)
  }

  @Test("a header naming columns no row fills (a form's last columns) is the header; rows read them as empty")
  func headerWiderThanRows() throws {
    var lines = [#""Kennung","Nachname","Vorname","Geburtsdatum","Geprüft","Unterschrift""#]
    for i in 0..<12 { lines.append(#""K-\#(i)","Haddad","Amina","\#(10 + i).04.1990""#) }
    let path = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "f.csv", in: TestSupport.scratch())
    var reader = try CSVReader(path: path)
    #expect(reader.header == ["Kennung", "Nachname", "Vorname", "Geburtsdatum", "Geprüft", "Unterschrift"])
    #expect(reader.layout.headerNote?.contains("Geprüft, Unterschrift") == true)
    let all = try readAll(&reader)
    #expect(all.rejected.isEmpty)
    #expect(all.rows.count == 12)
    #expect(all.rows.first == ["K-0", "Haddad", "Amina", "10.04.1990", "", ""])
  }

  @Test("a small `;` export with decimal commas stays `;` though a few of its rows hold a stray `;`")
  func semicolonWithStrayRows() throws {
    var lines = ["Export Stadt Wangen, Stand 31.01.2025", "", "Kennung;Nachname;Vorname;Kosten;Status;Ende"]
    for i in 0..<10 { lines.append("K-\(i);Haddad;Amina;\(100 + i),00 €;läuft;30.06.2024") }
    lines += ["K-10;Haddad;Omar;;12,00 €;läuft;30.06.2024", "K-11;Haddad;Lina;13,00 €;läuft; verlängert;30.06.2024"]
    let dialect = CSVDialect.sniff(head: Array((lines.joined(separator: "\r\n") + "\r\n").utf8))
    #expect(dialect.delimiterText == ";")
    #expect(dialect.headerLine == 3)
  }

  @Test("the same in Windows-1252 without BOM")
  func windows1252() throws {
    let text = Self.libreOfficeExport(rows: 60)
    let bytes = text.unicodeScalars.map { s -> UInt8 in
      switch s {
      case "€": return 0x80
      case "ß": return 0xDF
      default: return UInt8(truncatingIfNeeded: s.value)
      }
    }
    let dialect = CSVDialect.sniff(head: bytes)
    #expect(dialect.encoding == .windows1252)
    #expect(dialect.delimiterText == ";")
    #expect(dialect.headerLine == 1)
  }

  @Test("a comma file whose numbers touch the delimiter (C1,34,100.50) stays a comma file")
  func commaBetweenDigits() throws {
    var lines = ["client_id,age,cost,remarks"]
    for i in 0..<50 { lines.append("C\(i),\(20 + i % 50),\(i)00.50,\(i % 3 == 0 ? "ok; done" : "")") }
    let dialect = CSVDialect.sniff(head: Array((lines.joined(separator: "\n") + "\n").utf8))
    #expect(dialect.delimiterText == ",")
    #expect(dialect.headerLine == 1)
  }

  @Test("a quote inside a header name does not open a quoted field: the table below a long preamble is found")
  func quoteInsideHeaderName() throws {
    // A measuring instrument's export: 22 lines of settings (two fields each), then a header
    // whose last name holds a quote (E" for the loss modulus), then five-column rows.
    var lines = (1...22).map { "#SETTING\($0):  ,value \($0)" }
    lines.append("##Temp./C,Time/min,tan d(1 Hz),E'(1 Hz)/MPa,E\"(1 Hz)/MPa")
    for i in 0..<60 { lines.append(" 21.\(i), 0.\(i),5.6e-002,5353.1,302.7") }
    let path = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "dma.csv", in: TestSupport.scratch())
    let dialect = try CSVDialect.sniff(path: path)
    #expect(dialect.headerLine == 23)
    #expect(dialect.skippedLines.count == 22)
    var reader = try CSVReader(path: path)
    #expect(reader.header.last == "E\"(1 Hz)/MPa")
    let read = try readAll(&reader)
    #expect(read.rejected.isEmpty)
    #expect(read.rows.count == 60)
  }

  @Test("a header line ending in a delimiter its rows do not have loses that empty name, and every row reads")
  func headerWithTrailingDelimiter() throws {
    var lines = ["RUN, 1_ 1, 1_ 2, 1_ 3,"]
    for i in 0..<30 { lines.append("\(i),.,A,E") }
    let path = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "run.csv", in: TestSupport.scratch())
    var reader = try CSVReader(path: path)
    #expect(reader.header == ["RUN", "1_ 1", "1_ 2", "1_ 3"])
    let read = try readAll(&reader)
    #expect(read.rejected.isEmpty)
    #expect(read.rows.allSatisfy { $0.count == 4 })
    #expect(read.rows.count == 30)
  }

  @Test("a header with a delimiter too many inside it loses that empty name; the first record stays a record")
  func headerWithEmptyNameInside() throws {
    // As a hand-edited export has it: "Nachname;;Vorname" above rows of three fields.
    var lines = ["Kennung;Nachname;;Vorname;Geburtsdatum"]
    for i in 0..<30 { lines.append("\(1000 + i);Haddad;Amina;\(10 + i % 18).04.1990") }
    let path = TestSupport.write(lines.joined(separator: "\r\n") + "\r\n", to: "k.csv", in: TestSupport.scratch())
    var reader = try CSVReader(path: path)
    #expect(reader.header == ["Kennung", "Nachname", "Vorname", "Geburtsdatum"])
    #expect(reader.layout.skippedLines == nil)
    let read = try readAll(&reader)
    let ids = read.rows.map { $0[0] }
    #expect(read.rejected.isEmpty)
    // Every record read, the first one too (it had been taken for the header).
    #expect(ids.count == 30 && ids.first == "1000")
  }

  @Test("no line above the records names the columns: the first record stays a record, the lines above are read too")
  func noHeaderBelowATitle() throws {
    // A title line above headerless figures.
    for first in ["Messwerte Station 5"] {
      let width = 4
      var lines = [first]
      for i in 0..<30 { lines.append("\(1000 + i),\(10 + i % 18).04.2024,\(i).5,mg") }
      let path = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "m.csv", in: TestSupport.scratch())
      var reader = try CSVReader(path: path)
      #expect(reader.header == (0..<width).map { "col_\($0)" }, "\(first)")
      let (rows, rejected) = try readAll(&reader)
      let ids = rows.map { $0[0] }
      // Every record read, the first one too; the line above is a reject with its reason.
      #expect(ids.count == 30 && ids.first == "1000", "\(first): \(ids.prefix(2))")
      #expect(rejected == [1], "\(first)")
    }
  }

  @Test(
    "a header line that cannot be read as the rows are (a stray or unclosed quote, another delimiter) is read as written"
  )
  func headerReadAsWritten() throws {
    let cases: [(header: String, names: [String], splitAt: String)] = [
      // A stray quote: the quoted field closes before text.
      (
        #"Kennung,Datum,"Wert,Einheit,"Bemerkung",Ort"#, ["Kennung", "Datum", "\"Wert", "Einheit", "Bemerkung", "Ort"],
        ","
      ),
      // A quote never closed, on the last name.
      (
        #"Kennung,Datum,Wert,"Einheit,Bemerkung,Ort"#, ["Kennung", "Datum", "Wert", "\"Einheit", "Bemerkung", "Ort"],
        ","
      ),
      // A doubled quote at a name's start (""Wert" read by the rules is an empty field, then text).
      (
        #"Kennung,Datum,""Wert",Einheit,Bemerkung,Ort"#, ["Kennung", "Datum", "\"Wert", "Einheit", "Bemerkung", "Ort"],
        ","
      ),
      // The header retyped with another delimiter than the rows.
      ("Kennung;Datum;Wert;Einheit;Bemerkung;Ort", ["Kennung", "Datum", "Wert", "Einheit", "Bemerkung", "Ort"], ";"),
    ]
    for c in cases {
      var lines = [c.header]
      for i in 0..<30 { lines.append("\(1000 + i),\(10 + i % 18).04.2024,\(i).5,mg,\"ok, geprüft\",Ulm") }
      let path = TestSupport.write(lines.joined(separator: "\r\n") + "\r\n", to: "h.csv", in: TestSupport.scratch())
      var reader = try CSVReader(path: path)
      #expect(reader.header == c.names, "\(c.header)")
      #expect(reader.layout.headerLine == 1)
      #expect(reader.layout.headerNote != nil)
      #expect(reader.dialect.literalHeader == UInt8(ascii: Unicode.Scalar(c.splitAt)!))
      let read = try readAll(&reader)
      let ids = read.rows.map { $0[0] }
      // Every record read, none rejected, the first one too.
      #expect(ids.count == 30 && ids.first == "1000" && read.rejected.isEmpty, "\(c.header): \(ids.prefix(2))")
    }
    // A header that reads well is read by the rules, quotes and all.
    var lines = [#"Kennung,"Datum, lokal",Wert"#]
    for i in 0..<30 { lines.append("\(1000 + i),\(10 + i % 18).04.2024,\(i).5") }
    let path = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "g.csv", in: TestSupport.scratch())
    let reader = try CSVReader(path: path)
    #expect(reader.header == ["Kennung", "Datum, lokal", "Wert"])
    #expect(reader.dialect.literalHeader == nil && reader.layout.headerNote == nil)
  }

  @Test("a group row above the names (Excel's merged cells) makes a two-row header; the names' row is no record")
  func twoRowHeader() throws {
    // As Excel saves a sheet whose header groups its columns, Windows-1252, `;`, CRLF.
    var lines = ["Person;;;Maßnahme;;", "Nachname;Vorname;Geburtsdatum;Programm;Beginn;Kosten"]
    for i in 0..<20 {
      lines.append("Haddad;Amina \(i);\(10 + i).04.1990;Sprachkurs B1;01.02.2024;\(100 + i),50")
    }
    let bytes = Array(lines.joined(separator: "\r\n").unicodeScalars.map { UInt8($0.value) }) + [13, 10]
    let dir = TestSupport.scratch()
    let path = "\(dir)/gruppen.csv"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    var reader = try CSVReader(path: path)
    #expect(
      reader.header == [
        "Person Nachname", "Person Vorname", "Person Geburtsdatum", "Maßnahme Programm", "Maßnahme Beginn",
        "Maßnahme Kosten",
      ])
    #expect(reader.layout.headerRows == 2 && reader.layout.headerNote != nil)
    let read = try readAll(&reader)
    let given = read.rows.map { $0[1] }
    #expect(read.rejected.isEmpty)
    // The names' row is not a record; every record is.
    #expect(given.count == 20 && given.first == "Amina 0")
    // A blank line between the group row and the names.
    lines = ["Person;;;Maßnahme;;", "", "Nachname;Vorname;Geburtsdatum;Programm;Beginn;Kosten"]
    for i in 0..<20 { lines.append("Haddad;Amina \(i);\(10 + i).04.1990;Sprachkurs B1;01.02.2024;\(100 + i),50") }
    var gap = try CSVReader(path: TestSupport.write(lines.joined(separator: "\n") + "\n", to: "b.csv", in: dir))
    #expect(gap.header.first == "Person Nachname")
    #expect(try readAll(&gap).rows.count == 20)
    // Names under the group cells only, the header's own names above empty cells (as
    // spreadsheets write "Kennung" spanning both rows).
    lines = ["Kennung;Kosten;;Zeitraum;", ";2024;2025;von;bis"]
    for i in 0..<20 { lines.append("K-\(i);\(100 + i),50;\(90 + i),00;01.0\(1 + i % 9).2024;30.0\(1 + i % 9).2024") }
    let spans = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "s.csv", in: dir)
    #expect(
      try CSVReader(path: spans).header == ["Kennung", "Kosten 2024", "Kosten 2025", "Zeitraum von", "Zeitraum bis"])
    // A first record with an empty date under a header with an empty name is a record: where
    // the records have dates, the names' row must name the column.
    lines = ["Kennung;Name;;Geburtsdatum", "K-1;Haddad;Amina;"]
    for i in 2..<20 { lines.append("K-\(i);Haddad;Amina;\(10 + i).04.1990") }
    let record = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "r.csv", in: dir)
    #expect(try !CSVReader(path: record).dialect.twoRowHeader)
    // Without numbers or dates below, a row of text under a group row is a record: nothing
    // tells it from the names.
    lines = ["Person;;Ort"]
    for i in 0..<20 { lines.append("Haddad;Amina \(i);Ulm") }
    let plain = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "t.csv", in: dir)
    let text = try CSVReader(path: plain)
    #expect(text.layout.headerRows == nil)
    #expect(!text.dialect.twoRowHeader)
  }

  @Test("a title in one cell of a row as wide as the table (Excel's empty cells around it) is skipped, not the header")
  func titleInOneCell() throws {
    var lines = [
      ";;;", ";;;", #";;"Klientenliste Stadt Ulm"#, "Stand 31.01.2024;", ";;;", "Kennung;Nachname;Vorname;Geburtsdatum",
    ]
    lines[2] += ";"
    for i in 0..<20 { lines.append("K-\(i);Haddad;Amina;\(10 + i % 18).04.1990") }
    let path = TestSupport.write(lines.joined(separator: "\r\n") + "\r\n", to: "t.csv", in: TestSupport.scratch())
    var reader = try CSVReader(path: path)
    #expect(reader.header == ["Kennung", "Nachname", "Vorname", "Geburtsdatum"])
    #expect(reader.layout.headerLine == 6)
    #expect(reader.layout.skippedLines == [3, 4])
    #expect(try readAll(&reader).rows.count == 20)
  }

  @Test("a quote never closed in an early row costs that line only: the sample and the records go on")
  func unclosedQuoteEarly() throws {
    var lines: [String]
    var path: String
    // A `;` export with decimal commas whose third row opens a quote it never closes: the
    // sample still holds every line, so the delimiter is sure.
    lines = ["Kennung;Name;Vorname;Kosten"]
    for i in 0..<30 { lines.append(i == 2 ? #"1002;Had"dad;"Amina;2,50"# : "\(1000 + i);Haddad;Amina;\(i),50") }
    path = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "k.csv", in: TestSupport.scratch())
    let dialect = try CSVDialect.sniff(path: path)
    #expect(dialect.delimiter == UInt8(ascii: ";"))
    #expect(dialect.sampledLines == 31)
  }

  @Test("an English comma file whose free text holds semicolons stays a comma file")
  func commaWithSemicolonsInText() throws {
    var lines = ["client_id,first_name,last_name,cost_eur,remarks"]
    for i in 0..<50 {
      lines.append("C-\(i),Omar,Haddad,\(i).50,\(i % 5 == 0 ? "moved; new address pending" : "")")
    }
    let dialect = CSVDialect.sniff(head: Array((lines.joined(separator: "\n") + "\n").utf8))
    #expect(dialect.delimiterText == ",")
    #expect(dialect.headerLine == 1)
  }
}

@Suite("Extract: a row a delimiter too wide")
struct StrayDelimiterTests {
  /// Pollock's shape: a last column that is always empty, and one row with a doubled comma
  /// inside it. Dropping the last (empty) field would shift every value after the doubled one;
  /// only dropping the doubled one fits the columns.
  @Test("a doubled delimiter is dropped where the columns say, not at the row's end")
  func doubledInside() throws {
    var lines = ["DATE,TIME,Qty,PRODUCTID,Price,Comments"]
    for i in 0..<12 { lines.append("\(10 + i)/01/2018,0\(i % 10):15,\(i),MG-87\(10 + i),$7\(i).69,") }
    lines.insert("13/02/2018,01:00,9,,CC-9259,$48.00,", at: 6)
    let path = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "p.csv", in: TestSupport.scratch())
    var reader = try CSVReader(path: path)
    var repaired: [CSVRow] = []
    var rows = 0
    while let record = try reader.next() {
      guard case .row(let row) = record else { Issue.record("not a row: \(record)"); continue }
      rows += 1
      if row.repair != nil { repaired.append(row) }
    }
    #expect(rows == 13)
    #expect(repaired.map(\.line) == [7])
    #expect(repaired.first?.fields == ["13/02/2018", "01:00", "9", "CC-9259", "$48.00", ""])
    #expect(repaired.first?.repair == "a delimiter too many: the empty field after 'Qty' was dropped")
  }

  @Test("a trailing delimiter on one row once rows have the header's width is dropped")
  func trailing() throws {
    let text = "Kennung;Name;Geburtsdatum\n1;Haddad;01.02.1990\n2;Karimi;03.04.1991\n3;Ali;05.06.1992;\n"
    let path = TestSupport.write(text, to: "t.csv", in: TestSupport.scratch())
    var reader = try CSVReader(path: path)
    let all = try readAll(&reader)
    #expect(all.rows.last == ["3", "Ali", "05.06.1992"])
    #expect(all.rejected.isEmpty)
  }

  @Test("a value that fits its column in no way (a one-name person's empty given name) does not decide the way")
  func misfitInEveryWay() throws {
    var lines = ["client_id,first_name,last_name,date_of_birth,programme,provider,start_date,end_date"]
    for i in 0..<10 { lines.append("C-\(i),Amina,Haddad,1990-04-1\(i),Sprachkurs,Seetal,2024-01-0\(i),2024-06-30") }
    // The given name is empty (never so above), and a comma too many follows the provider:
    // dropping that empty field leaves only the given name out of its column's shape; joining
    // programme and provider would leave the provider empty too.
    lines.append("C-10,,Hussein,1967-05-25,Sprachkurs,Seetal,,2023-10-16,2024-02-12")
    let path = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "o.csv", in: TestSupport.scratch())
    var reader = try CSVReader(path: path)
    var repaired: [CSVRow] = []
    while let record = try reader.next() {
      guard case .row(let row) = record else { Issue.record("not a row: \(record)"); continue }
      if row.repair != nil { repaired.append(row) }
    }
    #expect(repaired.map(\.line) == [12])
    #expect(
      repaired.first?.fields == [
        "C-10", "", "Hussein", "1967-05-25", "Sprachkurs", "Seetal", "2023-10-16", "2024-02-12",
      ])
    #expect(repaired.first?.repair == "a delimiter too many: the empty field after 'provider' was dropped")
  }

  @Test("where two ways fit the columns alike (two names side by side), the row stays a reject")
  func ambiguous() throws {
    var lines = ["Kennung;Nachname;Vorname;Geburtsdatum"]
    for i in 0..<10 { lines.append("K-\(i);Haddad;Amina;\(10 + i).04.1990") }
    lines.append("K-10;Abdi;Mohamed;Ali;01.01.1990")
    let path = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "a.csv", in: TestSupport.scratch())
    var reader = try CSVReader(path: path)
    let all = try readAll(&reader)
    #expect(all.rows.count == 10)
    #expect(all.rejected == [12])
  }

  @Test("a second table under a header with a column more: its rows are rejects that say so, not repaired")
  func anotherTable() throws {
    var lines = ["DATE,Qty,PRODUCTID,Comments"]
    for i in 0..<6 { lines.append("1\(i)/01/2018,\(i),MG-87\(10 + i),") }
    lines.append("DATE,Qty,PRODUCTID,Comments,col1")
    for i in 0..<4 { lines.append("2\(i)/01/2018,\(i),MG-88\(10 + i),,") }
    let path = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "m.csv", in: TestSupport.scratch())
    var reader = try CSVReader(path: path)
    var kinds: [String] = []
    var rows = 0
    while let record = try reader.next() {
      switch record {
      case .row(let row):
        rows += 1
        #expect(row.repair == nil)
      case .malformed(let m): kinds.append(m.kind)
      case .element: Issue.record("an XML element from a CSV file")
      }
    }
    #expect(rows == 6)
    #expect(kinds == ["another header"] + Array(repeating: "another table", count: 4))
  }

  @Test("rows of another layout by the thousand stay rejects, each with its line; no row is lost")
  func anotherLayout() throws {
    var lines = ["Kennung;Nachname;Vorname"]
    for i in 0..<5 { lines.append("K-\(i);Haddad;Amina") }
    for i in 0..<1_500 { lines.append("K-\(i);Haddad;Amina;\(i);x") }
    lines.append("K-9;Haddad;Amina;")
    let path = TestSupport.write(lines.joined(separator: "\n") + "\n", to: "l.csv", in: TestSupport.scratch())
    // The header on line 1, as a mapping's `read: header_line: 1` says.
    var reader = try CSVReader(
      path: path, dialect: CSVDialect.sniff(path: path, overrides: .init(headerLine: 1)))
    let all = try readAll(&reader)
    // After a thousand rows no repair fits, rows are not tried: the last one, which one would
    // fit, is a reject too.
    #expect(all.rows.count == 5)
    #expect(all.rejected.count == 1_501)
    #expect(all.rejected.first == 7)
  }

  @Test("values are told apart by shape, never by content")
  func shapes() {
    let cases: [(String, ColumnProfile.Shape)] = [
      ("", .empty), ("  ", .empty), ("42", .integer), ("-418,55", .decimal), ("1.306,42 €", .decimal),
      ("$74.69", .decimal), ("07.03.1990", .date), ("2024-02-01", .date), ("28/01/2018", .date), ("00:15", .time),
      ("Haddad", .text), ("MG-8769", .text), ("-", .placeholder), ("--", .placeholder), ("#1/2", .symbol),
      ("13/02/2018,01:00", .symbol), ("K-12", .text),
    ]
    for (value, shape) in cases { #expect(ColumnProfile.shape(value) == shape, "\(value)") }
  }
}

@Suite("Extract: one bad byte costs a row, not a file")
struct BadByteTests {
  @Test("a Windows-1252 export with one NUL inside a field is read as CSV; the other rows are intact")
  func nulInField() throws {
    var lines = ["Klienten-Nr.;Nachname;Vorname;Beruf"]
    for i in 0..<700 { lines.append("K-\(i);Haddad;Samira;\(i == 9 ? "Schnei\u{0}der" : "Schneiderin")") }
    let bytes = Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    #expect(FileFormat.detect(bytes) == .csv)
    let path = TestSupport.write(bytes, to: "nul.csv", in: TestSupport.scratch())
    let file = try OpenedFile(path: path)
    var rows = 0
    while let record = try file.next() { if case .row = record { rows += 1 } }
    #expect(rows >= 699)
  }

  @Test("a file that is mostly control bytes is still binary")
  func binary() {
    #expect(FileFormat.detect([UInt8](repeating: 0, count: 2000) + Array("a;b\n".utf8)) == .binary)
  }
}

@Suite("Extract: repeated and empty column names")
struct ColumnNameTests {
  @Test("repeated column names get _2, _3 and empty ones Column_N; every column keeps its values")
  func uniqueNames() throws {
    #expect(FileLayout.uniqueNames(["Name", "Name", ""]) == ["Name", "Name_2", "Column_3"])
    #expect(FileLayout.uniqueNames(["a", "a", "a_2"]) == ["a", "a_3", "a_2"])
    let path = TestSupport.write("id;Name;Name;\n1;Haddad;Samira;x\n", to: "dup.csv", in: TestSupport.scratch())
    let inspection = Inspection.inspect(path: path)
    let sample = try #require(inspection.samples.first?.fields)
    #expect(sample["Name"] == "Haddad")
    #expect(sample["Name_2"] == "Samira")
    #expect(sample["Column_4"] == "x")
  }
}

@Suite("Extract: files without a header row")
struct HeaderlessTests {
  @Test("a first line of numbers is a record: columns col_0, col_1, …, and no record lost")
  func numbersFirst() throws {
    let path = TestSupport.write("0,0\n0.01,0\n0.02,1.5e-3\n", to: "m.csv", in: TestSupport.scratch())
    let file = try OpenedFile(path: path)
    #expect(file.layout.headerLine == 0)
    #expect(file.layout.header == ["col_0", "col_1"])
    var rows: [[String]] = []
    while let record = try file.next() { if case .row(let r) = record { rows.append(r.fields) } }
    #expect(rows == [["0", "0"], ["0.01", "0"], ["0.02", "1.5e-3"]])
  }

  @Test("a first line typed like the records below it (numbers where they have numbers) is a record")
  func mixedFirstLine() throws {
    let path = TestSupport.write(
      "1,1,di4-aN.wav,di,0.95\n1,2,di1-aN.wav,di,1.03\n2,1,mi2-iN.wav,mi,0.79\n", to: "t.csv", in: TestSupport.scratch()
    )
    let file = try OpenedFile(path: path)
    #expect(file.layout.headerLine == 0)
    #expect(file.layout.header?.count == 5)
  }

  @Test("a header one name short of the rows (R's write.table): the first column holds row names")
  func rowNames() throws {
    let path = TestSupport.write(
      "\"x\";\"x\";\"y\"\n\"Org\";\"1\";\"0\";\"1\"\n\"Dim 1\";\"1\";\"1\";\"0\"\n", to: "r.csv",
      in: TestSupport.scratch())
    let file = try OpenedFile(path: path)
    #expect(file.layout.headerLine == 1)
    #expect(file.layout.header == ["Column_1", "x", "x_2", "y"])
    #expect(file.layout.writtenHeader == ["x", "x", "y"])
    var rows = 0
    while let record = try file.next() { if case .row = record { rows += 1 } }
    #expect(rows == 2)
  }

  @Test("a last extra field holding only a quoted line break is no content: the row keeps its values")
  func trailingLineBreakField() throws {
    let path = TestSupport.write(
      "\"a\";\"b\"\n\"x\";\"1\";\"\n\"\n", to: "t.csv", in: TestSupport.scratch())
    let file = try OpenedFile(path: path)
    let record = try #require(try file.next())
    guard case .row(let row) = record else {
      Issue.record("not a row: \(record)")
      return
    }
    #expect(row.fields == ["x", "1"])
  }

  @Test("a header of words, or of years, stays a header")
  func realHeaders() throws {
    let dir = TestSupport.scratch()
    for (name, text) in [
      ("words.csv", "Region;2015;2016\nNord;1;2\n"), ("years.csv", "2015;2016;2017\n1,5;2;3\n"),
      ("ids.csv", "id,name\n1,Amina\n"), ("typed.csv", "id,name,age\n1,Amina,34\n2,Omar,40\n"),
    ] {
      let file = try OpenedFile(path: TestSupport.write(text, to: name, in: dir))
      #expect(file.layout.headerLine == 1, "\(name)")
    }
  }
}

@Suite("pakt extract")
struct ExtractCommandTests {
  @Test("a German `;` export comes out as UTF-8 RFC 4180 CSV with its header; the bad row in a rejects CSV")
  func csv() throws {
    let dir = TestSupport.scratch("pakt-extract")
    let text = DialectTests.libreOfficeExport(rows: 20) + "K-99;too;many;fields;a;b;c;d;e;f;g;h\r\n"
    let bytes = text.unicodeScalars.map { s -> UInt8 in
      switch s {
      case "€": return 0x80
      case "ß": return 0xDF
      default: return UInt8(truncatingIfNeeded: s.value)
      }
    }
    let path = TestSupport.write(bytes, to: "export.csv", in: dir)
    let run = try TestSupport.runPakt(["extract", path, "--out", "\(dir)/out"])
    #expect(run.code == 0, "\(run.err)")
    #expect(run.out.contains("20 records"))
    let written = try String(contentsOfFile: "\(dir)/out/export.csv", encoding: .utf8)
    #expect(written.hasPrefix("Klienten-Nr.,Nachname,Vorname,Geburtsdatum,Maßnahme,Kosten,Bemerkung,Betreuer,Ende\r\n"))
    #expect(written.contains("\"1.306,42 €\""))
    #expect(written.contains("\"Termin verschoben;\nneuer Termin folgt, \"\"bitte\"\" anrufen\""))
    let rejects = try String(contentsOfFile: "\(dir)/out/export.rejects.csv", encoding: .utf8)
    #expect(rejects.split(separator: "\r\n").count == 2)
    #expect(rejects.contains("ragged row"))
  }

  @Test("an XML file comes out with one column per path found in its records")
  func xml() throws {
    let dir = TestSupport.scratch("pakt-extract")
    let path = TestSupport.write(
      "<R><P id='1'><n>Haddad</n></P><P id='2'><n>Rahimi</n><v>Ali</v></P></R>", to: "p.xml", in: dir)
    let run = try TestSupport.runPakt(["extract", path, "--out", "\(dir)/out"])
    #expect(run.code == 0, "\(run.err)")
    let written = try String(contentsOfFile: "\(dir)/out/p.csv", encoding: .utf8)
    #expect(written == "@id,n,v\r\n1,Haddad,\r\n2,Rahimi,Ali\r\n")
  }
}

@Suite("pakt extract: the header as written")
struct ExtractHeaderTests {
  @Test("repeated names are written as the file writes them; a headerless file gets col_0, col_1")
  func writtenHeader() throws {
    let dir = TestSupport.scratch("pakt-extract")
    TestSupport.write("x;x;y\n1;2;3\n", to: "dup.csv", in: dir)
    TestSupport.write("1;2\n3;4\n", to: "none.csv", in: dir)
    let run = try TestSupport.runPakt(["extract", "\(dir)/dup.csv", "\(dir)/none.csv", "--out", "\(dir)/out"])
    #expect(run.code == 0, "\(run.err)")
    #expect(try String(contentsOfFile: "\(dir)/out/dup.csv", encoding: .utf8) == "x,x,y\r\n1,2,3\r\n")
    #expect(try String(contentsOfFile: "\(dir)/out/none.csv", encoding: .utf8) == "col_0,col_1\r\n1,2\r\n3,4\r\n")
  }
}

@Suite("Extract: spaces after the delimiter and single quotes")
struct QuoteStyleTests {
  static func rows(_ text: String) throws -> (layout: FileLayout, rows: [[String]]) {
    let file = try OpenedFile(path: TestSupport.write(text, to: "q.csv", in: TestSupport.scratch()))
    var rows: [[String]] = []
    while let record = try file.next() {
      if case .row(let r) = record { rows.append(r.fields) }
    }
    return (file.layout, rows)
  }

  @Test("\", \" between fields: the space belongs to the delimiter and a quote after it opens a field")
  func spaceAfterComma() throws {
    let (layout, rows) = try Self.rows(
      "Name, Ort, \"Bemerkung\"\nHaddad, Ulm, \"kommt, wenn möglich\"\nTesfaye, Aalen, \"neu\"\n")
    #expect(layout.header == ["Name", "Ort", "Bemerkung"])
    #expect(rows == [["Haddad", "Ulm", "kommt, wenn möglich"], ["Tesfaye", "Aalen", "neu"]])
  }

  @Test("single quotes around fields, and apostrophes inside values that are no quotes")
  func singleQuotes() throws {
    let (layout, rows) = try Self.rows(
      "id,'Produkt','Text'\n1,'Stiefel','a, b'\n2,'Jacke','c'\n3,'Schuh','d, e'\n")
    #expect(layout.quote == "'")
    try #require(rows.count == 3)
    #expect(rows[0] == ["1", "Stiefel", "a, b"])
    #expect(rows[1] == ["2", "Jacke", "c"])
    #expect(rows[2] == ["3", "Schuh", "d, e"])
    let plain = try Self.rows("id,name\n1,Men's Boots\n2,O'Brien\n")
    #expect(plain.layout.quote == "\"")
    #expect(plain.rows == [["1", "Men's Boots"], ["2", "O'Brien"]])
  }
}

@Suite("Extract: rows that are not records")
struct NotARecordTests {
  @Test("the header again and a line of totals are rejects that say what they are, never persons")
  func repeatedHeaderAndTotals() throws {
    let path = TestSupport.write(
      "Nr;Name;Kosten\n1;Haddad;10,00\nNr;Name;Kosten\n2;Ali;5,00\nSumme;;15,00\n", to: "t.csv",
      in: TestSupport.scratch())
    let file = try OpenedFile(path: path)
    var rows: [String] = []
    var rejects: [String] = []
    while let record = try file.next() {
      switch record {
      case .row(let r): rows.append(r.fields[0])
      case .malformed(let m): rejects.append("\(m.line) \(m.kind)")
      case .element: break
      }
    }
    #expect(rows == ["1", "2"])
    #expect(rejects == ["3 repeated header", "5 total line"])
  }
}

@Suite("Extract: how sure the dialect is")
struct CertaintyTests {
  @Test("a `;` file with decimal commas names its runner-up, the comma, and how many lines each fits")
  func runnerUp() throws {
    let path = TestSupport.write(
      "Nr;Name;Kosten\n1;Haddad;10,50\n2;Ali;5,25\n3;Omar;7,00\n", to: "c.csv", in: TestSupport.scratch())
    let layout = try OpenedFile(path: path).layout
    #expect(layout.delimiter == ";")
    #expect(layout.certainty == "4 of 4 sampled lines as wide as the others; runner-up ',' on 3")
  }
}

/// What a reader hands out to the end of its file: each row's fields, and the line of each
/// reject.
func readAll(_ reader: inout CSVReader) throws -> (rows: [[String]], rejected: [Int]) {
  var out: (rows: [[String]], rejected: [Int]) = ([], [])
  while let record = try reader.next() {
    switch record {
    case .row(let row): out.rows.append(row.fields)
    case .malformed(let m): out.rejected.append(m.line)
    case .element: Issue.record("an XML element from a CSV file: \(record)")
    }
  }
  return out
}
