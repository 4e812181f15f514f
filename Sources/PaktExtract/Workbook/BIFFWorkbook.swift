import Foundation

/// The sheets and cells of an Excel 97-2003 workbook's "Workbook" stream (BIFF8, [MS-XLS]):
/// sheet names, the shared strings, number formats (to tell dates), and one sheet's cells as
/// texts, as `XLSXReader` gives them for .xlsx: numbers without a needless ".0", numbers in a
/// date format as ISO dates, TRUE / FALSE, the text of a formula's result.
///
/// Every read is checked against the record's length. A damaged record costs its cell, a
/// damaged structure (a sheet offset past the stream) is an error that says so.
struct BIFFWorkbook {
  struct Sheet {
    let name: String
    let offset: Int
    /// 0: a worksheet; charts, macro and VB modules are not read.
    let kind: UInt8
  }

  private let stream: [UInt8]
  private(set) var sheets: [Sheet] = []
  private var strings: [String] = []
  /// Extended formats (XF), in order: each cell's format index points here; true for a date.
  private var dateXF: [Bool] = []
  private var date1904 = false

  struct Unreadable: Error {
    let reason: String
    let fix: String
  }

  init(stream: [UInt8]) throws {
    self.stream = stream
    var formats: [Int: String] = [:]
    var xfFormats: [Int] = []
    var at = 0
    var first = true
    // The shared strings: the SST record and the CONTINUE records right after it, joined, with
    // the offsets where each CONTINUE began.
    var sst: [UInt8]?
    var sstContinues: [Int] = []
    var previous: UInt16 = 0
    while let (type, body, next) = Self.record(stream, at) {
      at = next
      defer { previous = type }
      if first {
        first = false
        // BOF of the workbook globals; BIFF8 is version 0x0600.
        let version = type == 0x0809 && body.count >= 4 ? Self.u16(body, 0) : 0
        guard version == 0x0600 else {
          throw Unreadable(
            reason: "the workbook is of an Excel version before 97 (BIFF5 or older), which pakt does not read",
            fix: "save it as .xlsx or CSV")
        }
        continue
      }
      if type == 0x003C, sst != nil, previous == 0x00FC || previous == 0x003C {
        sstContinues.append(sst!.count)
        sst! += body
        continue
      }
      if let s = sst {
        strings = Self.sharedStrings(s, continues: sstContinues)
        sst = nil
      }
      switch type {
      case 0x002F:
        throw Unreadable(
          reason: "the workbook is protected by a password (encrypted)",
          fix: "ask the municipality for the export without a password, or open it and save it without one")
      case 0x0022: date1904 = Self.u16(body, 0) == 1
      case 0x0085:
        guard body.count >= 8 else { continue }
        sheets.append(Sheet(name: Self.shortString(body, 6), offset: Int(Self.u32(body, 0)), kind: Self.byte(body, 5)))
      case 0x041E:
        guard body.count >= 5 else { continue }
        formats[Int(Self.u16(body, 0))] = Self.unicodeString(body, 2).text
      case 0x00E0:
        guard body.count >= 4 else { continue }
        xfFormats.append(Int(Self.u16(body, 2)))
      case 0x00FC:
        sst = Array(body)
        sstContinues = []
      default: break
      }
      if type == 0x000A { break }
    }
    if let sst { strings = Self.sharedStrings(sst, continues: sstContinues) }
    dateXF = xfFormats.map { XLSXReader.isDateFormat($0, code: formats[$0]) }
  }

  /// The cells of `sheet`, by row and column (both from 0), and its cells merged over several
  /// rows (first column, first and last row), which `VerticalMerges` fills in.
  func cells(of sheet: Sheet) throws -> (
    rows: [Int: [Int: String]], merged: [(column: Int, first: Int, last: Int)]
  ) {
    guard sheet.offset < stream.count, let (bof, _, _) = Self.record(stream, sheet.offset), bof == 0x0809 else {
      throw Unreadable(
        reason: "the sheet '\(sheet.name)' is not where the workbook says it is (the file is damaged)",
        fix: "open the workbook in Excel or LibreOffice and save it again")
    }
    var rows: [Int: [Int: String]] = [:]
    var at = sheet.offset
    var depth = 0
    var formulaCell: (row: Int, column: Int)?
    var merged: [(column: Int, first: Int, last: Int)] = []
    while let (type, body, next) = Self.record(stream, at) {
      at = next
      switch type {
      case 0x0809: depth += 1
      case 0x000A:
        depth -= 1
        if depth <= 0 { return (rows, merged) }
      case _ where depth > 1: continue  // an embedded chart's records
      case 0x00FD:  // LABELSST
        guard body.count >= 10 else { continue }
        let index = Int(Self.u32(body, 6))
        put(index < strings.count ? strings[index] : "", body, into: &rows)
      case 0x0204:  // LABEL
        guard body.count >= 9 else { continue }
        put(Self.unicodeString(body, 6).text, body, into: &rows)
      case 0x0203:  // NUMBER
        guard body.count >= 14 else { continue }
        let number = Double(bitPattern: UInt64(Self.u32(body, 6)) | UInt64(Self.u32(body, 10)) << 32)
        put(text(number, xf: Int(Self.u16(body, 4))), body, into: &rows)
      case 0x027E:  // RK
        guard body.count >= 10 else { continue }
        put(text(Self.rk(Self.u32(body, 6)), xf: Int(Self.u16(body, 4))), body, into: &rows)
      case 0x00BD:  // MULRK: several RK cells of one row
        guard body.count >= 6 else { continue }
        let row = Int(Self.u16(body, 0))
        let firstColumn = Int(Self.u16(body, 2))
        let count = (body.count - 6) / 6
        for i in 0..<count {
          let base = 4 + 6 * i
          let value = text(Self.rk(Self.u32(body, base + 2)), xf: Int(Self.u16(body, base)))
          rows[row, default: [:]][firstColumn + i] = value
        }
      case 0x0205:  // BOOLERR
        guard body.count >= 8 else { continue }
        if Self.byte(body, 7) == 0 { put(Self.byte(body, 6) != 0 ? "TRUE" : "FALSE", body, into: &rows) }
      case 0x0006:  // FORMULA: its last value
        guard body.count >= 14 else { continue }
        formulaCell = nil
        if Self.byte(body, 12) == 0xFF && Self.byte(body, 13) == 0xFF {
          switch Self.byte(body, 6) {
          case 0: formulaCell = (Int(Self.u16(body, 0)), Int(Self.u16(body, 2)))  // the text follows in STRING
          case 1: put(Self.byte(body, 8) != 0 ? "TRUE" : "FALSE", body, into: &rows)
          default: break  // an error or an empty text
          }
        } else {
          let number = Double(bitPattern: UInt64(Self.u32(body, 6)) | UInt64(Self.u32(body, 10)) << 32)
          put(text(number, xf: Int(Self.u16(body, 4))), body, into: &rows)
        }
      case 0x00E5:  // MERGEDCELLS: Ref8 each (first row, last row, first column, last column)
        let count = min(Int(Self.u16(body, 0)), (body.count - 2) / 8)
        for i in 0..<max(count, 0) {
          let base = 2 + 8 * i
          merged.append((Int(Self.u16(body, base + 4)), Int(Self.u16(body, base)), Int(Self.u16(body, base + 2))))
        }
      case 0x0207:  // STRING: the text a formula gave
        if let cell = formulaCell {
          rows[cell.row, default: [:]][cell.column] = Self.unicodeString(body, 0).text
          formulaCell = nil
        }
      default: break
      }
    }
    return (rows, merged)
  }

  private func put(_ text: String, _ body: ArraySlice<UInt8>, into rows: inout [Int: [Int: String]]) {
    rows[Int(Self.u16(body, 0)), default: [:]][Int(Self.u16(body, 2))] = text
  }

  /// A number as XLSXReader writes it: a date where its format is one, a whole number without
  /// decimals.
  private func text(_ number: Double, xf: Int) -> String {
    if xf < dateXF.count, dateXF[xf], number.isFinite, number >= 0 {
      return XLSXReader.isoDate(serial: date1904 ? number + 1462 : number)
    }
    return XLSXReader.numberText(number)
  }

  /// An RK number: a 30-bit integer or the high 30 bits of a double, perhaps times 100.
  static func rk(_ raw: UInt32) -> Double {
    var value: Double
    if raw & 0x02 != 0 {
      value = Double(Int32(bitPattern: raw) >> 2)
    } else {
      value = Double(bitPattern: UInt64(raw & 0xFFFF_FFFC) << 32)
    }
    if raw & 0x01 != 0 { value /= 100 }
    return value
  }

  /// The record at `at`: type, body, and where the next begins; nil at the end or where a
  /// record would run past it.
  static func record(_ s: [UInt8], _ at: Int) -> (UInt16, ArraySlice<UInt8>, Int)? {
    guard at >= 0, at + 4 <= s.count else { return nil }
    let type = u16(s[...], at)
    let length = Int(u16(s[...], at + 2))
    guard at + 4 + length <= s.count else { return nil }
    return (type, s[(at + 4)..<(at + 4 + length)], at + 4 + length)
  }

  /// The shared strings (SST), with the offsets where CONTINUE records began inside `body`.
  static func sharedStrings(_ body: [UInt8], continues: [Int]) -> [String] {
    guard body.count >= 8 else { return [] }
    let unique = Int(u32(body[...], 4))
    var strings: [String] = []
    strings.reserveCapacity(min(unique, body.count / 3))
    var at = 8
    var breakIndex = 0
    // The first CONTINUE that begins at `i` or after it.
    func firstBreak(atOrAfter i: Int) -> Int {
      while breakIndex < continues.count && continues[breakIndex] < i { breakIndex += 1 }
      return breakIndex < continues.count ? continues[breakIndex] : Int.max
    }
    while strings.count < unique, at + 3 <= body.count {
      let count = Int(u16(body[...], at))
      var flags = body[at + 2]
      at += 3
      var runs = 0
      var extra = 0
      if flags & 0x08 != 0 {
        runs = Int(u16(body[...], at))
        at += 2
      }
      if flags & 0x04 != 0 {
        extra = Int(u32(body[...], at))
        at += 4
      }
      var units: [UInt16] = []
      units.reserveCapacity(min(count, body.count))
      while units.count < count && at < body.count {
        let limit = firstBreak(atOrAfter: at)
        if limit == at {
          // The characters go on in a CONTINUE, whose first byte gives their width anew.
          flags = body[at]
          at += 1
          breakIndex += 1
          continue
        }
        let width = flags & 0x01 != 0 ? 2 : 1
        let end = min(limit, body.count)
        let before = units.count
        while units.count < count && at + width <= end {
          units.append(width == 2 ? u16(body[...], at) : UInt16(body[at]))
          at += width
        }
        if units.count == before { break }  // damaged: no character fits before the break
      }
      strings.append(String(decoding: units, as: UTF16.self))
      at += 4 * runs + extra
    }
    return strings
  }

  /// A ShortXLUnicodeString (a sheet name): count byte, flags byte, characters.
  static func shortString(_ b: ArraySlice<UInt8>, _ offset: Int) -> String {
    let base = b.startIndex + offset
    guard base + 2 <= b.endIndex else { return "" }
    let count = Int(b[base])
    let wide = b[base + 1] & 0x01 != 0
    return characters(b, from: base + 2, count: count, wide: wide).text
  }

  /// An XLUnicodeString (format codes, LABEL, STRING): 16-bit count, flags byte, characters.
  static func unicodeString(_ b: ArraySlice<UInt8>, _ offset: Int) -> (text: String, end: Int) {
    let base = b.startIndex + offset
    guard base + 3 <= b.endIndex else { return ("", b.endIndex) }
    let count = Int(UInt16(b[base]) | UInt16(b[base + 1]) << 8)
    let wide = b[base + 2] & 0x01 != 0
    return characters(b, from: base + 3, count: count, wide: wide)
  }

  private static func characters(_ b: ArraySlice<UInt8>, from start: Int, count: Int, wide: Bool) -> (
    text: String, end: Int
  ) {
    var units: [UInt16] = []
    var i = start
    while units.count < count && i + (wide ? 2 : 1) <= b.endIndex {
      units.append(wide ? UInt16(b[i]) | UInt16(b[i + 1]) << 8 : UInt16(b[i]))
      i += wide ? 2 : 1
    }
    return (String(decoding: units, as: UTF16.self), i)
  }

  static func byte(_ b: ArraySlice<UInt8>, _ offset: Int) -> UInt8 {
    let i = b.startIndex + offset
    return i < b.endIndex ? b[i] : 0
  }

  static func u16(_ b: ArraySlice<UInt8>, _ offset: Int) -> UInt16 {
    let i = b.startIndex + offset
    guard i >= b.startIndex, i + 2 <= b.endIndex else { return 0 }
    return UInt16(b[i]) | UInt16(b[i + 1]) << 8
  }

  static func u32(_ b: ArraySlice<UInt8>, _ offset: Int) -> UInt32 {
    let i = b.startIndex + offset
    guard i >= b.startIndex, i + 4 <= b.endIndex else { return 0 }
    return UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
  }
}
