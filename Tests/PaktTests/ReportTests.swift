import Testing

@testable import PaktReport

@Suite("Report: escaping")
struct ReportTests {
  @Test("HTML escapes markup and quotes")
  func html() {
    #expect(
      Escape.html("<script>alert('x') & \"y\"</script>")
        == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
  }

  @Test(
    "CSV cells a spreadsheet would run as formulas are defused",
    arguments: ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\rx"])
  func formulas(cell: String) {
    let escaped = Escape.csvCell(cell)
    let unquoted = escaped.hasPrefix("\"") ? String(escaped.dropFirst()) : escaped
    #expect(unquoted.hasPrefix("'"))
  }

  @Test("CSV quoting of delimiters, quotes and line breaks")
  func quoting() {
    #expect(Escape.csvCell("a,b") == "\"a,b\"")
    #expect(Escape.csvCell("say \"hi\"") == "\"say \"\"hi\"\"\"")
    #expect(Escape.csvCell("plain") == "plain")
    #expect(Escape.csvLine(["a", "b"]) == "a,b\r\n")
  }
}
