import Foundation
import PaktCore
import PaktExtract
import PaktLink
import PaktLoad
import PaktReport

/// The nightly pipeline's probabilistic linkage: the warehouse's source person records, read
/// as the columns a linkage settings file names, linked by `ProbabilisticLinker`.
///
/// ```yaml
/// # pipeline.yml
/// linkage:
///   settings: mappings/linkage.yml
///   threshold: 0.5
/// ```
public enum PersonLinkage {
  /// The canonical person columns a linkage settings file may compare, as text (a date of
  /// birth reaches the linker as its `PartialDate` too: see `dates`); `column(_:of:)` reads them.
  static let columns: Set<String> = [
    "family_name", "given_name", "birth_date", "sex", "nationality", "azr_number", "bamf_number", "municipality",
  ]

  /// A date as text, for what the linker shows (the duplicate review): a full date as ISO,
  /// else its year.
  static func text(_ date: PartialDate) -> String {
    date.precision == .day && !date.placeholder ? date.iso : String(date.year)
  }

  /// Loads and checks the settings: every field must read a canonical person column.
  static func load(_ file: String) throws -> LinkageConfig {
    let settings = try LinkageConfig.load(file: file)
    for f in settings.fields where !columns.contains(f.column) {
      throw PaktError.config(
        file: file, line: nil,
        "linkage field '\(f.name)' reads column '\(f.column)', which pakt's person records do not have",
        fix: "use one of: \(columns.sorted().joined(separator: ", "))")
    }
    return settings
  }

  /// A steward's decision about two records (in the pipeline: "source/local id").
  public struct Decision: Sendable {
    public var a: String
    public var b: String
    public var mustLink: Bool
    /// The line of the decisions file it was read from.
    public var line: Int
  }

  /// Reads the decisions file: record_a, record_b and decision columns (other columns, such
  /// as the review's match probability, are ignored; rows without a decision too).
  ///
  /// ```swift
  /// let decided = try PersonLinkage.decisions("mappings/link-decisions.csv")
  /// ```
  public static func decisions(_ file: String) throws -> [Decision] {
    let opened = try OpenedFile(path: file)
    let header = (opened.layout.header ?? []).map { TextFold.compact($0) }
    guard let a = header.firstIndex(of: "recorda"), let b = header.firstIndex(of: "recordb"),
      let d = header.firstIndex(of: "decision")
    else {
      throw PaktError.config(
        file: file, line: 1, "the link decisions need columns record_a, record_b and decision",
        fix: "copy decided rows from the reports' duplicate-review.csv, which has these columns")
    }
    var out: [Decision] = []
    while let record = try opened.next() {
      guard case .row(let row) = record else { continue }
      // "must-link", "Must link", "mustlink": one decision.
      let decision = TextFold.compact(row.fields[d])
      if decision.isEmpty { continue }
      guard decision == "mustlink" || decision == "cannotlink" else {
        throw PaktError.config(
          file: file, line: row.line, "unknown decision '\(row.fields[d])'", fix: "write must-link or cannot-link")
      }
      out.append(Decision(a: row.fields[a], b: row.fields[b], mustLink: decision == "mustlink", line: row.line))
    }
    return out
  }

  struct Result: Sendable {
    var clusters: [[Int]]
    var reasons: [Int: String]
    var candidatePairs: Int
    /// Decisions naming a record the warehouse does not hold (erased, or its source gone).
    var unknownDecisions: Int
    var review: [ReviewPair]
    var refusedMerges = 0
    var modelWarnings: [String] = []
    /// The model the records were scored with (trained now, or kept from the last full link).
    var model: LinkModel? = nil
    /// What a full link keeps for the nights after it, still being built (see
    /// `LinkOutput.indexInBackground`).
    var index: InBackground<LinkIndex>? = nil
  }

  /// What a night linked in proportion to its change starts from: the last full link's model
  /// and index, and the records to link again (see `PipelineRunner.incremental`).
  struct Incremental: Sendable {
    var model: LinkModel
    var index: LinkIndex
    var records: [StoredPerson]
    /// The persons of records delivered again changed: linked again whole.
    var touched: Set<Int64>
    /// Records linked again on earlier nights since the model was trained.
    var changedBefore: Int
    /// The records added to the index since the full link that built it, with tonight's
    /// new and changed records (kept once the night commits).
    var additions: LinkIndex.Additions
  }

  /// Between source and local id in a record's name in the index: a character neither holds.
  static let keySeparator: Character = "\u{1F}"

  /// A record's name in `LinkIndex`.
  static func indexName(_ record: StoredPerson) -> String {
    record.source + String(keySeparator) + record.localID
  }

  /// The records' columns as the settings' fields read them (`data[field][record]`).
  static func data(_ stored: [StoredPerson], _ settings: LinkageConfig) -> [[String?]] {
    // A column per core: each copies hundreds of thousands of strings.
    settings.fields.concurrentMap(chunk: 1) { field in column(field.column, of: stored) }
  }

  /// One of the `columns` of `stored`, read field by field. Why a switch: through a stored
  /// closure per column, each record was copied whole (a dozen strings retained and released)
  /// to read one of them: 0.45 s of a 425,780-record night's link stage for eight columns.
  static func column(_ name: String, of stored: [StoredPerson]) -> [String?] {
    switch name {
    case "family_name": stored.map(\.familyName)
    case "given_name": stored.map(\.givenName)
    case "nationality": stored.map(\.nationality)
    case "azr_number": stored.map(\.azrNumber)
    case "bamf_number": stored.map(\.bamfNumber)
    case "municipality": stored.map(\.municipality)
    case "sex": stored.map { $0.sex == .unknown ? nil : $0.sex.rawValue }
    case "birth_date": stored.map { $0.birthDate.map(text) }
    default: preconditionFailure("'\(name)' is not one of PersonLinkage.columns, which load(_:) checks")
    }
  }

  /// A linked record's reason, "probabilistic, p = 0.973": its cluster's probability with
  /// three decimals, as `String(format: "%.3f")` writes it but without Foundation's formatter
  /// (0.3 s of the link stage for 427,000 records).
  static func reason(probability p: Double) -> String {
    let scaled = p * 1000
    // Within a hair of half a thousandth, `scaled` may have rounded across the edge: there the
    // formatter decides, on the exact value.
    guard abs(scaled - scaled.rounded(.down) - 0.5) > 1e-6 else {
      return "probabilistic, p = " + String(format: "%.3f", p)
    }
    let thousandths = Int(scaled.rounded())
    let fraction = String(thousandths % 1000)
    return "probabilistic, p = \(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
  }

  /// The dates of birth as the mapper read them, for each field that compares them: the
  /// linker takes these values as they are instead of parsing text again.
  static func dates(_ stored: [StoredPerson], _ settings: LinkageConfig) -> [Int: [PartialDate?]] {
    var out: [Int: [PartialDate?]] = [:]
    for (f, field) in settings.fields.enumerated() where field.column == "birth_date" && field.kind == .date {
      out[f] = stored.map(\.birthDate)
    }
    return out
  }

  /// Clusters of `stored` (indices) with each linked record's reason, the pairs for the
  /// duplicate review, and the decisions that named no stored record.
  static func probabilistic(
    _ stored: [StoredPerson], settings: LinkageConfig, threshold: Double, decisions: [Decision],
    incremental: Incremental? = nil
  ) -> Result {
    var clock = PhaseClock("person linkage")
    defer { clock.finish() }
    var settings = settings
    settings.threshold = threshold
    let data = Self.data(stored, settings)
    let dates = Self.dates(stored, settings)
    clock.lap("columns")
    // Records by key, for the stewards' decisions only.
    let index =
      decisions.isEmpty ? [:] : Dictionary(stored.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { a, _ in a })
    var mustLink: [(Int, Int)] = []
    var cannotLink: [(Int, Int)] = []
    var unknown = 0
    for d in decisions {
      guard let a = index[d.a], let b = index[d.b] else {
        // Only the records linked again are at hand on a night linked in proportion to its
        // change: the caller counts the decisions naming records the warehouse lacks.
        if incremental == nil { unknown += 1 }
        continue
      }
      if d.mustLink { mustLink.append((a, b)) } else { cannotLink.append((a, b)) }
    }
    let linker = ProbabilisticLinker(config: settings)
    let out: LinkOutput
    if let incremental {
      out = linker.link(
        columns: data, dates: dates, model: incremental.model, kept: incremental.index, mustLink: mustLink,
        cannotLink: cannotLink)
    } else {
      out = linker.link(
        columns: data, dates: dates, mustLink: mustLink, cannotLink: cannotLink, keeping: stored.map(Self.indexName))
    }
    clock.lap("link")
    var reasons: [Int: String] = [:]
    for (i, p) in out.clusterProbability.enumerated() where p > 0 {
      reasons[i] = Self.reason(probability: p)
    }
    for (a, b) in mustLink {
      reasons[a] = "steward: must-link"
      reasons[b] = "steward: must-link"
    }
    clock.lap("reasons")
    let review = ReviewSelection.pairs(out, linker: linker, columns: data, ids: stored.map(\.key))
    clock.lap("review")
    return Result(
      clusters: out.clusters, reasons: reasons, candidatePairs: out.candidatePairs, unknownDecisions: unknown,
      review: review, refusedMerges: out.refusedMerges, modelWarnings: out.model.warnings, model: out.model,
      index: out.indexInBackground)
  }
}
