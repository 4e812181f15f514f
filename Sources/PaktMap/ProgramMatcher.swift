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
    var measure: Int
    var text: String
    var key: String
    var grams: [UInt32]
    /// Indices into `vocabulary`, distinct.
    var tokens: [Int]
  }
  let catalogue: Catalogue
  let candidates: [Candidate]
  let exactKeys: [String: String]
  /// Keyword stems (folded, without spaces) → the measures they point to, with a weight that
  /// falls with the number of measures sharing the stem.
  let keywords: [(stem: [UInt8], measure: Int, weight: Double)]
  /// Every distinct word of every candidate name, as folded bytes: a query word is compared
  /// with each once, not once per candidate (10,000 names in well under a second).
  let vocabulary: [[UInt8]]
  /// Names stewards have decided (any source's mapping file or the shared decisions), by key:
  /// such a name ranks its code first (see `learning(from:)`).
  var learned: [String: String] = [:]

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

  /// Acronyms as offices write them, matched with their case (so "IM" is integration
  /// management where "im" is the German "in the"), before folding.
  static let acronyms: [String: String] = [
    "IM": "integrationsmanagement", "IntM": "integrationsmanagement", "IntMa": "integrationsmanagement",
    "InMa": "integrationsmanagement", "IMa": "integrationsmanagement", "KF": "kompetenzfeststellung",
    "AVB": "asylverfahrensberatung", "EQJ": "einstiegsqualifizierung", "EQ": "einstiegsqualifizierung",
    "FbW": "foerderung beruflichen weiterbildung", "FBW": "foerderung beruflichen weiterbildung",
    "AsA": "assistierte ausbildung", "ASA": "assistierte ausbildung", "abH": "ausbildungsbegleitende hilfen",
    "ABH": "ausbildungsbegleitende hilfen", "TQ": "teilqualifizierung", "MAT": "aktivierungsmassnahme",
    "MAG": "betriebliche erprobung praktikum", "AU": "anschlussunterbringung", "GU": "gemeinschaftsunterkunft",
    "SVB": "sozialversicherungspflichtige beschaeftigung", "UE": "", "BAMF": "bamf",
  ]

  /// Shortened words: a folded word ending so is read as ending so ("integrationsmgmt" →
  /// "integrationsmanagement", "integrationsmanagerin" → "integrationsmanagement").
  static let contractions: [(suffix: String, full: String)] = [
    ("managerinnen", "management"), ("managerin", "management"), ("manager", "management"), ("mngmt", "management"),
    ("mgmt", "management"), ("mgt", "management"), ("beratg", "beratung"), ("qualif", "qualifizierung"),
    ("weiterbild", "weiterbildung"),
  ]

  /// Whole shortened words, folded.
  static let shortWords: [String: String] = [
    "allg": "allgemein", "integr": "integrations", "massn": "massnahme", "berufl": "beruflich", "ausb": "ausbildung",
    "sprachf": "sprachfoerderung",
  ]

  /// Shortened spellings of "Integrationskurs" as one written token ("I-Kurs", "Int.kurs").
  static let courseContractions = ["I-Kurs", "Int.kurs", "Int.-Kurs", "Integr.-Kurs", "Integr.kurs", "Int.-kurs"]

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
    var vocabulary: [[UInt8]] = []
    var vocabularyIndex: [String: Int] = [:]
    for (index, measure) in catalogue.measures.enumerated() {
      for text in [measure.nameDE, measure.nameEN] + measure.synonyms where !text.isEmpty {
        let key = Self.key(text)
        guard !key.isEmpty else { continue }
        var ids: [Int] = []
        for word in Set(key.split(separator: " ").map(String.init)) {
          if vocabularyIndex[word] == nil {
            vocabularyIndex[word] = vocabulary.count
            vocabulary.append(Array(word.utf8))
          }
          ids.append(vocabularyIndex[word]!)
        }
        candidates.append(
          Candidate(code: measure.code, measure: index, text: text, key: key, grams: Self.trigrams(key), tokens: ids))
        if let existing = exact[key], existing != measure.code { ambiguous.insert(key) }
        exact[key] = exact[key] ?? measure.code
      }
      // The code itself ("SPR-IK-ALPHA") is also a name.
      exact[TextFold.fold(measure.code)] = measure.code
    }
    for key in ambiguous { exact.removeValue(forKey: key) }
    self.candidates = candidates
    self.exactKeys = exact
    self.vocabulary = vocabulary
    var owners: [String: Set<Int>] = [:]
    for (index, m) in catalogue.measures.enumerated() {
      for k in m.keywords { owners[TextFold.compact(k), default: []].insert(index) }
    }
    self.keywords = owners.flatMap { stem, measures in
      measures.map { (stem: Array(stem.utf8), measure: $0, weight: 1 / Double(measures.count)) }
    }.filter { $0.stem.count >= 3 }.sorted { ($0.stem.lexicographicallyPrecedes($1.stem)) }
  }

  /// The normalised form used for matching.
  public static func key(_ name: String) -> String {
    var name = name
    for short in courseContractions where name.contains(short) {
      name = name.replacingOccurrences(of: short, with: "Integrationskurs")
    }
    // Acronyms by their written case: the folded token they become, and what it means.
    var meant: [String: String] = [:]
    for token in name.split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
      if let expansion = acronyms[String(token)] { meant[TextFold.fold(String(token))] = expansion }
    }
    var words: [String] = []
    for token in TextFold.tokens(name) {
      if let expansion = meant[token] {
        words.append(contentsOf: expansion.split(separator: " ").map(String.init))
        continue
      }
      if isLevelOrNumber(token) || noise.contains(token) { continue }
      if let expansion = abbreviations[token] ?? shortWords[token] {
        words.append(contentsOf: expansion.split(separator: " ").map(String.init))
      } else if let c = contractions.first(where: { token.hasSuffix($0.suffix) }) {
        words.append(String(token.dropLast(c.suffix.count)) + c.full)
      } else {
        words.append(token)
      }
    }
    // "BAMF" beside a plain German course is the BAMF's integration course ("Deutschkurs
    // BAMF"); beside anything else it only names the funder.
    if let i = words.firstIndex(of: "bamf") {
      words.remove(at: i)
      let plain: Set<String> = ["deutschkurs", "sprachkurs", "deutsch", "allgemein"]
      if !words.isEmpty && words.allSatisfy(plain.contains) { words = ["integrationskurs"] }
    }
    return words.joined(separator: " ")
  }

  /// A matcher that ranks each decided name's code first: `decisions` are (local name, code)
  /// pairs from the mapping files and the shared decisions. A name decided for two codes is
  /// left out.
  ///
  /// ```swift
  /// let matcher = ProgramMatcher(catalogue: catalogue).learning(from: [("Deutsch-Treff Nord", "SPR-NS")])
  /// matcher.ranked("Deutsch-Treff Nord (VHS)").first?.code  // "SPR-NS"
  /// ```
  public func learning(from decisions: [(name: String, code: String)]) -> ProgramMatcher {
    var copy = self
    var ambiguous: Set<String> = []
    for (name, code) in decisions where catalogue[code] != nil {
      let key = Self.key(name)
      guard !key.isEmpty else { continue }
      if let known = copy.learned[key], known != code { ambiguous.insert(key) }
      copy.learned[key] = code
    }
    for key in ambiguous { copy.learned.removeValue(forKey: key) }
    return copy
  }

  /// The score a name decided for another source gets: first, but under the default
  /// automatic threshold (a steward decided it for one source; for every source they accept
  /// it into the shared decisions).
  static let learnedScore = 0.85

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

  /// Up to `limit` codes, best first, with scores in 0…1: the share of such suggestions that
  /// were right on names the matcher was not built on (see `calibrated(_:)`); `calibrated:
  /// false` gives the name similarity itself.
  public func suggest(_ name: String, limit: Int = 3, calibrated: Bool = true) -> [RunSummary.Suggestion] {
    let key = Self.key(name)
    guard !key.isEmpty else { return [] }
    if let code = learned[key], let measure = catalogue[code] {
      let rest = Self(copying: self).suggest(name, limit: limit, calibrated: calibrated).filter { $0.code != code }
      return [RunSummary.Suggestion(code: code, name: measure.nameDE, score: Self.learnedScore)]
        + rest.prefix(limit - 1)
    }
    let grams = Self.trigrams(key)
    let words = Set(key.split(separator: " ").map { Array($0.utf8) })
    // How well each query word matches each vocabulary word: equal 1, one containing the
    // other (German compounds, 4 letters or more) 0.7.
    let similarity: [[Double]] = words.map { w in
      vocabulary.map { v in
        if w == v { return 1 }
        if w.count >= 4 && v.count >= 4 && (Self.contains(v, w) || Self.contains(w, v)) { return 0.7 }
        return 0
      }
    }
    var best = [(score: Double, text: String)](repeating: (-1, ""), count: catalogue.measures.count)
    for c in candidates {
      let dice = Self.diceCoefficient(grams, c.grams)
      var matched = 0.0
      for row in similarity {
        var m = 0.0
        for id in c.tokens where row[id] > m { m = row[id] }
        matched += m
      }
      let union = Double(words.count + c.tokens.count) - matched
      let score = 0.5 * dice + 0.5 * (union > 0 ? matched / union : 0)
      if score > best[c.measure].score { best[c.measure] = (score, c.text) }
    }
    // Keyword evidence lifts a measure part of the way from its name score towards 1: enough
    // to rank "Mama lernt Deutsch" under the women's course, never enough on its own to reach
    // an automatic-mapping threshold.
    let compactName = Array(TextFold.compact(name).utf8)
    var evidence = [Double](repeating: 0, count: catalogue.measures.count)
    for k in keywords where Self.contains(compactName, k.stem) {
      evidence[k.measure] = min(1, evidence[k.measure] + k.weight)
    }
    for (i, e) in evidence.enumerated() where e > 0 {
      let base = max(0, best[i].score)
      best[i] = (base + Self.keywordLift * e * (1 - base), best[i].text)
    }
    return best.indices.filter { best[$0].score >= Self.minimumScore }
      .sorted { best[$0].score > best[$1].score || (best[$0].score == best[$1].score && $0 < $1) }
      .prefix(limit)
      .map { i in
        let measure = catalogue.measures[i]
        let score = calibrated ? Self.calibrated(best[i].score) : best[i].score
        return RunSummary.Suggestion(code: measure.code, name: measure.nameDE, score: (score * 1000).rounded() / 1000)
      }
  }

  /// The probability that a top suggestion of raw similarity `raw` is right: raw similarity
  /// is not a probability (on names it was not built on, suggestions at 0.5–0.8 were right
  /// nine times in ten, and names that have no code at all score up to 0.77). Piecewise
  /// linear between points of a logistic fit (p = 1 / (1 + e^-(11.985 raw - 4.998))) on the
  /// development names and the development half of the names without a code, weighted so that
  /// a quarter of names have no code (more than the tables hold: a guess on the safe side). Its
  /// check on the held-out names: `ProgramAccuracyTests.calibration`, docs/performance.md.
  static func calibrated(_ raw: Double) -> Double {
    let points = calibrationPoints
    guard raw > points[0].raw else { return points[0].p }
    for (a, b) in zip(points, points.dropFirst()) where raw <= b.raw {
      return a.p + (b.p - a.p) * (raw - a.raw) / (b.raw - a.raw)
    }
    return points[points.count - 1].p
  }

  /// (raw similarity, probability right) of the calibration; see `calibrated(_:)`.
  static let calibrationPoints: [(raw: Double, p: Double)] = [
    (0.0, 0.007), (0.1, 0.022), (0.2, 0.069), (0.3, 0.197), (0.4, 0.449), (0.5, 0.73), (0.6, 0.9), (0.7, 0.967),
    (0.8, 0.99), (0.9, 0.997), (1.0, 0.999),
  ]

  /// `matcher` without its learned decisions.
  init(copying matcher: ProgramMatcher) {
    self = matcher
    learned = [:]
  }

  /// True when `needle` occurs in `haystack` (bytes).
  static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    let n = needle.count
    guard n > 0, haystack.count >= n else { return n == 0 }
    let first = needle[0]
    for i in 0...(haystack.count - n) where haystack[i] == first {
      var j = 1
      while j < n && haystack[i + j] == needle[j] { j += 1 }
      if j == n { return true }
    }
    return false
  }

  /// Below this a "suggestion" is noise and is not shown.
  static let minimumScore = 0.1

  /// How far keyword evidence lifts a score towards 1 (0…1).
  static let keywordLift = 0.35

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
