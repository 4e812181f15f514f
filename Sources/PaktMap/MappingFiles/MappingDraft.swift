import Foundation
import PaktCore
import PaktExtract

/// Drafts a mapping file for a new source from what pakt recognises in one of its files.
///
/// ```swift
/// let draft = try MappingDraft.make(path: "export.csv", municipality: "Heilbronn")
/// print(draft.yaml)          // a mapping file to review and save
/// print(draft.unrecognised)  // columns a steward must look at
/// ```
public struct MappingDraft: Sendable {
  public var yaml: String
  public var recognised: [(column: String, field: String)]
  public var unrecognised: [String]

  public static func make(path: String, municipality: String?) throws -> MappingDraft {
    let file = try OpenedFile(path: path)
    let layout = file.layout
    var lines: [String] = [
      "# Mapping drafted by `pakt mappings init` from \((path as NSString).lastPathComponent)",
      "# (\(layout.summary)). Review every line, then add the source to pipeline.yml.",
      "municipality: \(municipality.map(MappingEditor.quote) ?? "\"\"  # the exporting municipality")",
      "# ags: \"08…\"  # its Amtlicher Gemeindeschlüssel",
    ]
    var recognised: [(String, String)] = []
    var unrecognised: [String] = []
    if layout.format.isTable {
      if layout.format == .csv && layout.encoding != "utf-8" {
        lines.append("read:\n  encoding: \(layout.encoding)  # detected")
      }
      let readAt = lines.count
      let order = try tabular(file, layout: layout, lines: &lines, recognised: &recognised, unrecognised: &unrecognised)
      if let sheet = layout.sheet, let others = layout.otherSheets {
        lines.insert(
          contentsOf: try sheetLines(
            path: path, sheet: sheet, others: others, recognised: &recognised, unrecognised: &unrecognised),
          at: readAt)
      }
      lines.insert(contentsOf: dateOrderLines(order), at: 4)
    } else {
      lines.append("xml:")
      if let ns = layout.namespaces, !ns.isEmpty {
        lines.append("  namespaces:")
        for (prefix, uri) in ns.sorted(by: { $0.key < $1.key }) {
          lines.append("    \(prefix.isEmpty ? "d" : prefix): \(MappingEditor.quote(uri))")
        }
      }
      lines.append("  records:")
      let drafts = try XMLDraft.records(of: file, elements: layout.recordElements ?? [])
      var order = DateNormalizer.OrderEvidence()
      for d in drafts {
        lines += d.lines
        recognised += d.recognised
        unrecognised += d.unrecognised
        order.merge(d.dateOrder)
      }
      lines.insert(contentsOf: dateOrderLines(order), at: 4)
    }
    lines.append("# programs:  # local program name → catalogue code; `pakt mappings accept` writes these")
    return MappingDraft(yaml: lines.joined(separator: "\n") + "\n", recognised: recognised, unrecognised: unrecognised)
  }

  /// The `read:` lines of a workbook whose other sheets hold rows. A sheet that has the first
  /// sheet's person id column (by its name, or one named like a person id) is read with it as
  /// a part of the delivery (`sheets:`): "Maßnahmen" beside "Personen", each row naming its
  /// person by "Kennung". Its columns are listed as the first sheet's are; pakt recognises
  /// them by their headers when it reads the sheet. Other sheets are named for the steward.
  static func sheetLines(
    path: String, sheet: String, others: [String], recognised: inout [(String, String)],
    unrecognised: inout [String]
  ) throws -> [String] {
    let idField = FieldRef(.person, "id")
    let idColumn = recognised.first { $0.1 == idField.description }?.0
    var parts: [String] = []
    var partLines: [String] = []
    for other in others {
      guard let opened = try? OpenedFile(path: path, options: ReadOptions(sheet: other)) else { continue }
      let header = opened.layout.header ?? []
      let keyed = header.contains { column in
        idColumn.map { TextFold.compact($0) == TextFold.compact(column) } ?? false
          || HeaderSynonyms.field(for: column) == idField
      }
      guard keyed else { continue }
      parts.append(other)
      partLines.append("# Sheet \(MappingEditor.quote(other)), read with it: its rows name their person by the id")
      for column in header {
        if let field = HeaderSynonyms.field(for: column) {
          recognised.append((column, field.description))
          partLines.append("#   \(column) → \(field) (header)")
        } else {
          unrecognised.append(column)
          partLines.append("#   \(MappingEditor.quote(column)): not recognised; map it if it matters")
        }
      }
    }
    let unread = others.filter { !parts.contains($0) }
    var lines: [String] = []
    if parts.isEmpty {
      lines.append("read:\n  sheet: \(MappingEditor.quote(sheet))")
    } else {
      lines.append("read:\n  sheets: [\(([sheet] + parts).map(MappingEditor.quote).joined(separator: ", "))]")
      lines += partLines
    }
    if !unread.isEmpty {
      lines.append("# \(FileLayout.unreadSheetsNote(unread)) (a mapping of its own, in a source of its own)")
    }
    return lines
  }

  /// `dates: mdy` where the sampled dates can only be read month first (03/16/2023), a
  /// warning where some can only be read one way and some only the other; nothing otherwise
  /// (pakt reads day first).
  static func dateOrderLines(_ order: DateNormalizer.OrderEvidence) -> [String] {
    if order.monthFirstOnly {
      return ["dates: mdy  # detected: \(order.description)"]
    }
    if order.monthFirst > 0 {
      return [
        "# dates: \(order.description). pakt reads day first; check the export and say `dates: mdy` if it writes month first"
      ]
    }
    return []
  }

  /// The lines of a CSV or workbook's draft: each column's header and content decide its
  /// field; an id column is proposed where none was recognised. Returns what the dates of the
  /// date columns say about their order.
  static func tabular(
    _ file: OpenedFile, layout: FileLayout, lines: inout [String], recognised: inout [(String, String)],
    unrecognised: inout [String]
  ) throws -> DateNormalizer.OrderEvidence {
    var order = DateNormalizer.OrderEvidence()
    // Each column's header and content: the content confirms the header, corrects it (a
    // column of dates named "Abschluss" is no outcome; "NAME" holding "FAMILY, GIVEN" is the
    // full name), or names a column whose header says nothing.
    let header = layout.header ?? []
    var profiles = [ColumnProfile](repeating: ColumnProfile(), count: header.count)
    var rows = 0
    while rows < 500, let record = try file.next() {
      guard case .row(let row) = record else { continue }
      rows += 1
      for (i, value) in row.fields.enumerated() where i < profiles.count { profiles[i].add(value) }
    }
    var explicit: [Section: [String]] = [:]
    var taken = Set<FieldRef>()
    var confirmed: [String] = []
    let byHeaders = header.map(HeaderSynonyms.field(for:))
    for (i, column) in header.enumerated() {
      let profile = profiles[i]
      let byHeader = byHeaders[i]
      // A name column beside which no given name is kept, holding two words or more in most
      // rows ("Amina Haddad", "HADDAD Amina"): given and family name together.
      let fullName = FieldRef(.person, "full_name")
      if byHeader == FieldRef(.person, "family_name"), !byHeaders.contains(FieldRef(.person, "given_name")),
        !byHeaders.contains(fullName), profile.holdsBothNames
      {
        taken.insert(fullName)
        recognised.append((column, fullName.description))
        explicit[.person, default: []].append(
          "  full_name: \(MappingEditor.quote(column))  # given and family name in one column: "
            + ColumnProfile.bothNamesSplit)
        continue
      }
      // A second column named like a field another column feeds ("Staatsangehörigkeit" and
      // "Herkunftsland"): the first feeds it, as when loading; this one is left to the steward.
      if let field = byHeader, let first = recognised.first(where: { $0.1 == field.description }) {
        unrecognised.append(column)
        lines.append(
          "# \(MappingEditor.quote(column)): named like \(field) too, which \(MappingEditor.quote(first.0)) feeds: "
            + "map it by hand if it matters")
        continue
      }
      let decision = ColumnProfile.decide(header: byHeader, profile: profile, taken: taken)
      guard let field = decision.field else {
        unrecognised.append(column)
        if let why = decision.note { lines.append("# \(MappingEditor.quote(column)): \(why)") }
        continue
      }
      taken.insert(field)
      recognised.append((column, field.description))
      if ColumnProfile.dateFields.contains(field.name) { order.merge(profile.order) }
      if decision.explicit {
        explicit[field.section, default: []].append(
          "  \(field.name): \(MappingEditor.quote(column))  # \(decision.note ?? "by its content")")
      } else {
        confirmed.append("#   \(column) → \(field)\(profile.values > 0 ? " (\(decision.note ?? "header"))" : "")")
      }
    }
    if !confirmed.isEmpty {
      lines.append("# Recognised columns (they need no line):")
      lines += confirmed
    }
    if !unrecognised.isEmpty {
      lines.append("# Columns pakt did not recognise: map those that matter under the right section,")
      lines.append("# e.g. `person:` with `id: \(MappingEditor.quote(unrecognised[0]))`.")
      for c in unrecognised { lines.append("#   \(MappingEditor.quote(c))") }
    }
    if !taken.contains(FieldRef(.person, "id")) {
      // An id is a column whose values tell rows apart and are neither dates nor names.
      let candidate = header.indices.first { i in
        !recognised.contains { $0.0 == header[i] } && profiles[i].looksLikeID
      }
      explicit[.person, default: []].insert(
        candidate.map {
          "  id: \(MappingEditor.quote(header[$0]))  # distinct values in every row: check it is the person's id"
        }
          ?? "  # id: no column holds a person id: each row is its own record (\"#line\"); name the id column if there is one",
        at: 0)
    }
    for section in Section.allCases {
      guard let entries = explicit[section] else { continue }
      lines.append("\(section.rawValue):")
      lines += entries
    }
    return order
  }
}

/// Drafting the records of an XML export: which paths feed which fields, which child elements
/// repeat (a group: `each:`), which groups are key and value pairs (potentials), and which
/// record refers to a person listed elsewhere (`person_ref:`).
enum XMLDraft {
  struct Record {
    var lines: [String]
    var recognised: [(column: String, field: String)]
    var unrecognised: [String]
    /// What the values of its date fields say about their order.
    var dateOrder = DateNormalizer.OrderEvidence()
  }

  /// What one record element holds across the sampled records: each path (indices removed)
  /// with its values, and the paths of repeating groups.
  struct Shape {
    var values: [String: [String]] = [:]
    var groups: Set<String> = []
  }

  /// Words a key element uses for each potential.
  static let potentialKeys: [(Potential.Kind, [String])] = [
    (.languageLevel, ["sprache", "deutsch", "sprachniveau", "deutschkenntnisse", "language", "german"]),
    (.schoolYears, ["schule", "schuljahre", "schulbildung", "schulbesuch", "school", "schooling"]),
    (.qualification, ["qualifikation", "abschluss", "berufsabschluss", "ausbildung", "qualification"]),
    (.occupation, ["beruf", "taetigkeit", "occupation", "profession"]),
    (.workExperience, ["berufserfahrung", "arbeitserfahrung", "erfahrung", "experience"]),
  ]

  static func potential(forKey key: String) -> Potential.Kind? {
    let folded = TextFold.compact(key)
    return potentialKeys.first { $0.1.contains(folded) }?.0
      ?? HeaderSynonyms.field(for: key).flatMap { $0.section == .potential ? Potential.Kind(rawValue: $0.name) : nil }
  }

  /// The field a path's last step names (namespace prefix and "@" left out), read inside the
  /// nearest enclosing element that names a section: `Kurs/@name` is the program, not a family
  /// name; `enrolment/from` the start.
  static func field(forPath path: String) -> FieldRef? {
    let steps = path.split(separator: "/").map { step -> String in
      var bare = step.hasPrefix("@") ? String(step.dropFirst()) : String(step)
      if let colon = bare.firstIndex(of: ":") { bare = String(bare[bare.index(after: colon)...]) }
      return bare
    }
    guard let leaf = steps.last else { return nil }
    let byLeaf = HeaderSynonyms.field(for: leaf)
    if let section = steps.dropLast().reversed().lazy.compactMap(HeaderSynonyms.section(forGroup:)).first,
      byLeaf?.section != section, let inside = HeaderSynonyms.field(for: leaf, in: section)
    {
      return inside
    }
    return byLeaf
  }

  static func records(of file: OpenedFile, elements: [String]) throws -> [Record] {
    var shapes: [String: Shape] = [:]
    var seen: [String: Int] = [:]
    while let record = try file.next() {
      guard case .element(let e) = record else { continue }
      let name = e.element.name
      guard seen[name, default: 0] < 200 else {
        if seen.count == elements.count && seen.values.allSatisfy({ $0 >= 200 }) { break }
        continue
      }
      seen[name, default: 0] += 1
      var flat: [String: String] = [:]
      Inspection.flatten(e.element, prefix: "", into: &flat)
      var shape = shapes[name] ?? Shape()
      for (path, value) in flat {
        let clean = path.replacingOccurrences(of: #"\[\d+\]"#, with: "", options: .regularExpression)
        shape.values[clean, default: []].append(value)
        // A step written with an index repeats: everything up to it is a group.
        if let range = path.range(of: #"^.*?\[\d+\]"#, options: .regularExpression) {
          shape.groups.insert(
            String(path[range]).replacingOccurrences(of: #"\[\d+\]"#, with: "", options: .regularExpression))
        }
      }
      shapes[name] = shape
    }
    // The element that holds names lists the persons; the others may refer to them.
    let named = Set(
      shapes.filter { _, shape in
        shape.values.keys.contains { field(forPath: $0).map(MappingDraftNames.isName) ?? false }
      }.keys)
    var personIDs = Set<String>()
    for element in named {
      for (path, values) in shapes[element]!.values where field(forPath: path) == FieldRef(.person, "id") {
        personIDs.formUnion(values)
      }
    }
    return elements.map { element in
      draft(element, shapes[element] ?? Shape(), listsPersons: named.contains(element), personIDs: personIDs)
    }
  }

  static func draft(_ element: String, _ shape: Shape, listsPersons: Bool, personIDs: Set<String>) -> Record {
    var out = Record(lines: ["    - element: \(element)"], recognised: [], unrecognised: [])
    var bySection: [Section: [String]] = [:]
    var eachOf: [Section: String] = [:]
    var notes: [String] = []
    // A record without names that holds another element's person ids refers to its person.
    var personRef: String?
    if !listsPersons && !personIDs.isEmpty {
      personRef =
        shape.values.filter { path, values in
          !shape.groups.contains(where: { path.hasPrefix($0 + "/") })
            && values.filter { personIDs.contains($0) }.count * 2 > values.count
        }.keys.sorted().first
      if let personRef {
        out.lines.append("      person_ref: \(MappingEditor.quote(personRef))  # the id of a person listed elsewhere")
        out.recognised.append((personRef, "person_ref"))
      }
    }
    let groups = shape.groups.sorted()
    // Groups of key and value pairs, found once: their children are not fields of their own.
    let keyedGroups = Set(groups.filter { keyValue($0, shape) != nil })
    var used = Set<FieldRef>()
    // Elements told apart by an attribute (`<Kennung typ="AZR">…</Kennung>` beside
    // `<Kennung typ="BAMF">`): each value that names a person field is read by a path of its own.
    var consumed = Set<String>()
    if personRef == nil {
      for typed in typedElements(shape) where used.insert(typed.field).inserted {
        bySection[.person, default: []].append("        \(typed.field.name): \(MappingEditor.quote(typed.path))")
        out.recognised.append((typed.path, typed.field.description))
        consumed.formUnion(typed.consumes)
      }
    }
    for path in shape.values.keys.sorted() where path != personRef && !consumed.contains(path) {
      let group = groups.last { path.hasPrefix($0 + "/") }
      let relative = group.map { String(path.dropFirst($0.count + 1)) } ?? path
      guard let f = field(forPath: path) else {
        if !keyedGroups.contains(group ?? "") { out.unrecognised.append(path) }
        continue
      }
      // A record that refers to its person holds no person of its own (its own number is not one).
      if personRef != nil && f.section == .person { continue }
      if let group {
        guard f.section != .person else { continue }
        if let other = eachOf[f.section], other != group { continue }
        eachOf[f.section] = group
      }
      // One path per field: a second that names it too is left for the steward.
      guard used.insert(f).inserted else {
        out.unrecognised.append(path)
        continue
      }
      out.recognised.append((path, f.description))
      if ColumnProfile.dateFields.contains(f.name) {
        for value in shape.values[path] ?? [] { out.dateOrder.add(value) }
      }
      bySection[f.section, default: []].append("        \(f.name): \(MappingEditor.quote(relative))")
    }
    for section in Section.allCases {
      let keyed = section == .potential ? groups.first { keyedGroups.contains($0) } : nil
      guard bySection[section] != nil || keyed != nil else { continue }
      out.lines.append("      \(section.rawValue):")
      if let group = eachOf[section] { out.lines.append("        each: \(MappingEditor.quote(group))") }
      out.lines += Array(Set(bySection[section] ?? [])).sorted()
      if let group = keyed, bySection[section] == nil, let kv = keyValue(group, shape) {
        out.lines.append("        each: \(MappingEditor.quote(group))")
        out.lines.append("        key: \(MappingEditor.quote(kv.key))")
        out.lines.append("        value: \(MappingEditor.quote(kv.value))")
        out.lines.append("        keys:")
        for (word, kind) in kv.keys { out.lines.append("          \(MappingEditor.quote(word)): \(kind.rawValue)") }
        out.recognised.append((group, "potential (key and value)"))
        notes += kv.unknown.map { "potential key \(MappingEditor.quote($0)) not recognised: add it under keys:" }
      }
    }
    if !out.unrecognised.isEmpty {
      out.lines.append("      # not recognised: \(out.unrecognised.map(MappingEditor.quote).joined(separator: ", "))")
    }
    for note in notes { out.lines.append("      # \(note)") }
    return out
  }

  /// Person fields held by elements told apart by an attribute's value: for
  /// `<Kennung typ="AZR">…</Kennung><Kennung typ="BAMF">…</Kennung>`, `azr` read at
  /// `Kennung[@typ='AZR']` and `bamf` at `Kennung[@typ='BAMF']`; with the paths they consume.
  static func typedElements(_ shape: Shape) -> [(path: String, field: FieldRef, consumes: [String])] {
    var out: [(String, FieldRef, [String])] = []
    for (path, values) in shape.values.sorted(by: { $0.key < $1.key }) {
      guard let at = path.range(of: "/@", options: .backwards) else { continue }
      let element = String(path[..<at.lowerBound])
      let attribute = String(path[at.upperBound...])
      let kinds = Set(values)
      guard shape.values[element] != nil, kinds.count <= 10 else { continue }
      let fields = kinds.sorted().compactMap { kind in
        HeaderSynonyms.field(for: kind).flatMap { $0.section == .person ? (kind, $0) : nil }
      }
      guard !fields.isEmpty else { continue }
      for (kind, field) in fields {
        out.append(("\(element)[@\(attribute)='\(kind)']", field, [path, element]))
      }
    }
    return out
  }

  /// A group of two children, one a handful of words of which some name potentials (the key),
  /// the other the values: its key and value paths and the potentials its words name.
  static func keyValue(_ group: String, _ shape: Shape) -> (
    key: String, value: String, keys: [(String, Potential.Kind)], unknown: [String]
  )? {
    let children = shape.values.keys.filter { $0.hasPrefix(group + "/") }
      .map { String($0.dropFirst(group.count + 1)) }.filter { !$0.contains("/") }
    guard children.count == 2 else { return nil }
    for (k, v) in [(children[0], children[1]), (children[1], children[0])] {
      let words = Array(Set(shape.values[group + "/" + k] ?? [])).sorted()
      guard !words.isEmpty, words.count <= 20 else { continue }
      let known = words.compactMap { word in potential(forKey: word).map { (word, $0) } }
      guard !known.isEmpty else { continue }
      return (k, v, known, words.filter { potential(forKey: $0) == nil })
    }
    return nil
  }
}

/// Which person fields are names (for telling the element that lists persons).
enum MappingDraftNames {
  static func isName(_ field: FieldRef) -> Bool {
    field.section == .person && ["family_name", "given_name", "full_name"].contains(field.name)
  }
}
