import Foundation
import PaktCore
import PaktSamples
import PaktTestSupport
import Testing

@testable import PaktExtract

@Suite("Extract: encodings")
struct EncodingTests {
  static let le: [UInt8] = "a;b\n1;2\n".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
  static let be: [UInt8] = "a;b\n1;2\n".utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
  static let cases: [([UInt8], TextEncoding)] = [
    ([0xEF, 0xBB, 0xBF, 0x61], .utf8BOM),
    ([0xFF, 0xFE, 0x61, 0x00], .utf16LE),
    ([0xFE, 0xFF, 0x00, 0x61], .utf16BE),
    (le, .utf16LE),
    (be, .utf16BE),
    (Array("Größe;Maß\n".utf8), .utf8),
    ([0x47, 0x72, 0xF6, 0xDF, 0x65, 0x80], .windows1252),  // "Größe€" in Windows-1252
    ([0x47, 0x72, 0xF6, 0xDF, 0x65], .latin1),
  ]

  @Test("detects the encoding from the bytes", arguments: cases)
  func detect(bytes: [UInt8], expected: TextEncoding) {
    #expect(TextEncoding.detect(bytes) == expected)
  }

  /// German text as a DOS-era database program writes it, in code page 850.
  static let dosExport: [UInt8] = {
    var bytes: [UInt8] = []
    for scalar
      in "Nachname;Vorname;Staatsangehörigkeit;Maßnahme\r\nMüller;Jürgen;Österreich;Sprachförderung für Mütter\r\n"
      .unicodeScalars
    {
      bytes.append(
        scalar.value < 0x80 ? UInt8(scalar.value) : UInt8(0x80 + TextEncoding.cp850High.firstIndex(of: scalar.value)!))
    }
    return bytes + [0x1A]  // DOS's end-of-file mark
  }()

  @Test("code page 850 is told from Windows-1252 by which bytes beside letters are letters; its file reads")
  func dosCodePage() throws {
    #expect(TextEncoding.detect(Self.dosExport) == .cp850)
    // The same text in Windows-1252 (and ISO-8859-1) stays so.
    let windows = Array(
      "Nachname;Vorname;Staatsangehörigkeit;Maßnahme\r\nMüller;Jürgen;Österreich;Sprachförderung für Mütter\r\n"
        .unicodeScalars.map { UInt8($0.value) })
    #expect(TextEncoding.detect(windows) == .latin1)
    #expect(TextEncoding.detect(windows + [0x80]) == .windows1252)
    #expect(TextEncoding(name: "CP850") == .cp850)

    let path = TestSupport.write(Self.dosExport, to: "dos.csv", in: TestSupport.scratch())
    let file = try OpenedFile(path: path)
    #expect(file.layout.encoding == "ibm850")
    #expect(file.layout.header == ["Nachname", "Vorname", "Staatsangehörigkeit", "Maßnahme"])
    guard case .row(let row) = try file.next() else {
      Issue.record("no row")
      return
    }
    #expect(row.fields == ["Müller", "Jürgen", "Österreich", "Sprachförderung für Mütter"])
    // The Ctrl-Z on the last line is no record.
    #expect(try file.next() == nil)
  }

  @Test("a damaged Excel 97-2003 workbook (.xls) is named as such, with what to do")
  func legacyWorkbook() throws {
    let bytes = FileFormat.legacyOfficeSignature + [UInt8](repeating: 0, count: 504)
    let path = TestSupport.write(bytes, to: "old.xls", in: TestSupport.scratch())
    #expect(throws: ExtractError.self) { try OpenedFile(path: path) }
    do {
      _ = try OpenedFile(path: path)
    } catch {
      #expect("\(error)".contains("Excel 97-2003 workbook (.xls)"))
      #expect("\(error)".contains("xlsx"))
    }
  }

  @Test("Windows-1252 maps 0x80 to the euro sign; undefined bytes are marked, not dropped")
  func windows1252() {
    var t = Transcoder(encoding: .windows1252)
    var out: [UInt8] = []
    [0x80, 0x41, 0x81].withUnsafeBufferPointer { t.transcode($0, into: &out) }
    #expect(Array(out.prefix(4)) == Array("€A".utf8))
    #expect(out.last == 0xFF)
    #expect(String(validating: out, as: UTF8.self) == nil)
  }

  /// The single-byte transcoder copies ASCII 16 bytes at a time and stores each other
  /// character as a word: random inputs of every length, mostly ASCII or not, must come out
  /// as the table of each byte's UTF-8 says, in both encodings.
  @Test(
    "single-byte text transcodes as the byte table says, at every length and mix",
    arguments: [
      TextEncoding.windows1252, .latin1,
    ])
  func singleByteRandom(encoding: TextEncoding) {
    let table = Transcoder.singleByteTable(encoding)
    var random = SeededRandom(seed: 1252)
    for round in 0..<2000 {
      let highShare = [0, 1, 10, 50, 100][round % 5]
      let input = (0..<Int.random(in: 0...80, using: &random)).map { _ in
        Int.random(in: 0..<100, using: &random) < highShare
          ? UInt8.random(in: 0x80...0xFF, using: &random) : UInt8.random(in: 0...0x7F, using: &random)
      }
      var out: [UInt8] = []
      var t = Transcoder(encoding: encoding)
      input.withUnsafeBufferPointer { t.transcode($0, into: &out) }
      if out != input.flatMap({ table[Int($0)] }) {
        Issue.record("\(encoding) \(input) became \(out)")
        return
      }
    }
  }

  /// The chunk check visits only the bytes that are not ASCII, found 64 at a time: it must
  /// stop where a byte-by-byte check stops, for bad bytes and sequences anywhere against the
  /// blocks, also where a sequence reaches into the next block or past the end.
  @Test("the chunk check of UTF-8 stops where a byte-by-byte check stops")
  func utf8PrefixRandom() {
    var random = SeededRandom(seed: 8)
    let pieces: [[UInt8]] = [
      Array("a".utf8), Array("Zoë".utf8), Array("€".utf8), Array("😀".utf8), Array("Müller, Straße 12".utf8),
      Array(repeating: 0x41, count: 61), [0xC3], [0x80], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xFF],
    ]
    for round in 0..<3000 {
      var bytes: [UInt8] = []
      let badShare = round % 3 == 0 ? 0 : 10
      while bytes.count < Int.random(in: 0...200, using: &random) {
        let piece = pieces[Int.random(in: 0..<(badShare == 0 ? 6 : pieces.count), using: &random)]
        if badShare > 0 || piece.allSatisfy({ $0 < 0x80 }) || String(validating: piece, as: UTF8.self) != nil {
          bytes += piece
        }
      }
      var expected = 0
      while expected < bytes.count {
        let length = bytes.withUnsafeBufferPointer {
          utf8SequenceLength(UnsafeBufferPointer(rebasing: $0[expected...]))
        }
        if length == 0 { break }
        expected += length
      }
      let from = bytes.isEmpty ? 0 : Int.random(in: 0...min(3, bytes.count), using: &random)
      if from > 0 && bytes[0..<from].contains(where: { $0 >= 0x80 }) { continue }
      let padded = bytes + Array(repeating: 0xFF, count: 64)
      let got = padded.withUnsafeBufferPointer { utf8ValidPrefix($0.baseAddress!, from: from, to: bytes.count) }
      if got != expected {
        Issue.record("\(bytes) from \(from): stopped at \(got), expected \(expected)")
        return
      }
    }
  }

  @Test("UTF-8 split at every point keeps characters whole and marks each bad byte")
  func utf8Chunks() {
    // Valid characters of 2, 3 and 4 bytes, then a lone continuation byte, an overlong form,
    // a surrogate and a sequence cut off at the very end.
    let good = Array("Zoë € 😀 Öl".utf8)
    let bytes = good + [0x80] + [0xC0, 0xAF] + [0xED, 0xA0, 0x80] + Array("x".utf8) + [0xE2, 0x82]
    let expected = String(decoding: good, as: UTF8.self)
    for split in 0...bytes.count {
      var t = Transcoder(encoding: .utf8)
      var out: [UInt8] = []
      bytes[..<split].withUnsafeBufferPointer { t.transcode($0, into: &out) }
      bytes[split...].withUnsafeBufferPointer { t.transcode($0, into: &out) }
      t.finish(into: &out)
      #expect(Array(out.prefix(good.count)) == good, "split at \(split)")
      #expect(String(decoding: out.prefix(good.count), as: UTF8.self) == expected)
      // Every byte of the bad sequences is marked; nothing is dropped or passed on unchecked.
      let tail = Array(out.dropFirst(good.count))
      #expect(tail == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x78, 0xFF], "split at \(split)")
    }
  }

  @Test("short strings built inline equal the standard library's, byte for byte")
  func smallStrings() {
    #expect(SmallString.isAvailable)
    for text in ["", "a", "FR100234", "12.03.1987", "123456789012345", "Zoë", "Müller", "€ 1,50", "Öztürk-Ağa"] {
      var bytes = Array(text.utf8)
      guard bytes.count <= 15 else { continue }
      let ascii = bytes.allSatisfy { $0 < 0x80 }
      bytes += Array(repeating: 0x7A, count: 16)
      let made = bytes.withUnsafeBytes { SmallString.make($0.baseAddress!, count: text.utf8.count, ascii: ascii) }
      #expect(made == text)
      #expect(Array(made.utf8) == Array(text.utf8))
      #expect(made.hashValue == text.hashValue)
      #expect(made.count == text.count)
    }
  }

  @Test("UTF-16 split across chunks, with a surrogate pair, decodes whole")
  func utf16Chunks() {
    let text = "Ağa 😀 Ende"
    let bytes = Array(text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
    var t = Transcoder(encoding: .utf16LE)
    var out: [UInt8] = []
    for chunk in stride(from: 0, to: bytes.count, by: 3) {
      Array(bytes[chunk..<min(chunk + 3, bytes.count)]).withUnsafeBufferPointer { t.transcode($0, into: &out) }
    }
    t.finish(into: &out)
    #expect(String(decoding: out, as: UTF8.self) == text)
  }
}

@Suite("Extract: CSV")
struct CSVTests {
  func rows(_ text: String, encoding: [UInt8]? = nil) throws -> (CSVReader, [ExtractedRecord]) {
    let dir = TestSupport.scratch()
    let path = TestSupport.write(encoding ?? Array(text.utf8), to: "f.csv", in: dir)
    var reader = try CSVReader(path: path)
    let records = try reader.collect()
    return (reader, records)
  }

  func fields(_ r: ExtractedRecord) -> [String]? {
    if case .row(let row) = r { return row.fields }
    return nil
  }

  @Test("quoted fields hold delimiters, doubled quotes and line breaks; lines are counted")
  func quoting() throws {
    let (reader, records) = try rows(
      "id,name,note\n1,\"Haddad, Amina\",\"sagt \"\"hallo\"\"\"\n2,Ali,\"zwei\nZeilen\"\n3,Omar,x\n")
    #expect(reader.header == ["id", "name", "note"])
    #expect(records.count == 3)
    #expect(fields(records[0]) == ["1", "Haddad, Amina", "sagt \"hallo\""])
    #expect(fields(records[1]) == ["2", "Ali", "zwei\nZeilen"])
    #expect(records[2].line == 5)
  }

  @Test("line endings LF, CRLF and CR", arguments: ["\n", "\r\n", "\r"])
  func lineEndings(ending: String) throws {
    let (_, records) = try rows(["a;b", "1;2", "3;4"].joined(separator: ending) + ending)
    #expect(records.compactMap(fields) == [["1", "2"], ["3", "4"]])
    #expect(records.map(\.line) == [2, 3])
  }

  @Test("a title line and a blank line before the header are skipped")
  func preamble() throws {
    let (reader, records) = try rows(
      "Export Stadt X, Stand 31.01.2024\n\nName;Vorname;Geburtsdatum\nHaddad;Amina;01.01.1990\n")
    #expect(reader.dialect.delimiter == UInt8(ascii: ";"))
    #expect(reader.dialect.headerLine == 3)
    #expect(reader.header == ["Name", "Vorname", "Geburtsdatum"])
    #expect(records.count == 1)
    #expect(records[0].line == 4)
  }

  @Test("ragged rows, stray quotes and unclosed quotes are malformed records with reasons")
  func malformed() throws {
    let (_, records) = try rows("a,b\n1,2,3\n\"x\"y,2\n4,5\n\"open,6\n7,8\n")
    let kinds = records.map { r -> String in
      if case .malformed(let m) = r { return m.kind }
      return "ok"
    }
    #expect(kinds == ["ragged row", "stray quote", "ok", "unclosed quote", "ok"])
    #expect(records[3].line == 5)
  }

  @Test("a quote inside an unquoted value is kept as text")
  func innerQuote() throws {
    let (_, records) = try rows("name,x\nAhmad \"Abu\" Ali,1\n")
    #expect(fields(records[0]) == ["Ahmad \"Abu\" Ali", "1"])
  }

  @Test("Excel's trailing empty fields beyond the header are accepted")
  func trailingEmpty() throws {
    let (_, records) = try rows("a;b\n1;2;;\n3;4;;\n")
    #expect(fields(records[0]) == ["1", "2"])
    #expect(fields(records[1]) == ["3", "4"])
  }

  @Test("among rows of the header's width, one extra empty field is a shifted row: rejected")
  func shiftedRow() throws {
    let (_, records) = try rows("id,provider,start,end\nA,VHS,2024-01-08,\nB,VHS, Stuttgart,2024-01-08,\n")
    #expect(fields(records[0]) == ["A", "VHS", "2024-01-08", ""])
    guard case .malformed(let m) = records[1] else {
      Issue.record("the shifted row loaded: \(records[1])")
      return
    }
    #expect(m.kind == "ragged row" && m.line == 3)
  }

  /// The reader reads UTF-8 as it is and validates each field that is not ASCII, so every
  /// kind of bad sequence must be caught there, in a short (inline) field, a long one and a
  /// quoted one, also when the chunk boundary cuts the sequence.
  @Test(
    "each kind of invalid UTF-8 rejects its row, wherever it sits",
    arguments: [
      [0xC3, 0x28], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80],
      [0xFF], [0xE2, 0x82],
    ] as [[UInt8]])
  func invalidUTF8Kinds(_ bad: [UInt8]) throws {
    for chunk in [3, 7, 1 << 20] {
      let short = Array("1;x".utf8) + bad + Array("y;ok\n".utf8)
      let long = Array("2;Integrationskurs ".utf8) + bad + Array(" Stufe zwei;ok\n".utf8)
      let quoted = Array("3;\"a;".utf8) + bad + Array("\";ok\n".utf8)
      let bytes = Array("id;text;z\n".utf8) + short + long + quoted + Array("4;Größe ä € 😀;ok\n".utf8)
      let path = TestSupport.write(bytes, to: "f.csv", in: TestSupport.scratch())
      var reader = try CSVReader(path: path, dialect: CSVDialect(encoding: .utf8, delimiter: UInt8(ascii: ";")))
      reader.chunkSizeForTesting = chunk
      let records = try reader.collect()
      #expect(records.count == 4)
      for (i, record) in records.prefix(3).enumerated() {
        guard case .malformed(let m) = record else {
          Issue.record("bytes \(bad) in row \(i + 1) loaded (chunk \(chunk)): \(record)")
          continue
        }
        #expect(m.kind == "invalid encoding" && m.line == i + 2)
      }
      #expect(records.count == 4 && fields(records[3]) == ["4", "Größe ä € 😀", "ok"])
    }
  }

  /// Single-byte files are parsed as they are and only fields with high bytes are decoded,
  /// so each field shape (short, long, quoted, with doubled quotes) must decode, also across
  /// chunk boundaries, and a byte Windows-1252 lacks must reject its row.
  @Test("Windows-1252 and ISO-8859-1 fields decode in every shape; a byte the encoding lacks rejects its row")
  func singleByteFields() throws {
    let rows: [[UInt8]] = [
      Array("1;M".utf8) + [0xFC] + Array("ller;".utf8) + [0x80] + Array("5\n".utf8),
      Array("2;Integrationskurs f".utf8) + [0xFC, 0x72] + Array(" Fl".utf8) + [0xFC]
        + Array("chtlinge, Stufe zwei;ok\n".utf8),
      Array("3;\"Gr".utf8) + [0xF6, 0xDF] + Array("e; \"\"".utf8) + [0xE4] + Array("\"\"\";".utf8) + [0xE9] + [0x0A],
      Array("4;a".utf8) + [0x81] + Array("b;ok\n".utf8),
    ]
    let bytes = Array("id;text;z\n".utf8) + rows.joined()
    for chunk in [3, 7, 1 << 20] {
      let path = TestSupport.write(bytes, to: "f.csv", in: TestSupport.scratch())
      func read(_ encoding: TextEncoding) throws -> [ExtractedRecord] {
        var reader = try CSVReader(path: path, dialect: CSVDialect(encoding: encoding, delimiter: UInt8(ascii: ";")))
        reader.chunkSizeForTesting = chunk
        return try reader.collect()
      }
      let records = try read(.windows1252)
      #expect(records.count == 4)
      #expect(fields(records[0]) == ["1", "Müller", "€5"])
      #expect(fields(records[1]) == ["2", "Integrationskurs für Flüchtlinge, Stufe zwei", "ok"])
      #expect(fields(records[2]) == ["3", "Größe; \"ä\"", "é"])
      guard case .malformed(let m) = records[3] else {
        Issue.record("an undefined Windows-1252 byte loaded (chunk \(chunk)): \(records[3])")
        continue
      }
      #expect(m.kind == "invalid encoding" && m.line == 5 && m.reason.contains("'text'"))
      #expect(m.raw.hasPrefix("4;a\u{FFFD}b;ok"))
      // ISO-8859-1 has a character for every byte: 0x80 and 0x81 are control characters there.
      let latin = try read(.latin1)
      #expect(latin.count == 4)
      #expect(fields(latin[0]) == ["1", "Müller", "\u{80}5"])
      #expect(fields(latin[3]) == ["4", "a\u{81}b", "ok"])
    }
  }

  @Test("invalid UTF-8 in a UTF-8 file rejects that row with its line")
  func invalidUTF8() throws {
    let bytes = Array("a,b\n1,ok\n".utf8) + [0x32, 0x2C, 0xC3, 0x28, 0x0A] + Array("3,ok\n".utf8)
    let dir = TestSupport.scratch()
    let path = TestSupport.write(bytes, to: "f.csv", in: dir)
    var reader = try CSVReader(path: path, dialect: CSVDialect(encoding: .utf8))
    let records = try reader.collect()
    guard case .malformed(let m) = records[1] else {
      Issue.record("expected a malformed record")
      return
    }
    #expect(m.kind == "invalid encoding")
    #expect(m.line == 3)
    #expect(fields(records[2]) == ["3", "ok"])
  }

  /// The field scan classifies 64 bytes at a time and UTF-8 is checked a chunk at a time, so
  /// fields, quotes, line breaks and bad bytes must be found wherever they fall against those
  /// blocks and the read chunks. Random files of short, long (past 64 and 128 bytes), quoted,
  /// multi-line and non-ASCII values, with every line ending and empty fields, must read as
  /// the values and lines they were written from; with `corrupt`, bytes that are not UTF-8
  /// are put into some values, and exactly their rows must be rejected, with their lines.
  @Test("random rows read back as written, wherever block and chunk boundaries fall", arguments: [false, true])
  func randomRowsRoundTrip(corrupt: Bool) throws {
    var random = SeededRandom(seed: corrupt ? 2026_12_02 : 2026_12_01)
    let pieces = [
      "a", "Zoë", "Müller", "1990", "x y", "€", "😀", ";", ",", "\"", "\n", "\r\n", "\r", " ", "ß", "Integrationskurs",
    ]
    let bad: [[UInt8]] = [
      [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xFF], [0xE2, 0x82],
    ]
    func value() -> String {
      switch Int.random(in: 0..<10, using: &random) {
      case 0: return ""
      case 1: return String(repeating: "Lang", count: Int.random(in: 14...40, using: &random))
      default:
        return (0..<Int.random(in: 1...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
      }
    }
    for round in 0..<40 {
      let delimiter = [";", ",", "\t"].randomElement(using: &random)!
      let width = Int.random(in: 1...9, using: &random)
      var bytes: [UInt8] = []
      // Fields of each row, nil for a row with bad bytes.
      var expected: [(line: Int, fields: [String]?)] = []
      var line = 1
      for row in 0..<Int.random(in: 1...60, using: &random) {
        var fields = (0..<width).map { _ in value() }
        // A lone empty field would be a blank line, and a blank line is skipped.
        if width == 1 && fields[0].isEmpty { fields[0] = "0" }
        let ending = ["\n", "\r\n", "\r"].randomElement(using: &random)!
        var broken = false
        let cells = fields.map { field -> [UInt8] in
          let special = field.contains { "\"\n\r;,\t".contains($0) } || field.unicodeScalars.contains { $0 == "\r" }
          let quoted = special || Int.random(in: 0..<10, using: &random) == 0
          // Bad bytes go between characters, where they cannot complete a sequence.
          var scalars = Array(field.unicodeScalars).map { Array(String($0).utf8) }
          if corrupt && row > 0 && Int.random(in: 0..<8, using: &random) == 0 {
            scalars.insert(bad.randomElement(using: &random)!, at: Int.random(in: 0...scalars.count, using: &random))
            broken = true
          }
          let text = scalars.joined().flatMap { $0 == UInt8(ascii: "\"") && quoted ? [$0, $0] : [$0] }
          return quoted ? [UInt8(ascii: "\"")] + text + [UInt8(ascii: "\"")] : text
        }
        let record = Array(cells.joined(separator: Array(delimiter.utf8)))
        bytes += record + Array(ending.utf8)
        if row > 0 { expected.append((line, broken ? nil : fields)) }
        // Line breaks inside values count as lines: LF, CRLF once, a lone CR.
        line += 1
        for (k, b) in record.enumerated() where b == 10 || (b == 13 && (k + 1 == record.count || record[k + 1] != 10)) {
          line += 1
        }
      }
      let path = TestSupport.write(bytes, to: "r\(round).csv", in: TestSupport.scratch())
      for chunk in [1, 3, 63, 64, 65, 1 << 20] {
        let dialect = CSVDialect(encoding: .utf8, delimiter: UInt8(ascii: Unicode.Scalar(delimiter)!), headerLine: 1)
        var reader = try CSVReader(path: path, dialect: dialect)
        reader.chunkSizeForTesting = chunk
        let records = try reader.collect()
        #expect(records.count == expected.count, "round \(round), chunk \(chunk)")
        for (record, e) in zip(records, expected) {
          var rejected = false
          if case .malformed(let m) = record { rejected = m.kind == "invalid encoding" }
          if record.line != e.line || (e.fields.map { fields(record) != $0 } ?? !rejected) {
            Issue.record(
              "round \(round), chunk \(chunk): \(record), expected line \(e.line) \(e.fields ?? ["rejected"])"
                as Comment)
            break
          }
        }
      }
    }
  }

  @Test("records spanning chunk boundaries are read whole")
  func chunkBoundaries() throws {
    var text = "id;text\n"
    for i in 0..<5000 { text += "\(i);\"Wert \(i)\nmit Umbruch; und ÄÖÜ\"\r\n" }
    let dir = TestSupport.scratch()
    let path = TestSupport.write(text, to: "big.csv", in: dir)
    var reader = try CSVReader(path: path)
    reader.chunkSizeForTesting = 7
    var count = 0
    while let r = try reader.next() {
      #expect(fields(r) == ["\(count)", "Wert \(count)\nmit Umbruch; und ÄÖÜ"])
      count += 1
    }
    #expect(count == 5000)
  }

  @Test("rows kept by the caller keep their values; rows of any width are read whole")
  func rowsKeptAndWide() throws {
    // Short values (built inline) and long ones (with storage of their own) take turns in
    // each column, so every kind of value overwrites every other in the reader's row.
    var text = "id;name;note\n"
    var expected: [[String]] = []
    for i in 0..<300 {
      let long = "Integrationskurs mit Kinderbetreuung Nr. \(i)"
      let row = i % 2 == 0 ? ["\(i)", "Zoë", long] : ["\(i)", "Müller-Lüdenscheidt \(i)", "kurz"]
      expected.append(row)
      text += row.joined(separator: ";") + "\n"
      if i == 150 { text += (0..<40).map { "wert\($0)" }.joined(separator: ";") + "\n" }
    }
    let dir = TestSupport.scratch()
    let path = TestSupport.write(text, to: "wide.csv", in: dir)
    for chunk in [5, 1 << 20] {
      var reader = try CSVReader(path: path)
      reader.chunkSizeForTesting = chunk
      var records: [ExtractedRecord] = []
      while let r = try reader.next() { records.append(r) }
      #expect(records.count == 301)
      let rows = records.compactMap { r -> [String]? in if case .row = r { return fields(r) } else { return nil } }
      #expect(rows == expected)
      let wide = records.compactMap { r -> MalformedRecord? in
        if case .malformed(let m) = r { return m } else { return nil }
      }
      #expect(wide.count == 1)
      #expect(wide.first?.kind == "ragged row" && wide.first?.line == 153)
      #expect(wide.first?.raw == (0..<40).map { "wert\($0)" }.joined(separator: ";"))
    }
  }

  /// Long values that come again down a column are shared (one String for all the rows), and
  /// the lookup must never confuse two values: these differ only in the middle (same length,
  /// same first and last eight bytes) or only in their length, and the 300 remarks of one
  /// length share the cache's 64 sets, so a lookup that trusted the hash or the length would
  /// hand out a wrong value. A column whose values do not repeat stops being looked up for a
  /// while, so that its rows pay for no lookups.
  @Test("repeated long values are shared and never confused; a column of unique values stops being looked up")
  func repeatedLongValues() throws {
    let programs = [
      "Integrationskurs A1 (VHS) Weststadt", "Integrationskurs B1 (VHS) Weststadt",
      "Integrationskurs B1  (VHS) Weststadt",
      "Sprachcafé für Frauen, Diakonie", "Jobcoaching; Träger: IB",
    ]
    var text = "id;Maßnahme;Bemerkung\n"
    var expected: [[String]] = []
    for i in 0..<1_000 {
      // Unique remarks first, then one remark in every row.
      let remark = i < 300 ? "Bemerkung Nr. \(100_000 + i) zur Person" : "Gleiche Bemerkung in jeder Zeile"
      let row = ["\(i)", programs[(i * 7 + i / 3) % programs.count], remark]
      expected.append(row)
      text += "\(row[0]);\(row[1].contains(";") ? "\"\(row[1])\"" : row[1]);\(row[2])\n"
    }
    let path = TestSupport.write(text, to: "long.csv", in: TestSupport.scratch())
    func storage(_ value: String) -> UInt? {
      value.utf8.withContiguousStorageIfAvailable { UInt(bitPattern: $0.baseAddress) }
    }
    for chunk in [5, 1 << 20] {
      var reader = try CSVReader(path: path)
      reader.chunkSizeForTesting = chunk
      let rows = try reader.collect().compactMap(fields)
      #expect(rows.count == expected.count)
      let wrong = zip(rows, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
      #expect(wrong == nil, "chunk \(chunk): row \(wrong ?? 0) is \(wrong.map { rows[$0] } ?? [])")
      #expect(Set(rows.map { storage($0[1]) }).count == programs.count)
      // 256 lookups without a hit: the remarks after them are made one by one, for a while.
      let repeated = rows[300...].map { storage($0[2]) }
      #expect(Set(repeated).count == repeated.count)
    }
  }

  @Test("UTF-16LE tab-separated Excel text with BOM")
  func excelUnicodeText() throws {
    let text = "Name\tStaatsangehörigkeit\r\nHaddad\tsyrisch\r\n"
    let bytes: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let (reader, records) = try rows("", encoding: bytes)
    #expect(reader.dialect.encoding == .utf16LE)
    #expect(reader.dialect.delimiter == UInt8(ascii: "\t"))
    #expect(reader.header == ["Name", "Staatsangehörigkeit"])
    #expect(fields(records[0]) == ["Haddad", "syrisch"])
  }
}
