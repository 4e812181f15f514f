import Foundation
import PaktCore
import PaktExtract

/// A source's mapping file (`mappings/<source>.yml`): how its columns or XML paths, values
/// and program names become pakt's canonical model. Everything is data a steward edits.
///
/// ```yaml
/// municipality: Freiburg im Breisgau
/// ags: "08311000"
/// read: { encoding: windows-1252, delimiter: ";" }   # optional: detected otherwise
/// person: { id: Klienten-Nr. }                       # obvious headers need no line
/// values: { sex: { "1": male, "2": female } }
/// programs: { "IK Alpha Caritas": SPR-IK-ALPHA }
/// ```
///
/// XML exports list their record elements, each with its own sections:
///
/// ```yaml
/// xml:
///   namespaces: { k: "urn:example:karlsruhe" }
///   records:
///     - element: k:Person
///       person: { id: "@id", family_name: k:Name/k:Familienname }
///       participation: { each: k:Massnahmen/k:Massnahme, program: k:Bezeichnung }
///     - element: k:Teilnahme
///       person_ref: "@person"
///       participation: { program: k:Programm }
/// ```
///
/// A workbook whose persons and measures stand on two sheets is read sheet by sheet, each
/// sheet with its own header, the rows of each naming their person by the same id column:
///
/// ```yaml
/// read: { sheets: [Personen, Maßnahmen] }
/// person: { id: Kennung }
/// ```
public struct MappingFile: Sendable {
  /// A column name or XML path that feeds a canonical field, with the line that says so.
  public struct Binding: Sendable {
    public var field: FieldRef
    public var column: String
    public var line: Int?
  }

  /// Potentials as key/value elements of a repeating group:
  ///
  /// ```yaml
  /// potential:
  ///   each: Potenziale/Potenzial
  ///   key: art
  ///   value: wert
  ///   keys: { Sprache: language_level, Schule: school_years, Beruf: occupation }
  /// ```
  public struct KeyedPotentials: Sendable {
    public var each: String
    public var key: String
    public var value: String
    public var keys: [String: Potential.Kind]
  }

  /// One kind of record and what it holds.
  public struct RecordMapping: Sendable {
    /// XML: the record element; nil for CSV (every row).
    public var element: String?
    /// XML: a path holding the id of a person listed elsewhere in the delivery.
    public var personRef: String?
    public var personRefLine: Int?
    public var bindings: [Binding] = []
    /// XML: a repeating group inside the record, per section (e.g. participation → Massnahmen/Massnahme).
    public var each: [Section: String] = [:]
    /// XML: potentials written as key and value elements (`<Potenzial><art>Sprache</art>
    /// <wert>B1</wert></Potenzial>`): the group, the key's and the value's paths inside it, and
    /// each key's potential (keys folded).
    public var keyedPotentials: KeyedPotentials?
    public var line: Int?

    public func bindings(in section: Section) -> [Binding] { bindings.filter { $0.field.section == section } }
    public func binding(_ section: Section, _ name: String) -> Binding? {
      bindings.first { $0.field.section == section && $0.field.name == name }
    }
  }

  public var file: String
  public var municipality: String?
  public var ags: String?
  public var read: ReadOptions
  public var dateOrder: DateNormalizer.Order = .dmy
  /// Whether the mapping says `dates:`; where it does not, a file whose dates can only be read
  /// month first is read so (see `RecordMapper`).
  public var dateOrderStated = false
  public var records: [RecordMapping]
  public var namespaces: [String: String] = [:]
  /// value maps per canonical value kind: sex, status, nationality, accommodation, language_level.
  public var values: [String: [String: String]] = [:]
  /// local program name (folded) → catalogue code, with the line.
  public var programs: [String: (code: String, name: String, line: Int?)] = [:]
  /// The decisions every source shares (`mappings/programs.yml`), below this file's own.
  public var sharedPrograms: [String: (code: String, name: String, line: Int?)] = [:]
  /// True when the mapping has its own `records:` (XML); false for the implicit CSV record.
  public var isXML: Bool

  static let topKeys: Set<String> = [
    "source", "municipality", "ags", "read", "dates", "person", "participation", "potential", "residence",
    "case", "xml", "values", "programs",
  ]
  static let valueKinds: Set<String> = [
    "sex", "status", "nationality", "accommodation", "language_level", "school_years", "work_experience",
  ]

  /// Loads and validates a mapping file against the catalogue.
  public static func load(file: String, catalogue: Catalogue) throws -> MappingFile {
    let root = try YAMLNode.load(file: file)
    let top = try root.mapping(allowed: topKeys, what: "the mapping file")
    let read = try top["read"].map(readOptions) ?? ReadOptions()
    var mapping = MappingFile(
      file: file, municipality: try top.optionalString("municipality"), ags: try top.optionalString("ags"), read: read,
      records: [], isXML: top["xml"] != nil)
    if let dates = top["dates"] {
      let text = try dates.string(what: "'dates'").lowercased()
      guard let order = DateNormalizer.Order(rawValue: text) else {
        throw dates.error("dates must be dmy, mdy or ymd (the order of day, month and year), found '\(text)'")
      }
      mapping.dateOrder = order
      mapping.dateOrderStated = true
    }
    if let xml = top["xml"] {
      try mapping.readXMLRecords(xml, top: top)
    } else {
      var record = RecordMapping(element: nil, line: 1)
      try parseSections(top, into: &record, allowEach: false)
      mapping.records = [record]
    }
    if let v = top["values"] {
      let m = try v.mapping(allowed: valueKinds, what: "'values'")
      for entry in m.entries {
        var map: [String: String] = [:]
        for pair in try m.stringMap(entry.key) { map[TextFold.fold(Mojibake.repair(pair.key))] = pair.value }
        mapping.values[entry.key] = map
      }
    }
    try mapping.readPrograms(top, catalogue: catalogue)
    return mapping
  }

  /// The `read:` block: format, encoding, delimiter, quote, header line, sheet.
  static func readOptions(_ r: YAMLNode) throws -> ReadOptions {
    var read = ReadOptions()
    let m = try r.mapping(
      allowed: ["format", "encoding", "delimiter", "quote", "header_line", "sheet", "sheets"], what: "'read'")
    if let f = try m.optionalString("format") {
      guard let format = FileFormat(rawValue: f.lowercased()),
        [.csv, .xml, .xlsx, .xls, .ods, .html, .xmlss].contains(format)
      else {
        throw try m.require("format").error(
          "unknown format '\(f)'", fix: "use csv, xml, xlsx, xls, ods, html or xmlss (Excel 2003 XML)")
      }
      read.format = format
    }
    // One sheet, or a list of sheets read as parts of one delivery (`sheets:` or `sheet:`).
    if m["sheet"] != nil && m["sheets"] != nil {
      throw try m.require("sheets").error(
        "both `sheet:` and `sheets:` are given", fix: "list every sheet to read under `sheets:`")
    }
    let sheets = try m.strings(m["sheets"] != nil ? "sheets" : "sheet")
    if sheets.count == 1 {
      read.sheet = sheets[0]
    } else if Set(sheets).count < sheets.count {
      throw try m.require(m["sheets"] != nil ? "sheets" : "sheet").error(
        "a sheet is listed twice", fix: "list each sheet once")
    } else {
      read.sheets = sheets
    }
    if let e = try m.optionalString("encoding") {
      guard let enc = TextEncoding(name: e) else {
        throw try m.require("encoding").error(
          "unknown encoding '\(e)'",
          fix: "use one of: \(TextEncoding.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      read.csv.encoding = enc
    }
    if let d = try m.optionalString("delimiter") {
      let text = d == "\\t" || d.lowercased() == "tab" ? "\t" : d
      guard text.utf8.count == 1 else {
        throw try m.require("delimiter").error(
          "the delimiter must be one character, found '\(d)'", fix: "e.g. \";\" or tab")
      }
      read.csv.delimiter = text.utf8.first
    }
    if let q = try m.optionalString("quote") {
      guard q.utf8.count == 1 else { throw try m.require("quote").error("the quote must be one character") }
      read.csv.quote = q.utf8.first
    }
    if let h = try m.optionalString("header_line") {
      guard let n = Int(h), n >= 0 else {
        throw try m.require("header_line").error("header_line must be a line number (0: no header)")
      }
      read.csv.headerLine = n
    }
    return read
  }

  /// `xml: records:`: one record mapping per element, with the namespaces they use.
  mutating func readXMLRecords(_ xml: YAMLNode, top: YAMLMapping) throws {
    let x = try xml.mapping(allowed: ["namespaces", "records"], what: "'xml'")
    for entry in try x.stringMap("namespaces") { namespaces[entry.key] = entry.value }
    for node in try x.require("records").sequence(what: "'records'") {
      let r = try node.mapping(
        allowed: Set(["element", "person_ref"] + Section.allCases.map(\.rawValue)), what: "a record")
      var record = RecordMapping(element: try r.string("element"), line: node.line)
      record.personRef = try r.optionalString("person_ref")
      record.personRefLine = r.entries.first { $0.key == "person_ref" }?.keyLine
      try Self.parseSections(r, into: &record, allowEach: true)
      records.append(record)
    }
    for section in Section.allCases where top[section.rawValue] != nil {
      throw try top.require(section.rawValue).error(
        "with `xml:`, '\(section.rawValue)' belongs inside a record under `xml: records:`")
    }
    read.format = .xml
    read.xmlRecords = records.compactMap {
      $0.element.map { XMLPath($0, namespaces: namespaces) }
    }
  }

  /// `programs:`: local program names decided onto catalogue codes.
  mutating func readPrograms(_ top: YAMLMapping, catalogue: Catalogue) throws {
    for entry in try top.stringMap("programs") {
      guard catalogue[entry.value] != nil else {
        let hint = closest(entry.value, in: Set(catalogue.measures.map(\.code))).map { " (did you mean \($0)?)" } ?? ""
        throw PaktError.config(
          file: file, line: entry.line,
          "'\(entry.key)' is mapped to '\(entry.value)', which is not a catalogue code\(hint)",
          fix: "use a code from mappings/catalogue.yml, e.g. `pakt mappings suggest` lists candidates")
      }
      programs[TextFold.fold(Mojibake.repair(entry.key))] = (entry.value, entry.key, entry.line)
    }
  }

  static func parseSections(_ m: YAMLMapping, into record: inout RecordMapping, allowEach: Bool) throws {
    for section in Section.allCases {
      guard let node = m[section.rawValue] else { continue }
      let keyed = allowEach && section == .potential && (try? node.mapping())?["key"] != nil
      let allowed = Set(
        section.fields + (allowEach ? ["each"] : []) + (keyed ? ["key", "value", "keys"] : []))
      let s = try node.mapping(allowed: allowed, what: "'\(section.rawValue)'")
      if keyed {
        guard let each = try s.optionalString("each"), let value = try s.optionalString("value") else {
          throw node.error(
            "potentials as key and value need `each:` (the repeating element) and `value:` beside `key:`",
            fix:
              "e.g. potential: { each: Potenziale/Potenzial, key: art, value: wert, keys: { Sprache: language_level } }"
          )
        }
        var keys: [String: Potential.Kind] = [:]
        for entry in try s.stringMap("keys") {
          guard let kind = Potential.Kind(rawValue: entry.value) else {
            throw try s.require("keys").error(
              "'\(entry.value)' (for '\(entry.key)') is not a potential",
              fix: "use one of: \(Potential.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
          }
          keys[TextFold.fold(entry.key)] = kind
        }
        record.keyedPotentials = KeyedPotentials(each: each, key: try s.string("key"), value: value, keys: keys)
        continue
      }
      for entry in s.entries {
        let column = try entry.value.string(what: "'\(section.rawValue).\(entry.key)'")
        if entry.key == "each" {
          record.each[section] = column
        } else {
          record.bindings.append(Binding(field: FieldRef(section, entry.key), column: column, line: entry.keyLine))
        }
      }
    }
  }

  /// The code a steward mapped this local name to for this source.
  public func explicitCode(for name: String) -> String? { programs[TextFold.fold(name)]?.code }

  /// The code a steward mapped this local name to for every source.
  public func sharedCode(for name: String) -> String? { sharedPrograms[TextFold.fold(name)]?.code }

  /// The decisions every source shares: the `programs:` and `values:` of the shared files that
  /// exist (nil when neither does). Each is read like a mapping file, so a wrong code fails
  /// with its file and line.
  ///
  /// ```swift
  /// let shared = try MappingFile.loadShared(
  ///   files: ["mappings/programs.yml", "mappings/values.yml"], catalogue: catalogue)
  /// let mapping = try MappingFile.load(file: "mappings/ulm.yml", catalogue: catalogue).withShared(shared)
  /// ```
  public static func loadShared(files: [String], catalogue: Catalogue) throws -> MappingFile? {
    var shared: MappingFile?
    for file in files where FileManager.default.fileExists(atPath: file) {
      let one = try load(file: file, catalogue: catalogue)
      var merged = shared ?? one
      if shared != nil {
        merged.programs.merge(one.programs) { first, _ in first }
        for (kind, map) in one.values { merged.values[kind, default: [:]].merge(map) { first, _ in first } }
      }
      shared = merged
    }
    return shared
  }

  /// This mapping with the shared decisions under its own: the shared program names, and each
  /// shared value map entry this file does not set itself.
  public func withShared(_ shared: MappingFile?) -> MappingFile {
    guard let shared else { return self }
    var merged = self
    merged.sharedPrograms = shared.programs
    for (kind, map) in shared.values {
      merged.values[kind] = map.merging(values[kind] ?? [:]) { _, own in own }
    }
    return merged
  }
}
