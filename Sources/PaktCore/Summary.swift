/// What became of a delivered file in a run (its JSON and printed form is the raw value).
public enum FileStatus: String, Sendable, Codable, CustomStringConvertible {
  /// Read and loaded.
  case loaded
  /// The same content is in the warehouse already (perhaps under another name): not read again.
  case unchanged
  /// The same content as another file of the delivery: not read.
  case duplicate
  /// Could not be read (see `RunSummary.File.problem`).
  case unreadable
  /// Read, and not taken: the delivery guard kept the source's previous delivery.
  case heldBack = "held back"

  public var description: String { rawValue }
}

/// How a run ended (its JSON and printed form is the raw value).
public enum RunStatus: String, Sendable, Codable, CustomStringConvertible {
  case committed
  /// Every file was already loaded with the same mappings: nothing written.
  case unchanged
  /// Did and checked everything, then rolled back (`pakt run --dry-run`).
  case dryRun = "dry run"

  public var description: String { rawValue }
}

/// What one run did, per file and in total: printed for people, and as JSON for monitoring.
public struct RunSummary: Sendable, Codable {
  public struct File: Sendable, Codable {
    public var source: String
    public var name: String
    public var path: String
    public var format: String
    public var encoding: String
    /// CSV delimiter or XML record element(s), for the human summary.
    public var layout: String
    public var sha256: String
    public var status: FileStatus
    public var read: Int
    public var loaded: Int
    public var rejected: Int
    /// Loaded records that only repeated an earlier record of the delivery (the same person
    /// row twice): counted as loaded, they add no row.
    public var repeated: Int = 0
    /// Why an unreadable file could not be read.
    public var problem: String?
    /// For operators: which file an unchanged or duplicate one has the same content as.
    public var note: String?
    /// Lines above the header that were skipped (title lines, a preamble): read = loaded +
    /// rejected + skipped.
    public var skipped: Int = 0
    /// What the skipped lines were, for people ("lines 1-2; line 2 is as wide as the header").
    public var skippedNote: String?

    public init(
      source: String, name: String, path: String, format: String, encoding: String, layout: String,
      sha256: String, status: FileStatus, read: Int = 0, loaded: Int = 0, rejected: Int = 0, problem: String? = nil
    ) {
      self.source = source
      self.name = name
      self.path = path
      self.format = format
      self.encoding = encoding
      self.layout = layout
      self.sha256 = sha256
      self.status = status
      self.read = read
      self.loaded = loaded
      self.rejected = rejected
      self.problem = problem
    }
  }

  public struct Totals: Sendable, Codable {
    public var files = 0
    public var read = 0
    public var loaded = 0
    public var rejected = 0
    public init() {}
  }

  public struct ReasonCount: Sendable, Codable {
    public var kind: String
    public var count: Int
    public init(kind: String, count: Int) {
      self.kind = kind
      self.count = count
    }
  }

  public struct Suggestion: Sendable, Codable, Hashable {
    public var code: String
    public var name: String
    public var score: Double
    public init(code: String, name: String, score: Double) {
      self.code = code
      self.name = name
      self.score = score
    }
  }

  public struct ProgramName: Sendable, Codable {
    public var source: String
    public var name: String
    public var count: Int
    /// The code applied (for automatic mappings), nil when unmapped.
    public var code: String?
    public var suggestions: [Suggestion]
    public init(source: String, name: String, count: Int, code: String? = nil, suggestions: [Suggestion]) {
      self.source = source
      self.name = name
      self.count = count
      self.code = code
      self.suggestions = suggestions
    }
  }

  public struct Coverage: Sendable, Codable {
    public var source: String
    public var participations: Int
    public var mapped: Int
    /// Participations mapped by each kind of decision: "explicit" (the source's own mapping
    /// file), "shared" (mappings/programs.yml), "catalogue", "automatic".
    public var byMethod: [String: Int] = [:]
    public var share: Double { participations == 0 ? 1 : Double(mapped) / Double(participations) }
    public init(source: String, participations: Int, mapped: Int) {
      self.source = source
      self.participations = participations
      self.mapped = mapped
    }
    enum CodingKeys: String, CodingKey { case source, participations, mapped, byMethod }
  }

  public struct MissCount: Sendable, Codable {
    public var source: String
    public var field: String
    public var column: String
    public var value: String
    public var count: Int
    public var exampleLines: [Int]
    public init(source: String, field: String, column: String, value: String, count: Int, exampleLines: [Int]) {
      self.source = source
      self.field = field
      self.column = column
      self.value = value
      self.count = count
      self.exampleLines = exampleLines
    }
  }

  /// A quality rule broken in one source: how often, how severely, where (first lines), and
  /// how often in each of the last runs (oldest first, this run last).
  public struct QualityCount: Sendable, Codable {
    public var source: String
    public var rule: String
    public var severity: String
    public var explanation: String
    public var count: Int
    /// "file:line" of the first few records.
    public var examples: [String]
    public var trend: [Int]
    public init(
      source: String, rule: String, severity: String, explanation: String, count: Int, examples: [String],
      trend: [Int]
    ) {
      self.source = source
      self.rule = rule
      self.severity = severity
      self.explanation = explanation
      self.count = count
      self.examples = examples
      self.trend = trend
    }
  }

  public struct Linkage: Sendable, Codable {
    public var sourcePersonRecords = 0
    /// Records linked this night: all of them on a full link, the change and the persons it
    /// touches on a night linked in proportion to its change.
    public var relinkedRecords = 0
    public var persons = 0
    /// Persons formed from more than one source record.
    public var linkedPersons = 0
    public var candidatePairs = 0
    public var newPersonIDs = 0
    public var mergedPersonIDs = 0
    /// Steward decisions naming a record the warehouse does not hold (erased, or its source gone).
    public var decisionsIgnored = 0
    /// Records in the largest person (a runaway cluster shows here first).
    public var largestCluster = 0
    /// Persons formed from more than 10 source records.
    public var clustersOver10 = 0
    /// Share of source person records that are a person on their own.
    public var singletonShare = 0.0
    /// Merges of two clusters the linker refused because the records between them did not
    /// support it (probabilistic linkage only).
    public var refusedMerges = 0
    /// What looks wrong with the trained linkage model, in words (probabilistic linkage only).
    public var modelWarnings: [String] = []
    public init() {}
  }

  public var status: RunStatus
  public var runID: Int64?
  public var pipeline: String
  public var warehouse: String
  /// The PostgreSQL warehouse (URL without password) when `warehouse` is its working copy.
  public var postgres: String?
  /// What this run did to PostgreSQL: "published N rows", "rebuilt the working copy…"; nil
  /// for a SQLite warehouse.
  public var postgresSteps: [String] = []
  public var files: [File] = []
  public var totals = Totals()
  public var rejectsByReason: [ReasonCount] = []
  public var unmapped: [ProgramName] = []
  public var automaticMappings: [ProgramName] = []
  public var coverage: [Coverage] = []
  public var normalizationMisses: [MissCount] = []
  /// Quality rules broken, by source and rule (see `QualityRule`).
  public var quality: [QualityCount] = []
  public var linkage = Linkage()
  public var participations = 0
  /// Source person records this run retired: their source's new delivery no longer contains
  /// them (kept with their facts as history, not in the current caseload).
  public var retired = 0
  /// Retired source person records in the warehouse, from every run.
  public var retiredTotal = 0
  /// Sources whose new delivery was not taken: unreadable, empty, or shrunk beyond the
  /// delivery guard. Their previous delivery stays as it was.
  public var heldBack: [HeldBack] = []
  /// Why the reports could not be written, though the run committed (nil when they were).
  public var reportProblem: String?

  /// A delivery the delivery guard held back, and why.
  public struct HeldBack: Sendable, Codable {
    public var source: String
    /// "unreadable", "empty" or "shrunk".
    public var reason: String
    /// Current person records of the previous delivery, which stay.
    public var previousRecords: Int
    /// Person records the new delivery held.
    public var deliveredRecords: Int
    /// What went wrong and what to do, in words.
    public var message: String
    public init(source: String, reason: String, previousRecords: Int, deliveredRecords: Int, message: String) {
      self.source = source
      self.reason = reason
      self.previousRecords = previousRecords
      self.deliveredRecords = deliveredRecords
      self.message = message
    }
  }
  public var reports: [String: String] = [:]
  public var seconds: Double = 0
  /// Wall time of each stage of this run, in order (for operators and the end-to-end benchmark).
  public var stages: [Stage] = []

  /// One stage's wall time and the rows it handled.
  public struct Stage: Sendable, Codable, Equatable {
    public var name: String
    public var seconds: Double
    public var rows: Int
    public init(name: String, seconds: Double, rows: Int) {
      self.name = name
      self.seconds = seconds
      self.rows = rows
    }
  }

  public init(status: RunStatus, pipeline: String, warehouse: String) {
    self.status = status
    self.pipeline = pipeline
    self.warehouse = warehouse
  }
}
