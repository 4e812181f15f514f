import ArgumentParser
import Foundation
import PaktCore
import PaktPipeline

/// `pakt erase`: the right to erasure.
struct EraseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "erase",
    abstract: "Erase one person everywhere in the warehouse (right to erasure).",
    discussion: """
      Removes the person's source records (names, dates of birth, identifiers), facts, links, \
      id events, the normalisation misses and quality flags of their lines and the rejected lines that name them, \
      in one transaction. The warehouse keeps only that an erasure happened (when, how many \
      records) and keyed tombstones, so that a later delivery does not load the person again. \
      Residence periods go with the person; report files that name them are withdrawn until the \
      next run. A person whose records hold different AZR or BAMF numbers is not erased without \
      --force: the records are listed for a steward. \
      Ask the municipality to erase the person at the source as well.
      """)

  @Option(help: "The person's pseudonymous key (person_key), or the person_id.")
  var person: String

  @Option(help: "The pipeline file.")
  var pipeline = "pipeline.yml"

  @Flag(help: "Erase even when the person's records hold different AZR or BAMF numbers (two people joined?).")
  var force = false

  func run() throws {
    let counts = try Erasure.erase(config: try PipelineConfig.load(path: pipeline), person: person, force: force)
    print(
      "erased: \(counts.sourceRecords) source record(s), \(counts.participations) participation(s), "
        + "\(counts.residences) residence(s), \(counts.potentials) potential(s), \(counts.rejects) rejected line(s), "
        + "\(counts.misses) unreadable value(s), \(counts.flags) quality flag(s)")
  }
}
