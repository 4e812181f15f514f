import Foundation
import PaktCore
import PaktTestSupport
import Testing

@testable import PaktReport

@Suite("Report: escaping")
struct ReportTests {
  @Test("HTML escapes markup and quotes")
  func html() {
    #expect(
      Escape.html("<script>alert('x') & \"y\"</script>")
        == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
    #expect(Escape.html("Ayşe €") == "Ayşe €")
    // For XML in ISO-8859-1: what the encoding lacks becomes a character reference.
    #expect(Escape.xml("Ayşe <Müller> €", referencesAbove: 0xFF) == "Ay&#351;e &lt;Müller&gt; &#8364;")
  }

  @Test(
    "CSV cells a spreadsheet would run as formulas are defused",
    arguments: ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\rx"])
  func formulas(cell: String) {
    let escaped = Escape.csvCell(cell)
    let unquoted = escaped.hasPrefix("\"") ? String(escaped.dropFirst()) : escaped
    #expect(unquoted.hasPrefix("'"))
  }

  @Test(
    "a formula after another dialect's delimiter never becomes a cell of its own, whichever delimiter a spreadsheet splits on",
    arguments: ["Nähcafé;=1+2 Kurs", "Kurs\t+HYPERLINK(x)", "A|@SUM(1)", "B;-3+4", "x, =1"])
  func formulasAfterDelimiters(value: String) {
    let line = Escape.csvLine(["S-1", value, "ok"])
    for delimiter in [",", ";", "\t", "|"] {
      // Split as a spreadsheet does: on the delimiter, outside double quotes.
      var cells: [String] = []
      var cell = ""
      var quoted = false
      for c in line.trimmingCharacters(in: .newlines) {
        if c == "\"" {
          quoted.toggle()
        } else if String(c) == delimiter && !quoted {
          cells.append(cell)
          cell = ""
        } else {
          cell.append(c)
        }
      }
      cells.append(cell)
      for cell in cells {
        let trimmed = cell.trimmingCharacters(in: .whitespaces)
        #expect(!["=", "+", "-", "@"].contains(trimmed.first.map(String.init) ?? ""), "\(delimiter): \(cells)")
      }
    }
  }

  @Test("CSV quoting of delimiters, quotes and line breaks")
  func quoting() {
    #expect(Escape.csvCell("a,b") == "\"a,b\"")
    #expect(Escape.csvCell("say \"hi\"") == "\"say \"\"hi\"\"\"")
    #expect(Escape.csvCell("plain") == "plain")
    #expect(Escape.csvLine(["a", "b"]) == "a,b\r\n")
  }
}

@Suite("Report: files")
struct ReportFileTests {
  @Test("what a municipality delivered is escaped in the HTML page and defused in the CSV files")
  func escapedReports() throws {
    var s = PaktCore.RunSummary(status: .committed, pipeline: "p.yml", warehouse: "w.sqlite")
    s.unmapped = [
      .init(source: "x", name: "<script>alert(1)</script>", count: 2, suggestions: []),
      .init(source: "x", name: "=HYPERLINK(\"http://evil\")", count: 1, suggestions: []),
    ]
    let dir = TestSupport.scratch()
    let paths = try ReportWriter(folder: dir).write(
      summary: s, rejects: [RejectLine(source: "x", file: "f.csv", line: 3, kind: "k", reason: "<b>bad</b>")])
    let html = try String(contentsOfFile: paths["html"]!, encoding: .utf8)
    #expect(!html.contains("<script>alert"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(html.contains("&lt;b&gt;bad&lt;/b&gt;"))
    #expect(!html.contains("http://") || html.contains("=HYPERLINK(&quot;http://evil&quot;)"))
    let csv = try String(contentsOfFile: paths["unmapped_csv"]!, encoding: .utf8)
    #expect(csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""))
    #expect(!csv.contains(",=HYPERLINK"))
  }
}
