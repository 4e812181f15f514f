internal import CLibXML2

/// Finds the record elements of an XML export whose mapping does not name them.
///
/// Record elements are the repeating elements that carry data (children or attributes) and
/// are not nested inside another such element: `<Person>` in `<Export><Person>…`, and both
/// `<Person>` and `<Teilnahme>` in an export that lists them side by side. Only the first
/// 50,000 elements are looked at.
///
/// ```swift
/// let shape = try XMLShape.detect(path: "samples/ulm.xml")
/// shape.recordElements  // ["Person"]
/// ```
public struct XMLShape: Sendable {
  public var rootElement: String?
  public var recordElements: [String]
  public var namespaces: [String: String]

  public static func detect(path: String, maxElements: Int = 50_000) throws -> XMLShape {
    guard let reader = xmlReaderForFile(path, nil, XMLReader.safeOptions) else {
      throw ExtractError.unreadable("cannot open the XML file", fix: "check that it exists and is readable")
    }
    defer { xmlFreeTextReader(reader) }
    xmlTextReaderSetStructuredErrorHandler(reader, { _, _ in }, nil)
    struct Stat {
      var count = 0
      var order: Int
      var carriesData = false
    }
    var stats: [String: Stat] = [:]
    var stack: [String] = []
    var seen = 0
    var root: String?
    var namespaces: [String: String] = [:]
    while seen < maxElements {
      let status = xmlTextReaderRead(reader)
      if status <= 0 { break }
      guard xmlTextReaderNodeType(reader) == 1 else { continue }
      seen += 1
      let depth = Int(xmlTextReaderDepth(reader))
      if stack.count > depth { stack.removeLast(stack.count - depth) }
      let name = xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? "?"
      if root == nil {
        root = name
        while xmlTextReaderMoveToNextAttribute(reader) == 1 {
          let n = xmlTextReaderConstName(reader).map { String(cString: $0) } ?? ""
          let v = xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? ""
          if n == "xmlns" {
            namespaces[""] = v
          } else if n.hasPrefix("xmlns:") {
            namespaces[String(n.dropFirst(6))] = v
          }
        }
        xmlTextReaderMoveToElement(reader)
      }
      let path = (stack + [name]).joined(separator: "/")
      var stat = stats[path] ?? Stat(order: stats.count)
      stat.count += 1
      if xmlTextReaderHasAttributes(reader) == 1 { stat.carriesData = true }
      stats[path] = stat
      // A child marks its parent as carrying data.
      if !stack.isEmpty { stats[stack.joined(separator: "/")]?.carriesData = true }
      if xmlTextReaderIsEmptyElement(reader) != 1 { stack.append(name) }
    }
    let candidates = stats.filter { $0.value.count >= 2 && $0.value.carriesData && $0.key.contains("/") }
    var chosen = candidates.keys.filter { path in
      !candidates.keys.contains { other in other != path && path.hasPrefix(other + "/") }
    }
    if chosen.isEmpty, let root {
      // A file with a single record: the root's children.
      chosen = stats.keys.filter { $0.hasPrefix(root + "/") && !$0.dropFirst(root.count + 1).contains("/") }
    }
    chosen.sort { stats[$0]!.order < stats[$1]!.order }
    var names: [String] = []
    for path in chosen {
      let last = String(path.split(separator: "/").last!)
      if !names.contains(last) { names.append(last) }
    }
    return XMLShape(rootElement: root, recordElements: names, namespaces: namespaces)
  }
}
