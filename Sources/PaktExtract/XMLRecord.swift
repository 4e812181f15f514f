/// An XML element with its attributes, text and children: the subtree of one record.
///
/// Only one record's subtree is held at a time, so memory is bounded by the largest record,
/// not by the file.
public struct XMLElementNode: Sendable {
  public struct Attribute: Sendable {
    public var name: String
    public var namespaceURI: String?
    public var value: String
  }
  public var name: String
  public var namespaceURI: String?
  public var attributes: [Attribute] = []
  public var text: String = ""
  public var children: [XMLElementNode] = []
  public var line: Int

  public init(name: String, namespaceURI: String?, line: Int) {
    self.name = name
    self.namespaceURI = namespaceURI
    self.line = line
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
    out += text.trimmingWhitespace()
    for c in children { c.render(into: &out, limit: limit) }
    out += "</\(name)>"
  }
}

/// One record element read from an XML file.
public struct XMLRecord: Sendable {
  /// Line of the record's start tag.
  public var line: Int
  /// Element path with position, e.g. "/Export/Personen/Person[17]".
  public var path: String
  public var element: XMLElementNode

  public init(line: Int, path: String, element: XMLElementNode) {
    self.line = line
    self.path = path
    self.element = element
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
  }
  var steps: [Step]
  var attribute: Step?
  public let description: String

  /// Parses a path; `namespaces` binds prefixes used in it.
  public init(_ text: String, namespaces: [String: String] = [:]) {
    description = text
    var parts = text.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
    func step(_ raw: String) -> Step {
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
      current = current.flatMap { node in
        node.children.filter {
          $0.name == step.name && (step.namespaceURI == nil || $0.namespaceURI == step.namespaceURI)
        }
      }
      if current.isEmpty { break }
    }
    return current
  }

  /// The text values the path reaches: an attribute's value or each element's trimmed text.
  public func values(in root: XMLElementNode) -> [String] {
    let nodes = elements(in: root)
    if let attribute {
      return nodes.compactMap { node in
        node.attributes.first {
          $0.name == attribute.name && (attribute.namespaceURI == nil || $0.namespaceURI == attribute.namespaceURI)
        }?.value
      }
    }
    return nodes.map { $0.text.trimmingWhitespace() }
  }

  /// The first value, or nil.
  public func value(in root: XMLElementNode) -> String? { values(in: root).first }

  /// True when `element` is what a single-step path names (used to recognise record elements).
  public func matchesElement(name: String, namespaceURI: String?) -> Bool {
    guard steps.count == 1, attribute == nil, let step = steps.first else { return false }
    return step.name == name && (step.namespaceURI == nil || step.namespaceURI == namespaceURI)
  }
}

extension String {
  /// Without leading and trailing spaces, tabs and line breaks.
  func trimmingWhitespace() -> String {
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
    let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
    return String(scalars[first...last])
  }
}
