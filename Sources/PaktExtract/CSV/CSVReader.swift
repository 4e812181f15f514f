import CPaktScan
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
  /// The header as the file writes it, where pakt read it otherwise (row names: see
  /// `CSVDialect.rowNames`); nil when the same.
  public private(set) var writtenHeader: [String]?

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
  /// The header line itself, when it could not be read: returned first by `next()`.
  private var brokenHeader: MalformedRecord?
  /// Body rows so far with exactly the header's number of fields.
  private var exactRows = 0
  /// What the first of them hold in each column: evidence for repairing a row a delimiter too
  /// wide (see `ColumnProfile`).
  private var profile = ColumnProfile()
  /// A header line of another width met inside the file: where, and its width.
  private var otherTable: (line: Int, width: Int)?
  /// The header's names, for telling another table's header (set at the first ragged row).
  private var headerNameSet: Set<String>?
  /// Ragged rows that were neither another table's nor repaired (see `repaired`).
  private var unexplainedRagged = 0
  private var bomChecked = false
  /// The fields of the last row. Handed out as the row's array; once the caller has let go
  /// of it, the next row reuses its storage (an allocation and a free per row were a tenth
  /// of the reader's instructions, callgrind).
  private var fieldBuffer: [String] = []
  /// `buffer[validFrom..<validTo]` is known to be valid UTF-8, checked a chunk at a time as it
  /// arrives (`utf8ValidPrefix`), so the fields inside it that are not ASCII need no
  /// check of their own: checking each such field took a tenth of the reader's instructions.
  private var validFrom = 0
  private var validTo = 0
  /// `SmallString.isAvailable`, read once: a lazy global's check per record was 1% of the
  /// reader's time (perf).
  private let smallStrings = SmallString.isAvailable
  /// Where the fields of the record being parsed lie (see `CSVScan`).
  private let spans = SpanStore()
  /// Recent long values per column, shared by the rows that repeat them (see `LongValueCache`).
  private let longValues = LongValueCache()
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
    var l = FileLayout(format: .csv, encoding: dialect.encoding.rawValue)
    l.delimiter = dialect.delimiterText
    l.quote = String(UnicodeScalar(dialect.quote))
    l.lineEnding = dialect.lineEnding
    if dialect.sampledLines > 0 {
      let other = dialect.runnerUp.map { r -> String in
        let name = r.delimiter == 9 ? "tab" : "'\(String(UnicodeScalar(r.delimiter)))'"
        return "; runner-up \(name) on \(r.consistentLines)"
      }
      l.certainty =
        "\(dialect.consistentLines) of \(dialect.sampledLines) sampled lines as wide as the others\(other ?? "; no other candidate")"
    }
    l.headerLine = dialect.headerLine
    l.header = header
    if dialect.twoRowHeader {
      l.headerRows = 2
      l.headerNote = "two rows, a group row above the names: each column's group and name joined"
    }
    if dialect.unfilledColumns > 0 {
      l.headerNote =
        "its last \(dialect.unfilledColumns) names (\(header.suffix(dialect.unfilledColumns).joined(separator: ", "))) "
        + "are columns no row fills: read as empty"
    }
    if let splitter = dialect.literalHeader {
      l.headerNote =
        splitter == dialect.delimiter
        ? "its quotes do not pair (a stray quote): the names are read as written, split at every delimiter"
        : "written with another delimiter than the rows: the names are split at "
          + (splitter == 0x20 ? "spaces" : splitter == 9 ? "tabs" : "'\(String(UnicodeScalar(splitter)))'")
    }
    if !dialect.skippedLines.isEmpty { l.skippedLines = dialect.skippedLines }
    if !dialect.skippedWide.isEmpty { l.skippedWide = dialect.skippedWide }
    return l
  }

  private mutating func readHeader() throws {
    guard dialect.headerLine > 0 else {
      // No header row: the columns are named by position, col_0, col_1, … (the convention of
      // the Pollock benchmark; DuckDB says column0), and every line is a record.
      header = (0..<dialect.columns).map { "col_\($0)" }
      startedBody = true
      return
    }
    if let splitter = dialect.literalHeader {
      // Blank lines above it; the header line read as written.
      while line < dialect.headerLine, try nextRaw() != nil {}
      header = CSVDialect.literalNames(try physicalLine(), delimiter: splitter, quote: dialect.quote)
      startedBody = true
      return
    }
    while let outcome = try nextRaw() {
      if case .malformed(let m) = outcome, m.line >= dialect.headerLine {
        // The header line cannot be read (a quote never closed): it is a reject, and the
        // columns are named by position. Why: the next line, a record, was taken for the
        // header, neither loaded nor rejected.
        brokenHeader = m
        header = (0..<max(1, dialect.width)).map { "col_\($0)" }
        startedBody = true
        return
      }
      if case .fields(let startLine, let fields) = outcome, startLine >= dialect.headerLine {
        header = fields.map { $0.trimmingCharacters(in: .whitespaces) }
        // A header line ending in delimiters its rows do not have ("RUN,1_1,1_2,"): its empty
        // last names are no columns (the rows would all be "ragged" against them).
        while dialect.width > 0 && header.count > dialect.width && header.last?.isEmpty == true {
          header.removeLast()
        }
        // Empty names inside it too, where that leaves exactly the rows' width ("Qty,,PRODUCTID":
        // a delimiter too many; see `CSVDialect.headerWithEmptyNames`).
        if dialect.width > 0 && header.count > dialect.width && header.filter({ !$0.isEmpty }).count == dialect.width {
          header = header.filter { !$0.isEmpty }
        }
        // A group row above the names: the next line that is not blank holds them (one that
        // cannot be read is the first reject, and the group row names the columns alone).
        while dialect.twoRowHeader, let outcome = try nextRaw() {
          switch outcome {
          case .blank: continue
          case .fields(_, let names): header = CSVDialect.joinedNames(header, names)
          case .malformed(let m): brokenHeader = m
          }
          break
        }
        // Row names in the first column, which the header does not name (R's write.table).
        if dialect.rowNames {
          writtenHeader = header
          header = [""] + header
        }
        headerLead = (writtenHeader ?? header).first?.utf8.first { !Self.isSpace($0) } ?? 0
        startedBody = true
        return
      }
    }
    startedBody = true
  }

  public mutating func next() throws -> ExtractedRecord? {
    if let broken = brokenHeader {
      brokenHeader = nil
      return .malformed(broken)
    }
    while let outcome = try nextRaw() {
      switch outcome {
      case .blank: continue
      case .malformed(let m): return .malformed(m)
      case .fields(let startLine, var fields):
        // DOS's end-of-file mark (Ctrl-Z) on a line of its own, as DOS-era programs end
        // their exports: no record.
        if fields.count == 1 && fields[0] == "\u{1A}" { continue }
        // A row as wide as the table under a header naming columns no row fills: those are empty.
        if dialect.unfilledColumns > 0 && fields.count + dialect.unfilledColumns == header.count {
          fields.append(contentsOf: repeatElement("", count: dialect.unfilledColumns))
        }
        if !header.isEmpty && fields.count != header.count {
          // A row ending in empty fields beyond the header (Excel's trailing ";;", or a last
          // quoted field holding only a line break) is fine while the export is written that
          // way. Once rows have the header's width, an extra field means a stray delimiter: the
          // row is read the one way the columns above allow (`ColumnProfile`), flagged, or else
          // it is a reject; never a guess.
          let extra = fields.dropFirst(header.count)
          if fields.count > header.count && exactRows == 0
            && extra.allSatisfy({ $0.unicodeScalars.allSatisfy(\.properties.isWhitespace) })
          {
            return .row(CSVRow(line: startLine, fields: Array(fields.prefix(header.count))))
          }
          // A header of another width inside the file: the rows below it are another table's,
          // rejects that say so, never repaired into this one's columns.
          if let other = otherTable, other.width == fields.count {
            return Self.rowReject(
              startLine, fields, delimiter: dialect.delimiterText, kind: "another table",
              reason:
                "a row of the table whose header is line \(other.line) (\(other.width) columns; the file's "
                + "header has \(header.count)): split the file, or read that part with a mapping of its own")
          }
          // A thousand ragged rows that were neither another header nor repaired: the file's rows
          // have another layout, not a stray delimiter here and there; the rest are rejects
          // without looking further (a file of such rows stays as fast to read as before).
          let looking = unexplainedRagged < 1_000
          if looking && headerNameSet == nil { headerNameSet = Self.headerNames(writtenHeader ?? header) }
          if looking, Self.namesColumns(fields, width: header.count, names: headerNameSet ?? []) {
            otherTable = (startLine, fields.count)
            return Self.rowReject(
              startLine, fields, delimiter: dialect.delimiterText, kind: "another header",
              reason:
                "a header line with \(fields.count) columns inside the file (the file's header has "
                + "\(header.count)): the rows below it belong to another table")
          }
          if looking, fields.count > header.count,
            let (repaired, note) = Self.repaired(
              fields, width: header.count, profile: profile, header: header, delimiter: dialect.delimiterText)
          {
            return .row(CSVRow(line: startLine, fields: repaired, repair: note))
          }
          unexplainedRagged += 1
          return Self.rowReject(
            startLine, fields, delimiter: dialect.delimiterText, kind: "ragged row",
            reason:
              "row has \(fields.count) fields but the header has \(header.count); "
              + "a delimiter ('\(dialect.delimiterText == "\t" ? "tab" : dialect.delimiterText)') "
              + "inside a value must be quoted")
        }
        if fields.count == header.count {
          exactRows += 1
          if exactRows <= ColumnProfile.rows { profile.add(fields) }
        }
        // Static, and only past a test of the first byte: as a method of this (large) struct
        // the check copied it for every row, a third of reading a row (perf).
        if let lead = headerLead, let first = fields.first, Self.mayNotBeRecord(first, headerLead: lead),
          let (kind, reason) = Self.notARecord(fields, header: writtenHeader ?? header)
        {
          return Self.rowReject(startLine, fields, delimiter: dialect.delimiterText, kind: kind, reason: reason)
        }
        return .row(CSVRow(line: startLine, fields: fields))
      }
    }
    return nil
  }

  /// The first byte of the header's first name (after spaces): nil without a header row.
  private var headerLead: UInt8?

  enum Outcome {
    case fields(line: Int, [String])
    case malformed(MalformedRecord)
    case blank
  }

  /// Reads the next chunk into `buffer` and checks its UTF-8.
  private mutating func fill() throws -> Bool {
    let more = try readMore()
    extendValidation()
    return more
  }

  private mutating func readMore() throws -> Bool {
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
      validTo = max(validTo - position, 0)
      validFrom = min(max(validFrom - position, 0), validTo)
      position = 0
    }
    let chunk = file.chunkSize
    // Room for a chunk as it is (UTF-8) or in the worst case (3 UTF-8 bytes per input byte).
    let utf8 = dialect.encoding == .utf8 || dialect.encoding == .utf8BOM
    let room = (utf8 ? chunk : 3 * chunk) + CSVScan.padding
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
    case .windows1252, .latin1, .cp850:
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

  /// Moves `validTo` over the text that arrived; past a byte that is not valid UTF-8 (kept
  /// for the check of its field), the known-valid text starts again after it. A sequence cut
  /// off at the end waits for the next chunk, unless the file has ended.
  /// Text from a transcoder (every encoding but UTF-8) is valid UTF-8 but for the 0xFF it
  /// puts for a byte its encoding lacks: there only that byte is looked for.
  private mutating func extendValidation() {
    if validTo < position { (validFrom, validTo) = (position, position) }
    var (from, to) = (validFrom, validTo)
    let (end, eof) = (self.end, atEOF)
    let transcoded = dialect.encoding != .utf8 && dialect.encoding != .utf8BOM
    buffer.withUnsafeBufferPointer { buf in
      let base = buf.baseAddress!
      while to < end {
        let stop =
          transcoded
          ? memchr(base + to, 0xFF, end - to).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base }
            ?? end
          : utf8ValidPrefix(base, from: to, to: end)
        if stop == end || (!eof && isTruncatedUTF8(UnsafeBufferPointer(start: base + stop, count: end - stop))) {
          to = stop
          break
        }
        (from, to) = (stop + 1, stop + 1)
      }
    }
    (validFrom, validTo) = (from, to)
  }

  /// Replaces `buffer` with a larger one holding the same `buffer[0..<end]`: at least `size`
  /// bytes, and a quarter more, so that a tail carried to the front does not make it grow
  /// again. The bytes past `end` are left as they come (they are read, as padding, only
  /// under masks that ignore them): zeroing each new buffer cost 1 to 3% of a 16 MB read.
  private mutating func grow(to size: Int) {
    let size = size + size / 4
    var larger = [UInt8](unsafeUninitializedCapacity: size) { _, initialized in initialized = size }
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
        let spans = self.spans.room(for: fields.count)
        self.longValues.reserve(columns: fields.count)
        let longValues = self.longValues.table
        let (eof, delimiter, quote, valid, fast, skipSpace) = (
          atEOF, dialect.delimiter, dialect.quote, validFrom..<validTo, smallStrings, dialect.skipInitialSpace
        )
        result = buffer.withUnsafeBufferPointer { buf in
          fields.withUnsafeMutableBufferPointer {
            Self.parseRecord(
              buf, count: end, from: start, eof: eof, delimiter: delimiter, quote: quote, skipSpace: skipSpace,
              valid: valid, fast: fast, spans: spans, longValues: longValues, into: $0)
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
        if let problem {
          let (kind, reason) = describe(problem)
          let rawEnd = min(recordEnd, end)
          return .malformed(
            MalformedRecord(line: startLine, raw: rawText(buffer[start..<rawEnd]), kind: kind, reason: reason))
        }
        if fields.count == 1 && fields[0].isEmpty { return .blank }
        return .fields(line: startLine, fields)
      }
    }
  }

  /// The next physical line as text, quotes and all; reading goes on after it.
  private mutating func physicalLine() throws -> String {
    var bounds = lineBounds(from: position)
    while bounds.text == end && !atEOF {
      _ = try fill()
      bounds = lineBounds(from: position)
    }
    let text = String(decoding: buffer[position..<bounds.text], as: UTF8.self)
    position = bounds.next
    line += 1
    return text
  }

  /// Rejects the first physical line of a record whose quote never closes, and goes on after it.
  private mutating func unclosedQuote(from start: Int) -> Outcome {
    let bounds = lineBounds(from: start)
    let raw = rawText(buffer[start..<bounds.text])
    let startLine = line
    position = bounds.next
    line += 1
    return .malformed(
      MalformedRecord(
        line: startLine, raw: raw, kind: "unclosed quote",
        reason: "a quote opened on this line is never closed; the line was skipped and reading went on with the next"))
  }

  /// Where the physical line starting at `start` ends in the buffer: its text (before the line
  /// break) and the next line (after LF, CR or CRLF; `end` when the buffer ends first).
  private func lineBounds(from start: Int) -> (text: Int, next: Int) {
    var i = start
    while i < end && buffer[i] != 10 && buffer[i] != 13 { i += 1 }
    var next = i
    if next < end {
      if buffer[next] == 13 && next + 1 < end && buffer[next + 1] == 10 { next += 1 }
      next += 1
    }
    return (i, next)
  }
}
