import PaktCore
import PaktTestSupport
import Testing

@testable import PaktLink

/// Blocking rules that pair only where a field is missing (`only_where_missing`), and the
/// day-and-month key (`monthday`): names alone pair a record without a date of birth with its
/// namesakes, and a year with a digit wrong keeps its pair, without comparing every two
/// namesakes born in different years (on an independent 300,000-person file, 47 million
/// candidate pairs became 28 million at the same F1).
@Suite("Link: blocking only where a field is missing")
struct RestrictedBlockingTests {
  static let settings = """
    fields:
      family_name: { kind: name, swap_with: given_name }
      given_name: { kind: name, swap_with: family_name }
      birth_date: { kind: date }
    blocking:
      - [family_name.nameset, birth_date.year]
      - { key: [family_name.nameset], only_where_missing: birth_date }
      - [family_name.nameset, birth_date.monthday]
    training:
      - [family_name.nameset]
    threshold: 0.5
    """

  /// Six namesakes (and one other person): born 1990, no date, born 1975, 15.03.1984,
  /// 15.03.1985 (a year a digit off), a placeholder of 1984.
  static let columns: [[String?]] = [
    ["Ahmadi", "AHMADI", "Ahmadi", "Ahmadi", "Ahmadi", "Ahmadi", "Karimi"],
    ["Zahra", "Zahra", "Zahra", "Zahra", "Zahra", "Zahra", "Reza"],
    ["1990-05-01", nil, "1975-02-02", "15.03.1984", "15.03.1985", "01.01.1984", nil],
  ]

  /// Each candidate pair (a < b) with the rule that made it, and the training-only pairs.
  static func pairs(_ config: LinkageConfig, _ columns: [[String?]] = columns) -> (
    candidates: [String: Int], training: Set<String>
  ) {
    let linker = ProbabilisticLinker(config: config)
    let records = PreparedRecords(columns: columns, config: config)
    let candidates = linker.candidatePairs(linker.ruleBlocks(records), records)
    var made: [String: Int] = [:]
    var training: Set<String> = []
    for unit in candidates.units {
      candidates.forEachPair(in: unit) { a, b, _ in
        if unit.rule < config.blocking.count {
          #expect(made.updateValue(unit.rule, forKey: "\(a)-\(b)") == nil, "pair \(a)-\(b) made twice")
        } else {
          training.insert("\(a)-\(b)")
        }
      }
    }
    return (made, training)
  }

  @Test("a record without a date meets its namesakes; two dated namesakes only by year or by day and month")
  func restricted() throws {
    let config = try LinkageConfig.parse(try YAMLNode.parse(Self.settings, file: "link.yml"))
    #expect(config.onlyWhereMissing == [1: 2])
    let (made, training) = Self.pairs(config)
    // The record without a date (1) with every namesake, by the restricted rule.
    for pair in ["0-1", "1-2", "1-3", "1-4", "1-5"] {
      #expect(made[pair] == 1, "\(pair) should be the restricted rule's")
    }
    // Same year: the first rule. A year a digit off, same day and month: the third.
    #expect(made["3-5"] == 0)
    #expect(made["3-4"] == 2)
    // Namesakes born in different years, day and month differing too: no candidates.
    for pair in ["0-2", "0-3", "0-4", "0-5", "2-3", "2-4", "2-5", "4-5"] {
      #expect(made[pair] == nil, "\(pair) should not be a candidate")
    }
    #expect(made.count == 7)
    // The training rule (names alone) still sees those pairs, as training-only pairs: the
    // restricted rule did not make them, so they are not taken for candidates already made.
    #expect(training == ["0-2", "0-3", "0-4", "0-5", "2-3", "2-4", "2-5", "4-5"])
  }

  @Test("only_where_missing: a blocking rule only, naming a field")
  func restrictedSettings() {
    let unknown = Self.settings.replacingOccurrences(
      of: "only_where_missing: birth_date", with: "only_where_missing: birthday")
    #expect {
      _ = try LinkageConfig.parse(try YAMLNode.parse(unknown, file: "link.yml"))
    } throws: { error in
      "\(error)".contains("names no field") && (error as? PaktError)?.line == 7
    }
    let training = Self.settings.replacingOccurrences(
      of: "  - [family_name.nameset]\n", with: "  - { key: [family_name.nameset], only_where_missing: birth_date }\n")
    #expect {
      _ = try LinkageConfig.parse(try YAMLNode.parse(training, file: "link.yml"))
    } throws: { error in
      "\(error)".contains("only blocking rules")
    }
    let typo = Self.settings.replacingOccurrences(of: "only_where_missing:", with: "only_where_mising:")
    #expect {
      _ = try LinkageConfig.parse(try YAMLNode.parse(typo, file: "link.yml"))
    } throws: { error in
      "\(error)".contains("Did you mean 'only_where_missing'")
    }
  }

  @Test("the shipped settings link a namesake without a date of birth, and a year a digit off")
  func shipped() throws {
    let config = try LinkageConfig.load(file: TestSupport.path("mappings/linkage.yml"))
    #expect(!config.onlyWhereMissing.isEmpty)
    #expect(config.blocking.contains { $0.contains { $0.transform == .monthday } })
  }
}
