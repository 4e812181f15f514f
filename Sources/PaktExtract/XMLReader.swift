internal import CLibXML2
import PaktCore

/// Streams the record elements of an XML file through libxml2's SAX2 push parser: the file is
/// fed in 256 KiB chunks and only the subtrees of the records in the current chunk are held.
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

  private let file: ChunkedFile
  /// Bytes of the file read so far (ahead of the records handed out by up to a chunk).
  public var bytesRead: Int { file.bytesRead }
  private let state: SAXState
  private var context: xmlParserCtxtPtr?
  private var handler = xmlSAXHandler()
  private var finished = false
  private var readIndex = 0

  /// Options every pakt XML read uses (see the type's documentation).
  static let safeOptions = Int32(
    XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue | XML_PARSE_BIG_LINES.rawValue)

  /// Opens `path`; `records` names the record elements (detected with `XMLShape` when empty).
  public init(path: String, records: [XMLPath]) throws {
    self.path = path
    self.records = records
    file = try ChunkedFile(path: path, chunkSize: 256 << 10)
    state = SAXState(records: records)
    // The SAX2 defaults keep libxml2's own handling of the DTD's internal subset and entity
    // declarations (and so its entity-loop and amplification checks); pakt replaces only the
    // element, text and error callbacks.
    xmlSAXVersion(&handler, 2)
    handler.startElementNs = { ctx, localname, _, uri, nbNamespaces, namespaces, nbAttributes, _, attributes in
      SAXState.with(ctx) {
        $0.start(
          ctx: ctx, localname: localname, uri: uri, nbNamespaces: Int(nbNamespaces), namespaces: namespaces,
          nbAttributes: Int(nbAttributes), attributes: attributes)
      }
    }
    handler.endElementNs = { ctx, _, _, _ in SAXState.with(ctx) { $0.end() } }
    handler.characters = { ctx, text, length in SAXState.with(ctx) { $0.text(text, Int(length)) } }
    handler.cdataBlock = handler.characters
    handler.ignorableWhitespace = nil
    handler.comment = nil
    handler.processingInstruction = nil
    handler.reference = { ctx, name in
      guard let state = SAXState.from(ctx), let name else { return }
      state.appendText("&" + String(cString: name) + ";")
    }
    // Structured errors get the parser context as their user data (no user data was given).
    handler.serror = { userData, error in
      guard let state = SAXState.from(userData), let error else { return }
      if error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue, state.errorMessage == nil {
        state.errorMessage = error.pointee.message.map { String(cString: $0) }?.trimmingWhitespace()
        state.errorLine = Int(error.pointee.line)
      }
    }
    guard let ctxt = xmlCreatePushParserCtxt(&handler, nil, nil, 0, path) else {
      throw ExtractError.unreadable("cannot start the XML parser", fix: "check that the file is readable")
    }
    context = ctxt
    xmlCtxtUseOptions(ctxt, Self.safeOptions)
    // Callbacks receive the parser context; pakt's state rides in its `_private` field.
    ctxt.pointee._private = Unmanaged.passUnretained(state).toOpaque()
  }

  deinit {
    if let context {
      if let doc = context.pointee.myDoc { xmlFreeDoc(doc) }
      xmlFreeParserCtxt(context)
    }
  }

  /// The next record element, or nil at the end. Throws `ExtractError.unreadable` for a
  /// document that is not well-formed (truncated, binary junk, an entity bomb).
  public func next() throws -> ExtractedRecord? {
    // Records of the last chunk are handed out by index; the queue is emptied before parsing on.
    if readIndex < state.ready.count {
      readIndex += 1
      return .element(state.ready[readIndex - 1])
    }
    state.ready.removeAll(keepingCapacity: true)
    readIndex = 0
    while state.ready.isEmpty {
      if finished { return nil }
      guard let context else { return nil }
      var status: Int32 = 0
      let more = try file.next { chunk in
        status = xmlParseChunk(
          context, UnsafeRawPointer(chunk.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(chunk.count), 0)
      }
      if !more {
        status = xmlParseChunk(context, nil, 0, 1)
        finished = true
      }
      if let message = state.fatalMessage {
        finished = true
        throw ExtractError.unreadable(message, fix: "split the export into smaller records")
      }
      if status != 0 || state.errorMessage != nil && context.pointee.wellFormed == 0 { throw fatal() }
      if finished && state.rootElement == nil {
        throw ExtractError.unreadable("the file holds no XML element", fix: "check that the export is complete")
      }
      if finished && state.depth > 0 {
        throw ExtractError.unreadable(
          "the file ends inside an element (truncated export?)", fix: "ask the municipality for a complete export")
      }
    }
    readIndex = 1
    return .element(state.ready[0])
  }

  private func fatal() -> ExtractError {
    finished = true
    let message = state.errorMessage ?? "the XML is not well-formed"
    let line = state.errorLine > 0 ? " at line \(state.errorLine)" : ""
    if message.contains("entity reference loop") || message.contains("amplification")
      || message.contains("Excessive depth")
    {
      return .unreadable(
        "refused\(line): the document defines entities that expand without limit (\(message))",
        fix: "this is what an 'entity bomb' looks like; ask the sender for a plain export without a DTD")
    }
    if message.contains("Premature end") || message.contains("EndTag") || (finished && state.depth > 0) {
      return .unreadable(
        "the file ends inside an element\(line) (truncated export?): \(message)",
        fix: "ask the municipality for a complete export; records of this file were not loaded")
    }
    return .unreadable(
      "the XML is not well-formed\(line): \(message)",
      fix: "ask the municipality for a corrected export; records of this file were not loaded")
  }
}

/// What the SAX callbacks build: the path to the current element and, inside a record, the
/// record's subtree; finished records wait in `ready` until `next()` hands them out.
final class SAXState {
  let records: [XMLPath]
  @exclusivity(unchecked) var ready: [XMLRecord] = []
  var rootElement: String?
  var namespaces: [String: String] = [:]
  var errorMessage: String?
  var errorLine = 0
  // The callbacks run only on the thread that called `next()`, one at a time, so the
  // run-time exclusivity checks on these properties are switched off: they were a seventh of
  // the reader's instructions (callgrind, 64 MB benchmark).

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

  /// Calls `body` with the state of the parser context `ctx`, without retaining it: the
  /// reader holds the state for as long as its parser lives (the retain and release per
  /// callback were 6% of the reader's instructions).
  @inline(__always)
  static func with(_ ctx: UnsafeMutableRawPointer?, _ body: (SAXState) -> Void) {
    guard let ctx, let state = ctx.assumingMemoryBound(to: xmlParserCtxt.self).pointee._private else { return }
    Unmanaged<SAXState>.fromOpaque(state)._withUnsafeGuaranteedRef(body)
  }

  static func from(_ ctx: UnsafeMutableRawPointer?) -> SAXState? {
    guard let ctx else { return nil }
    let ctxt = ctx.assumingMemoryBound(to: xmlParserCtxt.self)
    guard let state = ctxt.pointee._private else { return nil }
    return Unmanaged<SAXState>.fromOpaque(state).takeUnretainedValue()
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

  func start(
    ctx: UnsafeMutableRawPointer?, localname: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?,
    nbNamespaces: Int, namespaces ns: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, nbAttributes: Int,
    attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
  ) {
    let nameID = interned(localname, uri)
    let inRecord = !builder.isEmpty
    if inRecord {
      builder.start(name: nameID, line: Int(xmlSAX2GetLineNumber(ctx)))
      addAttributes(nbAttributes, attributes)
      return
    }
    let qualified = nameTable[Int(nameID)]
    let name = qualified.name
    if rootElement == nil {
      rootElement = name
      if let ns {
        for i in 0..<nbNamespaces {
          let prefix = ns[2 * i].map { String(cString: $0) } ?? ""
          namespaces[prefix] = ns[2 * i + 1].map { String(cString: $0) } ?? ""
        }
      }
    }
    guard records.contains(where: { $0.matchesElement(name: name, namespaceURI: qualified.namespaceURI) }) else {
      path.append(name)
      pathVersion += 1
      return
    }
    let line = Int(xmlSAX2GetLineNumber(ctx))
    builder.start(name: nameID, line: line)
    addAttributes(nbAttributes, attributes)
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

  /// SAX2 attributes come as five pointers each: name, prefix, URI, value start, value end.
  private func addAttributes(_ count: Int, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
    guard let attributes, count > 0 else { return }
    for i in 0..<count {
      let base = 5 * i
      guard let start = attributes[base + 3], let end = attributes[base + 4] else { continue }
      builder.addAttribute(
        name: interned(attributes[base], attributes[base + 2]),
        value: UnsafeBufferPointer(start: start, count: end - start))
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
      let tree = builder.finish(names: nameTable)
      ready.append(XMLRecord(line: recordLine, elementPath: recordBase, position: recordPosition, tree: tree))
    }
  }

  func text(_ bytes: UnsafePointer<xmlChar>?, _ length: Int) {
    guard !builder.isEmpty, let bytes, length > 0 else { return }
    builder.text(UnsafeBufferPointer(start: bytes, count: length))
  }

  func appendText(_ s: String) {
    builder.appendText(s)
  }
}
