import Foundation
import PaktCore
import PaktTestSupport
import Testing

@testable import PaktLink

/// Names that nearly agree (one typo, Jaro-Winkler ≥ 0.92, a name within the other) weigh by
/// how common the names are too, at half the exact level's adjustment: a typo between two
/// common names is more often two people than one between rare names. On a file generated
/// apart from pakt, family names a typo apart scored p 0.3-0.5 were true pairs 61% of the time
/// where the more common name is rare and 21% where it is common; with the adjustment F1 rose
/// 0.9197 → 0.9220 on a seed never tuned on.
@Suite("Link: term frequencies of names that nearly agree")
struct FuzzyTermFrequencyTests {
  @Test("a typo between common names weighs less than one between rare names, by half their frequencies' ratio")
  func typoByFrequency() throws {
    // Two pairs alike but for the family name: a common one (FamAA1, held by about 50
    // records) with a letter wrong, and a name no one else holds with a letter wrong. Their
    // given names differ, so that only the family name's frequency is in play.
    let pairs: [[String?]] = [
      ["FamAA1", "Befaeh", "1975-04-02", "M", "AA", nil, nil, nil],
      ["FamXA1", "Zulqarnain", "1975-04-02", "M", "AA", nil, nil, nil],
      ["Qorbanzadeh", "Befaeh", "1975-04-02", "M", "AA", nil, nil, nil],
      ["Qorbanradeh", "Zulqarnain", "1975-04-02", "M", "AA", nil, nil, nil],
    ]
    let (explained, lambda, rows) = try NameDependenceTests.explained(pairs)
    for pair in explained {
      #expect(try #require(pair.parts.first { $0.field == "family_name" }).level == "one typo")
    }
    let (common, rare) = (
      explained[0].termFrequencyBits(lambda: lambda), explained[1].termFrequencyBits(lambda: lambda)
    )
    // Everything else is alike in both pairs and weighs alike: what differs is half the log
    // ratio of the two family names' frequencies (the more common of each pair's two).
    let holders = Double(rows.filter { $0[0] == "FamAA1" }.count)
    #expect(holders > 20)
    #expect(abs((rare - common) - 0.5 * log2(holders / 1)) < 0.01, "rare \(rare), common \(common)")
    #expect(explained[1].probability > explained[0].probability)
  }
}
