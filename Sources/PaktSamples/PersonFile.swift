import Foundation
import PaktCore

/// A person file with ground truth, for measuring linkage on its own (`pakt link`, Splink):
/// the same invented population, appearances and spellings as `SampleGenerator.generate`
/// writes into municipal exports, as one CSV of person records.
///
/// ```swift
/// let written = try PersonFile.write(.init(persons: 2000, municipalities: 34, seed: 7, out: "/tmp/p"))
/// // /tmp/p/persons.csv and /tmp/p/truth-pairs.csv
/// ```
public enum PersonFile {
  public struct Written: Sendable {
    public var records = 0
    public var truePairs = 0
  }

  /// Writes `out/persons.csv` (record_id, family_name, given_name, birth_date, sex,
  /// nationality, azr_number, bamf_number (empty: the population has none), municipality) and `out/truth-pairs.csv` (every pair of records
  /// of one true person). Dates come as offices write them: German, ISO, or 01.01.YYYY and
  /// 00.00.YYYY for an unknown day.
  public static func write(_ options: SampleGenerator.Options) throws -> Written {
    guard options.persons > 0, options.municipalities > 0 else {
      throw GeneratorError("--persons and --municipalities must be at least 1")
    }
    try FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
    let root = SeededRandom(seed: options.seed)
    let persons = SampleGenerator.population(options, root: root)
    var place = root.fork(3)
    var rng = root.fork(5)
    var rows: [(id: String, person: Int, text: String)] = []
    var perTown = [Int](repeating: 0, count: options.municipalities)
    func add(_ p: Int, _ variant: Variant, town: Int) {
      let q = persons[p].written(variant, rng: &rng).asWritten(rng: &rng)
      perTown[town] += 1
      let id = "M\(town + 1)-\(perTown[town])"
      let date: String
      if q.month == 1 && q.day == 1 && rng.chance(0.3) {
        date = rng.chance(0.5) ? "00.00.\(q.year)" : "\(q.year)"
      } else if rng.chance(0.5) {
        date = ExportWriter.german((q.year, q.month, q.day))
      } else {
        date = ExportWriter.iso((q.year, q.month, q.day))
      }
      // Sex left out by 2% of records and entered the other way in 0.5%.
      let sex = rng.chance(0.02) ? "" : q.male != rng.chance(0.005) ? "M" : "F"
      let fields = [id, q.family, q.given, date, sex, q.nationality, q.azr, "", "municipality \(town + 1)"]
      rows.append((id, p, fields.map { ExportWriter.quoted($0, delimiter: ",") }.joined(separator: ",")))
    }
    for p in persons.indices {
      let home = Int.random(in: 0..<options.municipalities, using: &place)
      add(p, .same, town: home)
      if options.municipalities > 1 && place.chance(options.movers) {
        var other = Int.random(in: 0..<options.municipalities, using: &place)
        if other == home { other = (other + 1) % options.municipalities }
        let variant = place.pick([
          Variant.transliterated, .swapped, .placeholderDate, .dayMonthSwapped, .same, .swappedTransliterated, .typo,
        ])
        add(p, variant, town: other)
      }
      if place.chance(options.duplicates) {
        add(p, place.pick([Variant.typo, .placeholderDate, .transliterated]), town: home)
      }
    }
    rows.shuffle(using: &rng)
    var text = "record_id,family_name,given_name,birth_date,sex,nationality,azr_number,bamf_number,municipality\n"
    var groups: [Int: [String]] = [:]
    for row in rows {
      text += row.text + "\n"
      groups[row.person, default: []].append(row.id)
    }
    try text.write(toFile: "\(options.out)/persons.csv", atomically: true, encoding: .utf8)
    var truth = "a,b\n"
    var pairs = 0
    for key in groups.keys.sorted() {
      let ids = groups[key]!
      for i in 0..<ids.count {
        for j in (i + 1)..<ids.count {
          truth += "\(ids[i]),\(ids[j])\n"
          pairs += 1
        }
      }
    }
    try truth.write(toFile: "\(options.out)/truth-pairs.csv", atomically: true, encoding: .utf8)
    return Written(records: rows.count, truePairs: pairs)
  }
}
