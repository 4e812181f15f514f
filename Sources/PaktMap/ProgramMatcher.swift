import PaktCore

/// Finds the catalogue code of a local program name: exact after normalisation, or ranked
/// suggestions by character trigrams and words.
///
/// Normalisation folds case, umlauts and punctuation, expands abbreviations (IK →
/// integrationskurs, BSK → berufssprachkurs) and drops what says nothing about the kind of
/// measure: provider names (Caritas, VHS, …), levels (A1–B1), module and course numbers,
/// years and filler words.
///
/// ```swift
/// let matcher = ProgramMatcher(catalogue: catalogue)
/// matcher.exact("Integrationskurs (VHS) A1-B1")        // "SPR-IK"
/// matcher.suggest("Integrationskurs m. Alphabetisierung").first?.code  // "SPR-IK-ALPHA"
/// ```
public struct ProgramMatcher: Sendable {
  struct Candidate: Sendable {
    var code: String
    var text: String
    var key: String
    var grams: [UInt32]
    var tokens: Set<String>
  }
  let catalogue: Catalogue
  let candidates: [Candidate]
  let exactKeys: [String: String]
  /// Keyword stems (folded, without spaces) → the measures they point to, with a weight that
  /// falls with the number of measures sharing the stem.
  let keywords: [(stem: String, code: String, weight: Double)]

  static let abbreviations: [String: String] = [
    "ik": "integrationskurs", "bsk": "berufssprachkurs", "eok": "erstorientierungskurs",
    "mbe": "migrationsberatung", "jmd": "jugendmigrationsdienst", "fsa": "fluechtlingssozialarbeit",
    "agh": "arbeitsgelegenheit", "eq": "einstiegsqualifizierung",
    "bvb": "berufsvorbereitende bildungsmassnahme", "fbw": "foerderung beruflichen weiterbildung",
    "egz": "eingliederungszuschuss", "vkl": "vorbereitungsklasse", "psz": "psychosoziales zentrum",
    "avgs": "aktivierungsmassnahme", "mabe": "aktivierungsmassnahme", "dtz": "", "tn": "",
    "ehrenamtl": "ehrenamtlicher",
    "alpha": "alphabetisierung", "alphakurs": "alphabetisierungskurs", "zsl": "zweitschriftlernende",
    "deufoev": "deufoev", "int": "intensiv", "jug": "jugend", "kita": "kindertagesbetreuung",
  ]

  static let noise: Set<String> = [
    // Providers and institutions: they say who runs a measure, not what it is.
    "caritas", "diakonie", "diakonisches", "werk", "awo", "drk", "vhs", "volkshochschule", "ib", "internationaler",
    "bund", "kolping", "malteser", "johanniter", "paritaet", "paritaetischer", "bfz", "tuev", "dekra", "gmbh",
    "ev", "e", "v", "ggmbh", "stadt", "landkreis", "lk", "kreis", "jobcenter", "agentur", "arbeit",
    // Filler words.
    "der", "die", "das", "des", "dem", "den", "mit", "m", "und", "u", "zur", "zum", "von", "im", "in", "am",
    "an", "bzw", "oder", "fuer", "f", "for", "the", "of", "and", "a", "teilnahme", "kurs", "nr", "gruppe",
    "modul", "module", "teil", "stufe", "level", "niveau", "abschnitt", "block", "abend", "vormittag",
    "nachmittag", "online", "praesenz", "neu", "alt",
  ]

  public init(catalogue: Catalogue) {
    self.catalogue = catalogue
    var candidates: [Candidate] = []
    var exact: [String: String] = [:]
    var ambiguous: Set<String> = []
    for measure in catalogue.measures {
      for text in [measure.nameDE, measure.nameEN] + measure.synonyms where !text.isEmpty {
        let key = Self.key(text)
        guard !key.isEmpty else { continue }
        candidates.append(
          Candidate(
            code: measure.code, text: text, key: key, grams: Self.trigrams(key),
            tokens: Set(key.split(separator: " ").map(String.init))))
        if let existing = exact[key], existing != measure.code { ambiguous.insert(key) }
        exact[key] = exact[key] ?? measure.code
      }
      // The code itself ("SPR-IK-ALPHA") is also a name.
      exact[TextFold.fold(measure.code)] = measure.code
    }
    for key in ambiguous { exact.removeValue(forKey: key) }
    self.candidates = candidates
    self.exactKeys = exact
    var owners: [String: Set<String>] = [:]
    for m in catalogue.measures {
      for k in m.keywords { owners[TextFold.compact(k), default: []].insert(m.code) }
    }
    self.keywords = owners.flatMap { stem, codes in
      codes.map { (stem: stem, code: $0, weight: 1 / Double(codes.count)) }
    }.filter { $0.stem.count >= 3 }.sorted { ($0.stem, $0.code) < ($1.stem, $1.code) }
  }

  /// The normalised form used for matching.
  public static func key(_ name: String) -> String {
    var words: [String] = []
    for token in TextFold.tokens(name) {
      if isLevelOrNumber(token) || noise.contains(token) { continue }
      if let expansion = abbreviations[token] {
        words.append(contentsOf: expansion.split(separator: " ").map(String.init))
      } else {
        words.append(token)
      }
    }
    return words.joined(separator: " ")
  }

  static func isLevelOrNumber(_ t: String) -> Bool {
    if t.allSatisfy(\.isNumber) { return true }
    let c = Array(t)
    // a1, b2, c1, a2 1 (folded "A2.1" → "a2 1")
    if c.count == 2 && "abc".contains(c[0]) && "12".contains(c[1]) { return true }
    return false
  }

  /// The code for a name that is a catalogue name or synonym after normalisation.
  public func exact(_ name: String) -> String? {
    let key = Self.key(name)
    if key.isEmpty { return nil }
    return exactKeys[key]
  }

  /// The codes a name most likely means, best first: an exact match first (score 1), then
  /// the suggestions. This is what a steward sees and what `top-1` accuracy is measured on.
  public func ranked(_ name: String, limit: Int = 3) -> [RunSummary.Suggestion] {
    var out: [RunSummary.Suggestion] = []
    if let code = exact(name), let m = catalogue[code] {
      out.append(RunSummary.Suggestion(code: code, name: m.nameDE, score: 1))
    }
    for s in suggest(name, limit: limit + 1) where out.count < limit && !out.contains(where: { $0.code == s.code }) {
      out.append(s)
    }
    return out
  }

  /// Up to `limit` codes, best first, with scores in 0…1.
  public func suggest(_ name: String, limit: Int = 3) -> [RunSummary.Suggestion] {
    let key = Self.key(name)
    guard !key.isEmpty else { return [] }
    let grams = Self.trigrams(key)
    let tokens = Set(key.split(separator: " ").map(String.init))
    var best: [String: (Double, String)] = [:]
    for c in candidates {
      let s = Self.score(grams, tokens, c)
      if s > (best[c.code]?.0 ?? -1) { best[c.code] = (s, c.text) }
    }
    // Keyword evidence lifts a measure part of the way from its name score towards 1: enough
    // to rank "Mama lernt Deutsch" under the women's course, never enough on its own to reach
    // an automatic-mapping threshold.
    let compactName = TextFold.compact(name)
    var evidence: [String: Double] = [:]
    for k in keywords where compactName.contains(k.stem) {
      evidence[k.code] = min(1, (evidence[k.code] ?? 0) + k.weight)
    }
    for (code, e) in evidence {
      let base = best[code]?.0 ?? 0
      best[code] = (base + Self.keywordLift * e * (1 - base), best[code]?.1 ?? code)
    }
    return best.filter { $0.value.0 >= Self.minimumScore }
      .sorted { $0.value.0 > $1.value.0 || ($0.value.0 == $1.value.0 && $0.key < $1.key) }
      .prefix(limit)
      .map { entry in
        let measure = catalogue[entry.key]
        return RunSummary.Suggestion(
          code: entry.key, name: measure?.nameDE ?? entry.value.1, score: (entry.value.0 * 1000).rounded() / 1000)
      }
  }

  /// Below this a "suggestion" is noise and is not shown.
  static let minimumScore = 0.1

  /// How far keyword evidence lifts a score towards 1 (0…1).
  static let keywordLift = 0.35

  static func score(_ grams: [UInt32], _ tokens: Set<String>, _ c: Candidate) -> Double {
    let dice = diceCoefficient(grams, c.grams)
    // A word matches when equal, or when one contains the other (German compounds).
    var matched = 0.0
    for t in tokens {
      if c.tokens.contains(t) {
        matched += 1
      } else if t.count >= 4, c.tokens.contains(where: { $0.count >= 4 && ($0.contains(t) || t.contains($0)) }) {
        matched += 0.7
      }
    }
    let union = Double(tokens.count + c.tokens.count) - matched
    let words = union > 0 ? matched / union : 0
    return 0.5 * dice + 0.5 * words
  }

  /// Sorted trigram hashes of " key " (padded so that word starts count).
  static func trigrams(_ key: String) -> [UInt32] {
    let bytes = Array(" \(key) ".utf8)
    guard bytes.count >= 3 else { return [] }
    var out: [UInt32] = []
    out.reserveCapacity(bytes.count)
    for i in 0..<(bytes.count - 2) {
      out.append(UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]))
    }
    out.sort()
    return out
  }

  /// Dice coefficient of two sorted multisets.
  static func diceCoefficient(_ a: [UInt32], _ b: [UInt32]) -> Double {
    guard !a.isEmpty || !b.isEmpty else { return 0 }
    var i = 0
    var j = 0
    var common = 0
    while i < a.count && j < b.count {
      if a[i] == b[j] {
        common += 1
        i += 1
        j += 1
      } else if a[i] < b[j] {
        i += 1
      } else {
        j += 1
      }
    }
    return 2 * Double(common) / Double(a.count + b.count)
  }
}
