import PaktCore

/// Linking a night's change instead of everything: the records a delivery changed, and the
/// persons they touch, are linked again with the model and term frequencies of the last full
/// link; every other person stays as it was, unread.
///
/// Which records are linked again (the *affected* records), found by the caller with the
/// `LinkIndex` the last full link kept:
/// 1. the seeds: records that are new or changed, and every record of a person that lost or
///    changed a record;
/// 2. every record that shares a block (under any blocking rule) with a seed
///    (`blockingKeys(columns:)`, then `LinkIndex.mates(of:maxBlockSize:)`);
/// 3. every record of a person that one of those belongs to.
///
/// The affected records are clustered from scratch among themselves (`link(columns:model:kept:)`);
/// as every person they touch is affected whole, no other person changes. What this does not
/// see: a merge of an untouched person with an affected one that only a record outside both
/// would have allowed. A full link (periodically, or `pakt run --full-link`) sees everything
/// again.
///
/// ```swift
/// let keys = linker.blockingKeys(columns: seedColumns)
/// let mates = index.mates(of: keys, maxBlockSize: linker.config.maxBlockSize)
/// // read the mates and their persons' records: `affected`
/// let out = linker.link(columns: affected, model: model, kept: index)
/// ```
extension ProbabilisticLinker {
  /// Each record's key under each blocking rule, as `LinkIndex` keeps them (0: none).
  public func blockingKeys(columns: [[String?]], dates: [Int: [PartialDate?]] = [:]) -> [[UInt64]] {
    stableKeys(PreparedRecords(columns: columns, config: config, dates: dates))
  }

  /// Links records with a kept model, scoring them with the term frequencies of the full
  /// link that trained it (the records here are a night's change and its block mates, whose
  /// own frequencies would say nothing).
  public func link(
    columns: [[String?]], dates: [Int: [PartialDate?]] = [:], model: LinkModel, kept index: LinkIndex,
    mustLink: [(Int, Int)] = [], cannotLink: [(Int, Int)] = []
  ) -> LinkOutput {
    var clock = PhaseClock("relinker")
    let records = PreparedRecords(columns: columns, config: config, kept: index.frequencies, dates: dates)
    clock.lap("prepare")
    let comparator = Comparator(records: records, config: config)
    let blocks = ruleBlocks(records, training: false)
    let candidates = candidatePairs(blocks, records)
    let compared = compare(candidates, comparator)
    clock.lap("compare")
    let scorer = Scorer(model: model, config: config, records: records, kept: index.frequencies)
    let out = scoreAndCluster(
      records, comparator, candidates, compared, scorer, model: model, skipped: blocks.reduce(0) { $0 + $1.skipped },
      mustLink: mustLink, cannotLink: cannotLink, clock: &clock)
    clock.finish()
    return out
  }
}
