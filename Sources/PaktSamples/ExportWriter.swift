import Foundation
import PaktCore
import PaktExtract

/// Writes one municipality's export in its format.
struct ExportWriter {
  let municipality: GeneratedMunicipality
  let catalogue: Catalogue

  struct Written {
    var personRecords = 0
    var participations = 0
    var bad = 0
    var bytes = 0
    /// Local id → true person, for every record that is not malformed.
    var truth: [(String, Int)] = []
    /// Local id → quality rule, for every record written with a flaw a quality rule must catch.
    var flaws: [(String, String)] = []
  }

  struct Part {
    var code: String
    var start: (Int, Int, Int)
    var end: (Int, Int, Int)
    var status: Int
    var costCents: Int
    var provider: String?
    /// Written with its delimiter doubled after the provider (CSV) or the measure (tab text).
    var strayDelimiter = false
  }

  /// Gives one participation in `rate` a flaw offices write (dates swapped, a refund
  /// entered as a negative cost, a misplaced decimal separator, 30 February, a control
  /// character pasted into the provider, a delimiter typed twice) and says which quality rule
  /// catches it. Drawn from a generator of its own, so the corpus is otherwise the same with
  /// and without flaws. A doubled delimiter is not written in a file's first ten records: with
  /// no rows above it to tell its columns by, pakt rejects such a row (its documented limit).
  func flaw(_ parts: inout [Part], rate: Double, early: Bool, rng: inout SeededRandom) -> String? {
    guard rate > 0, rng.chance(rate * Double(parts.count)) else { return nil }
    let i = Int.random(in: 0..<parts.count, using: &rng)
    let format = municipality.format
    var kinds = ["end_before_start", "impossible_date"]
    if format != .xmlReferences { kinds += ["cost_negative", "cost_absurd"] }
    if format == .csvEnglish || format == .csvGerman { kinds.append("control_characters") }
    if !early && (format == .csvEnglish || format == .csvGerman || format == .excelText && !municipality.workbook) {
      kinds.append("stray_delimiter")
    }
    let kind = rng.pick(kinds)
    switch kind {
    case "end_before_start":
      // Dates entered in the wrong fields; a same-day course would not be a flaw.
      guard parts[i].start != parts[i].end else { return nil }
      (parts[i].start, parts[i].end) = (parts[i].end, parts[i].start)
    case "impossible_date": parts[i].start = (parts[i].start.0, 2, 30)
    case "cost_negative": parts[i].costCents = -(parts[i].costCents == 0 ? 41_855 : parts[i].costCents)
    case "cost_absurd": parts[i].costCents = 12_345_000 + parts[i].costCents
    case "stray_delimiter": parts[i].strayDelimiter = true
    default: parts[i].provider = "Tr\u{07}äger \u{1B}" + String(municipality.index % 7 + 1)
    }
    return kind
  }

  static let statusEnglish = ["completed", "ongoing", "planned", "dropped out"]
  static let statusGerman = ["abgeschlossen", "läuft", "geplant", "abgebrochen"]
  static let statusExcel = ["beendet", "aktiv", "angemeldet", "Abbruch"]
  static let statusXML = ["completed", "running", "planned", "aborted"]
  static let costs = [0, 35_000, 123_450, 289_000, 41_575, 8_990]

  func parts(rng: inout SeededRandom) -> [Part] {
    let language = catalogue.measures.filter { $0.category == "SPR" }
    return (0..<Int.random(in: 1...6, using: &rng)).map { _ in
      let measure = rng.chance(0.4) && !language.isEmpty ? rng.pick(language) : rng.pick(catalogue.measures)
      let year = Int.random(in: 2023...2025, using: &rng)
      let month = Int.random(in: 1...12, using: &rng)
      let months = Int.random(in: 1...9, using: &rng)
      let endMonth = (month - 1 + months) % 12 + 1
      let endYear = year + (month - 1 + months) / 12
      return Part(
        code: measure.code, start: (year, month, Int.random(in: 1...28, using: &rng)),
        end: (endYear, endMonth, Int.random(in: 1...28, using: &rng)), status: Int.random(in: 0..<4, using: &rng),
        costCents: rng.pick(Self.costs))
    }
  }

  static func iso(_ d: (Int, Int, Int)) -> String { "\(d.0)-\(twoDigits(d.1))-\(twoDigits(d.2))" }
  static func german(_ d: (Int, Int, Int)) -> String { "\(twoDigits(d.2)).\(twoDigits(d.1)).\(d.0)" }
  /// Given and family name in one column: "Amina Haddad", or "HADDAD Amina"; a one-name
  /// person's one name.
  static func oneColumn(_ p: TruePerson, capitals: Bool) -> String {
    guard !p.family.isEmpty, !p.given.isEmpty else { return p.family + p.given }
    return capitals ? p.family.uppercased() + " " + p.given : p.given + " " + p.family
  }
  static func us(_ d: (Int, Int, Int)) -> String { "\(twoDigits(d.1))/\(twoDigits(d.2))/\(d.0)" }
  /// A date of birth in three columns: day, month, year (0 where the export has none).
  static func split(_ d: (Int, Int, Int)) -> String { "\(d.2);\(d.1);\(d.0)" }
  static func euros(_ cents: Int, comma: Bool, thousands: Bool = false) -> String {
    if cents < 0 { return "-" + euros(-cents, comma: comma, thousands: thousands) }
    var whole = String(cents / 100)
    if thousands && whole.count > 3 { whole.insert(".", at: whole.index(whole.endIndex, offsetBy: -3)) }
    if thousands && whole.count > 7 { whole.insert(".", at: whole.index(whole.endIndex, offsetBy: -7)) }
    return whole + (comma ? "," : ".") + twoDigits(cents % 100)
  }
  static func quoted(_ text: String, delimiter: Character) -> String {
    text.contains(delimiter) || text.contains("\"")
      ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
  }

  func write(
    path: String, appearances: [(person: Int, variant: Variant)], persons: [TruePerson],
    options: SampleGenerator.Options, rng: inout SeededRandom
  ) throws -> Written {
    let m = municipality
    if m.workbook {
      return try writeWorkbook(path: path, appearances: appearances, persons: persons, options: options, rng: &rng)
    }
    var w = Written()
    let encoding: OutputEncoding
    switch m.format {
    case .csvEnglish: encoding = m.mojibake ? .utf8ReadAsWindows1252 : .utf8
    case .xmlNested: encoding = .utf8
    case .csvGerman: encoding = m.dos ? .cp850 : .windows1252
    case .excelText: encoding = .utf16LE
    case .xmlReferences: encoding = .latin1
    }
    let file = try EncodedFile(path: path, encoding: encoding)
    let code = "G" + twoDigits(m.index + 1)
    var referenced: [(String, [Part])] = []
    var flawRNG = rng.fork(0xF1A3)
    try writeHeader(file)
    for (n, appearance) in appearances.enumerated() {
      let (p, localID, ps) = record(
        n, appearance, persons: persons, code: code, options: options, rng: &rng, flawRNG: &flawRNG, written: &w)
      try writeRecord(
        file, p, localID: localID, parts: ps, n: n, code: code, options: options, rng: &rng, written: &w,
        referenced: &referenced)
    }
    try writeFooter(file, referenced: referenced, code: code, options: options, rng: &rng, written: &w)
    if m.dos { try file.write("\u{1A}") }
    try file.close()
    w.bytes = file.bytesWritten
    return w
  }

  /// The export's `n`th record: its person as written, its local id and its measures (now and
  /// then with a flaw), counted in `w`.
  func record(
    _ n: Int, _ appearance: (person: Int, variant: Variant), persons: [TruePerson], code: String,
    options: SampleGenerator.Options, rng: inout SeededRandom, flawRNG: inout SeededRandom, written w: inout Written
  ) -> (TruePerson, String, [Part]) {
    let p = persons[appearance.person].written(appearance.variant, rng: &rng).asWritten(rng: &rng)
    let localID = "\(code)-\(100_000 + n)"
    var ps = parts(rng: &rng)
    if let rule = flaw(&ps, rate: options.flaws, early: n < 10, rng: &flawRNG) { w.flaws.append((localID, rule)) }
    w.personRecords += 1
    w.participations += ps.count
    w.truth.append((localID, p.id))
    return (p, localID, ps)
  }

  /// A workbook with a sheet of persons and a sheet of their measures (see
  /// `GeneratedMunicipality.workbook`); now and then a measure names a person the workbook
  /// does not list.
  func writeWorkbook(
    path: String, appearances: [(person: Int, variant: Variant)], persons: [TruePerson],
    options: SampleGenerator.Options, rng: inout SeededRandom
  ) throws -> Written {
    var w = Written()
    let code = "G" + twoDigits(municipality.index + 1)
    var flawRNG = rng.fork(0xF1A3)
    typealias Cell = XLSXWriter.Cell
    /// A date cell, or its text where it is no calendar day (00.00.1990, 30.02.2024).
    func date(_ d: (Int, Int, Int)) -> Cell {
      SpreadsheetSerial.serial(year: d.0, month: d.1, day: d.2) == nil ? .text(Self.german(d)) : .date(d.0, d.1, d.2)
    }
    var people: [[Cell]] = [
      ["Kennung", "Familienname", "Vorname", "Geb.-Datum", "Geschlecht", "Nationalität", "AZR-Nr"].map(Cell.text)
    ]
    var measures: [[Cell]] = [["Kennung", "Maßnahme", "Beginn", "Ende", "Status", "Kosten"].map(Cell.text)]
    for (n, appearance) in appearances.enumerated() {
      let (p, localID, ps) = record(
        n, appearance, persons: persons, code: code, options: options, rng: &rng, flawRNG: &flawRNG, written: &w)
      // Excel keeps the AZR number as a number: its leading zeros are gone.
      people.append([
        .text(localID), .text(p.family), .text(p.given), date((p.year, p.month, p.day)), .number(p.male ? 1 : 2),
        .text(p.nationality), Double(p.azr).map(Cell.number) ?? .empty,
      ])
      for part in ps {
        measures.append([
          .text(localID), .text(localName(part)), date(part.start), date(part.end),
          .text(Self.statusExcel[part.status]), .number(Double(part.costCents) / 100),
        ])
      }
      if rng.chance(options.bad) {
        // malformed: a measure of a person the workbook does not list
        measures.append([.text("\(code)-X\(n)"), .text(localName(ps[0]))])
        w.bad += 1
      }
    }
    try XLSXWriter.write(
      path: path, sheets: [.init(name: "Personen", rows: people), .init(name: "Maßnahmen", rows: measures)])
    w.bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    return w
  }

  /// The file's header line, title lines or XML prologue.
  func writeHeader(_ file: EncodedFile) throws {
    let m = municipality
    switch m.format {
    case .csvEnglish:
      try file.write(
        "client_id,first_name,last_name,date_of_birth,gender,nationality,azr_number,german_level,programme,provider,start_date,end_date,status,cost_eur\n"
      )
    case .csvGerman:
      try file.write(
        "Export \(m.name), Integrationsmanagement, Stand 31.01.2025\r\n\r\n"
          + "Klienten-Nr.;\(m.oneColumnName ? "Name" : "Nachname;Vorname");\(m.splitBirthDate ? "Geb.Tag;Geb.Monat;Geb.Jahr" : "Geburtsdatum");Geschlecht;Staatsangehörigkeit;Maßnahme;Träger;Beginn;Ende;Status;Kosten (EUR);Sprachniveau;Schuljahre\r\n"
      )
    case .excelText:
      if m.groupedHeader { try file.write("Person" + String(repeating: "\t", count: 7) + "Teilnahme\t\t\t\t\r\n") }
      try file.write(
        "Kennung\tFamilienname\tVorname\tGeb.-Datum\tGeschlecht\tNationalität\tAZR-Nr\tMaßnahme\tBeginn\tEnde\tStatus\tKosten\r\n"
      )
    case .xmlNested:
      try file.write(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Export gemeinde=\"\(xmlEscaped(m.name))\">\n  <Personen>\n")
    case .xmlReferences:
      try file.write(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<g:Meldung xmlns:g=\"urn:example:pakt:generated:1\">\n  <g:Personen>\n"
      )
    }
  }

  /// One person's record (and its participations) in the municipality's format; now and then
  /// a malformed record after it.
  func writeRecord(
    _ file: EncodedFile, _ p: TruePerson, localID: String, parts ps: [Part], n: Int, code: String,
    options: SampleGenerator.Options, rng: inout SeededRandom, written w: inout Written,
    referenced: inout [(String, [Part])]
  ) throws {
    let m = municipality
    let born = (p.year, p.month, p.day)
    switch m.format {
    case .csvEnglish:
      let date = m.monthFirst ? Self.us : Self.iso
      for part in ps {
        try file.write(
          [
            localID, p.given, p.family, date(born), m.noSex ? "" : p.male ? "M" : "F",
            Names.nationalityEN[p.nationality]!,
            p.azr,
            p.language, "\"\(localName(part))\"",
            "\"\(part.provider ?? m.name)\"" + (part.strayDelimiter ? "," : ""), date(part.start),
            date(part.end),
            Self.statusEnglish[part.status], Self.euros(part.costCents, comma: false),
          ].joined(separator: ",") + "\n")
      }
      if rng.chance(options.bad) {
        try file.write("\(code)-X\(n),\(p.given)\n")  // malformed: the row is cut short
        w.bad += 1
      }
    case .csvGerman:
      for part in ps {
        try file.write(
          [
            localID, m.oneColumnName ? Self.oneColumn(p, capitals: m.familyInCapitals) : p.family + ";" + p.given,
            m.splitBirthDate ? Self.split(born) : Self.german(born),
            p.male ? "männlich" : "weiblich",
            // A DOS-era registration program writes the Destatis key ("475"), not a word.
            m.dos ? Names.nationalityDestatis[p.nationality]! : Names.nationalityDE[p.nationality]!,
            Self.quoted(localName(part), delimiter: ";"),
            (part.provider ?? "Träger \(m.index % 7 + 1)") + (part.strayDelimiter ? ";" : ""),
            Self.german(part.start), Self.german(part.end), Self.statusGerman[part.status],
            // Code page 850 has no euro sign: a DOS program writes "EUR".
            Self.euros(part.costCents, comma: true, thousands: true) + (m.dos ? " EUR" : " €"), p.language,
            String(p.schoolYears),
          ].joined(separator: ";") + "\r\n")
      }
      if rng.chance(options.bad) {
        // malformed: text after a closing quote
        try file.write("\(code)-X\(n);\(p.family);\(p.given);\"Kurs\" Abend;;;;;;;;;;\r\n")
        w.bad += 1
      }
    case .excelText:
      for part in ps {
        try file.write(
          [
            // Excel writes the AZR number as a number: its leading zeros are gone.
            localID, p.family, p.given, Self.german(born), p.male ? "1" : "2", p.nationality,
            String(p.azr.drop { $0 == "0" }),
            localName(part) + (part.strayDelimiter ? "\t" : ""), Self.german(part.start), Self.german(part.end),
            Self.statusExcel[part.status],
            Self.euros(part.costCents, comma: true),
          ].joined(separator: "\t") + "\r\n")
      }
      if rng.chance(options.bad) {
        try file.write("\(code)-X\(n)\t\(p.family)\r\n")  // malformed: the row is cut short
        w.bad += 1
      }
    case .xmlNested:
      var out = nestedXML(p, localID: localID, parts: ps, born: born)
      if rng.chance(options.bad) {
        // malformed: a person without id or name
        out += "    <Person><Geschlecht>w</Geschlecht><Massnahmen><Massnahme status=\"running\">"
        out += "<Bezeichnung>\(xmlEscaped(localName(ps[0])))</Bezeichnung></Massnahme></Massnahmen></Person>\n"
        w.bad += 1
      }
      try file.write(out)
    case .xmlReferences:
      try file.write(
        "    <g:Person g:nr=\"\(localID)\" geschlecht=\"\(p.male ? "m" : "f")\" staat=\"\(p.nationality)\">"
          + "<g:Nachname>\(xmlEscaped(p.family, latin1: true))</g:Nachname>"
          + "<g:Vornamen>\(xmlEscaped(p.given, latin1: true))</g:Vornamen>"
          + "<g:GebDatum>\(Self.german(born))</g:GebDatum></g:Person>\n")
      referenced.append((localID, ps))
    }
  }

  /// The municipality's own name for a participation's measure.
  func localName(_ part: Part) -> String { municipality.localNames[part.code]! }

  /// A person of the nested XML format with their potentials and measures.
  func nestedXML(_ p: TruePerson, localID: String, parts ps: [Part], born: (Int, Int, Int)) -> String {
    var out = "    <Person id=\"\(localID)\">\n"
    out += "      <Name><Familienname>\(xmlEscaped(p.family))</Familienname>"
    out += "<Vorname>\(xmlEscaped(p.given))</Vorname></Name>\n"
    out += "      <Geburtsdatum>\(Self.iso(born))</Geburtsdatum><Geschlecht>\(p.male ? "m" : "w")</Geschlecht>"
    out += "<Staatsangehoerigkeit>\(p.nationality)</Staatsangehoerigkeit>"
    if !p.azr.isEmpty { out += "<AZR>\(p.azr)</AZR>" }
    out += "\n      <Potenzial><Sprache>\(xmlEscaped(p.language))</Sprache>"
    out += "<Schuljahre>\(p.schoolYears)</Schuljahre></Potenzial>\n      <Massnahmen>\n"
    for part in ps {
      out += "        <Massnahme status=\"\(Self.statusXML[part.status])\"><Bezeichnung>\(xmlEscaped(localName(part)))"
      out += "</Bezeichnung><Beginn>\(Self.iso(part.start))</Beginn><Ende>\(Self.iso(part.end))</Ende>"
      out += "<Kosten>\(Self.euros(part.costCents, comma: false))</Kosten></Massnahme>\n"
    }
    out += "      </Massnahmen>\n    </Person>\n"
    return out
  }

  /// What closes the file: the XML end tags, and the participations of the referencing format.
  func writeFooter(
    _ file: EncodedFile, referenced: [(String, [Part])], code: String, options: SampleGenerator.Options,
    rng: inout SeededRandom, written w: inout Written
  ) throws {
    let m = municipality
    switch m.format {
    case .xmlNested:
      try file.write("  </Personen>\n</Export>\n")
    case .xmlReferences:
      try file.write("  </g:Personen>\n  <g:Teilnahmen>\n")
      for (localID, ps) in referenced {
        for part in ps {
          try file.write(
            "    <g:Teilnahme person=\"\(localID)\"><g:Programm>\(xmlEscaped(localName(part), latin1: true))"
              + "</g:Programm><g:Von>\(Self.german(part.start))</g:Von><g:Bis>\(Self.german(part.end))</g:Bis>"
              + "<g:Stand>\(Self.statusXML[part.status])</g:Stand></g:Teilnahme>\n")
        }
        if rng.chance(options.bad) {
          // malformed: a participation of a person the export does not list
          try file.write(
            "    <g:Teilnahme person=\"\(code)-UNBEKANNT\"><g:Programm>Praktikum</g:Programm></g:Teilnahme>\n")
          w.bad += 1
        }
      }
      try file.write("  </g:Teilnahmen>\n</g:Meldung>\n")
    default: break
    }
  }
}
