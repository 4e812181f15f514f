import PaktCore

/// How a CSV file is written: encoding, delimiter, quote, and where the header is.
///
/// ```swift
/// let dialect = try CSVDialect.sniff(path: "export.csv")
/// dialect.delimiter  // UInt8(ascii: ";")
/// ```
public struct CSVDialect: Sendable, Equatable {
  public var encoding: TextEncoding
  public var delimiter: UInt8
  public var quote: UInt8
  /// 1-based physical line of the header row; 0 means the file has no header.
  public var headerLine: Int
  public var lineEnding: String
  /// Lines above the header that are not blank (title lines, a preamble): not records, but
  /// counted and named, so that no line is lost without a trace.
  public var skippedLines: [Int] = []
  /// Those of them as wide as the header: perhaps records, not titles (a warning).
  public var skippedWide: [Int] = []
  /// A file without a header row: how many columns its rows have (named col_0, col_1, …).
  public var columns = 0
  /// How many fields most sampled lines have (0: not known).
  public var width = 0
  /// The header names every column but the first, which holds row names (R's `write.table`
  /// writes such files): the first column gets an empty name.
  public var rowNames = false
  /// The header line cannot be read as the records are (its quotes do not pair, or it is
  /// written with another delimiter): its names are read as written, split at this byte
  /// (see `literalHeader`).
  public var literalHeader: UInt8?
  /// The header is two rows: a group row with empty cells (Excel's merged cells: "Person;;;
  /// Maßnahme;;") above the names. Each column's name is its group and its name joined.
  public var twoRowHeader = false
  /// The header names this many columns more than any row has fields, at its end (a form's
  /// columns left for someone to fill: MTurk's "Approve", "Reject"): rows as wide as the
  /// table are read with those columns empty (see `headerWiderThanRows`).
  public var unfilledColumns = 0
  /// Fields are written with a space after the delimiter (", "): spaces starting a field are
  /// not part of it, and a quote after them opens a quoted field.
  public var skipInitialSpace = false
  /// How sure the detection is: of `sampledLines` non-blank lines, how many have the chosen
  /// delimiter's usual count, and the best other candidate with its count (nil when no other
  /// candidate occurs at all).
  public var sampledLines = 0
  public var consistentLines = 0
  public var runnerUp: RunnerUp?

  /// The best candidate delimiter after the chosen one.
  public struct RunnerUp: Sendable, Equatable {
    public var delimiter: UInt8
    public var consistentLines: Int
  }

  public init(
    encoding: TextEncoding, delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8 = UInt8(ascii: "\""),
    headerLine: Int = 1, lineEnding: String = "LF"
  ) {
    self.encoding = encoding
    self.delimiter = delimiter
    self.quote = quote
    self.headerLine = headerLine
    self.lineEnding = lineEnding
  }

  /// Per-source overrides from the mapping file; nil fields are detected.
  public struct Overrides: Sendable, Equatable {
    public var encoding: TextEncoding?
    public var delimiter: UInt8?
    public var quote: UInt8?
    public var headerLine: Int?
    public init(encoding: TextEncoding? = nil, delimiter: UInt8? = nil, quote: UInt8? = nil, headerLine: Int? = nil) {
      self.encoding = encoding
      self.delimiter = delimiter
      self.quote = quote
      self.headerLine = headerLine
    }
  }

  static let candidates: [UInt8] = [UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "\t"), UInt8(ascii: "|")]

  /// Detects the dialect from the first 64 KiB of the file.
  public static func sniff(path: String, overrides: Overrides = Overrides()) throws -> CSVDialect {
    let head = try ChunkedFile.head(path: path)
    return sniff(head: head, overrides: overrides)
  }

  /// Detects the dialect from the first bytes of a file.
  ///
  /// The delimiter is the candidate whose count per line is most consistent (and non-zero);
  /// title or blank lines before the header ("Export Stadt X, Stand 31.01.2024") are those
  /// whose count differs from the rest.
  public static func sniff(head: [UInt8], overrides: Overrides = Overrides()) -> CSVDialect {
    let encoding = overrides.encoding ?? TextEncoding.detect(head)
    var transcoder = Transcoder(encoding: encoding)
    var text: [UInt8] = []
    let body = Array(head.dropFirst(head.starts(with: encoding.bom) ? encoding.bom.count : 0))
    body.withUnsafeBufferPointer { transcoder.transcode($0, into: &text) }
    let quote = overrides.quote ?? UInt8(ascii: "\"")
    let lines = logicalLines(text, quote: quote, limit: 200, whole: head.count < (64 << 10))
    let complete = head.count < (64 << 10) ? lines : Array(lines.dropLast())
    var (best, scores, fullModes) = scoreDelimiters(
      complete, candidates: overrides.delimiter.map { [$0] } ?? candidates)
    let nonBlank = complete.filter { !$0.blank }.count
    if overrides.delimiter == nil,
      let rival = rivalOfDecimalCommas(complete, nonBlank: nonBlank, best: best, scores: scores)
    {
      best = rival
    }
    var headerLine = overrides.headerLine ?? Self.headerLine(complete, best: best, fullMode: fullModes[best.delimiter])
    // A title in one cell of a row as wide as the table ("DEPARTMENT FOR WORK & PENSIONS July
    // 2017" in its fourth cell, Excel's empty cells around it) names no columns: the header is
    // further down.
    while overrides.headerLine == nil, (fullModes[best.delimiter] ?? 0) >= 2,
      let index = complete.firstIndex(where: { $0.line == headerLine }),
      Self.fields(of: complete[index], in: text, delimiter: best.delimiter, quote: quote)
        .filter({ !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }).count == 1,
      complete.count > index + 1
    {
      let next = Self.headerLine(
        Array(complete[(index + 1)...]), best: best, fullMode: fullModes[best.delimiter])
      guard next > headerLine else { break }
      headerLine = next
    }
    // A first line that reads like the records below it is a record, not a header: the file
    // has none. Why: measurement and export files without a header lost their first record
    // to it (Pollock's real files).
    var columns = 0
    var rowNames = false
    let fullMode = fullModes[best.delimiter] ?? 0
    let firstLine = complete.first(where: { !$0.blank })
    let records = complete.filter { !$0.blank && $0.line > (firstLine?.line ?? 0) }.prefix(20).map {
      Self.fields(of: $0, in: text, delimiter: best.delimiter, quote: quote)
    }
    // The line taken for the header reads like the records below it, and lines stand above it.
    var recordTaken =
      overrides.headerLine == nil
      && Self.readsAsRecord(complete, text: text, line: headerLine, delimiter: best.delimiter, quote: quote)
    if recordTaken,
      let named = Self.headerWithEmptyNames(
        complete, text: text, headerLine: headerLine, width: fullMode + 1, delimiter: best.delimiter, quote: quote)
    {
      headerLine = named
      recordTaken = false
    }
    var unfilled = 0
    if recordTaken
      || Self.shapedLikeRecords(complete, text: text, line: headerLine, delimiter: best.delimiter, quote: quote),
      let wider = Self.headerWiderThanRows(
        complete, text: text, headerLine: headerLine, width: fullMode + 1, delimiter: best.delimiter, quote: quote)
    {
      (headerLine, unfilled) = wider
      recordTaken = false
    }
    if overrides.headerLine == nil, let first = firstLine, first.line == headerLine,
      Self.isData(Self.fields(of: first, in: text, delimiter: best.delimiter, quote: quote), body: records)
    {
      headerLine = 0
      columns = fullMode + 1
    } else if overrides.headerLine == 0 {
      columns = fullMode + 1
    } else if overrides.headerLine == nil, let first = firstLine, fullMode > 1,
      (first.allCounts[best.delimiter] ?? 0) == fullMode - 1, headerLine > first.line,
      !records.isEmpty, records.allSatisfy({ $0.count == fullMode + 1 })
    {
      // One name fewer than every row has fields: the first column holds row names.
      headerLine = first.line
      rowNames = true
    } else if recordTaken {
      // The line taken for the header reads like the records below it, and no line above it
      // names the columns: the file has no header, and the lines above are read as records
      // (loaded, or rejected with their reason). Why: that first record was taken for the
      // header, neither loaded nor rejected (a title line above headerless figures; a header
      // line broken by a stray quote).
      headerLine = 0
      columns = fullMode + 1
    }
    // A first line that cannot be read as the records are, taken for the header or the file
    // found headerless: the header, its names read as written, where that names exactly the
    // table's columns.
    var literal: UInt8?
    if overrides.headerLine == nil, let first = firstLine, headerLine == 0 || headerLine == first.line,
      let found = Self.literalHeader(
        first, text: text, width: fullMode + 1, delimiter: best.delimiter, quote: quote, body: records)
    {
      (headerLine, columns, literal) = (first.line, 0, found.delimiter)
    }
    // A group row above the names: the header is both (the names' row was loaded as a record).
    let twoRows =
      overrides.headerLine == nil && literal == nil && headerLine > 0 && !rowNames
      && Self.secondHeaderRow(complete, text: text, headerLine: headerLine, delimiter: best.delimiter, quote: quote)
    var dialect = CSVDialect(
      encoding: encoding, delimiter: best.delimiter, quote: quote, headerLine: headerLine,
      lineEnding: Self.lineEnding(text))
    // The lines above the header, and those of them as wide as the table (a warning: a record?).
    let above = complete.filter { !$0.blank && $0.line < headerLine }
    dialect.skippedLines = above.map(\.line)
    dialect.skippedWide = above.filter { best.mode > 0 && ($0.counts[best.delimiter] ?? 0) >= best.mode }.map(\.line)
    dialect.columns = columns
    dialect.width = fullMode > 0 ? fullMode + 1 : 0
    dialect.rowNames = rowNames
    dialect.literalHeader = literal
    dialect.twoRowHeader = twoRows
    dialect.unfilledColumns = unfilled
    dialect.sampledLines = nonBlank
    dialect.consistentLines = best.consistent
    if let other = scores.filter({ $0.key != best.delimiter && $0.value.mode > 0 })
      .max(by: { ($0.value.consistent, $1.key) < ($1.value.consistent, $0.key) })
    {
      dialect.runnerUp = RunnerUp(delimiter: other.key, consistentLines: other.value.consistent)
    }
    // `'` as the quote: a file whose fields never start and end with `"` but often with `'`
    // ('ProductDescription','URL'). Read again with it; an apostrophe inside a value (Men's)
    // is at no field's edge and does not count.
    if overrides.quote == nil && quote == UInt8(ascii: "\"") {
      let double = Self.edgeQuotes(text, delimiter: best.delimiter, quote: quote)
      let single = Self.edgeQuotes(text, delimiter: best.delimiter, quote: UInt8(ascii: "'"))
      if double == 0 && single >= 4 {
        var again = overrides
        again.quote = UInt8(ascii: "'")
        again.delimiter = best.delimiter
        return sniff(head: head, overrides: again)
      }
    }
    // ", " between fields on nearly every line: the space belongs to the delimiter. Why: the
    // quotes of a field written after ", " were not recognised, and its commas split it.
    let delimiters = complete.reduce(0) { $0 + ($1.allCounts[best.delimiter] ?? 0) }
    let spaced = complete.reduce(0) { $0 + ($1.spaced[best.delimiter] ?? 0) }
    dialect.skipInitialSpace = best.delimiter != 0x20 && delimiters >= 4 && spaced * 10 >= delimiters * 9
    return dialect
  }

  /// "LF", "CRLF" or "CR", by the first line end.
  static func lineEnding(_ text: [UInt8]) -> String {
    guard let cr = text.firstIndex(of: 13) else { return "LF" }
    return cr + 1 < text.count && text[cr + 1] == 10 ? "CRLF" : "CR"
  }

  /// The best delimiter: the candidate consistent on the most lines (on ties, the wider), each
  /// candidate's score, and each candidate's mode over all its delimiters.
  ///
  /// Each candidate is scored twice: on the delimiters before a line's last content (a title
  /// line "Export;;;;" counts none) and on all of them (Excel and LibreOffice write every
  /// delimiter, so rows whose last fields are empty have fewer of the first kind but as many
  /// of the second). The more consistent count is the candidate's. Why both: on the first
  /// alone, a `;` file whose rows end in different numbers of empty fields looked less
  /// consistent than its decimal commas, and was read as a comma file.
  static func scoreDelimiters(_ complete: [LogicalLine], candidates: [UInt8]) -> (
    best: (delimiter: UInt8, consistent: Int, mode: Int), scores: [UInt8: (consistent: Int, mode: Int)],
    fullModes: [UInt8: Int]
  ) {
    var best: (delimiter: UInt8, consistent: Int, mode: Int) = (UInt8(ascii: ","), -1, 0)
    var scores: [UInt8: (consistent: Int, mode: Int)] = [:]
    var fullModes: [UInt8: Int] = [:]
    for candidate in candidates {
      var histogram: [Int: Int] = [:]
      var full: [Int: Int] = [:]
      for line in complete where !line.blank {
        histogram[line.counts[candidate] ?? 0, default: 0] += 1
        full[line.allCounts[candidate] ?? 0, default: 0] += 1
      }
      // Ties between counts go to the one met first (a header and one data row of another
      // width: the header's).
      var firstSeen: [Int: Int] = [:]
      var firstSeenFull: [Int: Int] = [:]
      for (i, line) in complete.enumerated() where !line.blank {
        if firstSeen[line.counts[candidate] ?? 0] == nil { firstSeen[line.counts[candidate] ?? 0] = i }
        if firstSeenFull[line.allCounts[candidate] ?? 0] == nil { firstSeenFull[line.allCounts[candidate] ?? 0] = i }
      }
      let mode = histogram.filter { $0.key > 0 }.max {
        ($0.value, -firstSeen[$0.key, default: 0]) < ($1.value, -firstSeen[$1.key, default: 0])
      }
      let fullMode = full.filter { $0.key > 0 }.max {
        ($0.value, -firstSeenFull[$0.key, default: 0]) < ($1.value, -firstSeenFull[$1.key, default: 0])
      }
      let consistent = max(mode?.value ?? 0, fullMode?.value ?? 0)
      // The mode on the delimiters before the last content, for finding the header.
      let key = mode?.key ?? 0
      if consistent > best.consistent || (consistent == best.consistent && key > best.mode) {
        best = (candidate, consistent, key)
      }
      scores[candidate] = (consistent, key)
      fullModes[candidate] = fullMode?.key ?? 0
    }
    return (best, scores, fullModes)
  }

  /// Commas that are mostly between digits are decimal commas, evidence for a `;` (or tab)
  /// file rather than against it: where another candidate is consistent on more than half the
  /// lines and splits them into at least as many fields, it wins over such commas (a few rows
  /// with a stray `;` must not hand a small export to its decimal commas). Why: German exports write costs as "223,49" in `;` files, and
  /// a cost in every row made the comma look like the delimiter. A comma file whose numbers
  /// touch ("C1,34") has no consistent rival and stays a comma file.
  static func rivalOfDecimalCommas(
    _ complete: [LogicalLine], nonBlank: Int, best: (delimiter: UInt8, consistent: Int, mode: Int),
    scores: [UInt8: (consistent: Int, mode: Int)]
  ) -> (delimiter: UInt8, consistent: Int, mode: Int)? {
    let commas = complete.reduce(0) { $0 + ($1.allCounts[UInt8(ascii: ",")] ?? 0) }
    let decimals = complete.reduce(0) { $0 + $1.decimalCommas }
    guard best.delimiter == UInt8(ascii: ","), commas > 0, 2 * decimals >= commas,
      let rival = scores.filter({ $0.key != UInt8(ascii: ",") && $0.value.mode > 0 })
        .max(by: { $0.value.consistent < $1.value.consistent }),
      2 * rival.value.consistent > nonBlank, rival.value.mode >= best.mode
    else { return nil }
    return (rival.key, rival.value.consistent, rival.value.mode)
  }

  /// How many fields of `text` are wrapped in `quote`: it opens right after a delimiter or a
  /// line start and closes right before a delimiter or a line end.
  static func edgeQuotes(_ text: [UInt8], delimiter: UInt8, quote: UInt8) -> Int {
    var count = 0
    var i = 0
    while i < text.count {
      let atStart = i == 0 || text[i - 1] == delimiter || text[i - 1] == 10 || text[i - 1] == 13
      if text[i] == quote && atStart {
        var j = i + 1
        while j < text.count && text[j] != quote && text[j] != 10 && text[j] != 13 { j += 1 }
        if j < text.count && text[j] == quote
          && (j + 1 == text.count || text[j + 1] == delimiter || text[j + 1] == 10 || text[j + 1] == 13)
        {
          count += 1
          i = j + 1
          continue
        }
      }
      i += 1
    }
    return count
  }

  /// The fields of one logical line (quotes removed, doubled quotes undone).
  static func fields(of line: LogicalLine, in text: [UInt8], delimiter: UInt8, quote: UInt8) -> [String] {
    var fields: [String] = []
    var field: [UInt8] = []
    var inQuotes = false
    var i = line.start
    while i < line.end {
      let b = text[i]
      if b == quote {
        if inQuotes && i + 1 < line.end && text[i + 1] == quote {
          field.append(quote)
          i += 1
        } else {
          inQuotes.toggle()
        }
      } else if b == delimiter && !inQuotes {
        fields.append(String(decoding: field, as: UTF8.self))
        field = []
      } else if !(b == 10 || b == 13) || inQuotes {
        field.append(b)
      }
      i += 1
    }
    fields.append(String(decoding: field, as: UTF8.self))
    return fields
  }

  struct LogicalLine {
    var line: Int
    /// Where the line's text starts and ends in the sniffed text.
    var start = 0
    var end = 0
    /// Delimiters before the line's last content: trailing empty fields (Excel's ";;") do not count.
    var counts: [UInt8: Int]
    /// Every delimiter of the line, trailing ones too.
    var allCounts: [UInt8: Int] = [:]
    /// Commas between two digits, outside quotes (see `isDecimalComma`).
    var decimalCommas = 0
    /// Delimiters followed by a space.
    var spaced: [UInt8: Int] = [:]
    var pending: [UInt8: Int] = [:]
    var blank: Bool

    init(line: Int, counts: [UInt8: Int], blank: Bool) {
      self.line = line
      self.counts = counts
      self.blank = blank
    }

    /// Delimiters seen since the last content count once more content follows them.
    mutating func commitPending() {
      guard !pending.isEmpty else { return }
      for (k, v) in pending { counts[k, default: 0] += v }
      pending = [:]
    }
  }

  /// Splits text into records (quotes respected) and counts candidate delimiters outside quotes:
  /// the sample's logical lines (a quoted field may hold line breaks). A quote that is not
  /// closed within `maxQuotedLines` line breaks, or before the end of a `whole` file, is taken
  /// as unclosed, as the reader takes it: its line ends at its own line break. Why: one
  /// unclosed quote in a header or an early row made the rest of the sample one line, and the
  /// dialect and the header were read from what was left above it.
  static func logicalLines(_ text: [UInt8], quote: UInt8, limit: Int, whole: Bool = false) -> [LogicalLine] {
    var result: [LogicalLine] = []
    var line = 1
    var current = LogicalLine(line: 1, counts: [:], blank: true)
    var inQuotes = false
    // Where the open quote's line ended, to go back to if the quote turns out unclosed.
    var unclosed: (index: Int, line: Int, current: LogicalLine)? = nil
    var quotedBreaks = 0
    // The last byte other than a space on this line (nil at its start): a quote opens a quoted
    // field only there or after a delimiter, as the reader reads it (`CSVScan`); inside a
    // value it is text. Why: one `E"(1.000 Hz)` in a header made the rest of the sample one
    // unfinished line, and the table's width was taken from the preamble above it.
    var lastNonSpace: UInt8? = nil
    var i = 0
    while result.count < limit {
      if inQuotes, let back = unclosed, quotedBreaks > maxQuotedLines || (i >= text.count && whole) {
        // Unclosed: the line ends where its own line break is, and reading goes on after it.
        (i, line) = (back.index, back.line)
        // Its delimiters counted with the quote as text, as the reader rejects such a line.
        current = literalLine(text, from: back.current.start, to: i, line: back.current.line)
        result.append(current)
        current = LogicalLine(line: line, counts: [:], blank: true)
        current.start = i
        (inQuotes, unclosed, quotedBreaks, lastNonSpace) = (false, nil, 0, nil)
        continue
      }
      guard i < text.count else { break }
      let b = text[i]
      if b == quote && inQuotes {
        // A doubled quote is one quote inside the field; another closes it.
        if i + 1 < text.count && text[i + 1] == quote {
          i += 1
        } else {
          (inQuotes, unclosed, quotedBreaks) = (false, nil, 0)
        }
        lastNonSpace = b
        current.blank = false
        current.commitPending()
      } else if b == quote {
        if lastNonSpace.map({ candidates.contains($0) }) ?? true { inQuotes = true }
        lastNonSpace = b
        current.blank = false
        current.commitPending()
      } else if b == 10 || b == 13 {
        if b == 13 && i + 1 < text.count && text[i + 1] == 10 { i += 1 }
        line += 1
        if inQuotes {
          if unclosed == nil { unclosed = (i + 1, line, current) }
          quotedBreaks += 1
        } else {
          current.end = i + 1
          result.append(current)
          current = LogicalLine(line: line, counts: [:], blank: true)
          current.start = i + 1
          lastNonSpace = nil
        }
      } else if !inQuotes && candidates.contains(b) {
        lastNonSpace = b
        current.pending[b, default: 0] += 1
        current.allCounts[b, default: 0] += 1
        if Self.isDecimalComma(text, i) { current.decimalCommas += 1 }
        if i + 1 < text.count && text[i + 1] == 0x20 { current.spaced[b, default: 0] += 1 }
      } else if b != 32 {
        lastNonSpace = b
        current.blank = false
        current.commitPending()
      }
      i += 1
    }
    if !current.blank && result.count < limit {
      current.end = text.count
      result.append(current)
    }
    return result
  }

  /// One physical line (`from..<to`, its line break included) counted without quotes.
  static func literalLine(_ text: [UInt8], from: Int, to: Int, line: Int) -> LogicalLine {
    var current = LogicalLine(line: line, counts: [:], blank: true)
    current.start = from
    current.end = to
    for i in from..<to {
      let b = text[i]
      if b == 10 || b == 13 { continue }
      if candidates.contains(b) {
        current.pending[b, default: 0] += 1
        current.allCounts[b, default: 0] += 1
        if isDecimalComma(text, i) { current.decimalCommas += 1 }
        if i + 1 < text.count && text[i + 1] == 0x20 { current.spaced[b, default: 0] += 1 }
      } else if b != 32 {
        current.blank = false
        current.commitPending()
      }
    }
    return current
  }

  /// Line breaks a quoted field may hold in the sample before its quote counts as unclosed.
  static let maxQuotedLines = 100

  /// A comma between two digits ("223,49", "1.306,42"): likely a decimal comma.
  @inline(__always)
  static func isDecimalComma(_ text: [UInt8], _ i: Int) -> Bool {
    guard text[i] == UInt8(ascii: ","), i > 0, i + 1 < text.count else { return false }
    return (0x30...0x39).contains(text[i - 1]) && (0x30...0x39).contains(text[i + 1])
  }

  /// The delimiter as text, for people.
  public var delimiterText: String { String(UnicodeScalar(delimiter)) }
}
