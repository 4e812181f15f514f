import Foundation
import PaktCore

/// The linkage model as data (after Splink): the fields to compare, how, and the blocking
/// rules that choose which pairs are compared at all.
///
/// ```yaml
/// id: rec_id
/// fields:
///   given_name: { kind: name, swap_with: surname }
///   surname: { kind: name, swap_with: given_name }
///   date_of_birth: { kind: date }
///   soc_sec_id: { kind: identifier }
/// blocking:
///   - [surname.phonetic, date_of_birth.year]
///   - [soc_sec_id]
/// threshold: 0.5
/// ```
public struct LinkageConfig: Sendable {
  public enum Kind: String, Sendable, CaseIterable {
    /// Person names: exact, transliteration key, swapped with the other name field (exactly, or
    /// each name spelled differently), Jaro-Winkler bands, and one name's words all among the
    /// other's (a second given name or a double family name written by one office only). A
    /// one-name person (the same name in both fields, or one field empty or a placeholder) is
    /// compared as one name against both of the other record's names.
    case name
    /// Dates: exact, year only or placeholder, day and month swapped, one typo, year ±1; two
    /// complete dates that differ otherwise, and years that differ, are levels of their own
    /// (strong evidence against a match, weighed by their estimated m and u).
    case date
    /// Identifiers: exact, one digit wrong or two swapped, else.
    case identifier
    /// Postal codes: exact, one digit off, else.
    case postcode
    /// Categories: exact, else.
    case category
    /// Free text: exact, Jaro-Winkler bands.
    case text

    /// Labels of the comparison levels, level 1 first (level 0 is "missing").
    public var levels: [String] {
      switch self {
      case .name:
        return [
          "exact", "transliteration", "swapped", "swapped, spelled differently", "one typo",
          "jaro-winkler ≥ 0.92",
          "one name's words within the other's", "jaro-winkler ≥ 0.80", "else", "one name against two",
          "family name among the other's given names",
        ]
      case .date:
        return [
          "exact", "same year, both days unknown", "same year, one day unknown", "day and month swapped",
          "one typo or one day apart", "year ±1",
          "complete dates differ", "years differ",
        ]
      case .identifier: return ["exact", "one digit wrong or swapped", "else"]
      case .postcode: return ["exact", "one digit off", "else"]
      case .category: return ["exact", "else"]
      case .text: return ["exact", "jaro-winkler ≥ 0.90", "jaro-winkler ≥ 0.70", "else"]
      }
    }
  }

  /// How pakt keys and compares records, for fingerprints: every kind's comparison levels and
  /// the version of the keys it derives (transliteration, phonetic codes). A model and index
  /// kept by a pakt that compares or keys otherwise are not reused: the next night links in
  /// full. Raise `keyVersion` whenever `NameKey`, a blocking transform or a comparison changes.
  public static var engineSignature: String {
    "keys \(keyVersion); "
      + Kind.allCases.map { "\($0.rawValue): \($0.levels.joined(separator: "|"))" }.joined(separator: "; ")
  }

  /// 2: the transliteration key keeps a word-final vowel and a consonant written twice around
  /// a vowel; 3: a final h after a vowel is silent, and abd- is split off before two letters
  /// too (Abdulla / Abdullah); 4: German tsch is ch; 5: apostrophes inside a name are nothing
  /// (Sa'id / Said), and Mhd / Md are Mohammed; 6: a name's "?" (a character its export's
  /// code page lacked) stands for any one letter; 7: a given name's u where the family name
  /// agrees (`depends_on` for names); 8: a swap whose crossed names are one a letter off and
  /// the other only alike (Jaro-Winkler ≥ 0.80) is "swapped, spelled differently"; 9: names
  /// one typo apart, Jaro-Winkler ≥ 0.92 or one within the other weigh by their frequency at
  /// half weight (a warehouse kept before scores them otherwise: the next night links in full);
  /// 10: placeholders ("XXX", "unbekannt") are missing in category, postcode and text fields
  /// too; 11: German z is the English ts (Schwez / Shvets), tz is z, English tsh is ch, and the
  /// name word transforms `firstword` and `lastword`; 12: a name typed twice with another
  /// spelling (Warsame / Warsamee, the same transliteration key) is one name; 13: a family
  /// name among the other record's given names is a level of its own; 14: Kölner Phonetik
  /// reads letters with diacritics as their base letters (Şahin / Shahin), and a name with
  /// letters lost to its code page takes the code of the name it can be.
  static let keyVersion = 14

  public struct Field: Sendable {
    public var name: String
    public var column: String
    public var kind: Kind
    /// Name fields: the other name field a swapped record would hold this value in.
    public var swapWith: String?
    /// The fields whose agreement this category or name field's goes with (nationality with
    /// the names, sex with the given name, the given name with the family name): where any of
    /// them agrees, this one weighs by its u among pairs that agree on them, estimated from the
    /// records (for names: `Training.uAmong` on the first, and each name's own frequency among
    /// records sharing the first, `Training.conditionalFrequency`). Empty: none.
    public var dependsOn: [String] = []
    /// Term-frequency adjustment of exact matches (names, dates and text; on by default): an
    /// agreement on a common value weighs less than one on a rare value.
    public var termFrequency: Bool
  }

  /// A blocking key part: a field and how it is keyed.
  public struct KeyPart: Sendable, Hashable {
    public enum Transform: String, Sendable, CaseIterable {
      case exact, phonetic, translit, prefix3, year, digits
      /// The last three characters (a name with a letter wrong near its start: Kidane / Zidane).
      case suffix3
      /// The first and the last character (a short name with a letter wrong inside: Nona / Nbna).
      case ends
      /// The Kölner Phonetik code of a name's first word (`lastword`: its last word): a name
      /// with a word more or less keeps one of the two (Iryna / Iryna Olena, Reza / Hussain
      /// Reza), and a word spelled otherwise keeps its code (Maryama / Mariama Kadiatou).
      case firstword, lastword
      /// A name field together with its `swap_with` partner, order ignored: swapped given and
      /// family names share the key.
      case nameset
      /// As `nameset`, on the names' Kölner Phonetik codes: swapped names spelled differently
      /// (Shevchenko Baraka / Baraka Schewtschenko) share the key.
      case phoneticset
      /// A name field with its `swap_with` partner: one name's Kölner Phonetik code with the
      /// first and last letters of the other, the lower of the two ways round (`crosshigh`:
      /// the higher). A pair with one name spelled otherwise, in the same order or swapped,
      /// keeps the other name's code and the changed name's first and last letters in one of
      /// the two (Berizde / Nino and Nino / Beridze, Kapanadze / Nikoloz and Nikouloz /
      /// Kapanadxe, whose sound-alike codes differ).
      case crosslow, crosshigh
      /// A name field with its `swap_with` partner: the Kölner Phonetik codes of the name's
      /// first word and its second word, or, where the name is one word, the partner's first
      /// word. A given name and the father's name keep it whether an office wrote the father's
      /// name as the family name or among the given names, with the grandfather's as the
      /// family name (Tesfay / Yonas and Gebremedhin / Yonas Tesfay).
      case namecore
      /// A date's day and month, without the year (a complete date only): a year with a
      /// digit wrong (15.03.1984 / 15.03.1985) keeps the key.
      case monthday
    }
    public var field: Int
    public var transform: Transform
  }

  public var idColumn: String?
  public var fields: [Field]
  public var blocking: [[KeyPart]]
  /// Blocking rules (by their place in `blocking`) that pair two records only where one of
  /// them, or both, lacks a field (by its place in `fields`), as Splink's
  /// `l.x IS NULL OR r.x IS NULL`: names alone pair a record without a date of birth with its
  /// namesakes, while records that both have one are paired by the rules with the year.
  public var onlyWhereMissing: [Int: Int] = [:]
  /// The rules whose pairs train m, one EM session each, leaving out the fields a rule keys
  /// on (Splink's training blocking rules). A rule should also key on the fields that go with
  /// those (given name and sex, names and nationality), or they pass for evidence of a match.
  /// Empty: the blocking rules.
  public var training: [[KeyPart]]
  public var threshold: Double
  /// Blocks larger than this are skipped (reported): a key shared by that many records says nothing.
  public var maxBlockSize: Int
  /// Accepted for settings files written before clustering checked every pair between two
  /// clusters (average linkage, see `ProbabilisticLinker.cluster`); no longer used.
  public var chainGuard: Double
  /// Values that mean "not known" in a name or identifier field, compared after folding
  /// (case, accents and punctuation ignored): they carry no evidence and are treated as
  /// missing, like an empty field.
  public var missingValues: Set<String> = LinkageConfig.defaultMissingValues
  /// Two clusters merge only when their records, pair by pair, average at least the threshold
  /// and this many cross pairs at most need checking (larger merges are refused and counted).
  public var maxMergeCheck = 2_500
  /// The most pairs one training rule's EM session counts (`max_training_pairs`); a rule with
  /// more trains on a uniform sample of about this many, the same pairs on every run. Why: the
  /// shipped rule keyed on names, sex and nationality holds 20 million pairs at 500,000
  /// records, 7% of the link's time to compare, for m that a sample of 1.5 million gives the
  /// same to within 0.0007 (weights within 0.1 bit; a 300,000-person file generated apart from
  /// pakt: F1 the same to the fourth digit as with 4 million, the link's comparing 0.3 s
  /// shorter).
  public var maxTrainingPairs = 1_500_000

  /// Placeholders offices write for an unknown name or number (folded, without spaces).
  public static let defaultMissingValues: Set<String> = [
    "nn", "unbekannt", "unbek", "unknown", "ka", "keineangabe", "keineangaben", "ohneangabe", "ohneangaben",
    "xxx", "xx", "x", "fnu", "lnu", "null", "none", "leer", "nichtbekannt", "nv", "na", "o", "oa",
  ]

  public static func load(file: String) throws -> LinkageConfig {
    try parse(try YAMLNode.load(file: file))
  }

  public static func parse(_ root: YAMLNode) throws -> LinkageConfig {
    let top = try root.mapping(
      allowed: [
        "id", "fields", "blocking", "training", "threshold", "max_block_size", "chain_guard", "missing_values",
        "max_merge_check", "max_training_pairs",
      ],
      what: "the linkage settings")
    var fields: [Field] = []
    let fieldMap = try top.require("fields").mapping(what: "'fields'")
    for entry in fieldMap.entries {
      let m = try entry.value.mapping(
        allowed: ["kind", "column", "swap_with", "term_frequency", "depends_on"], what: "a field")
      let kindText = try m.string("kind")
      guard let kind = Kind(rawValue: kindText) else {
        throw try m.require("kind").error(
          "unknown kind '\(kindText)'", fix: "use one of: \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      fields.append(
        Field(
          name: entry.key, column: try m.optionalString("column") ?? entry.key, kind: kind,
          swapWith: try m.optionalString("swap_with"),
          termFrequency: try m.optionalBool("term_frequency") ?? (kind == .name || kind == .text || kind == .date)))
    }
    for entry in fieldMap.entries {
      let dependsOn = try entry.value.mapping(what: "a field").strings("depends_on")
      guard !dependsOn.isEmpty else { continue }
      let node = try entry.value.mapping(what: "a field").require("depends_on")
      guard let f = fields.firstIndex(where: { $0.name == entry.key }),
        fields[f].kind == .category || fields[f].kind == .name
      else {
        throw node.error("'depends_on' is for category and name fields", fix: "remove it from '\(entry.key)'")
      }
      for d in dependsOn where !fields.contains(where: { $0.name == d && $0.name != entry.key }) {
        throw node.error("'\(entry.key)' depends on '\(d)', which is not another field")
      }
      fields[f].dependsOn = dependsOn
    }
    guard fields.count <= 16 else { throw fieldMap.owner.error("at most 16 fields can be compared") }
    for f in fields where f.swapWith != nil && !fields.contains(where: { $0.name == f.swapWith }) {
      throw fieldMap.owner.error("'\(f.name)' swaps with '\(f.swapWith!)', which is not a field")
    }
    var onlyWhereMissing: [Int: Int] = [:]
    func rules(_ node: YAMLNode, _ what: String) throws -> [[KeyPart]] {
      var rules: [[KeyPart]] = []
      for var ruleNode in try node.sequence(what: what) {
        if ruleNode.isMapping {
          let rule = try ruleNode.mapping(allowed: ["key", "only_where_missing"], what: "a blocking rule")
          // { key: [family_name.nameset], only_where_missing: birth_date }
          guard what == "'blocking'" else {
            throw ruleNode.error(
              "only blocking rules take 'only_where_missing'", fix: "write the rule as a list of keys")
          }
          let fieldName = try rule.string("only_where_missing")
          guard let f = fields.firstIndex(where: { $0.name == fieldName }) else {
            throw try rule.require("only_where_missing").error(
              "'only_where_missing: \(fieldName)' names no field", fix: "use a field listed under 'fields'")
          }
          guard rules.count < 32 else {
            throw ruleNode.error(
              "'only_where_missing' works on the first 32 blocking rules", fix: "move this rule up the list")
          }
          onlyWhereMissing[rules.count] = f
          ruleNode = try rule.require("key")
        }
        var parts: [KeyPart] = []
        for partNode in try ruleNode.sequence(what: "a blocking rule") {
          let text = try partNode.string(what: "a blocking key")
          let pieces = text.split(separator: ".", maxSplits: 1).map(String.init)
          guard let index = fields.firstIndex(where: { $0.name == pieces[0] }) else {
            throw partNode.error("blocking key '\(text)' names no field", fix: "use a field listed under 'fields'")
          }
          let transform = pieces.count > 1 ? KeyPart.Transform(rawValue: pieces[1]) : .exact
          guard let transform else {
            throw partNode.error(
              "unknown key transform '\(pieces[1])'",
              fix: "use one of: \(KeyPart.Transform.allCases.map(\.rawValue).joined(separator: ", "))")
          }
          parts.append(KeyPart(field: index, transform: transform))
        }
        rules.append(parts)
      }
      return rules
    }
    let blocking = try rules(try top.require("blocking"), "'blocking'")
    let training = try top["training"].map { try rules($0, "'training'") } ?? []
    let threshold = try top.optionalDouble("threshold") ?? 0.5
    guard threshold > 0 && threshold < 1 else {
      throw try top.require("threshold").error("threshold must lie between 0 and 1")
    }
    var config = LinkageConfig(
      idColumn: try top.optionalString("id"), fields: fields, blocking: blocking,
      training: training.isEmpty ? blocking : training, threshold: threshold,
      maxBlockSize: Int(try top.optionalDouble("max_block_size") ?? 5000),
      chainGuard: try top.optionalDouble("chain_guard") ?? 0.95)
    if let node = top["missing_values"] {
      config.missingValues = Set(
        try node.sequence(what: "'missing_values'").map { TextFold.compact(try $0.string(what: "a missing value")) })
    }
    if let n = try top.optionalDouble("max_merge_check") { config.maxMergeCheck = max(1, Int(n)) }
    if let n = try top.optionalDouble("max_training_pairs") { config.maxTrainingPairs = max(1, Int(n)) }
    config.onlyWhereMissing = onlyWhereMissing
    return config
  }
}
