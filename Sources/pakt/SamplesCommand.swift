import ArgumentParser
import Foundation
import PaktCore
import PaktSamples

/// `pakt samples`: synthetic corpora for trying, testing and benchmarking pakt.
struct SamplesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "samples",
    abstract: "Generate synthetic municipal exports with ground truth.",
    subcommands: [Generate.self, Persons.self])

  struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a deterministic corpus: exports in every format, mappings, pipeline.yml, ground truth.",
      discussion: """
        Every person and place is invented. The municipalities' exports rotate through UTF-8 CSV \
        (comma, English headers), Windows-1252 CSV (semicolon, title line, German dates and decimal \
        commas), Excel Unicode text (UTF-16LE, tab), nested XML and namespaced ISO-8859-1 XML with \
        participations referring to persons by id. Persons move between municipalities and are \
        entered twice, with transliterated or swapped names and placeholder dates of birth; a few \
        records are malformed on purpose. Program names are local spellings of the catalogue's \
        measures and are left unmapped, so that pakt's matcher is measured.

        DIR receives exports/, mappings/ (one file per municipality, plus a copy of the catalogue), \
        pipeline.yml (run it with `pakt run DIR/pipeline.yml`) and truth/persons.csv \
        (true person per source record) and truth/programs.csv (true code per local name).
        """)

    @Option(help: "Number of invented persons.")
    var persons = 1000

    @Option(help: "Number of municipalities, each with one export file.")
    var municipalities = 10

    @Option(help: "Seed: the same seed and sizes give the same files.")
    var seed: UInt64 = 1

    @Option(help: "Folder to write into (created if missing).")
    var out: String

    @Option(help: "The measure catalogue the program names are drawn from.")
    var catalogue = "mappings/catalogue.yml"

    @Option(help: "A municipalities gazetteer to copy into the corpus (optional).")
    var gazetteer: String?

    @Option(
      help:
        "Probabilistic linkage settings to copy into the corpus and name in its pipeline.yml (optional; without them the corpus links by rules)."
    )
    var linkage: String?

    func validate() throws {
      guard persons >= 1 else { throw ValidationError("--persons must be at least 1") }
      guard municipalities >= 1 else { throw ValidationError("--municipalities must be at least 1") }
      guard FileManager.default.fileExists(atPath: catalogue) else {
        throw ValidationError(
          "the catalogue \(catalogue) does not exist; run from the project folder or pass --catalogue")
      }
    }

    func run() throws {
      let started = Date()
      let result = try SampleGenerator.generate(
        .init(
          persons: persons, municipalities: municipalities, seed: seed, out: out, catalogue: catalogue,
          gazetteer: gazetteer, linkage: linkage))
      let mb = Double(result.bytes) / 1_000_000
      print(
        "wrote \(result.files.count) exports (\(String(format: "%.1f", mb)) MB) into \(out): "
          + "\(result.personRecords) person records, \(result.participations) participations, "
          + "\(result.badRecords) malformed records on purpose, "
          + "\(result.flawedRecords) with a flaw a quality rule catches (truth/quality.csv); "
          + String(format: "%.1f s", Date().timeIntervalSince(started)))
      print("run it: pakt run \(out)/pipeline.yml")
    }
  }

  struct Persons: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a person file with its true pairs, for measuring linkage alone (`pakt link --truth`).",
      discussion: """
        The same invented population as `generate` (common and rare names, one-name persons written \
        in either field or both, "-" and empty family names, namesakes sharing name and year of \
        birth, placeholder dates, AZR numbers missing, mistyped or conflicting), each person \
        appearing in one or more municipalities with transliterated, swapped or mistyped names. \
        DIR receives persons.csv and truth-pairs.csv.
        """)

    @Option(help: "Number of invented persons.")
    var persons = 2000

    @Option(help: "Number of municipalities the records are spread over.")
    var municipalities = 34

    @Option(help: "Seed: the same seed and sizes give the same files.")
    var seed: UInt64 = 1

    @Option(help: "Folder to write into (created if missing).")
    var out: String

    @Option(help: "Share of persons who also appear in a second municipality.")
    var movers = 0.3

    @Option(help: "Share of persons entered twice in their own municipality.")
    var duplicates = 0.1

    @Option(help: "Share of persons who have a namesake (same name, sex, nationality and year of birth).")
    var namesakes = 0.01

    func run() throws {
      var options = SampleGenerator.Options(persons: persons, municipalities: municipalities, seed: seed, out: out)
      (options.movers, options.duplicates, options.namesakes) = (movers, duplicates, namesakes)
      let written = try PersonFile.write(options)
      print("wrote \(written.records) person records (\(written.truePairs) true pairs) into \(out)/persons.csv")
      print("link it: pakt link \(out)/persons.csv --config mappings/linkage.yml --out \(out)/clusters.csv \\")
      print("  --truth \(out)/truth-pairs.csv")
    }
  }
}
