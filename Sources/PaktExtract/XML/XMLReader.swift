internal import CLibXML2
import PaktCore

/// Streams the record elements of an XML file: libxml2's SAX2 parser runs on a thread of its
/// own (`XMLParseWorker`) and this reader builds the records from the events it hands over;
/// only the records of the batches in flight are held.
///
/// SAX rather than libxml2's reader (xmlTextReader): the reader builds and frees a node for
/// every node of the document, and building pakt's own subtree on top of it ran at 40 MB/s on
/// the 64 MB benchmark; callbacks hand over names and text directly.
///
/// Safe by construction: network access off (`XML_PARSE_NONET`), external entities and DTDs
/// never loaded or substituted (no `XML_PARSE_NOENT`, no `XML_PARSE_DTDLOAD`), no
/// `XML_PARSE_HUGE`; an entity-expansion bomb is refused by libxml2's loop and amplification
/// checks and arrives here as an unreadable file. An entity reference that is not expanded
/// stays in the text as `&name;`.
///
/// ```swift
/// let reader = try XMLReader(path: "samples/ulm/ulm_export.xml", records: [XMLPath("Person")])
/// while let record = try reader.next() { … }
/// ```
public final class XMLReader: PaktCursor {
  public let path: String
  public let records: [XMLPath]
  public var rootElement: String? { state.rootElement }
  public var namespaces: [String: String] { state.namespaces }

  /// Bytes of the file read so far (ahead of the records handed out by up to a few batches).
  public private(set) var bytesRead = 0
  private let worker: XMLParseWorker
  private let state: SAXState
  private var started = false
  private var finished = false
  private var readIndex = 0

  /// Options every pakt XML read uses (see the type's documentation).
  static let safeOptions = Int32(
    XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue | XML_PARSE_BIG_LINES.rawValue)

  /// Opens `path`; `records` names the record elements (detected with `XMLShape` when empty).
  /// The parser thread starts with the first `next()`.
  public init(path: String, records: [XMLPath]) throws {
    self.path = path
    self.records = records
    worker = XMLParseWorker(file: try ChunkedFile(path: path, chunkSize: 256 << 10))
    state = SAXState(records: records)
  }

  deinit {
    if started { worker.cancel() }
  }

  /// The next record element, or nil at the end. Throws `ExtractError.unreadable` for a
  /// document that is not well-formed (truncated, binary junk, an entity bomb).
  public func next() throws -> ExtractedRecord? {
    // Records of the last batch are handed out by index; the queue is emptied before replaying on.
    if readIndex < state.ready.count {
      readIndex += 1
      return .element(state.ready[readIndex - 1])
    }
    state.ready.removeAll(keepingCapacity: true)
    readIndex = 0
    if !started {
      started = true
      worker.start()
    }
    while state.ready.isEmpty {
      if finished { return nil }
      guard let batch = worker.take() else {
        finished = true
        try checkEnd(worker.outcome)
        continue
      }
      bytesRead = batch.bytesRead
      state.replay(batch)
      worker.recycle(batch)
      if let message = state.fatalMessage {
        finished = true
        worker.cancel()
        throw ExtractError.unreadable(message, fix: "split the export into smaller records")
      }
    }
    readIndex = 1
    return .element(state.ready[0])
  }

  /// Throws when the parse ended in an error or the document was incomplete.
  private func checkEnd(_ outcome: XMLParseWorker.Outcome) throws {
    if let error = outcome.readError { throw error }
    if outcome.status != 0 || outcome.errorMessage != nil && !outcome.wellFormed { throw fatal(outcome) }
    if state.rootElement == nil {
      throw ExtractError.unreadable("the file holds no XML element", fix: "check that the export is complete")
    }
    if state.depth > 0 {
      throw ExtractError.unreadable(
        "the file ends inside an element (truncated export?)", fix: "ask the municipality for a complete export")
    }
  }

  private func fatal(_ outcome: XMLParseWorker.Outcome) -> ExtractError {
    let message = outcome.errorMessage ?? "the XML is not well-formed"
    let line = outcome.errorLine > 0 ? " at line \(outcome.errorLine)" : ""
    if message.contains("entity reference loop") || message.contains("amplification")
      || message.contains("Excessive depth")
    {
      return .unreadable(
        "refused\(line): the document defines entities that expand without limit (\(message))",
        fix: "this is what an 'entity bomb' looks like; ask the sender for a plain export without a DTD")
    }
    if message.contains("Premature end") || message.contains("EndTag") || state.depth > 0 {
      return .unreadable(
        "the file ends inside an element\(line) (truncated export?): \(message)",
        fix: "ask the municipality for a complete export; records of this file were not loaded")
    }
    return .unreadable(
      "the XML is not well-formed\(line): \(message)",
      fix: "ask the municipality for a corrected export; records of this file were not loaded")
  }
}

/// What the parser's events build: the path to the current element and, inside a record, the
/// record's subtree; finished records wait in `ready` until `next()` hands them out.
final class SAXState {
  let records: [XMLPath]
  @exclusivity(unchecked) var ready: [XMLRecord] = []
  var rootElement: String?
  var namespaces: [String: String] = [:]
  // Events are replayed only on the thread that called `next()`, so the run-time
  // exclusivity checks on these properties are switched off: they were a seventh of the
  // reader's instructions (callgrind, 64 MB benchmark).

  /// Element names from the root to the current element (outside records).
  @exclusivity(unchecked) private var path: [String] = []
  /// The record being built.
  private let builder = XMLTreeBuilder()
  @exclusivity(unchecked) private var recordBase = ""
  @exclusivity(unchecked) private var recordPosition = 0
  /// The last record's ancestors and element path: sibling records reuse it.
  @exclusivity(unchecked) private var lastRecordParent: (version: Int, name: String)?
  /// Changes whenever an element outside records opens or closes.
  @exclusivity(unchecked) private var pathVersion = 0
  @exclusivity(unchecked) private var recordLine = 0
  @exclusivity(unchecked) private var counters: [String: Int] = [:]
  /// Every distinct element and attribute name seen so far; trees refer to them by index.
  /// Records share the array (copied only when a new name appears while records hold it).
  @exclusivity(unchecked) private var nameTable: [XMLName] = []
  /// Names are interned in the parser's dictionary, so a (name, URI) pointer pair identifies
  /// a name: an open-addressing table from pointer pairs to `nameTable` indices.
  ///
  /// Why not a Dictionary: hashing a key per element was 7% of the reader's instructions,
  /// and a direct-mapped cache in front of it missed whenever two names of a record collided.
  @exclusivity(unchecked) private var slots = [NameSlot](repeating: NameSlot(), count: 64)

  struct NameSlot {
    var name: UnsafePointer<xmlChar>? = nil
    var uri: UnsafePointer<xmlChar>? = nil
    var index: Int32 = -1
  }

  var depth: Int { path.count + builder.depth }

  init(records: [XMLPath]) { self.records = records }

  /// Replays a batch of the parser's events (see `EventBatch` for their layout).
  func replay(_ batch: EventBatch) {
    var cursor = EventCursor(batch)
    while !cursor.atEnd {
      let (kind, argument) = cursor.header()
      switch EventBatch.Kind(rawValue: kind) {
      case .start:
        let name = cursor.pointer()
        let uri = cursor.pointer()
        let attributes = Int(cursor.word())
        start(line: Int(argument), localname: name, uri: uri, attributes: attributes, from: &cursor)
      case .end: end()
      case .text:
        let bytes = cursor.bytes(Int(argument))
        if !builder.isEmpty && !bytes.isEmpty { builder.text(bytes) }
      case .reference:
        let name = cursor.bytes(Int(argument))
        builder.appendText("&" + String(decoding: name, as: UTF8.self) + ";")
      case .namespace:
        let prefix = cursor.string()
        namespaces[prefix] = cursor.string()
      case nil: preconditionFailure("unknown XML event \(kind)")
      }
    }
  }

  /// The index in `nameTable` of a name as libxml2 hands it over.
  private func interned(_ name: UnsafePointer<xmlChar>?, _ uri: UnsafePointer<xmlChar>?) -> Int32 {
    guard let name else {
      // libxml2 always names elements; an unnamed one would be shown as "?".
      nameTable.append(XMLName(name: "?", namespaceURI: nil))
      return Int32(nameTable.count - 1)
    }
    let mask = slots.count - 1
    var slot = Self.home(name, uri, mask: mask)
    while slots[slot].index >= 0 {
      if slots[slot].name == name && slots[slot].uri == uri { return slots[slot].index }
      slot = (slot + 1) & mask
    }
    let index = Int32(nameTable.count)
    nameTable.append(XMLName(name: String(cString: name), namespaceURI: uri.map { String(cString: $0) }))
    slots[slot] = NameSlot(name: name, uri: uri, index: index)
    if nameTable.count * 2 > slots.count { rehash() }
    return index
  }

  /// The first slot to try for a name: Fibonacci hashing, as the pointers' low bits are alike
  /// (allocation alignment).
  @inline(__always)
  private static func home(_ name: UnsafePointer<xmlChar>?, _ uri: UnsafePointer<xmlChar>?, mask: Int) -> Int {
    let mixed = (UInt(bitPattern: name) &+ UInt(bitPattern: uri) &* 31) &* 0x9E37_79B9_7F4A_7C15
    return Int(truncatingIfNeeded: mixed >> 40) & mask
  }

  /// Doubles the name table's slots, keeping at most half of them in use.
  private func rehash() {
    let old = slots
    slots = [NameSlot](repeating: NameSlot(), count: old.count * 2)
    let mask = slots.count - 1
    for entry in old where entry.index >= 0 {
      var slot = Self.home(entry.name, entry.uri, mask: mask)
      while slots[slot].index >= 0 { slot = (slot + 1) & mask }
      slots[slot] = entry
    }
  }

  /// Set when a record is too large to hold; the reader then stops with this message.
  var fatalMessage: String?

  private func start(
    line: Int, localname: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?, attributes: Int,
    from cursor: inout EventCursor
  ) {
    let nameID = interned(localname, uri)
    let inRecord = !builder.isEmpty
    if inRecord {
      builder.start(name: nameID, line: line)
      addAttributes(attributes, from: &cursor)
      return
    }
    let qualified = nameTable[Int(nameID)]
    let name = qualified.name
    if rootElement == nil { rootElement = name }
    guard records.contains(where: { $0.matchesElement(name: name, namespaceURI: qualified.namespaceURI) }) else {
      skipAttributes(attributes, from: &cursor)
      path.append(name)
      pathVersion += 1
      return
    }
    builder.start(name: nameID, line: line)
    addAttributes(attributes, from: &cursor)
    if let last = lastRecordParent, last.version == pathVersion, last.name == name {
      recordPosition += 1
    } else {
      counters[recordBase] = recordPosition
      recordBase = "/" + (path + [name]).joined(separator: "/")
      recordPosition = counters[recordBase, default: 0] + 1
      lastRecordParent = (pathVersion, name)
    }
    recordLine = line
  }

  /// Each attribute: name pointer, URI pointer, value (see `EventBatch`).
  private func addAttributes(_ count: Int, from cursor: inout EventCursor) {
    for _ in 0..<count {
      let name = cursor.pointer()
      let uri = cursor.pointer()
      let value = cursor.bytes(Int(cursor.word()))
      builder.addAttribute(name: interned(name, uri), value: value)
    }
  }

  private func skipAttributes(_ count: Int, from cursor: inout EventCursor) {
    for _ in 0..<count {
      _ = cursor.pointer()
      _ = cursor.pointer()
      _ = cursor.bytes(Int(cursor.word()))
    }
  }

  func end() {
    guard !builder.isEmpty else {
      _ = path.popLast()
      pathVersion += 1
      return
    }
    if builder.overflowed && fatalMessage == nil {
      fatalMessage = "a record element starting at line \(recordLine) holds more than 1 GiB of text"
    }
    if builder.end() {
      let tree = builder.finish(names: nameTable, elementPath: recordBase, position: recordPosition)
      ready.append(XMLRecord(line: recordLine, tree: tree))
    }
  }
}
