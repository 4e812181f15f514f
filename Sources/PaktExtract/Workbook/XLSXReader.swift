import Foundation
import PaktCore
import ZIPFoundation

/// Streams the rows of one sheet of an Excel workbook (.xlsx) as CSV-like rows, so that the
/// same mappings apply: the first full row is the header (title rows above it are skipped),
/// shared and inline strings are resolved, and numbers in date formats become ISO dates.
///
/// The sheet is unzipped (ZIPFoundation) to a temporary file and read through libxml2's
/// streaming reader, so memory does not grow with the sheet; only the shared-string table is
/// held. A part larger than `maxPartBytes` unpacked is refused (a zip bomb).
///
/// ```swift
/// var reader = try XLSXReader(path: "export.xlsx", sheet: nil)
/// print(reader.header)
/// while let record = try reader.next() { … }
/// ```
public final class XLSXReader: SheetReader {
  public let path: String
  public let sheetName: String
  /// The workbook's other sheets that hold rows: read by no mapping that does not name them
  /// (`read: sheet:`), so a steward must know they are there.
  public let otherSheets: [String]
  public var header: [String] { rows.header }
  public var headerRow: Int { rows.headerRow }
  private var rows = SheetRows()
  private var merges = VerticalMerges()
  private let events: XMLEvents
  private let sharedStrings: [String]
  private let dateStyles: Set<Int>
  private let scratch: String
  private var finished = false

  /// The prefix of the private scratch folders workbooks are unpacked into.
  static let scratchPrefix = "pakt-xlsx-"

  /// Removes scratch folders that runs killed before they could clean up left behind (their
  /// process is gone): unpacked sheets hold names and dates of birth.
  public static func removeStaleScratch() {
    let temporary = NSTemporaryDirectory()
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary) else { return }
    for name in names where name.hasPrefix(scratchPrefix) {
      let pid = name.dropFirst(scratchPrefix.count).split(separator: "-").first.flatMap { Int32($0) }
      // A folder of a process that still runs (kill with signal 0 succeeds) is left alone.
      if let pid, kill(pid, 0) == 0 || errno == EPERM { continue }
      try? FileManager.default.removeItem(atPath: (temporary as NSString).appendingPathComponent(name))
    }
  }

  public init(path: String, sheet: String? = nil, limits: ReadLimits = ReadLimits()) throws {
    self.path = path
    let archive: Archive
    do {
      archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    } catch {
      throw ExtractError.unreadable("the file is not a readable Excel workbook (zip)", fix: "save it again in Excel")
    }
    let scratch = try Self.makeScratch()
    self.scratch = scratch
    do {
      let parts = try Self.open(archive: archive, scratch: scratch, sheet: sheet, limits: limits)
      sheetName = parts.sheetName
      otherSheets = parts.otherSheets
      sharedStrings = parts.sharedStrings
      dateStyles = parts.dateStyles
      events = parts.events
      for m in parts.merges { merges.add(column: m.column, firstRow: m.firstRow, lastRow: m.lastRow) }
    } catch {
      try? FileManager.default.removeItem(atPath: scratch)
      throw error
    }
    try readHeader()
  }

  /// A new scratch folder for a workbook's unpacked parts (.xlsx, .ods): private to its owner
  /// (an unpacked sheet holds personal data), named after this process so that a later run can
  /// remove it if this one is killed (`removeStaleScratch`).
  static func makeScratch() throws -> String {
    let scratch = (NSTemporaryDirectory() as NSString).appendingPathComponent(
      "\(scratchPrefix)\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
      atPath: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    return scratch
  }

  /// Unpacks `part` into `scratch`; nil when the workbook lacks it.
  /// The part stops at `limit` bytes, counted on the bytes actually inflated, not on the size
  /// it declares (a crafted workbook declared small parts and inflated to 3 GB); see
  /// `ReadLimits` for the defaults.
  static func unpack(
    _ part: String, from archive: Archive, into scratch: String, limit: Int64 = ReadLimits().workbookPartBytes
  ) throws
    -> String?
  {
    guard let entry = archive[part] else { return nil }
    guard entry.type == .file else {
      throw ExtractError.unreadable(
        "\(part) in the workbook is a \(entry.type == .symlink ? "symbolic link" : "folder"), not a part pakt reads",
        fix: "save the workbook again in Excel")
    }
    let tooLarge = ExtractError.unreadable(
      "\(part) unpacks to more than \(limit >> 20) MB, more than pakt reads", fix: "split the workbook")
    if Int64(entry.uncompressedSize) > limit { throw tooLarge }
    let target = (scratch as NSString).appendingPathComponent(part.replacingOccurrences(of: "/", with: "_"))
    guard FileManager.default.createFile(atPath: target, contents: nil, attributes: [.posixPermissions: 0o600]),
      let handle = FileHandle(forWritingAtPath: target)
    else {
      throw ExtractError.unreadable("cannot unpack \(part) into the temporary folder", fix: "check free disk space")
    }
    defer { try? handle.close() }
    // Counted as it inflates: the part stops at the limit whatever it declared.
    var written: Int64 = 0
    do {
      _ = try archive.extract(entry) { data in
        written += Int64(data.count)
        if written > limit { throw tooLarge }
        try handle.write(contentsOf: data)
      }
    } catch let error as ExtractError {
      throw error
    } catch {
      throw ExtractError.unreadable(
        "the workbook is damaged: \(part) cannot be unpacked", fix: "save it again in Excel")
    }
    return target
  }

  static func open(archive: Archive, scratch: String, sheet: String?, limits: ReadLimits = ReadLimits()) throws -> (
    sheetName: String, sharedStrings: [String], dateStyles: Set<Int>, events: XMLEvents, otherSheets: [String],
    merges: [(column: Int, firstRow: Int, lastRow: Int)]
  ) {
    func unpack(_ part: String) throws -> String? {
      try Self.unpack(part, from: archive, into: scratch, limit: limits.workbookPartBytes)
    }
    guard let workbook = try unpack("xl/workbook.xml") else {
      if archive["xl/workbook.bin"] != nil {
        throw ExtractError.unreadable(
          "the file is an Excel binary workbook (.xlsb), which pakt does not read",
          fix: "save it as an Excel workbook (.xlsx) or CSV, or ask the municipality to export one")
      }
      if archive["content.xml"] != nil {
        // An OpenDocument file whose MIME type is not its first entry, so not told by its bytes.
        throw ExtractError.unreadable(
          "the file is an OpenDocument document (content.xml), not an Excel workbook",
          fix: "say `read: { format: ods }` in its mapping, or save it again in LibreOffice")
      }
      // A zip of exports ("lieferung.zip") rather than a workbook: say what it holds.
      let files = archive.filter { $0.type == .file && !$0.path.hasPrefix("[") && !$0.path.hasPrefix("_rels") }
        .map(\.path)
      if !files.isEmpty && !files.contains(where: { $0.hasPrefix("xl/") }) {
        let shown = files.prefix(5).joined(separator: ", ") + (files.count > 5 ? " and \(files.count - 5) more" : "")
        throw ExtractError.unreadable(
          "the file is a zip archive, not an Excel workbook: it holds \(shown)",
          fix: "unpack it (`unzip` the file) and point the source's `files:` at the exports it holds")
      }
      throw ExtractError.unreadable("the workbook has no xl/workbook.xml", fix: "save it again as .xlsx in Excel")
    }
    // Sheets in workbook order, with their relationship ids.
    var sheets: [(name: String, rid: String)] = []
    let wb = try XMLEvents(path: workbook)
    while try wb.next() {
      if wb.kind == .start && wb.name == "sheet" {
        sheets.append((wb.attribute("name") ?? "", wb.attribute("id") ?? ""))
      }
    }
    guard let first = sheets.first else { throw ExtractError.unreadable("the workbook has no sheet", fix: "check it") }
    var chosen = first
    if let sheet {
      guard let s = sheets.first(where: { $0.name == sheet }) else {
        throw ExtractError.unreadable(
          "the workbook has no sheet '\(sheet)'",
          fix: "its sheets are: \(sheets.map(\.name).joined(separator: ", ")); set `read: sheet:` in the mapping")
      }
      chosen = s
    }
    // Each sheet's part, by relationship id.
    var targets: [String: String] = [:]
    if let rels = try unpack("xl/_rels/workbook.xml.rels") {
      let r = try XMLEvents(path: rels)
      while try r.next() {
        if r.kind == .start && r.name == "Relationship", let id = r.attribute("Id"), let t = r.attribute("Target") {
          targets[id] = t.hasPrefix("/") ? String(t.dropFirst()) : "xl/" + t
        }
      }
    }
    let target = targets[chosen.rid] ?? "xl/worksheets/sheet1.xml"
    let others = sheets.filter { $0.rid != chosen.rid }.filter { sheet in
      targets[sheet.rid].map { holdsRows($0, in: archive) } ?? false
    }.map(\.name)
    let strings = try readSharedStrings(
      try Self.unpack("xl/sharedStrings.xml", from: archive, into: scratch, limit: limits.sharedStringsBytes))
    let styles = try readDateStyles(try unpack("xl/styles.xml"))
    guard let sheetFile = try unpack(target) else {
      throw ExtractError.unreadable("the sheet '\(chosen.name)' is missing from the workbook", fix: "save it again")
    }
    return (chosen.name, strings, styles, try XMLEvents(path: sheetFile), others, try readMerges(sheetFile))
  }

  /// The sheet's merged cells that span rows (`<mergeCells>`, after the rows), as
  /// (first column, first row, last row). They are found in the part's last 4 MB, where they
  /// are; a part whose rows end before that is read whole for them.
  static func readMerges(_ file: String) throws -> [(column: Int, firstRow: Int, lastRow: Int)] {
    guard let handle = FileHandle(forReadingAtPath: file) else { return [] }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    let tailBytes: UInt64 = 4 << 20
    try handle.seek(toOffset: size > tailBytes ? size - tailBytes : 0)
    // Searched as bytes: String's search goes through Foundation, and cost a tenth of a
    // second per sheet of 15,000 rows.
    let tail = [UInt8](try handle.readToEnd() ?? Data())
    var refs: [String] = []
    let rowsEnd = Self.find(Array("</sheetData>".utf8), in: tail, from: 0)
    if size <= tailBytes || rowsEnd != nil {
      // The merges follow the rows: all of them are in the tail.
      let open = Array("<mergeCell".utf8)
      let quote = UInt8(ascii: "\"")
      var at = rowsEnd ?? 0
      while let start = Self.find(open, in: tail, from: at) {
        let end = tail[start...].firstIndex(of: UInt8(ascii: ">")) ?? tail.endIndex
        let element = tail[start..<end]
        at = end
        // <mergeCell ref="B2:B4"/>, not <mergeCells count="3">.
        guard let next = element.dropFirst(open.count).first,
          next == 0x20 || next == 0x09 || next == 0x0A || next == 0x0D,
          let attribute = Self.find(Array("ref=\"".utf8), in: Array(element), from: 0)
        else { continue }
        let value = element.dropFirst(attribute + 5)
        if let close = value.firstIndex(of: quote) { refs.append(String(decoding: value[..<close], as: UTF8.self)) }
      }
    } else {
      // More than 4 MB after the rows: the part is read for its merges.
      let e = try XMLEvents(path: file)
      while try e.next() {
        if e.kind == .start && e.name == "mergeCell", let ref = e.attribute("ref") { refs.append(ref) }
      }
    }
    return refs.compactMap { ref in
      let ends = ref.split(separator: ":")
      guard ends.count == 2 else { return nil }
      let top = String(ends[0])
      let bottom = String(ends[1])
      guard let first = Int(top.drop { $0.isLetter }), let last = Int(bottom.drop { $0.isLetter }), last > first
      else { return nil }
      return (columnIndex(top), first, last)
    }
  }

  /// Where `needle` first occurs in `bytes` at or after `from`.
  static func find(_ needle: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
    guard let first = needle.first, bytes.count >= needle.count, from <= bytes.count - needle.count else {
      return nil
    }
    var i = from
    while i <= bytes.count - needle.count {
      guard let hit = bytes[i...(bytes.count - needle.count)].firstIndex(of: first) else { return nil }
      if bytes[hit..<hit + needle.count].elementsEqual(needle) { return hit }
      i = hit + 1
    }
    return nil
  }

  /// Whether a sheet's part holds two rows or more (a header and a record), from its first
  /// 64 KB: the extent it declares (`<dimension ref="A1:K150"/>`), or else its first rows. An
  /// empty "Tabelle2" holds none.
  static func holdsRows(_ part: String, in archive: Archive) -> Bool {
    guard let entry = archive[part], entry.type == .file else { return false }
    struct Enough: Error {}
    var head: [UInt8] = []
    do {
      _ = try archive.extract(entry) { data in
        head += data.prefix(65_536 - head.count)
        if head.count >= 65_536 { throw Enough() }
      }
    } catch {}
    let text = String(decoding: head, as: UTF8.self)
    if let range = text.range(of: "<dimension ref=\""),
      let end = text[range.upperBound...].firstIndex(of: "\"")
    {
      let ref = text[range.upperBound..<end]
      let lastRow = Int(ref.split(separator: ":").last?.drop { $0.isLetter } ?? "") ?? 1
      return lastRow >= 2
    }
    return text.components(separatedBy: "<row").count > 2
  }

  deinit { try? FileManager.default.removeItem(atPath: scratch) }

  public var format: FileFormat { .xlsx }
  public var encoding: String { "utf-8" }

  private func readHeader() throws {
    try rows.readHeader { try self.readRow() }
  }

  public func next() throws -> ExtractedRecord? {
    try rows.next { try self.readRow() }
  }

  /// The next `<row>` as cell texts by column position.
  private func readRow() throws -> (row: Int, cells: [String])? {
    if finished { return nil }
    var rowNumber = 0
    var cells: [String] = []
    var inRow = false
    var column = 0
    var type = ""
    var style = 0
    var value = ""
    var inValue = false
    while try events.next() {
      switch events.kind {
      case .start:
        switch events.name {
        case "row":
          inRow = true
          rowNumber = Int(events.attribute("r") ?? "") ?? (rowNumber + 1)
          if events.isEmpty { return (rowNumber, []) }
        case "c" where inRow:
          column = events.attribute("r").map(Self.columnIndex) ?? cells.count
          type = events.attribute("t") ?? "n"
          style = Int(events.attribute("s") ?? "0") ?? 0
          value = ""
          if events.isEmpty { Self.put("", at: column, in: &cells) }
        case "v", "t":
          inValue = true
        default: break
        }
      case .text where inValue:
        value += events.text
      case .end:
        switch events.name {
        case "v", "t": inValue = false
        case "c": Self.put(cellText(value, type: type, style: style), at: column, in: &cells)
        case "row":
          merges.fill(rowNumber, &cells)
          return (rowNumber, cells)
        default: break
        }
      default: break
      }
    }
    finished = true
    return nil
  }

  private func cellText(_ raw: String, type: String, style: Int) -> String {
    switch type {
    case "s": return Int(raw).flatMap { $0 < sharedStrings.count ? sharedStrings[$0] : nil } ?? ""
    case "b": return raw == "1" ? "TRUE" : "FALSE"
    case "inlineStr", "str", "e", "d": return raw
    default:
      guard let number = Double(raw) else { return raw }
      if dateStyles.contains(style) { return Self.isoDate(serial: number) }
      return Self.numberText(number)
    }
  }

  /// A number as a sheet's general cell shows it: a whole number without a needless ".0". The
  /// workbook readers and `XLSXWriter` share it.
  static func numberText(_ number: Double) -> String {
    number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
  }

  /// Whether number format `id` (with its custom `code`, if the workbook defines one) shows a
  /// date: built-in 14–22, 27–36, 45–47, 50–58, or a custom code with day, month or year codes
  /// outside quotes and brackets. For .xlsx styles and .xls extended formats alike.
  static func isDateFormat(_ id: Int, code: String?) -> Bool {
    if (14...22).contains(id) || (27...36).contains(id) || (45...47).contains(id) || (50...58).contains(id) {
      return true
    }
    guard let code else { return false }
    let bare = code.replacingOccurrences(of: #""[^"]*""#, with: "", options: .regularExpression)
      .replacingOccurrences(of: #"\[[^\]]*\]"#, with: "", options: .regularExpression).lowercased()
    return bare.contains("d") || bare.contains("y") || (bare.contains("m") && !bare.contains("h"))
  }

  static func put(_ text: String, at column: Int, in cells: inout [String]) {
    if column >= cells.count { cells += Array(repeating: "", count: column - cells.count + 1) }
    cells[column] = text
  }

  /// "C12" → 2.
  static func columnIndex(_ reference: String) -> Int {
    var index = 0
    for ch in reference.unicodeScalars {
      guard ch.value >= 65 && ch.value <= 90 else { break }
      index = index * 26 + Int(ch.value - 64)
    }
    return max(0, index - 1)
  }

  /// Excel's 1900 date system: serial 1 is 1900-01-01, with the fictitious 1900-02-29.
  /// A serial beyond 9999-12-31 (2,958,465), negative or not a number is no date Excel shows:
  /// it stays the number it is (a crafted 1e300 in a date cell trapped the conversion to Int).
  static func isoDate(serial: Double) -> String {
    guard serial.isFinite, serial >= 0, serial < 2_958_466,
      let c = SpreadsheetSerial.day(Int(serial.rounded(.down)))
    else { return String(serial) }
    return "\(String(format4: c.year))-\(String(format2: c.month))-\(String(format2: c.day))"
  }

  static func readSharedStrings(_ file: String?) throws -> [String] {
    guard let file else { return [] }
    let e = try XMLEvents(path: file)
    var strings: [String] = []
    var current = ""
    var inText = false
    var inPhonetic = false
    while try e.next() {
      switch e.kind {
      case .start:
        if e.name == "si" { current = "" }
        if e.name == "rPh" { inPhonetic = true }
        if e.name == "t" { inText = !inPhonetic }
        if e.name == "si" && e.isEmpty { strings.append("") }
      case .text where inText: current += e.text
      case .end:
        if e.name == "t" { inText = false }
        if e.name == "rPh" { inPhonetic = false }
        if e.name == "si" { strings.append(current) }
      default: break
      }
    }
    return strings
  }

  /// Cell styles whose number format is a date (`isDateFormat`).
  static func readDateStyles(_ file: String?) throws -> Set<Int> {
    guard let file else { return [] }
    let e = try XMLEvents(path: file)
    var codes: [Int: String] = [:]
    var styles: Set<Int> = []
    var inCellXfs = false
    var index = 0
    while try e.next() {
      if e.kind == .start && e.name == "numFmt", let id = Int(e.attribute("numFmtId") ?? ""),
        let code = e.attribute("formatCode")
      {
        codes[id] = code
      }
      if e.name == "cellXfs" { inCellXfs = e.kind == .start && !e.isEmpty }
      if inCellXfs && e.kind == .start && e.name == "xf" {
        let id = Int(e.attribute("numFmtId") ?? "0") ?? 0
        if isDateFormat(id, code: codes[id]) { styles.insert(index) }
        index += 1
      }
    }
    return styles
  }
}
