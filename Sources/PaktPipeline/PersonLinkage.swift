import Foundation
import PaktCore
import PaktLink
import PaktLoad

/// The nightly pipeline's probabilistic linkage: the warehouse's source person records, read
/// as the columns a linkage settings file names, linked by `ProbabilisticLinker`.
///
/// ```yaml
/// # pipeline.yml
/// linkage:
///   settings: mappings/linkage.yml
///   threshold: 0.5
/// ```
enum PersonLinkage {
  /// The canonical person columns a linkage settings file may compare.
  static let columns: [String: @Sendable (StoredPerson) -> String?] = [
    "family_name": { $0.familyName },
    "given_name": { $0.givenName },
    "birth_date": { person in person.birthDate.map(text) },
    "sex": { $0.sex == .unknown ? nil : $0.sex.rawValue },
    "nationality": { $0.nationality },
    "azr_number": { $0.azrNumber },
    "bamf_number": { $0.bamfNumber },
  ]

  /// A date as the linker reads it: a full date as ISO, else only its year ("00.00.YYYY").
  static func text(_ date: PartialDate) -> String {
    date.precision == .day && !date.placeholder ? date.iso : "00.00.\(date.year)"
  }

  /// Loads and checks the settings: every field must read a canonical person column.
  static func load(_ file: String) throws -> LinkageConfig {
    let settings = try LinkageConfig.load(file: file)
    for f in settings.fields where columns[f.column] == nil {
      throw PaktError.config(
        file: file, line: nil,
        "linkage field '\(f.name)' reads column '\(f.column)', which pakt's person records do not have",
        fix: "use one of: \(columns.keys.sorted().joined(separator: ", "))")
    }
    return settings
  }

  /// Clusters of `stored` (indices), each linked record's reason, and the candidate pairs compared.
  static func probabilistic(_ stored: [StoredPerson], settings: LinkageConfig, threshold: Double) -> (
    clusters: [[Int]], reasons: [Int: String], candidatePairs: Int
  ) {
    var settings = settings
    settings.threshold = threshold
    let data = settings.fields.map { field in stored.map(columns[field.column]!) }
    let out = ProbabilisticLinker(config: settings).link(columns: data)
    var reasons: [Int: String] = [:]
    for (i, p) in out.clusterProbability.enumerated() where p > 0 {
      reasons[i] = "probabilistic, p = " + String(format: "%.3f", p)
    }
    return (out.clusters, reasons, out.candidatePairs)
  }
}
