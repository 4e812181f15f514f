import Foundation
import PaktCore
import PaktTestSupport
import Testing

@testable import PaktLink

/// What a full link keeps for later nights (`LinkIndex`): stored and read back unchanged,
/// finding a changed record's block mates, and scoring a night's few records with the full
/// link's term frequencies, as the full link scored them.
@Suite("Link: the index a full link keeps")
struct LinkIndexTests {
  static let config = Result { try LinkageConfig.load(file: TestSupport.path("mappings/linkage.yml")) }

  /// Family, given, birth date, sex, nationality, AZR, BAMF.
  static let rows: [[String?]] = [
    ["Haddad", "Lina", "2001-05-17", "F", "SYR", nil, nil],
    ["Hadad", "Lina", "2001-05-17", "F", "SYR", nil, nil],
    ["Nazari", "Farid", "1987-09-30", "M", "AFG", "123456789012", nil],
    ["Nazari", "Farid", "1987-09-30", "M", "AFG", "123456789012", nil],
    ["Tesfay", "Amani", "1994-02-11", "F", "ERI", nil, nil],
    ["Mansour", "Reza", "2001-08-20", "M", "SYR", nil, nil],
  ]

  /// As linkage.yml lists its fields; the municipality, the last, missing.
  static func columns(_ rows: [[String?]]) -> [[String?]] {
    (0..<8).map { c in rows.map { c < $0.count ? $0[c] : nil } }
  }

  @Test(
    "a block's keys sort as a comparison sort sorts them, records ascending within a key", arguments: [100, 50_000])
  func blockSort(count: Int) {
    // Keys from a few hundred values (many shared), some differing only in their high bits.
    var generator = SystemRandomNumberGenerator()
    let values = (0..<300).map { i -> UInt64 in
      i % 3 == 0 ? UInt64(i) << 48 : UInt64.random(in: 1...UInt64.max, using: &generator)
    }
    let added = (0..<count).map { (key: values.randomElement(using: &generator)!, record: UInt32($0)) }
    let sorted = added.sorted { ($0.key, $0.record) < ($1.key, $1.record) }
    let block = LinkIndex.Block.sortedByKey(added)
    #expect(block.keys == sorted.map(\.key))
    #expect(block.records == sorted.map(\.record))
    // Merged into a block holding records before them: the same order as one sort of all.
    let first = LinkIndex.Block.sortedByKey(Array(added.prefix(count / 2)))
    let merged = first.merged(Array(added.dropFirst(count / 2)))
    #expect(merged.keys == sorted.map(\.key))
    #expect(merged.records == sorted.map(\.record))
  }

  @Test("an index is read back as it was written, with the records added after it")
  func roundTrip() throws {
    let linker = ProbabilisticLinker(config: try Self.config.get())
    let names = Self.rows.indices.map { "src\u{1F}\($0)" }
    let out = linker.link(columns: Self.columns(Self.rows), randomPairs: 1_000, keeping: names)
    let index = try #require(out.index)
    #expect(index.count == Self.rows.count)
    #expect(LinkIndex(encoded: index.encoded()) == index)
    // Streamed as the warehouse writes it: the same bytes, counted beforehand.
    var streamed: [UInt8] = []
    index.encode { streamed.append(contentsOf: $0) }
    #expect(streamed == index.encoded())
    #expect(index.encodedCount == streamed.count)
    // Cut short or of another format: nil, and the night links in full.
    #expect(LinkIndex(encoded: Array(index.encoded().dropLast(3))) == nil)
    #expect(LinkIndex(encoded: [9, 0, 0, 0]) == nil)
    var added = LinkIndex.Additions()
    added.append(records: ["src\u{1F}new"], keys: linker.blockingKeys(columns: Self.columns([Self.rows[5]])))
    #expect(LinkIndex.Additions(encoded: added.encoded()) == added)
    var grown = index
    grown.add(records: added.records, keys: added.keys)
    #expect(grown.count == index.count + 1 && grown.record(index.count) == "src\u{1F}new")
  }

  @Test("a changed record's block mates are found through its keys; an oversized block is passed over")
  func mates() throws {
    let linker = ProbabilisticLinker(config: try Self.config.get())
    let out = linker.link(
      columns: Self.columns(Self.rows), randomPairs: 1_000, keeping: Self.rows.indices.map { "src\u{1F}\($0)" })
    let index = try #require(out.index)
    // Lina Haddad delivered again as "Lina Hadat": her two records are her block mates, no one else.
    let changed: [[String?]] = [["Hadat", "Lina", "2001-05-17", "F", "SYR", nil, nil]]
    let keys = linker.blockingKeys(columns: Self.columns(changed))
    #expect(index.mates(of: keys, maxBlockSize: 5000) == [0, 1])
    #expect(index.mates(of: keys, maxBlockSize: 2) == [])
  }

  @Test("a night's records scored with the full link's frequencies score as the full link scored them")
  func keptFrequencies() throws {
    let linker = ProbabilisticLinker(config: try Self.config.get())
    // A population where Nazari is common: agreeing on it says less than on a rare name.
    var rows = Self.rows
    for i in 0..<40 { rows.append(["Nazari", "Given\(i)", "19\(50 + i)-03-0\(1 + i % 9)", "M", "AFG", nil, nil]) }
    let full = linker.link(columns: Self.columns(rows), randomPairs: 5_000, keeping: rows.indices.map { "\($0)" })
    let index = try #require(full.index)
    // Only Farid's two records, linked with the kept model and frequencies.
    let night = linker.link(columns: Self.columns([rows[2], rows[3]]), model: full.model, kept: index)
    let p = try #require(night.pairs.first { $0.a == 0 && $0.b == 1 }).probability
    let q = try #require(full.pairs.first { $0.a == 2 && $0.b == 3 }).probability
    #expect(abs(p - q) < 1e-9)
    #expect(night.clusters.contains([0, 1]))
  }
}
