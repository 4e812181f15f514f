import GRDB

/// The warehouse schema, version by version. Each version is a list of statements applied in
/// one transaction; `Warehouse` upgrades an older file in place and refuses a newer one.
enum Schema {
  static let version = 5

  /// Statements that take a warehouse from version n-1 to n.
  static let migrations: [Int: [String]] = [1: v1, 2: v2, 3: v3, 4: v4, 5: v5]

  /// Version 5: records a full export no longer contains are retired, not deleted: they keep
  /// their facts and person as history, with the run that retired them; current ones have
  /// NULL. `current_caseload` counts only current records.
  static let v5: [String] = [
    "ALTER TABLE source_person ADD COLUMN retired_run INTEGER",
    "ALTER TABLE participation ADD COLUMN retired_run INTEGER",
    "ALTER TABLE residence ADD COLUMN retired_run INTEGER",
    "ALTER TABLE potential ADD COLUMN retired_run INTEGER",
    """
    CREATE VIEW current_caseload AS
      SELECT sp.source, sp.municipality, count(*) AS source_records, count(DISTINCT pe.person_key) AS persons
      FROM source_person sp LEFT JOIN person pe ON pe.person_id = sp.person_id
      WHERE sp.retired_run IS NULL
      GROUP BY sp.source, sp.municipality
    """,
  ]

  /// Version 4: erasure on request. `erasure` records that an erasure happened (when, how many
  /// records), not what was erased; `erased_record` holds keyed hashes of the erased source
  /// records so that a later delivery does not load them again.
  static let v4: [String] = [
    "CREATE TABLE erasure (id INTEGER PRIMARY KEY, erased_at TEXT NOT NULL, records INTEGER NOT NULL)",
    "CREATE TABLE erased_record (tombstone TEXT PRIMARY KEY)",
  ]

  /// Version 3: a pseudonymous person key (HMAC-SHA256 of the person id under a key that is
  /// never stored in the warehouse); the analysis views show it instead of the person id.
  static let v3: [String] = [
    "ALTER TABLE person ADD COLUMN person_key TEXT",
    "CREATE UNIQUE INDEX person_key ON person(person_key)",
    "DROP VIEW participation_by_person",
    """
    CREATE VIEW participation_by_person AS
      SELECT pe.person_key, p.source, p.catalogue_code, m.category, p.program_name, p.start_date, p.end_date,
             p.status, p.cost_cents
      FROM participation p
      JOIN source_person sp ON sp.source = p.source AND sp.local_id = p.person_local_id
      JOIN person pe ON pe.person_id = sp.person_id
      LEFT JOIN measure m ON m.code = p.catalogue_code
    """,
  ]

  /// Version 2: stewards' mapping decisions (who mapped which local name to which code, when).
  static let v2: [String] = [
    """
    CREATE TABLE mapping_decision (
      id INTEGER PRIMARY KEY, source TEXT NOT NULL, local_name TEXT NOT NULL, code TEXT NOT NULL,
      decided_by TEXT NOT NULL, decided_at TEXT NOT NULL)
    """
  ]

  static let v1: [String] = [
    """
    CREATE TABLE schema_version (version INTEGER NOT NULL)
    """,
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
    """,
    // Operations: runs, the ledger of delivered files, rejects, normalisation misses.
    """
    CREATE TABLE run (
      run_id INTEGER PRIMARY KEY AUTOINCREMENT,
      started_at TEXT NOT NULL, finished_at TEXT NOT NULL, pipeline TEXT NOT NULL,
      files INTEGER NOT NULL, records_read INTEGER NOT NULL, loaded INTEGER NOT NULL, rejected INTEGER NOT NULL,
      persons INTEGER NOT NULL)
    """,
    """
    CREATE TABLE delivery (
      source TEXT NOT NULL, path TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL,
      fingerprint TEXT NOT NULL, format TEXT NOT NULL, encoding TEXT NOT NULL, layout TEXT NOT NULL,
      status TEXT NOT NULL, problem TEXT,
      records_read INTEGER NOT NULL, loaded INTEGER NOT NULL, rejected INTEGER NOT NULL, run_id INTEGER NOT NULL,
      PRIMARY KEY (source, path))
    """,
    """
    CREATE TABLE reject (
      id INTEGER PRIMARY KEY, source TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
      kind TEXT NOT NULL, reason TEXT NOT NULL, raw TEXT NOT NULL, run_id INTEGER NOT NULL)
    """,
    "CREATE INDEX reject_source ON reject(source)",
    """
    CREATE TABLE normalization_miss (
      source TEXT NOT NULL, field TEXT NOT NULL, column_name TEXT NOT NULL, value TEXT NOT NULL,
      file TEXT NOT NULL, line INTEGER NOT NULL)
    """,
    "CREATE INDEX normalization_miss_source ON normalization_miss(source)",
    // The catalogue.
    """
    CREATE TABLE measure (
      code TEXT PRIMARY KEY, category TEXT NOT NULL, name_de TEXT NOT NULL, name_en TEXT NOT NULL,
      legal_basis TEXT NOT NULL, funder TEXT NOT NULL, synonyms TEXT NOT NULL)
    """,
    // Persons and the source records that form them.
    """
    CREATE TABLE person (
      person_id INTEGER PRIMARY KEY, sex TEXT NOT NULL, birth_year INTEGER, nationality TEXT,
      records INTEGER NOT NULL)
    """,
    """
    CREATE TABLE source_person (
      source TEXT NOT NULL, local_id TEXT NOT NULL,
      family_name TEXT, given_name TEXT, birth_name TEXT,
      birth_date TEXT, birth_date_precision TEXT, birth_date_placeholder INTEGER NOT NULL DEFAULT 0,
      sex TEXT NOT NULL, nationality TEXT, place_of_birth TEXT, azr_number TEXT, bamf_number TEXT,
      municipality TEXT, file TEXT NOT NULL, line INTEGER NOT NULL, path TEXT,
      person_id INTEGER, link_rule TEXT,
      PRIMARY KEY (source, local_id))
    """,
    "CREATE INDEX source_person_person ON source_person(person_id)",
    """
    CREATE TABLE person_id_event (
      run_id INTEGER NOT NULL, kind TEXT NOT NULL, old_person_id INTEGER NOT NULL, new_person_id INTEGER NOT NULL)
    """,
    // Facts.
    """
    CREATE TABLE participation (
      id INTEGER PRIMARY KEY, source TEXT NOT NULL, person_local_id TEXT NOT NULL,
      program_name TEXT NOT NULL, catalogue_code TEXT, mapping_method TEXT NOT NULL, provider TEXT,
      start_date TEXT, end_date TEXT, status TEXT, outcome TEXT, cost_cents INTEGER,
      file TEXT NOT NULL, line INTEGER NOT NULL, path TEXT)
    """,
    "CREATE INDEX participation_person ON participation(source, person_local_id)",
    """
    CREATE TABLE residence (
      id INTEGER PRIMARY KEY, source TEXT NOT NULL, person_local_id TEXT NOT NULL,
      municipality TEXT NOT NULL, ags TEXT, from_date TEXT, to_date TEXT, accommodation TEXT,
      file TEXT NOT NULL, line INTEGER NOT NULL, path TEXT)
    """,
    // One residence per person, place and period, however many rows repeat it.
    """
    CREATE UNIQUE INDEX residence_unique
      ON residence(source, person_local_id, municipality, ifnull(from_date, ''), ifnull(to_date, ''))
    """,
    """
    CREATE TABLE potential (
      id INTEGER PRIMARY KEY, source TEXT NOT NULL, person_local_id TEXT NOT NULL,
      kind TEXT NOT NULL, value TEXT NOT NULL, assessed TEXT,
      file TEXT NOT NULL, line INTEGER NOT NULL, path TEXT)
    """,
    "CREATE UNIQUE INDEX potential_unique ON potential(source, person_local_id, kind, value, ifnull(assessed, ''))",
    // Views for analysis: no names, no full dates of birth.
    """
    CREATE VIEW participation_by_person AS
      SELECT sp.person_id, p.source, p.catalogue_code, m.category, p.program_name, p.start_date, p.end_date,
             p.status, p.cost_cents
      FROM participation p
      JOIN source_person sp ON sp.source = p.source AND sp.local_id = p.person_local_id
      LEFT JOIN measure m ON m.code = p.catalogue_code
    """,
    """
    CREATE VIEW participation_per_measure_municipality AS
      SELECT r.municipality, p.catalogue_code, count(*) AS participations, count(DISTINCT sp.person_id) AS persons,
             sum(p.cost_cents) AS cost_cents
      FROM participation p
      JOIN source_person sp ON sp.source = p.source AND sp.local_id = p.person_local_id
      LEFT JOIN residence r ON r.source = p.source AND r.person_local_id = p.person_local_id
      GROUP BY r.municipality, p.catalogue_code
    """,
  ]
}
