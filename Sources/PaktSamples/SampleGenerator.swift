import Foundation
import PaktCore

/// Writes a realistic synthetic corpus: exports of many invented municipalities in every format
/// pakt reads, the mapping files and pipeline that load them, and the ground truth to score
/// pakt against. Deterministic: the same options give the same bytes.
///
/// ```swift
/// let result = try SampleGenerator.generate(.init(persons: 1000, municipalities: 10, seed: 1, out: "/tmp/corpus"))
/// print(result.files.count)   // 10 exports, loaded by /tmp/corpus/pipeline.yml
/// ```
public enum SampleGenerator {
  public struct Options: Sendable {
    public var persons: Int
    public var municipalities: Int
    public var seed: UInt64
    public var out: String
    /// The measure catalogue whose measures the local program names stand for.
    public var catalogue: String
    /// The gazetteer copied beside the catalogue.
    public var gazetteer: String?
    /// Probabilistic linkage settings copied beside the catalogue and named in pipeline.yml
    /// (nil: the corpus links by pakt's deterministic rules).
    public var linkage: String?
    /// Share of persons who also appear in a second municipality (moved, or registered twice).
    public var movers = 0.08
    /// Share of persons entered twice in their own municipality's export.
    public var duplicates = 0.01
    /// Share of records followed by a malformed one (cut row, no id, no name).
    public var bad = 0.002
    /// Share of persons who have a namesake: another person with the same name, sex,
    /// nationality and year of birth, told apart only by the complete date or the AZR number
    /// (with placeholder dates, by nothing but those numbers).
    public var namesakes = 0.01
    /// Share of participations written with a flaw a quality rule must catch (see
    /// `ExportWriter.flaw`), listed in truth/quality.csv.
    public var flaws = 0.002

    public init(
      persons: Int, municipalities: Int, seed: UInt64, out: String, catalogue: String = "mappings/catalogue.yml",
      gazetteer: String? = nil, linkage: String? = nil
    ) {
      self.persons = persons
      self.municipalities = municipalities
      self.seed = seed
      self.out = out
      self.catalogue = catalogue
      self.gazetteer = gazetteer
      self.linkage = linkage
    }
  }

  public struct Result: Sendable {
    public var files: [String] = []
    public var personRecords = 0
    public var participations = 0
    public var badRecords = 0
    /// Records written with a flaw a quality rule must catch.
    public var flawedRecords = 0
    public var bytes = 0
  }

  public static func generate(_ options: Options) throws -> Result {
    guard options.persons > 0, options.municipalities > 0 else {
      throw GeneratorError("--persons and --municipalities must be at least 1")
    }
    let catalogue = try Catalogue.load(file: options.catalogue)
    try prepareFolder(options)
    let root = SeededRandom(seed: options.seed)
    let persons = population(options, root: root)
    let municipalities = inventMunicipalities(options, catalogue: catalogue, root: root)
    let appearances = placeAppearances(options, persons: persons.count, root: root)
    var result = Result()
    var personTruth = "source,local_id,true_person\n"
    var programTruth = "source,local_name,code\n"
    var qualityTruth = "source,local_id,rule\n"
    var sources = ""
    for m in municipalities {
      var rows = root.fork(100 + UInt64(m.index))
      var order = appearances[m.index]
      order.shuffle(using: &rows)
      let file = "exports/\(m.slug).\(m.fileExtension)"
      let writer = ExportWriter(municipality: m, catalogue: catalogue)
      let written = try writer.write(
        path: "\(options.out)/\(file)", appearances: order, persons: persons, options: options, rng: &rows)
      result.files.append(file)
      result.personRecords += written.personRecords
      result.participations += written.participations
      result.badRecords += written.bad
      result.bytes += written.bytes
      result.flawedRecords += written.flaws.count
      for (localID, rule) in written.flaws { qualityTruth += "\(m.slug),\(localID),\(rule)\n" }
      for (localID, person) in written.truth { personTruth += "\(m.slug),\(localID),P\(person)\n" }
      for code in m.localNames.keys.sorted() {
        programTruth += "\(m.slug),\(ExportWriter.quoted(m.localNames[code]!, delimiter: ",")),\(code)\n"
      }
      try m.mappingYAML.write(toFile: "\(options.out)/mappings/\(m.slug).yml", atomically: true, encoding: .utf8)
      sources += "  - name: \(m.slug)\n    files: \(file)\n    mapping: mappings/\(m.slug).yml\n"
    }
    try personTruth.write(toFile: "\(options.out)/truth/persons.csv", atomically: true, encoding: .utf8)
    try programTruth.write(toFile: "\(options.out)/truth/programs.csv", atomically: true, encoding: .utf8)
    try qualityTruth.write(toFile: "\(options.out)/truth/quality.csv", atomically: true, encoding: .utf8)
    try writePipeline(options, sources: sources)
    return result
  }

  /// The output folders, with the catalogue, gazetteer and linkage settings copied in.
  static func prepareFolder(_ options: Options) throws {
    let fm = FileManager.default
    for dir in ["exports", "mappings", "truth"] {
      try fm.createDirectory(atPath: "\(options.out)/\(dir)", withIntermediateDirectories: true)
    }
    try? fm.removeItem(atPath: "\(options.out)/mappings/catalogue.yml")
    try fm.copyItem(atPath: options.catalogue, toPath: "\(options.out)/mappings/catalogue.yml")
    if let gazetteer = options.gazetteer {
      try? fm.removeItem(atPath: "\(options.out)/mappings/municipalities.csv")
      try fm.copyItem(atPath: gazetteer, toPath: "\(options.out)/mappings/municipalities.csv")
    }
    if let linkage = options.linkage {
      try? fm.removeItem(atPath: "\(options.out)/mappings/linkage.yml")
      try fm.copyItem(atPath: linkage, toPath: "\(options.out)/mappings/linkage.yml")
    }
  }

  /// Municipalities of very different sizes, as in the state (a few cities, many small towns),
  /// each with its own names for the catalogue's measures.
  static func inventMunicipalities(_ options: Options, catalogue: Catalogue, root: SeededRandom)
    -> [GeneratedMunicipality]
  {
    var towns = root.fork(2)
    var municipalities: [GeneratedMunicipality] = []
    var usedSlugs: Set<String> = []
    for i in 0..<options.municipalities {
      var invented = GeneratedMunicipality.invent(index: i + 1, rng: &towns)
      while usedSlugs.contains(invented.slug) { invented = GeneratedMunicipality.invent(index: i + 1, rng: &towns) }
      usedSlugs.insert(invented.slug)
      var names: [String: String] = [:]
      for m in catalogue.measures { names[m.code] = localName(for: m, rng: &towns) }
      municipalities.append(
        GeneratedMunicipality(
          index: i, slug: invented.slug, name: invented.name,
          ags: "08" + String(format: "%03d", 100 + i / 20) + String(format: "%03d", 1 + i % 997),
          format: GeneratedMunicipality.Format(rawValue: i % 5)!, localNames: names))
    }
    return municipalities
  }

  /// Who appears where: every person at home, some also in a second place or twice at home.
  static func placeAppearances(_ options: Options, persons: Int, root: SeededRandom)
    -> [[(person: Int, variant: Variant)]]
  {
    let weights = (0..<options.municipalities).map { 1.0 / Double($0 % 12 + 1) }
    let totalWeight = weights.reduce(0, +)

    var appearances = [[(person: Int, variant: Variant)]](repeating: [], count: options.municipalities)
    var place = root.fork(3)
    for p in 0..<persons {
      var x = Double.random(in: 0..<totalWeight, using: &place)
      var home = 0
      while home < weights.count - 1 && x >= weights[home] {
        x -= weights[home]
        home += 1
      }
      appearances[home].append((p, .same))
      if options.municipalities > 1 && place.chance(options.movers) {
        var other = Int.random(in: 0..<options.municipalities, using: &place)
        if other == home { other = (other + 1) % options.municipalities }
        let variant = place.pick([
          Variant.transliterated, .swapped, .placeholderDate, .dayMonthSwapped, .same, .swappedTransliterated, .typo,
        ])
        appearances[other].append((p, variant))
      }
      if place.chance(options.duplicates) {
        appearances[home].append((p, place.pick([Variant.typo, .placeholderDate, .transliterated])))
      }
    }
    return appearances
  }

  /// The corpus's pipeline.yml, listing every municipality's export as a source.
  static func writePipeline(_ options: Options, sources: String) throws {
    var pipeline = """
      # Generated by `pakt samples generate --persons \(options.persons) --municipalities \(options.municipalities) \
      --seed \(options.seed)`: invented people and places only.
      catalogue: mappings/catalogue.yml
      warehouse: out/warehouse.sqlite
      reports: out/reports

      """
    if options.gazetteer != nil { pipeline += "municipalities: mappings/municipalities.csv\n" }
    pipeline += "linkage:\n"
    if options.linkage != nil { pipeline += "  settings: mappings/linkage.yml\n" }
    pipeline += "  threshold: 0.5\nsources:\n" + sources
    try pipeline.write(toFile: "\(options.out)/pipeline.yml", atomically: true, encoding: .utf8)
  }

  /// The invented persons, namesakes among them (see `Options.namesakes`).
  static func population(_ options: Options, root: SeededRandom) -> [TruePerson] {
    var rng = root.fork(1)
    var persons: [TruePerson] = []
    persons.reserveCapacity(options.persons)
    var namesakes = root.fork(4)
    // Namesakes come from common names, as in life: two people sharing a rare name and a year
    // of birth are rarer than two named Mohammed Ahmadi.
    let commonGiven = Set(Names.givenMale + Names.givenFemale)
    let commonFamily = Set(Names.family)
    var common: [Int] = []
    // Name and complete date of birth taken: a namesake never repeats one (two people
    // identical in every field are no test of a linker, only of luck).
    var taken: Set<String> = []
    func key(_ p: TruePerson) -> String { "\(p.given)|\(p.family)|\(p.year)-\(p.month)-\(p.day)" }
    while persons.count < options.persons {
      if !common.isEmpty && namesakes.chance(options.namesakes) {
        let original = persons[namesakes.pick(common)]
        var q = original.namesake(id: persons.count + 1, rng: &rng)
        var tries = 0
        while taken.contains(key(q)) && tries < 20 {
          q = original.namesake(id: persons.count + 1, rng: &rng)
          tries += 1
        }
        if q.month == 1 && q.day == 1 || !taken.contains(key(q)) {
          taken.insert(key(q))
          persons.append(q)
        }
      } else {
        let p = TruePerson.invent(id: persons.count + 1, rng: &rng)
        if commonGiven.contains(p.given) && (p.oneName || commonFamily.contains(p.family)) {
          common.append(persons.count)
          taken.insert(key(p))
        }
        persons.append(p)
      }
    }
    return persons
  }

  /// A local name for a measure, as a municipality would write it: the catalogue name, a
  /// synonym, with a provider, a level or a place around it.
  static func localName(for measure: Measure, rng: inout SeededRandom) -> String {
    let base = rng.chance(0.3) || measure.synonyms.isEmpty ? measure.nameDE : rng.pick(measure.synonyms)
    switch Int.random(in: 0..<6, using: &rng) {
    case 0: return base
    case 1: return base + " (" + rng.pick(["VHS", "Caritas", "Diakonie", "AWO", "IB", "DRK", "Stadt"]) + ")"
    case 2: return base + " " + rng.pick(["Weststadt", "Innenstadt", "Nord", "Süd", "Ost"])
    case 3: return base + " " + rng.pick(["2024", "2025", "Gruppe 2", "Teilzeit"])
    case 4: return rng.pick(["Träger ", "Projekt ", "Angebot "]) + base
    default: return base.lowercased()
    }
  }
}
