/// One measure of the standard catalogue.
public struct Measure: Sendable, Hashable, Codable {
  public var code: String
  public var category: String
  public var nameDE: String
  public var nameEN: String
  public var legalBasis: String
  public var funder: String
  public var synonyms: [String]
  /// Word stems that point to this measure inside longer local names; they rank suggestions only.
  public var keywords: [String]

  public init(
    code: String, category: String, nameDE: String, nameEN: String, legalBasis: String, funder: String,
    synonyms: [String], keywords: [String] = []
  ) {
    self.code = code
    self.category = category
    self.nameDE = nameDE
    self.nameEN = nameEN
    self.legalBasis = legalBasis
    self.funder = funder
    self.synonyms = synonyms
    self.keywords = keywords
  }
}

/// The standard measure catalogue (`mappings/catalogue.yml`): the codes every local program maps onto.
///
/// ```swift
/// let catalogue = try Catalogue.load(file: "mappings/catalogue.yml")
/// catalogue["SPR-IK-ALPHA"]?.nameDE  // "Integrationskurs mit Alphabetisierung"
/// ```
public struct Catalogue: Sendable {
  public var categories: [String: String]
  public var measures: [Measure]
  private var byCode: [String: Int]

  public init(categories: [String: String], measures: [Measure]) {
    self.categories = categories
    self.measures = measures
    self.byCode = Dictionary(measures.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { a, _ in a })
  }

  public subscript(code: String) -> Measure? {
    byCode[code].map { measures[$0] }
  }

  /// Loads and validates the catalogue file.
  public static func load(file: String) throws -> Catalogue {
    let root = try YAMLNode.load(file: file).mapping(allowed: ["categories", "measures"], what: "the catalogue")
    var categories: [String: String] = [:]
    for entry in try root.stringMap("categories") { categories[entry.key] = entry.value }
    var measures: [Measure] = []
    var seen: Set<String> = []
    let allowed: Set<String> = [
      "code", "category", "name_de", "name_en", "legal_basis", "funder", "synonyms", "keywords",
    ]
    for node in try root.require("measures").sequence(what: "'measures'") {
      let m = try node.mapping(allowed: allowed, what: "a measure")
      let code = try m.string("code")
      guard seen.insert(code).inserted else { throw node.error("measure code '\(code)' appears twice") }
      let category = try m.string("category")
      if !categories.isEmpty && categories[category] == nil {
        throw try m.require("category").error(
          "category '\(category)' of \(code) is not listed under 'categories'", fix: "add it or correct the code")
      }
      measures.append(
        Measure(
          code: code, category: category, nameDE: try m.string("name_de"),
          nameEN: try m.optionalString("name_en") ?? "", legalBasis: try m.optionalString("legal_basis") ?? "",
          funder: try m.optionalString("funder") ?? "", synonyms: try m.strings("synonyms"),
          keywords: try m.strings("keywords")))
    }
    if measures.isEmpty { throw root.owner.error("the catalogue lists no measures") }
    return Catalogue(categories: categories, measures: measures)
  }
}
