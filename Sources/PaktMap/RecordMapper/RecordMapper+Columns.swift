import Foundation
import PaktCore
import PaktExtract

/// Finding the columns a mapping names in a file's header: by name, by a rename, by content.
extension RecordMapper {
  /// `sheetPart`: the header is one of several sheets a workbook's source reads (`read:
  /// sheets:`). A column the mapping names and this sheet lacks is then another sheet's: it is
  /// noted in `absent`, not looked for by content (a measure's start date is no date of
  /// birth), and the pipeline checks that some sheet has it.
  mutating func resolveColumns(header: [String], sheetPart: Bool = false, sample: () -> [[String]]) throws {
    let record = mapping.records[0]
    var byName: [String: Int] = [:]
    var byFolded: [String: Int] = [:]
    for (i, h) in header.enumerated() {
      byName[h] = byName[h] ?? i
      byFolded[TextFold.compact(h)] = byFolded[TextFold.compact(h)] ?? i
    }
    let bound = Set(record.bindings.compactMap { byName[$0.column] ?? byFolded[TextFold.compact($0.column)] })
    var rows: [[String]]?  // read once, and only when a column is missing
    for b in record.bindings {
      let direct = byName[b.column] ?? byFolded[TextFold.compact(b.column)]
      let renamed = direct == nil ? Self.renamed(b, in: header, except: bound) : nil
      var found = direct ?? renamed
      if found == nil && sheetPart {
        absent.append(b)
        continue
      }
      if found == nil {
        if rows == nil { rows = sample() }
        found = Self.byContent(b, in: header, except: bound.union(columns.all.map(\.index)), sample: rows ?? [])
      }
      guard let index = found else {
        throw PaktError.config(
          file: mapping.file, line: b.line,
          "\(b.field) is mapped to column '\(b.column)', which \(fileName) does not have",
          fix: "use one of its columns: \(header.map { "'\($0)'" }.joined(separator: ", "))")
      }
      columns[b.field] = (index, header[index])
      if direct == nil {
        let how = renamed == nil ? " (matched by its content)" : ""
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
    // A name column recognised by its header, with no given name beside it, that holds two
    // words or more in most rows: given and family name together (as `mappings init` drafts).
    let family = FieldRef(.person, "family_name")
    let full = FieldRef(.person, "full_name")
    if let column = columns[family], recognized[family] != nil, columns[.personGivenName] == nil, columns[full] == nil {
      if rows == nil { rows = sample() }
      var profile = ColumnProfile()
      for row in rows ?? [] where column.index < row.count { profile.add(row[column.index]) }
      if profile.holdsBothNames {
        columns[family] = nil
        recognized[family] = nil
        columns[full] = column
        recognized[full] = column.name
        notes.append(
          "column '\(column.name)' holds given and family name together: read as the full name (\(ColumnProfile.bothNamesSplit)); "
            + "say `full_name: \(MappingEditor.quote(column.name))` in the mapping"
        )
      }
    }
    fields = Set(record.bindings.map(\.field).filter { columns[$0] != nil }).union(
      recognized.keys.filter { columns[$0] != nil })
    let identifying: [FieldRef] = ["id", "family_name", "given_name", "full_name"].map { FieldRef(.person, $0) }
    if !identifying.contains(where: { columns[$0] != nil }) && record.personRef == nil {
      throw PaktError.config(
        file: mapping.file, line: 1, "no column of \(fileName) identifies the person (an id or a name)",
        fix: "map one under `person:`, e.g. `id: <column>`; its columns are: \(header.joined(separator: ", "))")
    }
  }

  /// Reads the file's dates month first where the mapping does not say `dates:` and the
  /// sampled dates of its date columns can only be read so (03/16/2023; none such as
  /// 16/03/2023): a US-made tool's export. Read day first, each such date would be lost as
  /// impossible and each date with a day up to 12 would load with day and month swapped. A
  /// note says which; where the mapping says day first and the dates disagree, the note says
  /// that instead.
  mutating func readDateOrder(_ rows: [[String]]) {
    let dateColumns = Section.allCases.flatMap { section in
      ColumnProfile.dateFields.compactMap { columns[FieldRef(section, $0)]?.index }
    }
    guard !dateColumns.isEmpty else { return }
    var evidence = DateNormalizer.OrderEvidence()
    for row in rows {
      for column in dateColumns where column < row.count { evidence.add(row[column]) }
    }
    guard evidence.monthFirstOnly else { return }
    if !mapping.dateOrderStated {
      dates.order = .mdy
      notes.append("dates read month first: \(evidence.description); say `dates: mdy` in the mapping to keep it so")
    } else if mapping.dateOrder != .mdy {
      notes.append(
        "the mapping reads dates \(mapping.dateOrder == .ymd ? "year first" : "day first"), but \(evidence.description): "
          + "check `dates:` in the mapping")
    }
  }

  /// Whether the nationality column's numbers are the Destatis key. Destatis keys begin with
  /// the continent, 1 to 5, besides 000 (German) and 997-999. Where a fifth or more of the
  /// sampled three-digit numbers cannot be one, the column writes another list (ISO 3166
  /// numeric: 760 Syria, 004 Afghanistan), whose numbers that look like keys stand for other
  /// countries (232: Eritrea in ISO, Nigeria in Destatis): none is read as a Destatis key, so
  /// they are misses, not wrong values, and the note says what to do.
  mutating func checkNationalityCodes(_ rows: [[String]]) {
    guard let column = columns[.personNationality]?.index else { return }
    let numbers = rows.compactMap { row -> String? in
      guard column < row.count else { return nil }
      let value = row[column].trimmingWhitespace()
      return value.count == 3 && value.allSatisfy { $0.isASCII && $0.isNumber } ? value : nil
    }
    let unknown = numbers.filter { number in
      guard let first = number.first, let n = Int(number) else { return true }
      return !("1"..."5").contains(first) && n != 0 && !(997...999).contains(n)
    }.count
    guard numbers.count >= 5, unknown * 5 >= numbers.count else { return }
    readsDestatisKeys = false
    notes.append(
      "\(unknown) of \(numbers.count) sampled nationalities are three-digit numbers that cannot be a Destatis key "
        + "(ISO 3166 numeric codes?): none is read as a key; map them with `values: { nationality: { \"760\": SYR } }`")
  }

  /// A note where the sampled rows hold text that went through a wrong-encoding round trip
  /// ("Ã¼" for "ü"): the mapper repairs every such value (see `Mojibake`), and the steward
  /// learns that the export's tool writes it so.
  mutating func noteMojibake(_ rows: [[String]]) {
    let repaired = rows.reduce(0) { n, row in n + row.filter { Mojibake.repair($0) != $0 }.count }
    guard repaired > 0 else { return }
    notes.append(
      "\(repaired) sampled value\(repaired == 1 ? " was" : "s were") written as UTF-8 and read back as Windows-1252 "
        + "(\"Ã¼\" for \"ü\"): repaired while mapping; ask the office to export UTF-8 as it is")
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
    guard !sample.isEmpty, ColumnProfile().share(fitting: binding.field) != nil else { return nil }
    let matching = header.indices.filter { i in
      guard !bound.contains(i) else { return false }
      var profile = ColumnProfile()
      for row in sample where i < row.count { profile.add(row[i]) }
      return profile.values > 0 && (profile.share(fitting: binding.field) ?? 0) >= 0.9
    }
    return matching.count == 1 ? matching[0] : nil
  }
}
