import PaktCore

/// One record's bytes into fields: the reader's inner loop over `CSVScan`, kept static so
/// that it does not copy the reader.
extension CSVReader {
  /// What is wrong with a record, as plain values: the reason's text is written only for
  /// the records that have one (a String payload here cost a copy and a release per record).
  enum Problem {
    /// Bytes of this field (0-based) are not valid in the file's encoding.
    case invalidEncoding(field: Int)
    /// Text after the closing quote of this field (0-based).
    case strayQuote(field: Int)
  }

  enum ParseResult {
    case needMore
    /// The record has more fields than `slots` holds.
    case needSlots
    /// `fields` values were written to the front of `slots`.
    case done(end: Int, newlines: Int, problem: Problem?, fields: Int)
  }

  /// Parses one record starting at `from` into `slots`: `CSVScan` finds the fields, then each
  /// becomes a String, written over the last row's value in place (assigning over a String
  /// is cheaper than the generic destruction of `removeAll`). The text is `buf[0..<n]`; `buf`
  /// holds `CSVScan.padding` readable bytes more. Returns `.needMore` when the text ends
  /// inside the record and `.needSlots` when the record has more fields than `slots` (or
  /// `spans`); the caller then parses it again. `buf[valid]` is known to be valid UTF-8.
  /// Static, so that the closures it runs in do not copy the reader (a copy of the whole
  /// struct per row, callgrind).
  static func parseRecord(
    _ buf: UnsafeBufferPointer<UInt8>, count n: Int, from: Int, eof: Bool, delimiter: UInt8, quote: UInt8,
    skipSpace: Bool, valid: Range<Int>, fast: Bool, spans: UnsafeMutableBufferPointer<CSVScan.Span>,
    longValues: LongValueCache.Table,
    into slots: UnsafeMutableBufferPointer<String>
  ) -> ParseResult {
    let base = buf.baseAddress!
    let scan = CSVScan.record(
      base, count: n, from: from, eof: eof, delimiter: delimiter, quote: quote, skipSpace: skipSpace, into: spans)
    switch scan.status {
    case .needMore: return .needMore
    case .needSpans: return .needSlots
    case .done: if scan.fields > slots.count { return .needSlots }
    }
    let slot = slots.baseAddress!
    var firstInvalid = -1
    for k in 0..<scan.fields {
      let span = spans[k]
      let length = span.end &- span.start
      let checked = !span.high || (span.start >= valid.lowerBound && span.end <= valid.upperBound)
      var value: String?
      if fast && length <= 15 && !span.doubled {
        // Short: built inline (see `SmallString`), without a trip through the standard library.
        let start = base + span.start
        if checked || isValidUTF8(UnsafeBufferPointer(start: start, count: length)) {
          SmallString.store(words: SmallString.words(start, count: length, ascii: !span.high), into: slot + k)
          continue
        }
      } else if span.doubled {
        value = Self.undoubled(base, span: span, quote: quote, valid: checked)
      } else if length >= LongValueCache.minLength && length <= LongValueCache.maxLength && k < longValues.columns {
        // Long: shared with an earlier row of the column that had the same text, else made.
        if longValues.store(base + span.start, count: length, column: k, valid: checked, into: slot + k) { continue }
      } else {
        value = Self.makeField(UnsafeBufferPointer(start: base + span.start, count: length), valid: checked)
      }
      if value == nil && firstInvalid < 0 { firstInvalid = k }
      if fast { SmallString.store(value ?? "", into: slot + k) } else { slots[k] = value ?? "" }
    }
    // The first problem in the row is reported (a bad byte before a stray quote in one field).
    var problem: Problem? = nil
    if firstInvalid >= 0 && (scan.strayQuote < 0 || firstInvalid <= scan.strayQuote) {
      problem = .invalidEncoding(field: firstInvalid)
    } else if scan.strayQuote >= 0 {
      problem = .strayQuote(field: scan.strayQuote)
    }
    return .done(end: scan.end, newlines: scan.newlines, problem: problem, fields: scan.fields)
  }

  /// The text of a quoted field with doubled quotes, undoubled (a copy), or nil when a byte of
  /// it could not be decoded. Out of line, with its own copy: such fields are rare, and an
  /// array kept for them in `parseRecord` cost a release per row.
  @inline(never)
  private static func undoubled(_ base: UnsafePointer<UInt8>, span: CSVScan.Span, quote: UInt8, valid: Bool)
    -> String?
  {
    var text: [UInt8] = []
    text.reserveCapacity(span.end - span.start)
    var j = span.start
    while j < span.end {
      text.append(base[j])
      j += base[j] == quote ? 2 : 1
    }
    return text.withUnsafeBufferPointer { makeField($0, valid: valid) }
  }

  /// A field's text, or nil when a byte of it could not be decoded. `valid`: the bytes are
  /// known to be valid UTF-8 (ASCII, or inside the checked text).
  ///
  /// `String(decoding:as:)` on a buffer pointer is the fastest constructor here: 3x faster than
  /// `init(unsafeUninitializedCapacity:)` and 4x faster than `String(validating:)` (measured,
  /// 6M short fields). It would repair silently, so fields that are not ASCII are validated
  /// first: a bad byte (invalid UTF-8 in the file, or the 0xFF the transcoder puts for a byte
  /// its encoding lacks) rejects the row instead of becoming U+FFFD.
  @inline(__always)
  static func makeField(_ bytes: UnsafeBufferPointer<UInt8>, valid: Bool) -> String? {
    if !valid && !isValidUTF8(bytes) { return nil }
    return String(decoding: bytes, as: UTF8.self)
  }
}
