import CPaktScan

/// Finds the fields of one CSV record in decoded text, without making any String: the CSV
/// reader's byte scan, kept apart from the making of values so that the hot loop holds few
/// variables.
///
/// The text is classified 64 bytes at a time into bit masks (`pakt_scan.h`): a field's end is
/// then one count of trailing zeros, where testing eight-byte words and then single bytes
/// took most of the reader's instructions. Arithmetic on positions wraps (`&+`) and shifts are
/// unchecked (`&>>`): positions are indices into a buffer, far from overflowing, shifts are
/// below 64, and each check cost a branch per field (callgrind).
///
/// ```swift
/// let scan = CSVScan.record(base, count: n, from: 0, eof: true, delimiter: 59, quote: 34, into: spans)
/// // scan.status == .done: spans[0..<scan.fields] hold the fields, the next record starts at scan.end
/// ```
enum CSVScan {
  /// One field: its text `start..<end` (inside the quotes for a quoted field).
  struct Span {
    var start: Int
    var end: Int
    /// The text holds bytes 0x80 and above: it must be valid UTF-8 to become a String.
    var high: Bool
    /// Quoted, with doubled quotes inside, undoubled when it becomes a String.
    var doubled: Bool
  }

  struct Result {
    enum Status {
      case done
      /// The text ends inside the record.
      case needMore
      /// The record has more fields than the spans hold.
      case needSpans
    }
    var status: Status
    /// Where the next record starts (`done`).
    var end = 0
    /// Line breaks the record spans, its own end included.
    var newlines = 0
    /// Fields found.
    var fields = 0
    /// The first field (0-based) with text after its closing quote, or -1.
    var strayQuote = -1
  }

  /// Bytes past the text that must be readable: blocks of 64 bytes are loaded whole.
  static let padding = 64

  /// Scans the record at `from` in `base[0..<n]` into `spans`.
  ///
  /// Rules: a field that starts with `quote` runs to the quote that is not doubled and may
  /// hold delimiters and line breaks; any other field runs to the next delimiter or line end
  /// (a quote inside it is text). A record ends at LF, CRLF or CR, or at the end of the text
  /// when `eof`. `base` must hold `padding` readable bytes past `n`. With `skipSpace`, spaces
  /// at the start of a field are not part of it and a quote after them opens a quoted field
  /// (files written with ", " between fields).
  ///
  /// One function of about 100 lines on purpose: it is the reader's inner loop (every byte of
  /// every CSV file passes through it) and keeps the quoted and unquoted paths in one body so
  /// they share the cursor; it is left whole rather than split and re-measured, since the
  /// reader's speed is settled (docs/performance.md, "Reading speed").
  static func record(
    _ base: UnsafePointer<UInt8>, count n: Int, from: Int, eof: Bool, delimiter: UInt8, quote: UInt8,
    skipSpace: Bool = false, into spans: UnsafeMutableBufferPointer<Span>
  ) -> Result {
    var i = from
    var count = 0
    var newlines = 0
    var strayQuote = -1
    // The 64 bytes from `blockStart`, classified, with the bits past `n` clear.
    var blockStart = from
    var stops: UInt64 = 0
    var highs: UInt64 = 0
    @inline(__always) func load(at position: Int) {
      let block = pakt_csv_classify_stops(base + position, delimiter)
      let valid = validBits(n &- position)
      (blockStart, stops, highs) = (position, block.stops & valid, block.high & valid)
    }
    @inline(__always) func done(at end: Int, newlines: Int) -> Result {
      Result(status: .done, end: end, newlines: newlines, fields: count, strayQuote: strayQuote)
    }
    load(at: from)

    while true {
      if count == spans.count { return Result(status: .needSpans) }
      if skipSpace {
        while i < n && base[i] == 0x20 { i &+= 1 }
        if i >= n && !eof { return Result(status: .needMore) }
      }
      if i < n && base[i] == quote {
        let quoted = Self.quoted(base, count: n, from: i &+ 1, eof: eof, quote: quote)
        guard quoted.close >= 0 else { return Result(status: .needMore) }
        spans[count] = Span(start: i &+ 1, end: quoted.close, high: quoted.high, doubled: quoted.doubled)
        count &+= 1
        newlines &+= quoted.newlines
        i = quoted.close &+ 1
        // After the closing quote: a delimiter, a line end or the end of the text.
        if i < n && base[i] != delimiter && base[i] != 10 && base[i] != 13 {
          if strayQuote < 0 { strayQuote = count &- 1 }
          while i < n && base[i] != delimiter && base[i] != 10 && base[i] != 13 { i &+= 1 }
          if i >= n && !eof { return Result(status: .needMore) }
        }
        if i >= n { return done(at: i, newlines: newlines) }
      } else {
        let fieldStart = i
        var offset = i &- blockStart
        if offset >= 64 {
          load(at: i)
          offset = 0
        }
        let ahead = stops &>> offset
        if ahead != 0 {
          // The common case: the field ends in this block, so before `n`. `ahead ^ (ahead - 1)`
          // marks the bytes up to its end (the end itself, a delimiter or line end, is ASCII).
          let high = (highs &>> offset) & (ahead ^ (ahead &- 1))
          i &+= ahead.trailingZeroBitCount
          spans[count] = Span(start: fieldStart, end: i, high: high != 0, doubled: false)
          count &+= 1
        } else {
          // The field runs past this block, or to the end of the text.
          var high = highs &>> offset
          while true {
            i = blockStart &+ 64
            if i >= n {
              i = n
              break
            }
            load(at: i)
            if stops != 0 {
              high |= highs & (stops ^ (stops &- 1))
              i &+= stops.trailingZeroBitCount
              break
            }
            high |= highs
          }
          if i >= n && !eof { return Result(status: .needMore) }
          spans[count] = Span(start: fieldStart, end: i, high: high != 0, doubled: false)
          count &+= 1
          if i >= n { return done(at: i, newlines: newlines) }
        }
      }
      // End of the field, at a delimiter or a line end (`i < n`). After a delimiter at the end
      // of the text, the next field's scan asks for more, or ends the record with an empty
      // field at the end of the file.
      let b = base[i]
      if b == delimiter {
        i &+= 1
        continue
      }
      // Line end: LF, CRLF or CR.
      if b == 13 {
        if i &+ 1 >= n && !eof { return Result(status: .needMore) }
        i &+= (i &+ 1 < n && base[i &+ 1] == 10) ? 2 : 1
      } else {
        i &+= 1
      }
      return done(at: i, newlines: newlines &+ 1)
    }
  }

  /// The quoted text from `from` (just past the opening quote): the place of its closing
  /// quote (-1 when the text ends first) and what it holds. Out of line: quoted fields are
  /// the fewer, and inlined, this loop's variables crowded the unquoted fields' loop.
  @inline(never)
  static func quoted(
    _ base: UnsafePointer<UInt8>, count n: Int, from: Int, eof: Bool, quote: UInt8
  ) -> (close: Int, high: Bool, doubled: Bool, newlines: Int) {
    var i = from
    var high: UInt64 = 0
    var doubled = false
    var newlines = 0
    // The next quote, 64 bytes at a time; line breaks before it are counted byte by byte
    // (they are rare inside a value).
    while i < n {
      let block = pakt_csv_classify_quoted(base + i, quote)
      let valid = validBits(n &- i)
      let quotes = block.quotes & valid
      let before = quotes == 0 ? valid : (quotes & (0 &- quotes)) &- 1
      let length = quotes == 0 ? min(64, n &- i) : quotes.trailingZeroBitCount
      high |= block.high & before
      if block.newlines & before != 0 { newlines &+= countNewlines(base, count: n, from: i, to: i &+ length) }
      i &+= length
      if quotes == 0 { continue }
      if i &+ 1 < n && base[i &+ 1] == quote {
        doubled = true
        i &+= 2
        continue
      }
      if i &+ 1 >= n && !eof { break }
      return (i, high != 0, doubled, newlines)
    }
    return (-1, false, false, 0)
  }

  /// Bits for the first `count` of 64 bytes (all of them from 64 on).
  @inline(__always)
  static func validBits(_ count: Int) -> UInt64 {
    count >= 64 ? UInt64.max : (1 &<< UInt64(truncatingIfNeeded: count)) &- 1
  }

  /// Line breaks in `base[from..<to]`: LF, CRLF (once) and a lone CR.
  static func countNewlines(_ base: UnsafePointer<UInt8>, count n: Int, from: Int, to: Int) -> Int {
    var newlines = 0
    for k in from..<to where base[k] == 10 || (base[k] == 13 && !(k + 1 < n && base[k + 1] == 10)) { newlines += 1 }
    return newlines
  }
}
