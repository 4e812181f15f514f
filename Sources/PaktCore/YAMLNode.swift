import Foundation
import Yams

/// A YAML node that remembers its file and line, for configuration errors a person can act on.
///
/// pakt reads `pipeline.yml`, mapping files and the catalogue through this type so that an
/// unknown key, a missing key or a wrong type always names the file and the line.
///
/// ```swift
/// let root = try YAMLNode.load(file: "pipeline.yml")
/// let map = try root.mapping(allowed: ["sources", "warehouse"])
/// let warehouse = try map.string("warehouse")
/// ```
public struct YAMLNode {
  public let node: Node
  public let file: String

  public init(node: Node, file: String) {
    self.node = node
    self.file = file
  }

  /// Parses a YAML file; a missing or malformed file is a configuration error naming it.
  public static func load(file: String) throws -> YAMLNode {
    guard FileManager.default.fileExists(atPath: file) else {
      throw PaktError.config(
        file: file, line: nil, "file not found",
        fix: "check the path (relative paths are read from the folder of the file that names them)")
    }
    guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
    else {
      throw PaktError.config(file: file, line: nil, "cannot read the file as UTF-8 text", fix: "save it as UTF-8")
    }
    return try parse(text, file: file)
  }

  /// Aliases (`*name`) a pakt YAML file may hold. pakt's files need none. An alias bomb
  /// ("billion laughs") grows as (aliases per level) ^ levels, and one used as a mapping key
  /// kept the CPU busy for minutes; with 20 aliases in all it expands at most about 1,600-fold.
  public static let maxAliases = 20
  /// The largest YAML file pakt reads (a mapping with thousands of program decisions is < 1 MB).
  public static let maxBytes = 16 << 20

  /// Parses YAML text; `file` is used in error messages.
  public static func parse(_ text: String, file: String) throws -> YAMLNode {
    if text.utf8.count > maxBytes {
      throw PaktError.config(
        file: file, line: nil, "the file is larger than \(maxBytes >> 20) MB, more than a pakt YAML file holds",
        fix: "check that this is the right file")
    }
    // Counted on the text, before anything is composed: an alias is `*` after a space, a
    // comma, a bracket, a colon or a dash, or at the start of a line.
    var aliases = 0
    var previous: UInt8 = 0x0A
    for byte in text.utf8 {
      if byte == 0x2A && [0x0A, 0x20, 0x2C, 0x5B, 0x7B, 0x3A, 0x2D, 0x09].contains(previous) { aliases += 1 }
      previous = byte
    }
    if aliases > maxAliases {
      throw PaktError.config(
        file: file, line: nil, "the file holds \(aliases) YAML aliases (*name); pakt reads at most \(maxAliases)",
        fix: "write the values out instead of referring to anchors")
    }
    do {
      guard let node = try Yams.compose(yaml: text) else {
        return YAMLNode(node: Node.mapping(Node.Mapping([])), file: file)
      }
      return YAMLNode(node: node, file: file)
    } catch let error as YamlError {
      throw PaktError.config(
        file: file, line: Self.line(of: error), "not valid YAML: \(Self.problem(of: error))",
        fix: "check indentation and quoting near that line")
    }
  }

  private static func line(of error: YamlError) -> Int? {
    switch error {
    case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
    default: return nil
    }
  }

  private static func problem(of error: YamlError) -> String {
    switch error {
    case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
      .composer(let context, let problem, _, _):
      if let context { return "\(problem) (\(context.text))" }
      return problem
    case .duplicatedKeysInMapping(let duplicates, _):
      return "duplicated keys: \(duplicates.joined(separator: ", "))"
    default: return "\(error)"
    }
  }

  public var line: Int? { node.mark?.line }

  /// An error at this node.
  public func error(_ message: String, fix: String? = nil) -> PaktError {
    PaktError.config(file: file, line: line, message, fix: fix)
  }

  /// This node as a mapping; any key outside `allowed` is an error that lists the allowed keys.
  public func mapping(allowed: Set<String>? = nil, what: String = "this section") throws -> YAMLMapping {
    guard case .mapping(let m) = node else {
      throw error("\(what) must be a mapping of `key: value` lines, found \(kind)")
    }
    var entries: [(key: String, keyLine: Int?, value: YAMLNode)] = []
    var seen: Set<String> = []
    for (k, v) in m {
      guard case .scalar(let s) = k else {
        throw YAMLNode(node: k, file: file).error("a key must be plain text")
      }
      let keyNode = YAMLNode(node: k, file: file)
      if let allowed, !allowed.contains(s.string) {
        let suggestion = closest(s.string, in: allowed).map { " Did you mean '\($0)'?" } ?? ""
        throw keyNode.error(
          "unknown key '\(s.string)' in \(what).\(suggestion)",
          fix: "allowed keys: \(allowed.sorted().joined(separator: ", "))")
      }
      if seen.contains(s.string) { throw keyNode.error("key '\(s.string)' appears twice in \(what)") }
      seen.insert(s.string)
      entries.append((s.string, keyNode.line, YAMLNode(node: v, file: file)))
    }
    return YAMLMapping(owner: self, entries: entries)
  }

  /// This node as a sequence (a single scalar is read as a one-element sequence).
  public func sequence(what: String = "this value") throws -> [YAMLNode] {
    switch node {
    case .sequence(let s): return s.map { YAMLNode(node: $0, file: file) }
    case .scalar: return [self]
    default: throw error("\(what) must be a list, found \(kind)")
    }
  }

  /// This node as text.
  public func string(what: String = "this value") throws -> String {
    guard case .scalar(let s) = node else { throw error("\(what) must be text, found \(kind)") }
    return s.string
  }

  /// This node as a number.
  public func double(what: String = "this value") throws -> Double {
    let text = try string(what: what)
    guard let value = Double(text) else { throw error("\(what) must be a number, found '\(text)'") }
    return value
  }

  /// This node as true/false.
  public func bool(what: String = "this value") throws -> Bool {
    let text = try string(what: what).lowercased()
    switch text {
    case "true", "yes", "on": return true
    case "false", "no", "off": return false
    default: throw error("\(what) must be true or false, found '\(text)'")
    }
  }

  /// Whether this is a mapping of `key: value` lines.
  public var isMapping: Bool {
    if case .mapping = node { return true }
    return false
  }

  public var isNull: Bool {
    if case .scalar(let s) = node { return s.tag == Tag(.null) || s.string == "~" || s.string.isEmpty }
    return false
  }

  var kind: String {
    switch node {
    case .scalar(let s): return "the text '\(s.string)'"
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    }
  }
}

/// The entries of a YAML mapping, in file order, with typed accessors that report file and line.
public struct YAMLMapping {
  public let owner: YAMLNode
  public let entries: [(key: String, keyLine: Int?, value: YAMLNode)]

  public subscript(key: String) -> YAMLNode? {
    entries.first { $0.key == key }?.value
  }

  public var keys: [String] { entries.map(\.key) }

  /// The value at `key`, which must be present.
  public func require(_ key: String, what: String? = nil) throws -> YAMLNode {
    guard let v = self[key] else {
      throw owner.error("missing key '\(key)'\(what.map { " (\($0))" } ?? "")", fix: "add a line `\(key): …`")
    }
    return v
  }

  public func string(_ key: String) throws -> String { try require(key).string(what: "'\(key)'") }
  public func optionalString(_ key: String) throws -> String? {
    guard let v = self[key], !v.isNull else { return nil }
    return try v.string(what: "'\(key)'")
  }
  public func optionalDouble(_ key: String) throws -> Double? {
    guard let v = self[key], !v.isNull else { return nil }
    return try v.double(what: "'\(key)'")
  }
  public func optionalBool(_ key: String) throws -> Bool? {
    guard let v = self[key], !v.isNull else { return nil }
    return try v.bool(what: "'\(key)'")
  }
  /// A list of strings (a single string counts as a list of one).
  public func strings(_ key: String) throws -> [String] {
    guard let v = self[key], !v.isNull else { return [] }
    return try v.sequence(what: "'\(key)'").map { try $0.string(what: "an entry of '\(key)'") }
  }
  /// A mapping of text to text (value maps, program maps).
  public func stringMap(_ key: String) throws -> [(key: String, value: String, line: Int?)] {
    guard let v = self[key], !v.isNull else { return [] }
    return try v.mapping(what: "'\(key)'").entries.map {
      ($0.key, try $0.value.string(what: "the value of '\($0.key)'"), $0.keyLine)
    }
  }
}

/// The allowed word closest to `word` (edit distance at most 3), for "did you mean" hints.
///
/// ```swift
/// closest("sorces", in: ["sources", "warehouse"])  // "sources"
/// ```
public func closest(_ word: String, in candidates: Set<String>) -> String? {
  let scored = candidates.map { ($0, editDistance(Array(word.lowercased()), Array($0.lowercased()))) }
  guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }), best.1 <= 3 else {
    return nil
  }
  return best.0
}

/// Levenshtein distance between two sequences; with `limit`, it stops as soon as the distance
/// must exceed it and returns `limit + 1` (the linker only asks "at most one edit?").
///
/// ```swift
/// editDistance(Array("kitten"), Array("sitting")) // 3
/// editDistance(Array("kitten"), Array("sitting"), limit: 1) // 2
/// ```
public func editDistance<T: Equatable>(_ a: [T], _ b: [T], limit: Int = .max) -> Int {
  if a == b { return 0 }
  if limit < .max && abs(a.count - b.count) > limit { return limit + 1 }
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var previous = Array(0...b.count)
  var current = [Int](repeating: 0, count: b.count + 1)
  for i in 1...a.count {
    current[0] = i
    var rowMinimum = i
    for j in 1...b.count {
      let cost = a[i - 1] == b[j - 1] ? 0 : 1
      current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      rowMinimum = Swift.min(rowMinimum, current[j])
    }
    if rowMinimum > limit { return limit + 1 }
    swap(&previous, &current)
  }
  return previous[b.count]
}
