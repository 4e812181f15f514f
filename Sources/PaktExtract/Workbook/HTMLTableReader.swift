internal import CLibXML2
import Foundation
import PaktCore

/// The rows of the table in an HTML file, read as a sheet (`SheetRows`): what case-management
/// software and web portals deliver as "Excel" (`export.xls` that is an HTML page, Excel's own
/// "Web page" save). The largest table of the page is read (most cells, nested tables apart);
/// a cell's text has its white space collapsed as a browser shows it, `<br>` a line break;
/// a cell's `colspan` leaves the columns it covers empty (a merged title is one cell) and its
/// `rowspan` repeats it in the rows it covers.
///
/// libxml2's HTML parser reads the page (tolerant of unclosed tags, as browsers are; no
/// network). The page is held as a tree while its rows are taken, then freed.
///
/// ```swift
/// let reader = try HTMLTableReader(path: "export.xls")
/// print(reader.header)
/// ```
public final class HTMLTableReader: SheetReader {
  public let path: String
  public let encoding: String
  public var header: [String] { rows.header }
  public var headerRow: Int { rows.headerRow }
  private var rows = SheetRows()
  private var table: [(row: Int, cells: [String])]
  private var position = 0

  /// Whether `head` (a file's first bytes, transcoded to UTF-8) begins an HTML page or table
  /// rather than an XML document.
  static func isHTML(_ text: [UInt8]) -> Bool {
    var start = text[...]
    while let first = start.first, first == 0x20 || first == 0x09 || first == 0x0A || first == 0x0D {
      start = start.dropFirst()
    }
    let lead = String(decoding: start.prefix(512), as: UTF8.self).lowercased()
    // "<table>" or "<table border=1>", not an XML root such as "<table_data>" or "<tables>".
    let bare = lead.range(of: #"^<(html|table)[\s>]"#, options: .regularExpression) != nil
    if lead.hasPrefix("<!doctype html") || bare { return true }
    // An XML prolog or comments first, then the page.
    if lead.hasPrefix("<?xml") || lead.hasPrefix("<!--") {
      return lead.contains("<html") || lead.contains("<!doctype html")
    }
    return false
  }

  public init(path: String, limits: ReadLimits = ReadLimits()) throws {
    self.path = path
    let head = try ChunkedFile.head(path: path)
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    if Int64(size) > limits.workbookPartBytes {
      throw ExtractError.unreadable(
        "the HTML page is larger than \(limits.workbookPartBytes >> 20) MB, more than pakt reads", fix: "split it")
    }
    // A page that names its charset is read in it; one that does not, in what its bytes are.
    let prolog = String(decoding: head.prefix(4096), as: UTF8.self).lowercased()
    let declared = prolog.range(of: #"charset\s*=\s*["']?[a-z0-9_:.-]+"#, options: .regularExpression).map {
      String(prolog[$0].drop { $0 != "=" }.dropFirst().drop { $0 == " " || $0 == "\"" || $0 == "'" })
    }
    let declares = declared != nil
    let detected: String =
      switch TextEncoding.detect(head) {
      case .utf8, .utf8BOM: "UTF-8"
      case .utf16LE: "UTF-16LE"
      case .utf16BE: "UTF-16BE"
      case .windows1252: "windows-1252"
      case .latin1: "ISO-8859-1"
      case .cp850: "IBM850"
      }
    let name: String? = declares ? nil : detected
    encoding = name?.lowercased() ?? declared ?? "utf-8"
    let options = Int32(
      HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
        | HTML_PARSE_COMPACT.rawValue)
    guard let doc = htmlReadFile(path, name, options) else {
      throw ExtractError.unreadable("the HTML page cannot be read", fix: "open it in a browser to check it")
    }
    defer { xmlFreeDoc(doc) }
    let tables = Self.elements(named: "table", under: xmlDocGetRootElement(doc))
    // The table with the most cells: the data, not a layout table around a logo and a title.
    let best = tables.map { ($0, Self.rowElements(of: $0)) }.max { Self.cellCount($0.1) < Self.cellCount($1.1) }
    guard let best, !best.1.isEmpty else {
      throw ExtractError.unreadable("the HTML page holds no table", fix: "check that the right file was delivered")
    }
    table = Self.cells(of: best.1)
    rows.readHeader { self.readRow() }
  }

  private func readRow() -> (row: Int, cells: [String])? {
    guard position < table.count else { return nil }
    defer { position += 1 }
    return table[position]
  }

  public func next() throws -> ExtractedRecord? {
    rows.next { self.readRow() }
  }

  public var format: FileFormat { .html }
  /// A page has one table to read, no sheets.
  public var sheetName: String { "" }
  public var otherSheets: [String] { [] }

  // MARK: - The page's tree

  private static func name(_ node: xmlNodePtr) -> String {
    node.pointee.name.map { String(cString: $0).lowercased() } ?? ""
  }

  private static func children(_ node: xmlNodePtr?) -> [xmlNodePtr] {
    var out: [xmlNodePtr] = []
    var child = node?.pointee.children
    while let c = child {
      out.append(c)
      child = c.pointee.next
    }
    return out
  }

  /// Elements named `name` anywhere under `node`, in document order.
  private static func elements(named name: String, under node: xmlNodePtr?) -> [xmlNodePtr] {
    guard let node else { return [] }
    var out: [xmlNodePtr] = []
    var stack = [node]
    while let n = stack.popLast() {
      if n.pointee.type == XML_ELEMENT_NODE && Self.name(n) == name { out.append(n) }
      stack += children(n).reversed()
    }
    return out
  }

  /// The table's own rows: under it or its thead, tbody and tfoot, not a nested table's.
  private static func rowElements(of table: xmlNodePtr) -> [xmlNodePtr] {
    var out: [xmlNodePtr] = []
    for child in children(table) where child.pointee.type == XML_ELEMENT_NODE {
      switch name(child) {
      case "tr": out.append(child)
      case "thead", "tbody", "tfoot":
        out += children(child).filter { $0.pointee.type == XML_ELEMENT_NODE && name($0) == "tr" }
      default: break
      }
    }
    return out
  }

  private static func cellCount(_ rows: [xmlNodePtr]) -> Int {
    rows.reduce(0) { sum, tr in
      sum + children(tr).filter { $0.pointee.type == XML_ELEMENT_NODE && ["td", "th"].contains(name($0)) }.count
    }
  }

  /// Each row's cell texts by column, with what `colspan` and `rowspan` cover filled in.
  private static func cells(of rowNodes: [xmlNodePtr]) -> [(row: Int, cells: [String])] {
    var out: [(row: Int, cells: [String])] = []
    // Columns a cell above still covers: its text and the rows it has left.
    var covered: [Int: (text: String, rows: Int)] = [:]
    for (index, tr) in rowNodes.enumerated() {
      var cells: [String] = []
      var column = 0
      func fillCovered() {
        while column < TableRows.maxColumns, let c = covered[column] {
          XLSXReader.put(c.text, at: column, in: &cells)
          covered[column] = c.rows > 1 ? (c.text, c.rows - 1) : nil
          column += 1
        }
      }
      for cell in children(tr) where cell.pointee.type == XML_ELEMENT_NODE {
        let kind = name(cell)
        // Past a sheet's last column (only a crafted page's spans reach it) nothing is kept.
        guard kind == "td" || kind == "th", column < TableRows.maxColumns else { continue }
        fillCovered()
        let text = Self.text(of: cell)
        let across = min(max(Int(attribute(cell, "colspan") ?? "") ?? 1, 1), 1_000)
        let down = min(max(Int(attribute(cell, "rowspan") ?? "") ?? 1, 1), 65_536)
        // Across, the text stands in the first column, as in a merged cell of a workbook (a
        // title over the table is one cell, not a header); down, in every row it covers (a
        // person's cell beside each of their measures).
        if column < TableRows.maxColumns { XLSXReader.put(text, at: column, in: &cells) }
        for c in column..<min(column + across, TableRows.maxColumns) where down > 1 {
          covered[c] = (c == column ? text : "", down - 1)
        }
        column += across
      }
      fillCovered()
      // Covered columns to the right of the last cell.
      for (c, value) in covered.sorted(by: { $0.key < $1.key }) where c >= column {
        XLSXReader.put(value.text, at: c, in: &cells)
        covered[c] = value.rows > 1 ? (value.text, value.rows - 1) : nil
      }
      out.append((index + 1, cells))
    }
    return out
  }

  private static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
    guard let value = xmlGetProp(node, name) else { return nil }
    defer { pakt_xmlFree(value) }
    return String(cString: value)
  }

  /// A cell's text as a browser shows it: runs of white space one space, `<br>` and block
  /// elements a line break, scripts and styles left out, trimmed.
  static func text(of cell: xmlNodePtr) -> String {
    var lines: [String] = []
    var current = ""
    func breakLine() {
      lines.append(current)
      current = ""
    }
    func walk(_ node: xmlNodePtr) {
      switch node.pointee.type {
      case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
        if let content = node.pointee.content { current += String(cString: content) }
      case XML_ELEMENT_NODE:
        let n = name(node)
        if n == "script" || n == "style" { return }
        if n == "br" {
          breakLine()
          return
        }
        let block = ["p", "div", "li"].contains(n)
        if block && !current.isEmpty { breakLine() }
        for child in children(node) { walk(child) }
        if block { breakLine() }
      default: break
      }
    }
    for child in children(cell) { walk(child) }
    breakLine()
    let collapsed = lines.map { line in
      line.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
    // Empty lines from block ends are not the cell's.
    var kept = collapsed
    while kept.last?.isEmpty == true { kept.removeLast() }
    while kept.first?.isEmpty == true { kept.removeFirst() }
    return kept.joined(separator: "\n")
  }
}
