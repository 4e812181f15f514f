import Foundation
import PaktCore
import PaktExtract

/// What one extracted record became: canonical rows, values that could not be read, or a reject.
public struct MappedRecord: Sendable {
  public var person: SourcePersonRecord?
  public var participations: [Participation] = []
  public var potentials: [Potential] = []
  public var residences: [Residence] = []
  public var cases: [CaseRecord] = []
  public var misses: [NormalizationMiss] = []
  /// Quality rules the record broke (see `QualityRules`); with a `reject` among them, the
  /// record is a reject and these say why.
  public var flags: [QualityFlag] = []
  public var reject: Reject?
  /// Set when the record's rows refer to a person listed elsewhere (XML `person_ref`, or a
  /// row of measures beside a table of persons: `RecordMapper.refersByID`): the reference is
  /// checked once the whole delivery is read.
  public var personRef: String?
  /// The raw text of the record, for records with a person reference (nil for others).
  /// Rendered when asked for: it is needed only when the reference turns out to name nobody,
  /// and rendering every such record was a twentieth of mapping (perf).
  public var raw: String? { rawElement?.render() ?? rawRow?.joined(separator: " | ") }
  var rawElement: XMLElementNode?
  var rawRow: [String]?
}

/// What reading one record noted besides its rows: values that could not be read, and quality
/// rules it broke.
struct Notes {
  var misses: [NormalizationMiss] = []
  var flags: [QualityFlag] = []
}

/// How a program name was resolved, cached per distinct name.
struct ProgramResolution: Sendable {
  var code: String?
  var method: MappingMethod
}

/// Maps the records of one file through a mapping file onto the canonical model.
///
/// Created per file: it resolves the mapping's columns against the file's header once (and
/// fills unmapped fields from the header synonyms), so a mapping that names a missing column
/// fails here, before anything is loaded.
///
/// ```swift
/// var mapper = try RecordMapper(source: "freiburg", fileName: "freiburg.csv", mapping: mapping,
///                               layout: file.layout, matcher: matcher, autoApplyThreshold: 0.9)
/// while let record = try file.next() { let mapped = mapper.map(record) … }
/// ```
public struct RecordMapper: Sendable {
  public let source: String
  public let fileName: String
  public let mapping: MappingFile
  let matcher: ProgramMatcher
  let autoApplyThreshold: Double
  let gazetteer: Gazetteer
  var dates: DateNormalizer
  let quality: QualityRules
  /// CSV: column index per canonical field.
  var columns = FieldTable<(index: Int, name: String)>()
  /// XML: compiled paths per record element.
  var xmlRecords:
    [(
      element: XMLPath, record: MappingFile.RecordMapping, paths: FieldTable<XMLPath>, each: [Section: XMLPath],
      personRef: XMLPath?, keyed: (each: XMLPath, key: XMLPath, value: XMLPath)?
    )] = []
  var programCache: [String: ProgramResolution] = [:]
  /// Values already read, by the text as written: an export repeats a handful of spellings
  /// of sex, nationality, status, language level and cost on every row, and folding and
  /// matching each one again was a sixth of mapping (perf). See `Memo`.
  var sexes = Memo<Sex>()
  var nationalities = Memo<String>()
  /// Whether a three-digit nationality is read as the Destatis key (see `checkNationalityCodes`).
  var readsDestatisKeys = true
  var statuses = Memo<ParticipationStatus>()
  var levels = Memo<String>()
  var costs = Memo<Int64>()
  /// Fields that the header synonyms filled (for `pakt mappings init` and reports).
  public internal(set) var recognized: [FieldRef: String] = [:]
  /// What the mapper decided for a steward to know: a column the mapping names that this file
  /// calls otherwise ("column 'Vorname' is now 'Vornamen': mapped").
  public internal(set) var notes: [String] = []
  /// A workbook sheet read as one part of several (`read: sheets:`): the mapping's columns it
  /// does not have (another sheet's, or none's: the pipeline checks).
  public internal(set) var absent: [MappingFile.Binding] = []
  /// The canonical fields this file's columns feed (by the mapping or by their headers).
  public internal(set) var fields: Set<FieldRef> = []
  /// Each row names its person by id only and holds facts about that person: a file or sheet
  /// of measures, language levels, residences or case management beside the source's table of
  /// persons ("Maßnahmen" beside "Personen", "sprachstand.csv" beside "personen.csv"). Its
  /// rows are then references, as XML's `person_ref`: they add their facts to the person the
  /// other table describes, and a row whose id names no person of the delivery is rejected.
  /// (Read as persons, each row was a person with an id and nothing else: a mistyped id became
  /// a person without a name.) The pipeline sets it.
  public var refersByID = false
  /// Whether this file's columns are a person's id and facts about the person only, no name,
  /// date of birth or other field that says who the person is (see `refersByID`).
  public var holdsOnlyIDAndFacts: Bool {
    fields.contains(FieldRef.personId) && fields.allSatisfy { $0 == FieldRef.personId || $0.section != .person }
  }
  /// Whether, of those facts, it holds measures only.
  public var holdsOnlyIDAndMeasures: Bool {
    fields.contains(FieldRef.personId) && fields.allSatisfy { $0 == FieldRef.personId || $0.section == .participation }
  }
  /// Whether this file's columns say who a person is or more (a name, a date of birth, …).
  public var describesPersons: Bool { fields.contains { $0.section == .person && $0 != FieldRef.personId } }

  public init(
    source: String, fileName: String, mapping: MappingFile, layout: FileLayout, matcher: ProgramMatcher,
    autoApplyThreshold: Double, gazetteer: Gazetteer = Gazetteer(), quality: QualityRules = QualityRules(),
    sample: () -> [[String]] = { [] }
  ) throws {
    self.gazetteer = gazetteer
    self.quality = quality
    self.source = source
    self.fileName = fileName
    self.mapping = mapping
    self.matcher = matcher
    self.autoApplyThreshold = autoApplyThreshold
    self.dates = DateNormalizer(order: mapping.dateOrder, serials: true)
    if layout.format.isTable {
      guard !mapping.isXML else {
        throw PaktError.config(
          file: mapping.file, line: 1, "the mapping describes XML records but \(fileName) is a \(layout.format) file",
          fix: "give this file its own source with a CSV mapping")
      }
      var sampled: [[String]]?  // read once
      try resolveColumns(
        header: layout.header ?? [], sheetPart: layout.format.isWorkbook && mapping.read.sheets.count > 1,
        sample: {
          if sampled == nil { sampled = sample() }
          return sampled ?? []
        })
      // What a CSV file's text says of its dates' order and its encoding. (A workbook keeps
      // dates as date cells and text as Unicode; reading its sample would unpack its sheet a
      // second time.)
      if layout.format == .csv {
        let rows = sampled ?? sample()
        readDateOrder(rows)
        noteMojibake(rows)
        checkNationalityCodes(rows)
      }
    } else {
      guard mapping.isXML else {
        throw PaktError.config(
          file: mapping.file, line: 1, "\(fileName) is XML, but the mapping has no `xml: records:` section",
          fix: "add `xml: records:` naming the record element(s); `pakt inspect \(fileName)` shows them")
      }
      for record in mapping.records {
        guard let element = record.element else { continue }
        var paths = FieldTable<XMLPath>()
        for b in record.bindings { paths[b.field] = XMLPath(b.column, namespaces: mapping.namespaces) }
        var each: [Section: XMLPath] = [:]
        for (section, path) in record.each { each[section] = XMLPath(path, namespaces: mapping.namespaces) }
        let keyed = record.keyedPotentials.map {
          (
            XMLPath($0.each, namespaces: mapping.namespaces), XMLPath($0.key, namespaces: mapping.namespaces),
            XMLPath($0.value, namespaces: mapping.namespaces)
          )
        }
        xmlRecords.append(
          (
            XMLPath(element, namespaces: mapping.namespaces), record, paths, each,
            record.personRef.map { XMLPath($0, namespaces: mapping.namespaces) }, keyed
          ))
      }
    }
  }

  /// Maps one record.
  public mutating func map(_ record: ExtractedRecord) -> MappedRecord {
    var out = MappedRecord()
    switch record {
    case .malformed(let m):
      out.reject = Reject(source: source, file: fileName, line: m.line, raw: m.raw, kind: m.kind, reason: m.reason)
    case .row(let row):
      let lineage = Lineage(file: fileName, line: row.line)
      let get: (FieldRef) -> String? = { [columns] field in
        guard let c = columns[field], c.index < row.fields.count else { return nil }
        let v = row.fields[c.index].trimmingWhitespace()
        return v.isEmpty ? nil : v
      }
      let column: (FieldRef) -> String = { [columns] in columns[$0]?.name ?? $0.description }
      var ref: String? = nil
      if refersByID {
        guard let id = get(FieldRef.personId) else {
          out.reject = Reject(
            source: source, file: fileName, line: row.line, raw: row.fields.joined(separator: " | "),
            kind: "missing person reference",
            reason: "the row has no value in '\(column(FieldRef.personId))', so it belongs to no person")
          return out
        }
        ref = id
        out.rawRow = row.fields
      }
      mapFlat(
        read: get, groups: [:], column: column, lineage: lineage, personRef: ref, raw: row.fields,
        namesMapped: Self.nameFields.contains { columns[$0] != nil }, repair: row.repair, into: &out)
    case .element(let e):
      let lineage = Lineage(file: fileName, line: e.line, path: e.path)
      guard
        let spec = xmlRecords.first(where: {
          $0.element.matchesElement(name: e.element.name, namespaceURI: e.element.namespaceURI)
        })
      else {
        out.reject = Reject(
          source: source, file: fileName, line: e.line, raw: e.element.render(), kind: "unmapped element",
          reason: "no record mapping for <\(e.element.name)>")
        return out
      }
      let get: (FieldRef) -> String? = { field in
        guard let v = spec.paths[field]?.value(in: e.element)?.trimmingWhitespace(), !v.isEmpty else { return nil }
        return v
      }
      let column: (FieldRef) -> String = { spec.paths[$0]?.description ?? $0.description }
      var groups: [Section: [XMLElementNode]] = [:]
      for (section, path) in spec.each { groups[section] = path.elements(in: e.element) }
      var ref: String? = nil
      if let refPath = spec.record.personRef, let path = spec.personRef {
        ref = path.value(in: e.element)?.trimmingWhitespace()
        if ref?.isEmpty ?? true {
          out.reject = Reject(
            source: source, file: fileName, line: e.line, raw: e.element.render(), kind: "missing person reference",
            reason: "<\(e.element.name)> has no value at '\(refPath)', so it belongs to no person")
          return out
        }
        out.rawElement = e.element
      }
      // Potentials written as key and value: each with the potential its key names.
      var keyed: [(kind: Potential.Kind?, key: String, value: String)] = []
      if let kv = spec.keyed, let keys = spec.record.keyedPotentials?.keys {
        for node in kv.each.elements(in: e.element) {
          guard let key = kv.key.value(in: node)?.trimmingWhitespace(), !key.isEmpty,
            let value = kv.value.value(in: node)?.trimmingWhitespace(), !value.isEmpty
          else { continue }
          keyed.append((keys[TextFold.fold(key)] ?? Potential.Kind(rawValue: TextFold.fold(key)), key, value))
        }
      }
      mapFlat(
        read: get, groups: groups, column: column, lineage: lineage, personRef: ref, raw: nil,
        namesMapped: Self.nameFields.contains { spec.paths[$0] != nil }, keyed: keyed, into: &out,
        groupValue: { field, node in
          guard let v = spec.paths[field]?.value(in: node)?.trimmingWhitespace(), !v.isEmpty else { return nil }
          return v
        }, element: e.element)
    }
    return out
  }

  static let nameFields: [FieldRef] = [.personFamilyName, .personGivenName, .personFullName]

  // One function for the whole record: its parts share the record's lineage, notes and value
  // readers, and splitting it would pass eight of them around (why it is over 80 lines).
  private mutating func mapFlat(
    read: (FieldRef) -> String?, groups: [Section: [XMLElementNode]], column: (FieldRef) -> String,
    lineage: Lineage, personRef: String?, raw: [String]?, namesMapped: Bool, repair: String? = nil,
    keyed: [(kind: Potential.Kind?, key: String, value: String)] = [], into out: inout MappedRecord,
    groupValue: ((FieldRef, XMLElementNode) -> String?)? = nil, element: XMLElementNode? = nil
  ) {
    let rawText: () -> String = {
      if let raw { return raw.joined(separator: " | ") }
      return element?.render() ?? ""
    }
    // Control characters are removed from every value as it is read, and flagged. Their flags
    // are kept apart from `notes`, which the readers below are handed inout.
    var controlFlags: [QualityFlag] = []
    let controlSeverity = quality.severity(of: .controlCharacters)
    let sourceName = source
    func checked(_ field: FieldRef, _ value: String?, _ at: Lineage) -> String? {
      guard let value, controlSeverity != .ignore, ControlCharacters.contains(value) else { return value }
      controlFlags.append(
        QualityFlag(
          source: sourceName, lineage: at, record: nil, rule: .controlCharacters, field: field.description,
          valueClass: ControlCharacters.describe(value), severity: controlSeverity))
      let cleaned = ControlCharacters.removed(from: value).trimmingWhitespace()
      return cleaned.isEmpty ? nil : cleaned
    }
    // Text that went through a wrong-encoding round trip ("Ã¼" for "ü") is repaired first.
    func get(_ field: FieldRef) -> String? { checked(field, read(field).map(Mojibake.repair), lineage) }
    var notes = Notes()
    if let repair, quality.severity(of: .strayDelimiter) != .ignore {
      notes.flags.append(
        QualityFlag(
          source: source, lineage: lineage, record: nil, rule: .strayDelimiter, field: "row", valueClass: repair,
          severity: quality.severity(of: .strayDelimiter)))
    }

    // Person
    let personID: String
    if let ref = personRef {
      personID = ref
      out.personRef = ref
      // A row of a table beside the persons' (`refersByID`) may hold any facts about its
      // person; XML's referring records hold measures (the person element has the rest).
      // (A residence or case where the row has a value for one: the persons' table gives every
      // person the delivering municipality's already.)
      if raw != nil {
        if fields.contains(where: { ($0.section == .residence || $0.section == .caseManagement) && get($0) != nil }) {
          residenceAndCase(personID, get: get, column: column, lineage: lineage, notes: &notes, into: &out)
        }
        potentials(
          personID, keyed: keyed, get: get, check: { checked($0, $1, lineage) }, column: column, lineage: lineage,
          notes: &notes, into: &out)
      }
    } else {
      var family = get(.personFamilyName)
      var given = get(.personGivenName)
      // "Haddad geb. Ali": the family name, and the name the person was born with (in the
      // full name too: "Amina Haddad geb. Ali").
      var bornAs: String?
      if family == nil && given == nil, var full = get(.personFullName) {
        if !full.contains(","), let split = Self.splitBirthName(full) { (full, bornAs) = split }
        (family, given) = Self.splitFullName(Self.withoutHonorific(full))
      }
      if let f = family, let split = Self.splitBirthName(f) { (family, bornAs) = split }
      given = given.map(Self.withoutHonorific).flatMap { $0.isEmpty ? nil : $0 }
      let id = get(.personId)
      if family == nil && given == nil && namesMapped {
        _ = note(.namesMissing, .personFamilyName, "both names empty", lineage, &notes)
      }
      guard id != nil || family != nil || given != nil else {
        out.reject = Reject(
          source: source, file: fileName, line: lineage.line, raw: rawText(), kind: "no person",
          reason: "the record has neither a person id nor a name, so it cannot be given to a person")
        return
      }
      personID = id ?? "#\(lineage.line)"
      out.person = person(
        id: personID, family: family, given: given, get: get, column: column, lineage: lineage, notes: &notes)
      if out.person?.birthName == nil, let bornAs { out.person?.birthName = bornAs }
      residenceAndCase(personID, get: get, column: column, lineage: lineage, notes: &notes, into: &out)
      potentials(
        personID, keyed: keyed, get: get, check: { checked($0, $1, lineage) }, column: column, lineage: lineage,
        notes: &notes, into: &out)
    }

    participations(
      personID, groups: groups, groupValue: groupValue, check: { checked($0, $1, $2) }, get: get, column: column,
      lineage: lineage, notes: &notes, into: &out)
    if personRef != nil && out.participations.isEmpty && out.potentials.isEmpty && out.residences.isEmpty
      && out.cases.isEmpty
    {
      let measures = fields.contains { $0.section == .participation }
      out.reject = Reject(
        source: source, file: fileName, line: lineage.line, raw: rawText(),
        kind: measures ? "no program" : "empty record",
        reason: measures
          ? "the participation names no program" : "the row holds no value that the mapping loads for its person")
      return
    }
    if let birth = out.person?.birthDate {
      for p in out.participations {
        if let start = p.start, PartialDate.before(start, birth) {
          _ = note(.startBeforeBirth, .participationStart, "start before the date of birth", p.lineage, &notes)
        }
      }
    }
    out.misses = notes.misses
    out.flags = Self.distinct(controlFlags + notes.flags, record: personID)
    rejectIfARuleSaysSo(&out, lineage: lineage, raw: rawText)
  }
}
