import Foundation
import PaktCore
import PaktExtract

/// Finding the columns a mapping names in a file's header: by name, by a rename, by content.
extension RecordMapper {
  mutating func resolveColumns(header: [String], sample: () -> [[String]]) throws {
    let record = mapping.records[0]
    var byName: [String: Int] = [:]
    var byFolded: [String: Int] = [:]
    for (i, h) in header.enumerated() {
      byName[h] = byName[h] ?? i
      byFolded[TextFold.compact(h)] = byFolded[TextFold.compact(h)] ?? i
    }
    let bound = Set(record.bindings.compactMap { byName[$0.column] ?? byFolded[TextFold.compact($0.column)] })
    for b in record.bindings {
      guard
        let index = byName[b.column] ?? byFolded[TextFold.compact(b.column)]
          ?? Self.renamed(b, in: header, except: bound)
          ?? Self.byContent(b, in: header, except: bound.union(columns.all.map(\.index)), sample: sample())
      else {
        throw PaktError.config(
          file: mapping.file, line: b.line,
          "\(b.field) is mapped to column '\(b.column)', which \(fileName) does not have",
          fix: "use one of its columns: \(header.map { "'\($0)'" }.joined(separator: ", "))")
      }
      columns[b.field] = (index, header[index])
      if byName[b.column] == nil && byFolded[TextFold.compact(b.column)] == nil {
        let how = Self.renamed(b, in: header, except: bound) == index ? "" : " (matched by its content)"
        notes.append("column '\(b.column)' is now '\(header[index])' (\(b.field))\(how): mapped; update the mapping")
      }
    }
    let taken = Set(columns.all.map(\.index))
    for (i, h) in header.enumerated() where !taken.contains(i) {
      if let field = HeaderSynonyms.field(for: h), columns[field] == nil {
        columns[field] = (i, h)
        recognized[field] = h
      }
    }
    let identifying: [FieldRef] = ["id", "family_name", "given_name", "full_name"].map { FieldRef(.person, $0) }
    if !identifying.contains(where: { columns[$0] != nil }) && record.personRef == nil {
      throw PaktError.config(
        file: mapping.file, line: 1, "no column of \(fileName) identifies the person (an id or a name)",
        fix: "map one under `person:`, e.g. `id: <column>`; its columns are: \(header.joined(separator: ", "))")
    }
  }

  /// The column of a header that renamed the one `binding` names between two deliveries: the
  /// only unbound column that names the same canonical field, or whose name is one or two
  /// letters off ("Vorname" → "Vornamen", "Geburtsdatum" → "Geburtsdat."). Nil when there is
  /// none or more than one (a rename pakt cannot tell is reported as the missing column).
  static func renamed(_ binding: MappingFile.Binding, in header: [String], except bound: Set<Int>) -> Int? {
    let wanted = TextFold.compact(binding.column)
    let free = header.indices.filter { !bound.contains($0) }
    let sameField = free.filter {
      HeaderSynonyms.field(for: header[$0]) == binding.field
        && HeaderSynonyms.field(for: binding.column) == binding.field
    }
    if sameField.count == 1 { return sameField[0] }
    let close = free.filter { i in
      let name = TextFold.compact(header[i])
      guard min(name.count, wanted.count) >= 5 else { return false }
      return editDistance(Array(name), Array(wanted)) <= 2
    }
    return close.count == 1 ? close[0] : nil
  }

  /// The column that holds what `binding`'s field holds, by content, where the header no
  /// longer names it: the only unbound column whose sampled values are mostly dates (for a date
  /// field), 12-digit numbers (AZR), CEFR levels, amounts of money, or "FAMILY, GIVEN" names.
  static func byContent(_ binding: MappingFile.Binding, in header: [String], except bound: Set<Int>, sample: [[String]])
    -> Int?
  {
    guard !sample.isEmpty else { return nil }
    let f = binding.field
    let dateFields: Set<String> = ["birth_date", "start", "end", "assessed", "from", "to", "opened", "closed"]
    let test: ((String) -> Bool)?
    switch (f.section, f.name) {
    case (_, let name) where dateFields.contains(name):
      test = { if case .value = DateNormalizer().parse($0) { return true } else { return false } }
    case (.person, "azr"): test = { $0.filter(\.isNumber).count == 12 }
    case (.potential, "language_level"):
      test = { if case .value = LanguageLevelNormalizer.parse($0) { return $0.count <= 12 } else { return false } }
    case (.participation, "cost"):
      test = { v in
        if case .value = MoneyNormalizer.parse(v) { return v.contains(",") || v.contains(".") || v.contains("€") }
        return false
      }
    case (.person, "full_name"): test = { $0.contains(",") && !$0.contains(where: \.isNumber) }
    default: test = nil
    }
    guard let test else { return nil }
    let matching = header.indices.filter { i in
      guard !bound.contains(i) else { return false }
      let values = sample.compactMap { i < $0.count ? $0[i].trimmingWhitespace() : nil }.filter { !$0.isEmpty }
      return !values.isEmpty && Double(values.filter(test).count) >= 0.9 * Double(values.count)
    }
    return matching.count == 1 ? matching[0] : nil
  }
}
