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
    if layout.format == "csv" || layout.format == "xlsx" {
      if layout.format == "csv" && layout.encoding != "utf-8" {
        lines.append("read:\n  encoding: \(layout.encoding)  # detected")
      }
      lines.append("# Recognised columns (they need no line):")
      for column in layout.header ?? [] {
        if let field = HeaderSynonyms.field(for: column) {
          recognised.append((column, field.description))
          lines.append("#   \(column) → \(field)")
        } else {
          unrecognised.append(column)
        }
      }
      if !unrecognised.isEmpty {
        lines.append("# Columns pakt did not recognise: map those that matter under the right section,")
        lines.append("# e.g. `person:` with `id: \(MappingEditor.quote(unrecognised[0]))`.")
        for c in unrecognised { lines.append("#   \(MappingEditor.quote(c))") }
      }
      if !(recognised.contains { $0.1 == "person.id" }) {
        lines.append("person:")
        lines.append("  id: \(MappingEditor.quote(unrecognised.first ?? "?"))  # which column holds the person's id?")
      }
    } else {
      lines.append("xml:")
      if let ns = layout.namespaces, !ns.isEmpty {
        lines.append("  namespaces:")
        for (prefix, uri) in ns.sorted(by: { $0.key < $1.key }) {
          lines.append("    \(prefix.isEmpty ? "d" : prefix): \(MappingEditor.quote(uri))")
        }
      }
      lines.append("  records:")
      var samples: [String: [String: String]] = [:]
      while let record = try file.next(), samples.count < (layout.recordElements ?? []).count {
        if case .element(let e) = record, samples[e.element.name] == nil {
          var flat: [String: String] = [:]
          Inspection.flatten(e.element, prefix: "", into: &flat)
          samples[e.element.name] = flat
        }
      }
      for element in layout.recordElements ?? [] {
        lines.append("    - element: \(element)")
        var bySection: [Section: [String]] = [:]
        for path in (samples[element] ?? [:]).keys.sorted() {
          let leaf = path.split(separator: "/").last.map(String.init) ?? path
          let bare = leaf.hasPrefix("@") ? String(leaf.dropFirst()) : leaf
          let clean = bare.replacingOccurrences(of: #"\[\d+\]"#, with: "", options: .regularExpression)
          let cleanPath = path.replacingOccurrences(of: #"\[\d+\]"#, with: "", options: .regularExpression)
          if let field = HeaderSynonyms.field(for: clean) {
            recognised.append((cleanPath, field.description))
            bySection[field.section, default: []].append("        \(field.name): \(MappingEditor.quote(cleanPath))")
          } else {
            unrecognised.append(cleanPath)
          }
        }
        for section in Section.allCases {
          guard let entries = bySection[section] else { continue }
          lines.append("      \(section.rawValue):")
          lines += Array(Set(entries)).sorted()
        }
        lines.append("      # not recognised: \(unrecognised.map(MappingEditor.quote).joined(separator: ", "))")
      }
    }
    lines.append("# programs:  # local program name → catalogue code; `pakt mappings accept` writes these")
    return MappingDraft(yaml: lines.joined(separator: "\n") + "\n", recognised: recognised, unrecognised: unrecognised)
  }
}
