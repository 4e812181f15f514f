import PaktCore

/// An element or attribute name with its namespace URI.
public struct XMLName: Sendable, Hashable {
  public var name: String
  public var namespaceURI: String?
}

/// The elements of one record, stored flat: elements in document order and attributes,
/// linked by index, with every text and attribute value in one byte run, all in a single
/// allocation; names are indices into the reader's table of names.
///
/// Why: each element held three Strings before, and building and freeing them (reference
/// counting, generic destruction, five allocations per record) was a third of the reader's
/// instructions (callgrind, 64 MB benchmark). A String is now built only for the values a
/// mapping asks for.
public final class XMLTree: @unchecked Sendable {
  // @unchecked: the storage is written once in `init` and only read afterwards.
  struct Element: Sendable {
    var name: Int32
    var line: Int
    /// The element's own text: `textCount` bytes from `textStart` in the text run.
    var textStart: Int32 = 0
    var textCount: Int32 = 0
    var firstAttribute: Int32
    var attributeCount: Int32 = 0
    var firstChild: Int32 = -1
    var lastChild: Int32 = -1
    var nextSibling: Int32 = -1
  }
  struct Attribute: Sendable {
    var name: Int32
    var valueStart: Int32
    var valueCount: Int32
  }
  let names: [XMLName]
  let elements: UnsafeBufferPointer<Element>
  let attributes: UnsafeBufferPointer<Attribute>
  /// UTF-8 (libxml2 hands over only valid UTF-8) of every text and attribute value.
  let text: UnsafeBufferPointer<UInt8>
  private let storage: UnsafeMutableRawPointer
  /// Where the record sits: its element path without position, and its position among the
  /// records with that path (kept here rather than in `XMLRecord`, see there).
  let elementPath: String
  let position: Int

  init(
    names: [XMLName], elements: UnsafeBufferPointer<Element>, attributes: UnsafeBufferPointer<Attribute>,
    text: UnsafeBufferPointer<UInt8>, elementPath: String, position: Int
  ) {
    self.names = names
    self.elementPath = elementPath
    self.position = position
    let attributesAt = Self.align(elements.count * MemoryLayout<Element>.stride, MemoryLayout<Attribute>.alignment)
    let textAt = attributesAt + attributes.count * MemoryLayout<Attribute>.stride
    let storage = UnsafeMutableRawPointer.allocate(
      byteCount: max(textAt + text.count, 1), alignment: MemoryLayout<Element>.alignment)
    self.storage = storage
    self.elements = Self.copy(elements, to: storage)
    self.attributes = Self.copy(attributes, to: storage + attributesAt)
    self.text = Self.copy(text, to: storage + textAt)
  }

  /// Copies `source` to `raw` (bound to `T` from there on) and returns the copy.
  private static func copy<T>(_ source: UnsafeBufferPointer<T>, to raw: UnsafeMutableRawPointer)
    -> UnsafeBufferPointer<T>
  {
    let target = raw.bindMemory(to: T.self, capacity: source.count)
    if let base = source.baseAddress { target.initialize(from: base, count: source.count) }
    return UnsafeBufferPointer(start: target, count: source.count)
  }

  deinit { storage.deallocate() }

  private static func align(_ offset: Int, _ alignment: Int) -> Int { (offset + alignment - 1) / alignment * alignment }

  /// The record's own element.
  public var root: XMLElementNode { XMLElementNode(tree: self, index: 0) }

  /// The text run `start..<start + count` as a String, optionally trimmed.
  func string(_ start: Int32, _ count: Int32, trimmed: Bool) -> String {
    var lower = Int(start)
    var upper = lower + Int(count)
    if trimmed {
      // XML's own whitespace on bytes; other Unicode spaces (rare) by the String below.
      while lower < upper && Self.isSpace(text[lower]) { lower += 1 }
      while upper > lower && Self.isSpace(text[upper - 1]) { upper -= 1 }
    }
    let bytes = UnsafeBufferPointer(rebasing: text[lower..<upper])
    let s = SmallString.make(copying: bytes) ?? String(decoding: bytes, as: UTF8.self)
    if trimmed && lower < upper && (text[lower] >= 0x80 || text[upper - 1] >= 0x80) { return s.trimmingWhitespace() }
    return s
  }

  @inline(__always)
  static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D }
}

/// An XML element with its attributes, text and children: a view into one record's
/// `XMLTree`.
///
/// Only one record's subtree is held at a time, so memory is bounded by the largest record,
/// not by the file.
///
/// ```swift
/// let person = record.element
/// person.attribute("id")                        // "P-17"
/// person.forEachChild { print($0.name, $0.trimmedText) }
/// ```
public struct XMLElementNode: Sendable {
  public struct Attribute: Sendable {
    public var name: String
    public var namespaceURI: String?
    public var value: String
  }
  let tree: XMLTree
  let index: Int32

  private var element: XMLTree.Element { tree.elements[Int(index)] }
  private var qualifiedName: XMLName { tree.names[Int(element.name)] }
  public var name: String { qualifiedName.name }
  public var namespaceURI: String? { qualifiedName.namespaceURI }
  public var line: Int { element.line }
  /// The element's own text (not its children's), untrimmed.
  public var text: String {
    let e = element
    return tree.string(e.textStart, e.textCount, trimmed: false)
  }
  /// The element's own text without leading and trailing whitespace.
  public var trimmedText: String {
    let e = element
    return tree.string(e.textStart, e.textCount, trimmed: true)
  }
  /// The attributes, built as Strings on each call.
  public var attributes: [Attribute] {
    let e = element
    return tree.attributes[Int(e.firstAttribute)..<Int(e.firstAttribute + e.attributeCount)].map {
      let n = tree.names[Int($0.name)]
      return Attribute(
        name: n.name, namespaceURI: n.namespaceURI, value: tree.string($0.valueStart, $0.valueCount, trimmed: false))
    }
  }

  /// The value of the first attribute called `name` (in `namespaceURI` when one is given).
  public func attribute(_ name: String, namespaceURI: String? = nil) -> String? {
    let e = element
    for a in tree.attributes[Int(e.firstAttribute)..<Int(e.firstAttribute + e.attributeCount)] {
      let n = tree.names[Int(a.name)]
      if n.name == name && (namespaceURI == nil || n.namespaceURI == namespaceURI) {
        return tree.string(a.valueStart, a.valueCount, trimmed: false)
      }
    }
    return nil
  }

  /// The child elements in document order.
  public var children: [XMLElementNode] {
    var out: [XMLElementNode] = []
    forEachChild { out.append($0) }
    return out
  }

  /// Calls `body` with each child element; no array is built.
  public func forEachChild(_ body: (XMLElementNode) -> Void) {
    var child = element.firstChild
    while child >= 0 {
      body(XMLElementNode(tree: tree, index: child))
      child = tree.elements[Int(child)].nextSibling
    }
  }

  /// True when the element is called `name` (in `namespaceURI` when one is given).
  func isNamed(_ name: String, namespaceURI: String?) -> Bool {
    let n = qualifiedName
    return n.name == name && (namespaceURI == nil || n.namespaceURI == namespaceURI)
  }

  /// A compact rendering for the reject store and for `pakt inspect`.
  public func render(limit: Int = 2000) -> String {
    var out = ""
    render(into: &out, limit: limit)
    return out.count > limit ? String(out.prefix(limit)) + "…" : out
  }

  private func render(into out: inout String, limit: Int) {
    guard out.count <= limit else { return }
    out += "<\(name)"
    for a in attributes { out += " \(a.name)=\"\(a.value)\"" }
    out += ">"
    out += trimmedText
    forEachChild { $0.render(into: &out, limit: limit) }
    out += "</\(name)>"
  }
}

/// Builds the flat tree of one record from start, text and end events. Its buffers are kept
/// from record to record; `finish` copies them into the record's single allocation.
///
/// A class over `RawBuffer`s rather than a struct of arrays: every array write checked that
/// the array was not shared, and `popLast` and `append(contentsOf:)` went through generic
/// code (a quarter of the reader's own instructions, callgrind, 64 MB benchmark).
///
/// Used only by the SAX callbacks of one reader, one at a time on one thread: run-time
/// exclusivity checks are off for its properties, as for `SAXState`'s (they were a fifth of
/// the reader's instructions here).
final class XMLTreeBuilder {
  @exclusivity(unchecked) private var elements = RawBuffer<XMLTree.Element>(capacity: 64)
  @exclusivity(unchecked) private var attributes = RawBuffer<XMLTree.Attribute>(capacity: 64)
  @exclusivity(unchecked) private var text = RawBuffer<UInt8>(capacity: 4096)
  /// Indices of the open elements, innermost last.
  @exclusivity(unchecked) private var open = RawBuffer<Int32>(capacity: 16)
  /// Set when a record's text outgrew the 32-bit offsets; the reader then gives up.
  @exclusivity(unchecked) private(set) var overflowed = false

  deinit {
    elements.free()
    attributes.free()
    text.free()
    open.free()
  }

  var isEmpty: Bool { open.count == 0 }
  var depth: Int { open.count }

  private func fits(_ more: Int) -> Bool {
    if text.count + more < Int(Int32.max) / 2 { return true }
    overflowed = true
    return false
  }

  func start(name: Int32, line: Int) {
    let index = Int32(elements.count)
    elements.append(XMLTree.Element(name: name, line: line, firstAttribute: Int32(attributes.count)))
    if open.count > 0 {
      let parent = elements.base + Int(open.base[open.count - 1])
      let last = parent.pointee.lastChild
      if last >= 0 {
        elements.base[Int(last)].nextSibling = index
      } else {
        parent.pointee.firstChild = index
      }
      parent.pointee.lastChild = index
    }
    open.append(index)
  }

  func addAttribute(name: Int32, value: UnsafeBufferPointer<UInt8>) {
    guard fits(value.count) else { return }
    let start = Int32(text.count)
    if value.contains(0x26) {
      // Without entity substitution libxml2 hands over "&amp;" in attribute values as
      // "&#38;" (and a literal "&" can arrive no other way): turn it back into "&".
      var i = 0
      while i < value.count {
        if value[i] == 0x26 && i + 4 < value.count && value[i + 1] == 0x23 && value[i + 2] == 0x33
          && value[i + 3] == 0x38 && value[i + 4] == 0x3B
        {
          text.append(0x26)
          i += 5
        } else {
          text.append(value[i])
          i += 1
        }
      }
    } else {
      text.append(value)
    }
    attributes.append(XMLTree.Attribute(name: name, valueStart: start, valueCount: Int32(text.count) - start))
    elements.base[elements.count - 1].attributeCount += 1
  }

  func text(_ chunk: UnsafeBufferPointer<UInt8>) {
    guard open.count > 0, fits(2 * chunk.count) else { return }
    let e = elements.base + Int(open.base[open.count - 1])
    if e.pointee.textCount == 0 {
      // Indentation before a child element would be trimmed away anyway: not stored.
      if chunk.allSatisfy(XMLTree.isSpace) { return }
      e.pointee.textStart = Int32(text.count)
    } else if Int(e.pointee.textStart + e.pointee.textCount) != text.count {
      // Text after a child's text (mixed content): move this element's text to the end first.
      let moved = Int32(text.count)
      text.appendCopy(from: Int(e.pointee.textStart), count: Int(e.pointee.textCount))
      e.pointee.textStart = moved
    }
    text.append(chunk)
    e.pointee.textCount += Int32(chunk.count)
  }

  func appendText(_ value: String) {
    var value = value
    value.withUTF8 { text($0) }
  }

  /// Closes the current element; true when it was the record's own (call `finish` next).
  func end() -> Bool {
    if open.count > 0 { open.removeLast() }
    return open.count == 0
  }

  /// The finished record, named from `names`; the builder is then ready for the next one.
  func finish(names: [XMLName], elementPath: String, position: Int) -> XMLTree {
    let tree = XMLTree(
      names: names, elements: elements.contents, attributes: attributes.contents, text: text.contents,
      elementPath: elementPath, position: position)
    elements.removeAll()
    attributes.removeAll()
    text.removeAll()
    return tree
  }
}

/// A growable run of plain values (no references) in memory of its own, without
/// copy-on-write: the owner frees it with `free()`.
struct RawBuffer<Element: BitwiseCopyable> {
  private(set) var base: UnsafeMutablePointer<Element>
  private(set) var count = 0
  private var capacity: Int

  init(capacity: Int) {
    base = .allocate(capacity: capacity)
    self.capacity = capacity
  }

  var contents: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

  func free() { base.deallocate() }

  mutating func removeAll() { count = 0 }

  mutating func removeLast() {
    precondition(count > 0)
    count -= 1
  }

  @inline(__always)
  mutating func append(_ value: Element) {
    if count == capacity { reserve(count + 1) }
    (base + count).initialize(to: value)
    count += 1
  }

  mutating func append(_ values: UnsafeBufferPointer<Element>) {
    guard let source = values.baseAddress, values.count > 0 else { return }
    reserve(count + values.count)
    (base + count).initialize(from: source, count: values.count)
    count += values.count
  }

  /// Appends a copy of `count` values starting at `start` (which must be in use).
  mutating func appendCopy(from start: Int, count length: Int) {
    precondition(start >= 0 && length >= 0 && start + length <= count)
    reserve(count + length)
    (base + count).initialize(from: base + start, count: length)
    count += length
  }

  private mutating func reserve(_ needed: Int) {
    guard needed > capacity else { return }
    let larger = Swift.max(needed, 2 * capacity)
    let moved = UnsafeMutablePointer<Element>.allocate(capacity: larger)
    moved.initialize(from: base, count: count)
    base.deallocate()
    base = moved
    capacity = larger
  }
}

/// One record element read from an XML file.
///
/// Two words: the place of the record lives in its tree. An `ExtractedRecord` is then no
/// larger than a CSV row, and a consumer's loop destroys each record inline; at five words,
/// the compiler destroyed every record through generic value-witness calls (5% of a CSV
/// read, callgrind).
public struct XMLRecord: Sendable {
  /// Line of the record's start tag.
  public var line: Int
  public var tree: XMLTree
  /// Element path without position, e.g. "/Export/Personen/Person".
  public var elementPath: String { tree.elementPath }
  /// Position among the records with the same element path (1-based).
  public var position: Int { tree.position }
  /// The record element.
  public var element: XMLElementNode { tree.root }

  /// Element path with position, e.g. "/Export/Personen/Person[17]"; built when asked for, as
  /// most records never need it spelled out.
  public var path: String { elementPath + "[" + String(position) + "]" }

  public init(line: Int, tree: XMLTree) {
    self.line = line
    self.tree = tree
  }
}

/// A path into a record: child elements separated by "/", an attribute as "@name", the
/// element's own text as "." (or an empty path). A step may carry a namespace prefix
/// ("k:Name") that the mapping binds to a URI; without one, the local name matches.
///
/// ```swift
/// let path = XMLPath("Name/Familienname")
/// path.values(in: record.element)          // ["Haddad"]
/// XMLPath("@id").values(in: record.element) // ["P-17"]
/// ```
public struct XMLPath: Sendable, Hashable, CustomStringConvertible {
  public struct Step: Sendable, Hashable {
    var name: String
    var namespaceURI: String?
    /// `Kennung[@typ='AZR']`: only the elements whose attribute has this value.
    var only: Only? = nil
  }
  struct Only: Sendable, Hashable {
    var attribute: String
    var namespaceURI: String?
    var value: String
  }
  var steps: [Step]
  var attribute: Step?
  public let description: String

  /// Parses a path; `namespaces` binds prefixes used in it.
  public init(_ text: String, namespaces: [String: String] = [:]) {
    description = text
    var parts = text.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
    func step(_ raw: String) -> Step {
      // `name[@attribute='value']` (or "value"): the elements whose attribute has the value.
      if raw.hasSuffix("]"), let open = raw.firstIndex(of: "["), raw[raw.index(after: open)...].hasPrefix("@"),
        let equals = raw[open...].firstIndex(of: "=")
      {
        var named = step(String(raw[..<open]))
        let attribute = step(String(raw[raw.index(open, offsetBy: 2)..<equals]))
        let quoted = raw[raw.index(after: equals)..<raw.index(before: raw.endIndex)]
        let isQuote: (Character) -> Bool = { $0 == "'" || $0 == "\"" }
        let value = String(quoted.drop(while: isQuote).reversed().drop(while: isQuote).reversed())
        named.only = Only(attribute: attribute.name, namespaceURI: attribute.namespaceURI, value: value)
        return named
      }
      if let colon = raw.firstIndex(of: ":") {
        let prefix = String(raw[..<colon])
        return Step(name: String(raw[raw.index(after: colon)...]), namespaceURI: namespaces[prefix] ?? prefix)
      }
      return Step(name: raw, namespaceURI: nil)
    }
    if let last = parts.last, last.hasPrefix("@") {
      attribute = step(String(last.dropFirst()))
      parts.removeLast()
    } else {
      attribute = nil
    }
    steps = parts.map(step)
  }

  /// The elements the path's element steps reach (the record itself for an empty path).
  public func elements(in root: XMLElementNode) -> [XMLElementNode] {
    var current = [root]
    for step in steps {
      var next: [XMLElementNode] = []
      for node in current {
        node.forEachChild {
          guard $0.isNamed(step.name, namespaceURI: step.namespaceURI) else { return }
          if let only = step.only,
            $0.attribute(only.attribute, namespaceURI: only.namespaceURI) != only.value
          {
            return
          }
          next.append($0)
        }
      }
      current = next
      if current.isEmpty { break }
    }
    return current
  }

  /// The text values the path reaches: an attribute's value or each element's trimmed text.
  public func values(in root: XMLElementNode) -> [String] {
    let nodes = elements(in: root)
    if let attribute {
      return nodes.compactMap { $0.attribute(attribute.name, namespaceURI: attribute.namespaceURI) }
    }
    return nodes.map(\.trimmedText)
  }

  /// The first value, or nil.
  public func value(in root: XMLElementNode) -> String? {
    // Only the first: no array of every value for a path that reaches one.
    let nodes = elements(in: root)
    if let attribute {
      for node in nodes {
        if let value = node.attribute(attribute.name, namespaceURI: attribute.namespaceURI) { return value }
      }
      return nil
    }
    return nodes.first?.trimmedText
  }

  /// True when `element` is what a single-step path names (used to recognise record elements).
  public func matchesElement(name: String, namespaceURI: String?) -> Bool {
    guard steps.count == 1, attribute == nil, let step = steps.first else { return false }
    return step.name == name && (step.namespaceURI == nil || step.namespaceURI == namespaceURI)
  }
}
