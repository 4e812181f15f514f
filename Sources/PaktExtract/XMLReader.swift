internal import CLibXML2
import PaktCore

/// Collects libxml2's errors instead of letting it print to stderr.
private final class XMLErrorBox {
  var message: String?
  var line: Int = 0
}

/// Streams the record elements of an XML file through libxml2's reader (xmlTextReader):
/// never a whole-document tree, only one record's subtree at a time.
///
/// Safe by construction: network access off (`XML_PARSE_NONET`), external entities and DTDs
/// never loaded or substituted (no `XML_PARSE_NOENT`, no `XML_PARSE_DTDLOAD`), no
/// `XML_PARSE_HUGE`; an entity-expansion bomb is refused by libxml2's loop and amplification
/// checks and arrives here as an unreadable file.
///
/// ```swift
/// var reader = try XMLReader(path: "samples/ulm.xml", records: [XMLPath("Person")])
/// while let record = try reader.next() { … }
/// ```
public final class XMLReader: PaktCursor {
  public let path: String
  public let records: [XMLPath]
  private let reader: xmlTextReaderPtr
  private let errors = XMLErrorBox()
  private var stack: [String] = []
  private var counters: [String: Int] = [:]
  private var finished = false
  public private(set) var rootElement: String?
  public private(set) var namespaces: [String: String] = [:]

  /// Options every pakt XML read uses (see the type's documentation).
  static let safeOptions = Int32(
    XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue | XML_PARSE_BIG_LINES.rawValue)

  /// Opens `path`; `records` names the record elements (detected with `XMLShape` when empty).
  public init(path: String, records: [XMLPath]) throws {
    self.path = path
    self.records = records
    guard let r = xmlReaderForFile(path, nil, Self.safeOptions) else {
      throw ExtractError.unreadable("cannot open the XML file", fix: "check that it exists and is readable")
    }
    reader = r
    let box = Unmanaged.passUnretained(errors).toOpaque()
    xmlTextReaderSetStructuredErrorHandler(
      reader,
      { userData, error in
        guard let userData, let error else { return }
        let box = Unmanaged<XMLErrorBox>.fromOpaque(userData).takeUnretainedValue()
        // Keep the first fatal error: it is the cause; later ones are consequences.
        if error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue, box.message == nil {
          box.message = error.pointee.message.map { String(cString: $0) }?.trimmingWhitespace()
          box.line = Int(error.pointee.line)
        }
      }, box)
  }

  deinit { xmlFreeTextReader(reader) }

  /// The next record element, or nil at the end. Throws `ExtractError.unreadable` for a
  /// document that is not well-formed (truncated, binary junk, an entity bomb).
  public func next() throws -> ExtractedRecord? {
    if finished { return nil }
    while true {
      let status = xmlTextReaderRead(reader)
      if status == 0 {
        finished = true
        if rootElement == nil {
          throw ExtractError.unreadable("the file holds no XML element", fix: "check that the export is complete")
        }
        return nil
      }
      if status < 0 { throw fatal() }
      guard xmlTextReaderNodeType(reader) == 1 else { continue }  // element start
      // The path stack holds this element's ancestors: as many as its depth.
      let depth = Int(xmlTextReaderDepth(reader))
      if stack.count > depth { stack.removeLast(stack.count - depth) }
      let (name, uri) = currentName()
      let empty = xmlTextReaderIsEmptyElement(reader) == 1
      if rootElement == nil {
        rootElement = name
        readNamespaces()
      }
      if records.contains(where: { $0.matchesElement(name: name, namespaceURI: uri) }) {
        let line = currentLine()
        let base = "/" + (stack + [name]).joined(separator: "/")
        counters[base, default: 0] += 1
        let element = try readSubtree(name: name, uri: uri, line: line, empty: empty)
        return .element(XMLRecord(line: line, path: "\(base)[\(counters[base]!)]", element: element))
      }
      if !empty { stack.append(name) }
    }
  }

  /// The line of the current node's start tag (the parser itself may already be further on).
  private func currentLine() -> Int {
    guard let node = xmlTextReaderCurrentNode(reader) else { return Int(xmlTextReaderGetParserLineNumber(reader)) }
    return Int(xmlGetLineNo(node))
  }

  /// Names and namespace URIs are interned in the reader's dictionary: the same pointer
  /// always means the same text, so each is turned into a Swift String once, not per element.
  private var names: [UnsafePointer<xmlChar>: String] = [:]

  private func interned(_ pointer: UnsafePointer<xmlChar>?) -> String? {
    guard let pointer else { return nil }
    if let known = names[pointer] { return known }
    let text = String(cString: pointer)
    names[pointer] = text
    return text
  }

  private func currentName() -> (String, String?) {
    (interned(xmlTextReaderConstLocalName(reader)) ?? "?", interned(xmlTextReaderConstNamespaceUri(reader)))
  }

  private func readNamespaces() {
    while xmlTextReaderMoveToNextAttribute(reader) == 1 {
      let name = xmlTextReaderConstName(reader).map { String(cString: $0) } ?? ""
      let value = xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? ""
      if name == "xmlns" {
        namespaces[""] = value
      } else if name.hasPrefix("xmlns:") {
        namespaces[String(name.dropFirst(6))] = value
      }
    }
    xmlTextReaderMoveToElement(reader)
  }

  private func readAttributes(into node: inout XMLElementNode) {
    guard xmlTextReaderHasAttributes(reader) == 1 else { return }
    while xmlTextReaderMoveToNextAttribute(reader) == 1 {
      let uri = interned(xmlTextReaderConstNamespaceUri(reader))
      if uri == "http://www.w3.org/2000/xmlns/" { continue }
      let name = interned(xmlTextReaderConstLocalName(reader)) ?? ""
      let value = xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? ""
      node.attributes.append(.init(name: name, namespaceURI: uri, value: value))
    }
    xmlTextReaderMoveToElement(reader)
  }

  /// Reads the record element's subtree, event by event, into a small tree.
  private func readSubtree(name: String, uri: String?, line: Int, empty: Bool) throws -> XMLElementNode {
    var root = XMLElementNode(name: name, namespaceURI: uri, line: line)
    readAttributes(into: &root)
    if empty { return root }
    var open: [XMLElementNode] = [root]
    while true {
      let status = xmlTextReaderRead(reader)
      if status == 0 {
        throw ExtractError.unreadable(
          "the file ends inside <\(name)> that starts on line \(line) (truncated export?)",
          fix: "ask the municipality for a complete export")
      }
      if status < 0 { throw fatal() }
      switch xmlTextReaderNodeType(reader) {
      case 1:
        let (childName, childURI) = currentName()
        var child = XMLElementNode(
          name: childName, namespaceURI: childURI, line: currentLine())
        readAttributes(into: &child)
        if xmlTextReaderIsEmptyElement(reader) == 1 {
          open[open.count - 1].children.append(child)
        } else {
          open.append(child)
        }
      case 3, 4:  // text, CDATA
        if let value = xmlTextReaderConstValue(reader) { open[open.count - 1].text += String(cString: value) }
      case 5:  // an entity reference left unexpanded (external entities are never loaded)
        let ref = xmlTextReaderConstName(reader).map { String(cString: $0) } ?? ""
        open[open.count - 1].text += "&\(ref);"
      case 15:  // end element
        let done = open.removeLast()
        if open.isEmpty { return done }
        open[open.count - 1].children.append(done)
      default:
        continue
      }
    }
  }

  private func fatal() -> ExtractError {
    finished = true
    let message = errors.message ?? "the XML is not well-formed"
    let line = errors.line > 0 ? " at line \(errors.line)" : ""
    if message.contains("entity reference loop") || message.contains("amplification")
      || message.contains("Excessive depth")
    {
      return .unreadable(
        "refused\(line): the document defines entities that expand without limit (\(message))",
        fix: "this is what an 'entity bomb' looks like; ask the sender for a plain export without a DTD")
    }
    return .unreadable(
      "the XML is not well-formed\(line): \(message)",
      fix: "ask the municipality for a corrected export; records of this file were not loaded")
  }
}
