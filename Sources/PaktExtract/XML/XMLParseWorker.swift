internal import CLibXML2
import Foundation

/// Runs libxml2 over one XML file on a thread of its own and hands what it reports over to
/// the reader as compact event batches, through a bounded queue.
///
/// Why a thread: libxml2's parse was 70% of the reader's instructions and building pakt's
/// records the rest (callgrind, 16 MB benchmark file). On two threads the two parts overlap,
/// and libxml2's pull parser (`xmlParseDocument`, 13% fewer instructions than the push
/// parser) can run: it cannot pause between records, but a parser thread may simply block
/// while the queue is full. Memory stays bounded by the queue: `queueDepth` batches of about
/// `batchBytes` each.
///
/// Events are written to a batch as 8-byte aligned words (see `EventBatch`). Element and
/// attribute names travel as libxml2's interned name pointers: they live in the parser's
/// dictionary, which is freed only with the worker, after the reader has replayed every batch.
///
/// ```swift
/// let worker = XMLParseWorker(file: try ChunkedFile(path: path, chunkSize: 256 << 10))
/// worker.start()
/// while let batch = worker.take() { …replay…; worker.recycle(batch) }
/// let outcome = worker.outcome
/// ```
final class XMLParseWorker: @unchecked Sendable {
  // Shared between the two threads, under `condition`.
  private let condition = NSCondition()
  private var full: [EventBatch] = []
  private var spare: [EventBatch] = []
  private var done = false
  private var cancelled = false
  private var result = Outcome()

  // The parser thread's own: the run-time exclusivity checks on these properties are
  // switched off (they cost as many instructions as writing the events).
  private let file: ChunkedFile
  @exclusivity(unchecked) private var chunk: [UInt8]
  @exclusivity(unchecked) private var chunkStart = 0
  @exclusivity(unchecked) private var chunkEnd = 0
  @exclusivity(unchecked) private var current: EventBatch
  @exclusivity(unchecked) private var context: xmlParserCtxtPtr?
  @exclusivity(unchecked) private var sentRoot = false
  @exclusivity(unchecked) private var errorMessage: String?
  @exclusivity(unchecked) private var errorLine = 0
  @exclusivity(unchecked) private var readError: ExtractError?

  static let batchBytes = 128 << 10
  static let queueDepth = 3

  /// How the parse ended, read by the reader once every batch is replayed.
  struct Outcome {
    var status: Int32 = 0
    var wellFormed = true
    var errorMessage: String?
    var errorLine = 0
    var readError: ExtractError?
  }

  init(file: ChunkedFile) {
    self.file = file
    chunk = [UInt8](repeating: 0, count: file.chunkSize)
    current = EventBatch(capacity: Self.batchBytes + 4096)
  }

  deinit {
    if let context {
      if let doc = context.pointee.myDoc { xmlFreeDoc(doc) }
      xmlFreeParserCtxt(context)
    }
    current.free()
    for batch in full { batch.free() }
    for batch in spare { batch.free() }
  }

  /// libxml2 must be initialised once, on one thread, before parsers run on others.
  private static let initialised: Bool = {
    xmlInitParser()
    return true
  }()

  /// Starts the parser thread.
  func start() {
    _ = Self.initialised
    let thread = Thread { [self] in parse() }
    thread.name = "pakt-xml"
    // libxml2 bounds nesting at 256 levels without XML_PARSE_HUGE; a generous stack anyway.
    thread.stackSize = 8 << 20
    thread.start()
  }

  /// The next batch of events, waiting for the parser; nil when it has finished and every
  /// batch was taken. Give each batch back with `recycle` after replaying it.
  func take() -> EventBatch? {
    condition.lock()
    defer { condition.unlock() }
    while full.isEmpty && !done { condition.wait() }
    guard !full.isEmpty else { return nil }
    let batch = full.removeFirst()
    condition.broadcast()
    return batch
  }

  func recycle(_ batch: EventBatch) {
    var batch = batch
    batch.count = 0
    condition.lock()
    spare.append(batch)
    condition.unlock()
  }

  /// How the parse ended; valid once `take()` has returned nil.
  var outcome: Outcome {
    condition.lock()
    defer { condition.unlock() }
    return result
  }

  /// Stops the parser (at its next batch or read) and waits until its thread is done with
  /// libxml2. Called by the reader when it is dropped or stops early.
  func cancel() {
    condition.lock()
    cancelled = true
    condition.broadcast()
    while !done { condition.wait() }
    condition.unlock()
  }

  // MARK: - The parser thread

  /// Entities the document declared so far (see `entityDecl` in `parse`).
  var entities = 0

  private func parse() {
    var handler = Self.saxHandler()
    let me = Unmanaged.passUnretained(self).toOpaque()
    let ctxt = xmlCreateIOParserCtxt(
      &handler, nil,
      { io, buffer, length in
        guard let io, let buffer else { return -1 }
        return Unmanaged<XMLParseWorker>.fromOpaque(io)._withUnsafeGuaranteedRef {
          $0.read(into: buffer, count: Int(length))
        }
      }, nil, me, XML_CHAR_ENCODING_NONE)
    var status: Int32 = -1
    var wellFormed = false
    if let ctxt {
      context = ctxt
      xmlCtxtUseOptions(ctxt, XMLReader.safeOptions)
      // Callbacks receive the parser context; the worker rides in its `_private` field.
      ctxt.pointee._private = me
      status = xmlParseDocument(ctxt)
      wellFormed = ctxt.pointee.wellFormed != 0
    } else {
      errorMessage = "cannot start the XML parser"
    }
    if !current.isEmpty { handOff() }
    condition.lock()
    result = Outcome(
      status: status, wellFormed: wellFormed, errorMessage: errorMessage, errorLine: errorLine, readError: readError)
    done = true
    condition.broadcast()
    condition.unlock()
  }

  /// libxml2's SAX2 handler with pakt's callbacks: elements, text and references into the
  /// current batch, entity declarations checked, errors kept. Made once per file; the
  /// callbacks are plain C functions that find their worker through the parser context.
  private static func saxHandler() -> xmlSAXHandler {
    var handler = xmlSAXHandler()
    // The SAX2 defaults keep libxml2's own handling of the DTD's internal subset and entity
    // declarations (and so its entity-loop and amplification checks); pakt replaces only the
    // element, text and error callbacks.
    xmlSAXVersion(&handler, 2)
    handler.startElementNs = { ctx, localname, _, uri, nbNamespaces, namespaces, nbAttributes, _, attributes in
      XMLParseWorker.with(ctx) {
        $0.start(
          ctx: ctx, localname: localname, uri: uri, nbNamespaces: Int(nbNamespaces), namespaces: namespaces,
          nbAttributes: Int(nbAttributes), attributes: attributes)
      }
    }
    handler.endElementNs = { ctx, _, _, _ in
      XMLParseWorker.with(ctx) {
        $0.current.header(.end, 0)
        $0.handOffIfFull()
      }
    }
    handler.characters = { ctx, text, length in
      XMLParseWorker.with(ctx) { worker in
        guard let text, length > 0 else { return }
        worker.current.text(.text, UnsafeRawPointer(text), Int(length))
        worker.handOffIfFull()
      }
    }
    // Entity declarations: an entity whose text refers to other entities is how an expansion
    // bomb grows ("billion laughs"); libxml2 2.9 let one reach 2.1 GB before it refused. Such
    // a declaration, or more than 1,000 of any kind, stops the parse: municipal exports need
    // neither. Plain ones are declared as libxml2 would.
    handler.entityDecl = { ctx, name, type, publicID, systemID, content in
      var refused = false
      XMLParseWorker.with(ctx) { worker in
        worker.entities += 1
        let nested = content.map { strchr(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self), 0x26) != nil }
        if nested == true || worker.entities > 1_000 {
          refused = true
          if worker.errorMessage == nil {
            worker.errorMessage =
              nested == true
              ? "the file declares an entity built from other entities (<!ENTITY> with &…;); pakt does not expand such entities"
              : "the file declares more than 1,000 entities; pakt does not expand so many"
          }
        }
      }
      if refused {
        xmlStopParser(ctx?.assumingMemoryBound(to: xmlParserCtxt.self))
        return
      }
      xmlSAX2EntityDecl(ctx, name, type, publicID, systemID, content)
    }
    handler.cdataBlock = handler.characters
    handler.ignorableWhitespace = nil
    handler.comment = nil
    handler.processingInstruction = nil
    handler.reference = { ctx, name in
      XMLParseWorker.with(ctx) { worker in
        guard let name else { return }
        let length = strlen(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self))
        worker.current.text(.reference, UnsafeRawPointer(name), length)
        worker.handOffIfFull()
      }
    }
    // Structured errors get the parser context as their user data (no user data was given).
    handler.serror = { userData, error in
      XMLParseWorker.with(userData) { worker in
        guard let error, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue, worker.errorMessage == nil else {
          return
        }
        worker.errorMessage = error.pointee.message.map { String(cString: $0) }?.trimmingWhitespace()
        worker.errorLine = Int(error.pointee.line)
      }
    }
    return handler
  }

  /// Calls `body` with the worker of the parser context `ctx`, without retaining it (the
  /// retain and release per callback were 6% of the reader's instructions).
  @inline(__always)
  private static func with(_ ctx: UnsafeMutableRawPointer?, _ body: (XMLParseWorker) -> Void) {
    guard let ctx, let worker = ctx.assumingMemoryBound(to: xmlParserCtxt.self).pointee._private else { return }
    Unmanaged<XMLParseWorker>.fromOpaque(worker)._withUnsafeGuaranteedRef(body)
  }

  /// libxml2's read callback: serves the file from a large chunk (libxml2 asks for about
  /// 4 KB at a time; a `read` per request would cost a system call each). Returns -1, which
  /// stops the parser, after a read error, once the document is known to be malformed, or
  /// when the reader has gone.
  private func read(into target: UnsafeMutablePointer<CChar>, count: Int) -> Int32 {
    if readError != nil || errorMessage != nil && context?.pointee.wellFormed == 0 { return -1 }
    if chunkStart == chunkEnd {
      condition.lock()
      let stop = cancelled
      condition.unlock()
      if stop { return -1 }
      do {
        chunkEnd = try chunk.withUnsafeMutableBytes { try file.readChunk(into: $0) }
      } catch {
        readError = error as? ExtractError ?? .unreadable("\(error)", fix: "check the disk and the file")
        return -1
      }
      chunkStart = 0
      if chunkEnd == 0 { return 0 }
    }
    let n = min(count, chunkEnd - chunkStart)
    chunk.withUnsafeBytes {
      UnsafeMutableRawPointer(target).copyMemory(from: $0.baseAddress! + chunkStart, byteCount: n)
    }
    chunkStart += n
    return Int32(n)
  }

  private func start(
    ctx: UnsafeMutableRawPointer?, localname: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?,
    nbNamespaces: Int, namespaces ns: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, nbAttributes: Int,
    attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
  ) {
    // The root's namespace declarations go first (the reader reports them).
    if !sentRoot {
      sentRoot = true
      if let ns {
        for i in 0..<nbNamespaces {
          current.header(.namespace, 0)
          current.string(ns[2 * i])
          current.string(ns[2 * i + 1])
        }
      }
    }
    current.start(
      line: Int32(truncatingIfNeeded: xmlSAX2GetLineNumber(ctx)), name: localname, uri: uri,
      attributes: attributes, count: max(0, nbAttributes))
    handOffIfFull()
  }

  @inline(__always)
  private func handOffIfFull() {
    if current.count >= Self.batchBytes { handOff() }
  }

  /// Queues the current batch (waiting while the queue is full) and starts a fresh one. Stops
  /// the parser when the reader has gone.
  private func handOff() {
    var batch = current
    batch.bytesRead = file.bytesRead
    condition.lock()
    while full.count >= Self.queueDepth && !cancelled { condition.wait() }
    if cancelled {
      condition.unlock()
      current.count = 0
      if let context { xmlStopParser(context) }
      return
    }
    full.append(batch)
    current = spare.popLast() ?? EventBatch(capacity: Self.batchBytes + 4096)
    condition.broadcast()
    condition.unlock()
  }
}

/// The events of a stretch of an XML document, as 8-byte words: a header word (kind and a
/// 32-bit argument) followed by the kind's payload; byte strings are padded to whole words.
///
/// - start (argument: line): name pointer, namespace-URI pointer, attribute count, then per
///   attribute: name pointer, URI pointer, value length, value bytes.
/// - end; text (argument: length) and its bytes; reference (argument: length) and the
///   entity's name; namespace: prefix and URI as strings (length word, bytes).
struct EventBatch {
  enum Kind: UInt32 { case start = 1, end, text, reference, namespace }

  private(set) var base: UnsafeMutableRawPointer
  var count = 0
  private var capacity: Int
  /// Bytes of the file read when the batch was handed over (for progress).
  var bytesRead = 0

  init(capacity: Int) {
    self.capacity = capacity
    base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
  }

  func free() { base.deallocate() }
  var isEmpty: Bool { count == 0 }

  /// Grows for an event larger than the room left (a long text or attribute value).
  @inline(__always)
  private mutating func reserve(_ more: Int) {
    guard count + more > capacity else { return }
    let grown = max(capacity * 2, count + more)
    let new = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
    new.copyMemory(from: base, byteCount: count)
    base.deallocate()
    base = new
    capacity = grown
  }

  /// An event's first word: the kind in the low half, the argument in the high half (read
  /// back by `EventCursor.header`).
  @inline(__always)
  static func headerWord(_ kind: Kind, _ argument: Int32) -> UInt64 {
    UInt64(kind.rawValue) | UInt64(UInt32(bitPattern: argument)) << 32
  }

  @inline(__always)
  mutating func header(_ kind: Kind, _ argument: Int32) {
    reserve(8)
    base.storeBytes(of: Self.headerWord(kind, argument), toByteOffset: count, as: UInt64.self)
    count += 8
  }

  @inline(__always)
  mutating func word(_ value: UInt64) {
    reserve(8)
    base.storeBytes(of: value, toByteOffset: count, as: UInt64.self)
    count += 8
  }

  @inline(__always)
  mutating func bytes(_ source: UnsafeRawPointer, _ length: Int) {
    let padded = (length + 7) & ~7
    reserve(padded)
    (base + count).copyMemory(from: source, byteCount: length)
    count += padded
  }

  /// A start event in one go: its size is computed first, so room is checked once (writing
  /// word by word, with a check each, cost half as much as libxml2's own work on the tag).
  /// SAX2 attributes come as five pointers each: name, prefix, URI, value start, value end.
  mutating func start(
    line: Int32, name: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?,
    attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, count: Int
  ) {
    let attributes = count > 0 ? attributes : nil
    var size = 32
    if let attributes {
      for i in 0..<count { size += 24 + ((Self.length(attributes, i) + 7) & ~7) }
    }
    reserve(size)
    var at = base + self.count
    at.storeBytes(of: Self.headerWord(.start, line), as: UInt64.self)
    (at + 8).storeBytes(of: UInt(bitPattern: name), as: UInt.self)
    (at + 16).storeBytes(of: UInt(bitPattern: uri), as: UInt.self)
    (at + 24).storeBytes(of: UInt64(attributes == nil ? 0 : count), as: UInt64.self)
    at += 32
    if let attributes {
      for i in 0..<count {
        let base = 5 * i
        let length = Self.length(attributes, i)
        at.storeBytes(of: UInt(bitPattern: attributes[base]), as: UInt.self)
        (at + 8).storeBytes(of: UInt(bitPattern: attributes[base + 2]), as: UInt.self)
        (at + 16).storeBytes(of: UInt64(length), as: UInt64.self)
        if length > 0 { (at + 24).copyMemory(from: attributes[base + 3]!, byteCount: length) }
        at += 24 + ((length + 7) & ~7)
      }
    }
    self.count += size
  }

  /// The length of attribute `i`'s value (0 when libxml2 gives none).
  @inline(__always)
  private static func length(_ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>, _ i: Int) -> Int {
    guard let start = attributes[5 * i + 3], let end = attributes[5 * i + 4] else { return 0 }
    return end - start
  }

  /// A text or reference event: header and bytes, room checked once.
  @inline(__always)
  mutating func text(_ kind: Kind, _ source: UnsafeRawPointer, _ length: Int) {
    let padded = (length + 7) & ~7
    reserve(8 + padded)
    (base + count).storeBytes(of: Self.headerWord(kind, Int32(truncatingIfNeeded: length)), as: UInt64.self)
    (base + count + 8).copyMemory(from: source, byteCount: length)
    count += 8 + padded
  }

  /// A C string as a length word and its bytes (a nil string as length 0).
  mutating func string(_ value: UnsafePointer<xmlChar>?) {
    guard let value else { return word(0) }
    let length = strlen(UnsafeRawPointer(value).assumingMemoryBound(to: CChar.self))
    word(UInt64(length))
    bytes(UnsafeRawPointer(value), length)
  }
}

/// Reads an `EventBatch` from the front.
struct EventCursor {
  let base: UnsafeRawPointer
  let end: Int
  var offset = 0

  init(_ batch: EventBatch) {
    base = UnsafeRawPointer(batch.base)
    end = batch.count
  }

  var atEnd: Bool { offset >= end }

  @inline(__always)
  mutating func header() -> (kind: UInt32, argument: Int32) {
    let word = self.word()
    return (UInt32(truncatingIfNeeded: word), Int32(bitPattern: UInt32(truncatingIfNeeded: word >> 32)))
  }

  @inline(__always)
  mutating func word() -> UInt64 {
    let value = base.load(fromByteOffset: offset, as: UInt64.self)
    offset += 8
    return value
  }

  @inline(__always)
  mutating func pointer() -> UnsafePointer<xmlChar>? {
    UnsafePointer(bitPattern: UInt(word()))
  }

  @inline(__always)
  mutating func bytes(_ length: Int) -> UnsafeBufferPointer<UInt8> {
    let start = (base + offset).assumingMemoryBound(to: UInt8.self)
    offset += (length + 7) & ~7
    return UnsafeBufferPointer(start: start, count: length)
  }

  mutating func string() -> String {
    let length = Int(word())
    return String(decoding: bytes(length), as: UTF8.self)
  }
}
