import Foundation
import PaktCore

/// Column headers pakt recognises without a mapping line, German and English, with
/// abbreviations, umlaut spellings and their mojibake (Windows-1252 read as UTF-8 and back).
///
/// Matching folds case, umlauts and punctuation, so "Geb.-Datum", "geb datum" and
/// "GEBDATUM" are one header.
///
/// ```swift
/// HeaderSynonyms.field(for: "Staatsangehörigkeit")  // person.nationality
/// HeaderSynonyms.field(for: "Geb.-Datum")           // person.birth_date
/// ```
public enum HeaderSynonyms {
  static let table: [(FieldRef, [String])] = [
    (
      FieldRef(.person, "id"),
      [
        "id", "person id", "personid", "person nr", "personen nr", "personennummer", "klient", "klient nr",
        "klienten nr", "klientennummer", "nr", "nummer", "client id", "fall nr", "fallnummer", "case id", "lfd nr",
        "kennung", "pid", "fall id", "fallid", "case no", "client no", "klienten id", "person no",
      ]
    ),
    (
      FieldRef(.person, "family_name"),
      ["nachname", "familienname", "name", "surname", "last name", "lastname", "family name", "zuname"]
    ),
    (
      FieldRef(.person, "given_name"),
      [
        "vorname", "vornamen", "given name", "first name", "firstname", "forename", "rufname", "given names",
        "first names", "forenames",
      ]
    ),
    (FieldRef(.person, "full_name"), ["vollstaendiger name", "full name", "name vorname", "name, vorname"]),
    (FieldRef(.person, "birth_name"), ["geburtsname", "birth name", "maiden name", "geb name"]),
    (
      FieldRef(.person, "birth_date"),
      [
        "geburtsdatum", "geb datum", "gebdatum", "geb", "geboren", "geboren am", "geb am", "dob", "date of birth",
        "birth date", "birthdate", "birthday", "geburtstag", "gebdat", "geb dat",
      ]
    ),
    (
      FieldRef(.person, "birth_year"),
      ["geburtsjahr", "birth year", "year of birth", "jahrgang", "geb jahr", "dob year"]
    ),
    // A date of birth split into three columns (older case files): Geb.Tag / Geb.Monat / Geb.Jahr.
    (FieldRef(.person, "birth_month"), ["geburtsmonat", "geb monat", "birth month", "month of birth", "dob month"]),
    (FieldRef(.person, "birth_day"), ["geb tag", "day of birth", "dob day", "tag der geburt"]),
    // The salutation (Herr / Frau) says it where no column does.
    (FieldRef(.person, "sex"), ["geschlecht", "sex", "gender", "geschl", "m w", "anrede", "salutation"]),
    (
      FieldRef(.person, "nationality"),
      [
        "staatsangehoerigkeit", "staatsangehorigkeit", "staatsangeh", "nationalitaet", "nationalitat",
        "nationality", "citizenship", "herkunftsland", "land", "country", "stag", "staat", "sta", "staatsang",
        "country of origin", "country of citizenship", "staatsangehoerigkeit en",
      ]
    ),
    (FieldRef(.person, "place_of_birth"), ["geburtsort", "place of birth", "birth place", "birthplace"]),
    (FieldRef(.person, "azr"), ["azr", "azr nr", "azr nummer", "azrnummer", "azr number", "azr no", "azr id"]),
    (
      FieldRef(.person, "bamf"),
      [
        "bamf", "bamf az", "bamf aktenzeichen", "aktenzeichen bamf", "bamf nr", "bamf file number", "az bamf",
        "bamf number", "bamf no", "bamf id", "bamf file no", "bamf reference", "bamf case number", "bamf nummer",
      ]
    ),
    (
      FieldRef(.participation, "program"),
      [
        "massnahme", "massnahmen", "mabnahme", "programm", "program", "programme", "kurs", "angebot",
        "measure", "massnahmebezeichnung", "bezeichnung massnahme", "course", "foerdermassnahme", "bezeichnung",
        "kursname", "angebotsname", "kursbezeichnung", "angebotsbezeichnung", "programmname", "course name",
        "programme name", "program name", "measure name",
      ]
    ),
    (
      FieldRef(.participation, "provider"),
      [
        "traeger", "trager", "anbieter", "provider", "kurstraeger", "massnahmetraeger", "bildungstraeger",
        "course provider", "kursanbieter",
      ]
    ),
    (
      FieldRef(.participation, "start"),
      ["beginn", "start", "von", "start date", "begin", "eintritt", "massnahmebeginn", "kursbeginn"]
    ),
    (
      FieldRef(.participation, "end"),
      ["ende", "end", "bis", "end date", "austritt", "massnahmeende", "kursende"]
    ),
    (FieldRef(.participation, "status"), ["status", "teilnahmestatus", "state", "stand", "bearbeitungsstand"]),
    (FieldRef(.participation, "outcome"), ["ergebnis", "outcome", "result", "abschluss", "erfolg"]),
    (FieldRef(.participation, "cost"), ["kosten", "cost", "costs", "betrag", "amount", "kosten eur", "kosten euro"]),
    (
      FieldRef(.potential, "language_level"),
      [
        "sprachniveau", "deutschniveau", "deutschkenntnisse", "sprachstand", "language level", "german level",
        "cefr", "ger niveau", "sprache", "deutsch",
      ]
    ),
    (
      FieldRef(.potential, "school_years"),
      [
        "schuljahre", "schulbesuch jahre", "school years", "years of school", "years of schooling",
        "schulbildung jahre",
        "schulbesuch", "schulbildung", "jahre schulbesuch",
      ]
    ),
    (
      FieldRef(.potential, "qualification"),
      ["berufsabschluss", "qualifikation", "qualification", "abschluss beruf", "ausbildung", "bildungsabschluss"]
    ),
    (FieldRef(.potential, "occupation"), ["beruf", "taetigkeit", "occupation", "profession", "job"]),
    (
      FieldRef(.potential, "work_experience"),
      ["berufserfahrung", "work experience", "berufserfahrung jahre", "arbeitserfahrung"]
    ),
    (FieldRef(.residence, "municipality"), ["gemeinde", "kommune", "wohnort", "municipality", "stadt", "ort"]),
    (
      FieldRef(.caseManagement, "manager"),
      [
        "fallmanager", "fallmanagerin", "case manager", "integrationsmanager", "integrationsmanagerin", "betreuer",
        "case worker", "caseworker", "fallmanager in", "betreuerin", "sachbearbeiter", "sachbearbeiterin",
      ]
    ),
    (
      FieldRef(.caseManagement, "opened"),
      ["fall eroeffnet", "fall eroffnet", "fallbeginn", "case opened", "betreuung seit"]
    ),
    (FieldRef(.caseManagement, "closed"), ["fall geschlossen", "fallende", "case closed", "betreuung bis"]),
    (FieldRef(.residence, "ags"), ["ags", "gemeindeschluessel", "gemeindeschlussel", "amtlicher gemeindeschluessel"]),
    (FieldRef(.residence, "from"), ["zuzug", "einzug", "wohnhaft seit", "moved in", "zuzugsdatum"]),
    (FieldRef(.residence, "to"), ["wegzug", "auszug", "moved out", "wegzugsdatum"]),
    (
      FieldRef(.residence, "accommodation"),
      ["unterbringung", "unterkunft", "wohnform", "accommodation", "housing", "unterbringungsart"]
    ),
  ]

  /// Folded spelling → field. Mojibake spellings (Ã¤ for ä, Ã¶ for ö, Ã¼ for ü, ÃŸ for ß) fold to
  /// "a", "o", "u" and "ss" variants, which the table lists where they matter.
  static let lookup: [String: FieldRef] = {
    var map: [String: FieldRef] = [:]
    for (field, names) in table {
      for name in names { map[TextFold.compact(name)] = map[TextFold.compact(name)] ?? field }
    }
    return map
  }()

  /// Group names above a section's columns in a two-row header, folded.
  static let groups: [String: Section] = [
    "person": .person, "personen": .person, "klient": .person, "klientin": .person, "client": .person,
    "personalien": .person, "stammdaten": .person,
    "teilnahme": .participation, "teilnahmen": .participation, "massnahme": .participation,
    "massnahmen": .participation, "kurs": .participation, "participation": .participation,
    "programme": .participation, "program": .participation, "measure": .participation,
    "kurse": .participation, "course": .participation, "courses": .participation, "enrolment": .participation,
    "enrolments": .participation, "enrollment": .participation, "enrollments": .participation,
    "measures": .participation, "participations": .participation, "programmes": .participation,
    "programs": .participation,
    "fall": .caseManagement, "case": .caseManagement, "betreuung": .caseManagement,
    "wohnort": .residence, "residence": .residence, "unterbringung": .residence,
  ]

  /// Words that name a field only inside an element of that field's section (XML): a course's
  /// "name" is its program, an enrolment's "from" its start.
  static let inSection: [Section: [String: String]] = [
    .participation: [
      "name": "program", "bezeichnung": "program", "titel": "program", "title": "program",
      "from": "start", "von": "start", "since": "start", "seit": "start", "until": "end", "to": "end", "bis": "end",
    ],
    .person: ["name": "family_name", "nr": "id", "nummer": "id", "number": "id"],
  ]

  /// The section an element's name stands for ("Kurs", "enrolment", "Person"), or nil.
  public static func section(forGroup name: String) -> Section? { groups[TextFold.compact(repairMojibake(name))] }

  /// The field a name that says little by itself names inside an element of `section`.
  public static func field(for name: String, in section: Section) -> FieldRef? {
    inSection[section]?[TextFold.compact(repairMojibake(name))].map { FieldRef(section, $0) }
  }

  /// Words that begin a phrase after a header's name.
  static let prepositions: Set<String> = ["im", "in", "aus", "vom", "der", "des", "bei", "of", "at", "from", "for"]

  /// Words after a header's name that only give its unit: "Cost_EUR", "Kosten in €".
  static let units: Set<String> = ["eur", "euro", "euros", "in", "chf", "usd", "ct", "cent", "tt", "mm", "jjjj"]

  /// The canonical field a header names, or nil.
  public static func field(for header: String) -> FieldRef? {
    let repaired = repairMojibake(header)
    let key = TextFold.compact(repaired)
    if let f = lookup[key] { return f }
    // Units and notes in brackets: "Kosten (EUR)", "Beginn [TT.MM.JJJJ]".
    if let cut = header.firstIndex(where: { $0 == "(" || $0 == "[" }) {
      let stem = TextFold.compact(repairMojibake(String(header[..<cut])))
      if !stem.isEmpty, let f = lookup[stem] { return f }
    }
    // A unit after the name: "Cost_EUR", "Kosten in €".
    var words = TextFold.tokens(repaired)
    while let last = words.last, units.contains(last), words.count > 1 { words.removeLast() }
    if let f = lookup[words.joined()] { return f }
    // A name with a phrase after it ("Beruf im Herkunftsland", "Datum der Einreise"): the
    // words before the preposition name the field, not the phrase's last word.
    if let cut = words.firstIndex(where: { prepositions.contains($0) }), cut > 0 {
      return lookup[words[..<cut].joined()]
    }
    // A group before the name, as a two-row header joins them ("Person Nachname", "Maßnahme
    // Programm"): the longest tail that names a field, of five letters or more (a short one,
    // "id" or "name", names too much: "provider_id" is no person id), or a shorter one where
    // the group names the field's section ("Teilnahme Ende", "Person ID").
    for start in words.indices.dropFirst() {
      let tail = words[start...].joined()
      guard let f = lookup[tail] else { continue }
      if tail.count >= 5 || groups[words[..<start].joined()] == f.section { return f }
    }
    // Alternatives: "Maßnahme/Kurs", "Name / Vorname" only where every part names the same field.
    let parts = repaired.split(separator: "/").map { TextFold.compact(String($0)) }.filter { !$0.isEmpty }
    if parts.count > 1 {
      let fields = parts.compactMap { lookup[$0] }
      if fields.count == parts.count, Set(fields).count == 1 { return fields[0] }
    }
    return nil
  }

  /// Undoes the commonest mojibake: UTF-8 umlauts read as Windows-1252 ("StaatsangehÃ¶rigkeit").
  public static func repairMojibake(_ text: String) -> String { Mojibake.repair(text) }
}
