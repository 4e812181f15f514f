import CPaktScan

/// The recent long values of each column of a CSV file, so that a value that comes again down
/// a column (a program name, a nationality, a residence status, a provider) becomes the String
/// made the first time, shared, instead of a new allocation per row. The rows get the same
/// values either way: a hit is a byte-for-byte equal text.
///
/// Why: making a String of more than 15 bytes (an allocation, a check, a copy) and ending the
/// last row's value in its slot (a release and a free) took about 640 instructions, a sixth
/// of the CSV reader's time on the benchmark file (callgrind); a hit takes a hash, a compare
/// and a retain. Spreadsheets and case-management exports repeat such values in most rows. A
/// column whose values do not repeat (free text, addresses) turns the cache off for itself
/// after a probe (`window` lookups with fewer than one hit in eight), for `rest` values, then
/// probes again: such a column pays the cost of a miss for one value in seventeen.
///
/// Each column has 64 sets of two entries, the set chosen by a hash of the text; an entry
/// keeps a value's bytes (to compare) and its String, and a new value replaces the entry of
/// its set that was not used last. At most `maxColumns` columns and values of
/// `minLength...maxLength` bytes are cached: bounded memory, about 11 KB per column.
///
/// ```swift
/// let cache = LongValueCache()
/// cache.reserve(columns: 8)
/// let ok = cache.table.store(pointer, count: 28, column: 5, valid: true, into: slot)  // false: not UTF-8
/// ```
final class LongValueCache {
  static let minLength = 16
  static let maxLength = 64
  static let maxColumns = 256
  fileprivate static let sets = 64
  fileprivate static let entries = 2 * sets
  fileprivate static let window: Int32 = 256
  fileprivate static let rest: Int32 = 4096

  /// Per column: lookups and hits in the current probe, and values still to skip.
  fileprivate struct State {
    var lookups: Int32 = 0
    var hits: Int32 = 0
    var resting: Int32 = 0
  }

  /// The cache's storage, for `Table.store`: valid until the next `reserve`.
  private(set) var table = Table()

  init() {}

  /// Makes room for the first `count` columns (up to `maxColumns`), keeping what is cached.
  @inline(__always)
  func reserve(columns count: Int) {
    let columns = table.columns
    if count > columns && columns < Self.maxColumns { grow(to: min(max(count, 2 * columns), Self.maxColumns)) }
  }

  private func grow(to count: Int) {
    let old = table
    let new = Table(columns: count)
    let (oldEntries, entries) = (old.columns * Self.entries, count * Self.entries)
    new.states.moveInitialize(from: old.states, count: old.columns)
    (new.states + old.columns).initialize(repeating: State(), count: count - old.columns)
    new.lengths.moveInitialize(from: old.lengths, count: oldEntries)
    (new.lengths + oldEntries).initialize(repeating: 0, count: entries - oldEntries)
    new.victims.moveInitialize(from: old.victims, count: oldEntries / 2)
    (new.victims + oldEntries / 2).initialize(repeating: 0, count: (entries - oldEntries) / 2)
    new.strings.moveInitialize(from: old.strings, count: oldEntries)
    (new.strings + oldEntries).initialize(repeating: "", count: entries - oldEntries)
    new.bytes.moveInitialize(from: old.bytes, count: oldEntries * Self.maxLength)
    old.deallocate()
    table = new
  }

  deinit {
    table.states.deinitialize(count: table.columns)
    table.strings.deinitialize(count: table.columns * Self.entries)
    table.deallocate()
  }

  /// The storage as plain pointers: handed to the parse of each record without a retain of
  /// the cache (a class reference passed along cost a retain and a release per row).
  struct Table {
    /// Columns with room.
    let columns: Int
    fileprivate let states: UnsafeMutablePointer<State>
    fileprivate let lengths: UnsafeMutablePointer<Int>
    /// Per set: the entry (0 or 1) a new value replaces.
    fileprivate let victims: UnsafeMutablePointer<Int>
    fileprivate let strings: UnsafeMutablePointer<String>
    fileprivate let bytes: UnsafeMutablePointer<UInt8>
    /// Whether `SmallString.store` may be used (its layout check passed).
    private let fastStore = SmallString.isAvailable

    /// Storage for `columns` columns, not yet initialised (the cache's `grow` fills it).
    fileprivate init(columns: Int = 0) {
      let entries = columns * LongValueCache.entries
      self.columns = columns
      states = .allocate(capacity: columns)
      lengths = .allocate(capacity: entries)
      victims = .allocate(capacity: entries / 2)
      strings = .allocate(capacity: entries)
      bytes = .allocate(capacity: entries * LongValueCache.maxLength)
    }

    fileprivate func deallocate() {
      states.deallocate()
      lengths.deallocate()
      victims.deallocate()
      strings.deallocate()
      bytes.deallocate()
    }

    /// Writes the String of `base[0..<count]` (`minLength...maxLength` bytes) into `slot`, an
    /// initialised String, for field `column` (`< columns`): the cached one when the same text
    /// came before in this column, else a new one. Returns false, leaving `slot` as it is,
    /// when the bytes are not valid UTF-8. `valid`: they are known to be.
    @inline(__always)
    func store(
      _ base: UnsafePointer<UInt8>, count: Int, column: Int, valid: Bool, into slot: UnsafeMutablePointer<String>
    ) -> Bool {
      let state = states + column
      if state.pointee.resting > 0 {
        state.pointee.resting &-= 1
        let value = CSVReader.makeField(UnsafeBufferPointer(start: base, count: count), valid: valid)
        return writeIfValid(value, into: slot)
      }
      state.pointee.lookups &+= 1
      if state.pointee.lookups == LongValueCache.window { endProbe(state) }
      let set = column &* LongValueCache.sets &+ Int(truncatingIfNeeded: pakt_hash8(base, count) &>> 58)
      // A hit needs no UTF-8 check whatever `valid` says: only valid values are cached, and a
      // hit is the same bytes.
      for way in 0..<2 {
        let entry = 2 &* set &+ way
        if lengths[entry] == count && pakt_equal16(bytes + entry &* LongValueCache.maxLength, base, count) != 0 {
          state.pointee.hits &+= 1
          victims[set] = 1 &- way
          // The slot often holds this very value (the row before had it): nothing to do.
          if !same(slot, strings + entry) { write(strings[entry], into: slot) }
          return true
        }
      }
      guard let value = CSVReader.makeField(UnsafeBufferPointer(start: base, count: count), valid: valid) else {
        return false
      }
      let entry = 2 &* set &+ victims[set]
      victims[set] = 1 &- victims[set]
      (bytes + entry &* LongValueCache.maxLength).update(from: base, count: count)
      lengths[entry] = count
      strings[entry] = value
      write(value, into: slot)
      return true
    }

    /// Ends a probe: a column with fewer than one hit in eight lookups rests.
    private func endProbe(_ state: UnsafeMutablePointer<State>) {
      if state.pointee.hits &* 8 < LongValueCache.window { state.pointee.resting = LongValueCache.rest }
      state.pointee.lookups = 0
      state.pointee.hits = 0
    }

    @inline(__always)
    private func writeIfValid(_ value: String?, into slot: UnsafeMutablePointer<String>) -> Bool {
      guard let value else { return false }
      write(value, into: slot)
      return true
    }

    @inline(__always)
    private func write(_ value: String, into slot: UnsafeMutablePointer<String>) {
      if fastStore { SmallString.store(value, into: slot) } else { slot.pointee = value }
    }

    /// The two Strings are the same value, bit for bit (one shared storage, or equal small
    /// strings). Only on the layout `SmallString` checked (two words).
    @inline(__always)
    private func same(_ a: UnsafeMutablePointer<String>, _ b: UnsafeMutablePointer<String>) -> Bool {
      guard fastStore else { return false }
      let x = UnsafeRawPointer(a).loadUnaligned(as: (UInt64, UInt64).self)
      let y = UnsafeRawPointer(b).loadUnaligned(as: (UInt64, UInt64).self)
      return x == y
    }
  }
}
