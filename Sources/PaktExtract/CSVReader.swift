import Foundation
import PaktCore

/// Streams the rows of a CSV file in any supported dialect, in bounded memory.
///
/// Hand-written byte state machine: the Swift CSV libraries measured 15 MB/s or less on this
/// machine against about 340 MB/s for a byte parser (platform notes), and none streams every
/// encoding pakt must read.
///
/// Rules: quoted fields may hold delimiters, doubled quotes and line breaks; a quote inside an
/// unquoted field is kept as text (`Ahmad "Abu" Ali`); text after a closing quote, an
/// unclosed quote, a row with a different number of fields than the header and bytes that are
/// not valid in the file's encoding each make the row a `.malformed` record with its line.
///
/// ```swift
/// var reader = try CSVReader(path: "samples/freiburg.csv")
/// print(reader.header)
/// while let record = try reader.next() { … }
/// ```
public struct CSVReader: PaktCursor {
  public let path: String
  public let dialect: CSVDialect
  /// The column names of the header row (empty until the header is read, which `init` does).
  public private(set) var header: [String] = []

  private let file: ChunkedFile
  private var transcoder: Transcoder
  /// Decoded text: `buffer[position..<end]` is read and not yet parsed. The array keeps its
  /// size and each read lands in the room after `end`, UTF-8 straight from the file. Why:
  /// appending every chunk to a growing array (and validating it there) copied each byte of the
  /// file once more, a tenth of the reader's time (perf, 64 MB benchmark).
  private var buffer: [UInt8] = []
  private var end = 0
  private var position = 0
  /// UTF-16 text decoded from a chunk, before it is copied into `buffer`.
  private var decoded: [UInt8] = []
  private var line = 1
  private var atEOF = false
  private var startedBody = false
  /// Body rows so far with exactly the header's number of fields.
  private var exactRows = 0
  private var bomChecked = false
  /// The fields of the last row. Handed out as the row's array; once the caller has let go
  /// of it, the next row reuses its storage (an allocation and a free per row were a tenth
  /// of the reader's instructions, callgrind).
  private var fieldBuffer: [String] = []
  /// A record larger than this without a closing quote is taken to be an unclosed quote.
  private let maxRecordBytes: Int
  /// Tests read in tiny chunks to exercise records cut at chunk boundaries.
  var chunkSizeForTesting: Int? {
    didSet { file.chunkSize = chunkSizeForTesting ?? file.chunkSize }
  }

  public init(path: String, dialect: CSVDialect? = nil, maxRecordBytes: Int = 4 << 20) throws {
    self.path = path
    self.dialect = try dialect ?? CSVDialect.sniff(path: path)
    self.file = try ChunkedFile(path: path)
    self.transcoder = Transcoder(encoding: self.dialect.encoding)
    self.maxRecordBytes = maxRecordBytes
    try readHeader()
  }

  /// Bytes of the file read so far (ahead of the records handed out by up to a chunk).
  public var bytesRead: Int { file.bytesRead }

  public var layout: FileLayout {
    var l = FileLayout(format: "csv", encoding: dialect.encoding.rawValue)
    l.delimiter = dialect.delimiterText
    l.quote = String(UnicodeScalar(dialect.quote))
    l.lineEnding = dialect.lineEnding
    l.headerLine = dialect.headerLine
    l.header = header
    return l
  }

  private mutating func readHeader() throws {
    guard dialect.headerLine > 0 else {
      startedBody = true
      return
    }
    while let outcome = try nextRaw() {
      if case .fields(let startLine, let fields) = outcome, startLine >= dialect.headerLine {
        header = fields.map { $0.trimmingCharacters(in: .whitespaces) }
        startedBody = true
        return
      }
    }
    startedBody = true
  }

  public mutating func next() throws -> ExtractedRecord? {
    while let outcome = try nextRaw() {
      switch outcome {
      case .blank: continue
      case .malformed(let m): return .malformed(m)
      case .fields(let startLine, let fields):
        if !header.isEmpty && fields.count != header.count {
          // A row ending in empty fields beyond the header (Excel's trailing ";;") is fine while
          // the export is written that way. Once rows have the header's width, an extra empty
          // field means a value shifted by an unquoted delimiter: a reject, not a guess.
          let extra = fields.dropFirst(header.count)
          if fields.count > header.count && exactRows == 0 && extra.allSatisfy({ $0.isEmpty }) {
            return .row(CSVRow(line: startLine, fields: Array(fields.prefix(header.count))))
          }
          return .malformed(
            MalformedRecord(
              line: startLine, raw: fields.joined(separator: dialect.delimiterText), kind: "ragged row",
              reason:
                "row has \(fields.count) fields but the header has \(header.count); "
                + "a delimiter ('\(dialect.delimiterText == "\t" ? "tab" : dialect.delimiterText)') "
                + "inside a value must be quoted"))
        }
        if fields.count == header.count { exactRows += 1 }
        return .row(CSVRow(line: startLine, fields: fields))
      }
    }
    return nil
  }

  enum Outcome {
    case fields(line: Int, [String])
    case malformed(MalformedRecord)
    case blank
  }

  private mutating func fill() throws -> Bool {
    if atEOF { return false }
    // The unparsed tail (a part of one record) moves to the front.
    if position > 0 {
      let tail = end - position
      if tail > 0 {
        buffer.withUnsafeMutableBytes { raw in
          raw.baseAddress!.copyMemory(from: raw.baseAddress! + position, byteCount: tail)
        }
      }
      end = tail
      position = 0
    }
    let chunk = file.chunkSize
    // Room for a chunk as it is (UTF-8) or in the worst case (3 UTF-8 bytes per input byte).
    let utf8 = dialect.encoding == .utf8 || dialect.encoding == .utf8BOM
    let room = (utf8 ? chunk : 3 * chunk) + 16
    if buffer.count - end < room { grow(to: end + room) }
    var buffer = self.buffer
    self.buffer = []
    defer { self.buffer = buffer }
    switch dialect.encoding {
    case .utf8, .utf8BOM:
      // Read as is; fields that are not ASCII are validated when they become Strings.
      let at = end
      let count = try buffer.withUnsafeMutableBytes {
        try file.readChunk(into: UnsafeMutableRawBufferPointer(rebasing: $0[at..<at + chunk]))
      }
      if !bomChecked && count > 0 {
        bomChecked = true
        let bom = dialect.encoding.bom
        if !bom.isEmpty && buffer[at..<at + count].starts(with: bom) { position += bom.count }
      }
      if count == 0 { atEOF = true }
      end += count
    case .windows1252, .latin1:
      let encoding = dialect.encoding
      let at = end
      var written = 0
      let more = try file.next { input in
        written = buffer.withUnsafeMutableBytes {
          Transcoder.transcodeSingleByte(input, encoding: encoding, to: $0.baseAddress! + at)
        }
      }
      if !more { atEOF = true }
      end += written
    case .utf16LE, .utf16BE:
      var transcoder = self.transcoder
      var decoded = self.decoded
      decoded.removeAll(keepingCapacity: true)
      let more = try file.next { chunk in
        var chunk = chunk
        if !bomChecked {
          bomChecked = true
          let bom = dialect.encoding.bom
          if !bom.isEmpty && chunk.starts(with: bom) { chunk = UnsafeBufferPointer(rebasing: chunk[bom.count...]) }
        }
        transcoder.transcode(chunk, into: &decoded)
      }
      if !more {
        transcoder.finish(into: &decoded)
        atEOF = true
      }
      self.transcoder = transcoder
      // Fits the room: two UTF-16 bytes never make more than three UTF-8 bytes.
      let at = end
      if !decoded.isEmpty {
        buffer.withUnsafeMutableBufferPointer { target in
          decoded.withUnsafeBufferPointer {
            target.baseAddress!.advanced(by: at).update(from: $0.baseAddress!, count: $0.count)
          }
        }
      }
      end += decoded.count
      self.decoded = decoded
    }
    return true
  }

  /// Replaces `buffer` with a larger one holding the same `buffer[0..<end]`.
  private mutating func grow(to size: Int) {
    var larger = [UInt8](repeating: 0, count: size)
    let count = end
    if count > 0 {
      larger.withUnsafeMutableBufferPointer { target in
        buffer.withUnsafeBufferPointer { target.baseAddress!.update(from: $0.baseAddress!, count: count) }
      }
    }
    buffer = larger
  }

  private mutating func nextRaw() throws -> Outcome? {
    while true {
      if position >= end {
        if atEOF { return nil }
        _ = try fill()
        continue
      }
      let start = position
      var fields = fieldBuffer
      fieldBuffer = []
      let end = self.end
      // Room for the header's fields (more when a row turns out wider: parsed again).
      let slots = max(header.count, fields.count, 8)
      if fields.count < slots { fields.append(contentsOf: repeatElement("", count: slots - fields.count)) }
      var result = ParseResult.needSlots
      while case .needSlots = result {
        let (eof, delimiter, quote) = (atEOF, dialect.delimiter, dialect.quote)
        result = buffer.withUnsafeBufferPointer { buf in
          fields.withUnsafeMutableBufferPointer {
            Self.parseRecord(
              UnsafeBufferPointer(rebasing: buf[0..<end]), from: start, eof: eof, delimiter: delimiter, quote: quote,
              into: $0)
          }
        }
        if case .needSlots = result { fields.append(contentsOf: repeatElement("", count: fields.count)) }
      }
      if case .done(_, _, _, let count) = result, fields.count > count { fields.removeLast(fields.count - count) }
      fieldBuffer = fields
      switch result {
      case .needSlots: preconditionFailure("parsed until the record fit")
      case .needMore:
        if atEOF || end - start > maxRecordBytes {
          return unclosedQuote(from: start)
        }
        _ = try fill()
        continue
      case .done(let recordEnd, let newlines, let problem, _):
        let startLine = line
        position = recordEnd
        line += newlines
        if var problem {
          if let field = problem.invalidField { problem = invalidEncoding(fieldIndex: field) }
          let rawEnd = min(recordEnd, end)
          return .malformed(
            MalformedRecord(
              line: startLine, raw: rawText(buffer[start..<rawEnd]), kind: problem.kind, reason: problem.reason))
        }
        if fields.count == 1 && fields[0].isEmpty { return .blank }
        return .fields(line: startLine, fields)
      }
    }
  }

  /// Rejects the first physical line of a record whose quote never closes, and goes on after it.
  private mutating func unclosedQuote(from start: Int) -> Outcome {
    var lineEnd = start
    while lineEnd < end && buffer[lineEnd] != 10 && buffer[lineEnd] != 13 { lineEnd += 1 }
    let raw = rawText(buffer[start..<lineEnd])
    if lineEnd < end {
      if buffer[lineEnd] == 13 && lineEnd + 1 < end && buffer[lineEnd + 1] == 10 { lineEnd += 1 }
      lineEnd += 1
    }
    let startLine = line
    position = lineEnd
    line += 1
    return .malformed(
      MalformedRecord(
        line: startLine, raw: raw, kind: "unclosed quote",
        reason: "a quote opened on this line is never closed; the line was skipped and reading went on with the next"))
  }

  struct Problem {
    var kind: String
    var reason: String
    /// Bytes of this field (0-based) are not valid in the file's encoding; the reason names
    /// the column once the reader knows the header (`invalidEncoding(fieldIndex:)`).
    var invalidField: Int? = nil

    static func invalidEncoding(field: Int) -> Problem {
      Problem(kind: "invalid encoding", reason: "", invalidField: field)
    }
  }

  enum ParseResult {
    case needMore
    /// The record has more fields than `slots` holds.
    case needSlots
    /// `fields` values were written to the front of `slots`.
    case done(end: Int, newlines: Int, problem: Problem?, fields: Int)
  }

  /// Parses one record starting at `from` into `slots`, overwriting the last row's values in
  /// place (assigning over a String is cheaper than the generic destruction of `removeAll`).
  /// Returns `.needMore` when the buffer ends inside the record and `.needSlots` when the
  /// record has more fields than `slots`; the caller then parses it again.
  /// Static, so that the closures it runs in do not copy the reader (a copy of the whole
  /// struct per row, callgrind).
  private static func parseRecord(
    _ buf: UnsafeBufferPointer<UInt8>, from: Int, eof: Bool, delimiter: UInt8, quote: UInt8,
    into slots: UnsafeMutableBufferPointer<String>
  ) -> ParseResult {
    let delimiterWord = UInt64(delimiter) &* Self.ones
    let lfWord = UInt64(10) &* Self.ones
    let crWord = UInt64(13) &* Self.ones
    let fast = SmallString.isAvailable
    let n = buf.count
    var i = from
    var count = 0
    let slot = slots.baseAddress!
    func put(_ value: consuming String) {
      if fast { SmallString.store(value, into: slot + count) } else { slots[count] = value }
      count += 1
    }
    var newlines = 0
    var problem: Problem? = nil
    var scratch: [UInt8] = []

    while true {
      // Start of a field.
      if count == slots.count { return .needSlots }
      if i < n && buf[i] == quote {
        i += 1
        let contentStart = i
        var high: UInt8 = 0
        var doubled = false
        var closed = false
        while i < n {
          let b = buf[i]
          if b == quote {
            if i + 1 < n && buf[i + 1] == quote {
              doubled = true
              i += 2
              continue
            }
            if i + 1 >= n && !eof { return .needMore }
            closed = true
            break
          }
          if b == 10 || (b == 13 && !(i + 1 < n && buf[i + 1] == 10)) { newlines += 1 }
          high |= b
          i += 1
        }
        if !closed { return .needMore }
        var value: String?
        if doubled {
          // Only a field with doubled quotes is copied, to undouble them.
          scratch.removeAll(keepingCapacity: true)
          var k = contentStart
          while k < i {
            scratch.append(buf[k])
            k += buf[k] == quote ? 2 : 1
          }
          value = scratch.withUnsafeBufferPointer { Self.makeField($0, ascii: high < 0x80) }
        } else {
          value = Self.makeField(buf, contentStart, i, ascii: high < 0x80, fast: fast)
        }
        i += 1
        if value == nil && problem == nil { problem = Problem.invalidEncoding(field: count) }
        put(value ?? "")
        // After a closing quote: delimiter, end of line or end of input.
        if i < n && buf[i] != delimiter && buf[i] != 10 && buf[i] != 13 {
          if problem == nil {
            problem = Problem(
              kind: "stray quote",
              reason:
                "field \(count) has text after its closing quote; a quote inside a quoted value must be doubled (\"\")"
            )
          }
          while i < n && buf[i] != delimiter && buf[i] != 10 && buf[i] != 13 { i += 1 }
          if i >= n && !eof { return .needMore }
        }
      } else {
        let fieldStart = i
        // One pass finds the field's end and whether it is plain ASCII, eight bytes at a time
        // (SWAR): the byte-at-a-time loop cost 16 instructions per input byte (callgrind).
        var high: UInt8 = 0
        var highWord: UInt64 = 0
        if let base = buf.baseAddress {
          let raw = UnsafeRawPointer(base)
          while i + 8 <= n {
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let stops =
              Self.bytesEqual(word, delimiterWord) | Self.bytesEqual(word, lfWord) | Self.bytesEqual(word, crWord)
            if stops != 0 {
              // The lowest flagged byte is exact; only bytes before it belong to the field.
              let before = stops.trailingZeroBitCount / 8
              if before > 0 { highWord |= word & (UInt64.max >> (64 - 8 * before)) }
              i += before
              break
            }
            highWord |= word
            i += 8
          }
        }
        if highWord & 0x8080_8080_8080_8080 != 0 { high = 0x80 }
        while i < n {
          let b = buf[i]
          if b == delimiter || b == 10 || b == 13 { break }
          high |= b
          i += 1
        }
        if i >= n && !eof { return .needMore }
        if fast && i - fieldStart <= 15 && fieldStart + 16 <= n {
          // Short: built inline (see `SmallString`), without a trip through the standard library.
          let start = buf.baseAddress! + fieldStart
          if high < 0x80 || isValidUTF8(UnsafeBufferPointer(start: start, count: i - fieldStart)) {
            SmallString.store(
              words: SmallString.words(start, count: i - fieldStart, ascii: high < 0x80), into: slot + count)
            count += 1
          } else {
            if problem == nil { problem = Problem.invalidEncoding(field: count) }
            put("")
          }
        } else {
          let value = Self.makeField(UnsafeBufferPointer(rebasing: buf[fieldStart..<i]), ascii: high < 0x80)
          if value == nil && problem == nil { problem = Problem.invalidEncoding(field: count) }
          put(value ?? "")
        }
      }
      // End of field.
      if i >= n { return .done(end: i, newlines: newlines, problem: problem, fields: count) }
      let b = buf[i]
      if b == delimiter {
        i += 1
        if i >= n && !eof { return .needMore }
        continue
      }
      // Line end: LF, CRLF or CR.
      if b == 13 {
        if i + 1 >= n && !eof { return .needMore }
        i += (i + 1 < n && buf[i + 1] == 10) ? 2 : 1
      } else {
        i += 1
      }
      return .done(end: i, newlines: newlines + 1, problem: problem, fields: count)
    }
  }

  private static let ones: UInt64 = 0x0101_0101_0101_0101

  /// High bit set in each byte of `word` equal to the byte repeated in `pattern`; exact for
  /// the lowest such byte (bytes above it may be flagged falsely through the borrow).
  @inline(__always)
  private static func bytesEqual(_ word: UInt64, _ pattern: UInt64) -> UInt64 {
    let x = word ^ pattern
    return (x &- ones) & ~x & 0x8080_8080_8080_8080
  }

  /// A field's text, or nil when a byte of it could not be decoded.
  ///
  /// `String(decoding:as:)` on a buffer pointer is the fastest constructor here: 3x faster than
  /// `init(unsafeUninitializedCapacity:)` and 4x faster than `String(validating:)` (measured,
  /// 6M short fields). It would repair silently, so fields that are not ASCII are validated
  /// first: a bad byte (invalid UTF-8 in the file, or the 0xFF the transcoder puts for a byte
  /// its encoding lacks) rejects the row instead of becoming U+FFFD.
  @inline(__always)
  private static func makeField(_ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool) -> String? {
    if !ascii && !isValidUTF8(bytes) { return nil }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// `makeField` for the field `start..<end` of `buf`, with the short-ASCII fast path.
  @inline(__always)
  private static func makeField(
    _ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, ascii: Bool, fast: Bool
  ) -> String? {
    if fast && end - start <= 15 && start + 16 <= buf.count {
      if !ascii && !isValidUTF8(UnsafeBufferPointer(rebasing: buf[start..<end])) { return nil }
      return SmallString.make(UnsafeRawPointer(buf.baseAddress! + start), count: end - start, ascii: ascii)
    }
    return makeField(UnsafeBufferPointer(rebasing: buf[start..<end]), ascii: ascii)
  }

  private func invalidEncoding(fieldIndex: Int) -> Problem {
    let column = fieldIndex < header.count ? "'\(header[fieldIndex])'" : "\(fieldIndex + 1)"
    return Problem(
      kind: "invalid encoding",
      reason:
        "column \(column) holds bytes that are not valid \(dialect.encoding.rawValue); "
        + "set `encoding:` in the source's mapping file if the file is in another encoding")
  }
}
