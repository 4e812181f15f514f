import GRDB

/// The warehouse schema, version by version. Each version is a list of statements applied in
/// one transaction; `Warehouse` upgrades an older file in place and refuses a newer one.
package enum Schema {
  static let version = 11

  /// The named migrations, in order: version n takes a warehouse from version n-1 to n. Each
  /// is registered with GRDB's `DatabaseMigrator` (see `Schema.migrator`) under its name; the
  /// version number stays in `schema_version` too, which older pakt builds read.
  static let migrations: [(version: Int, name: String, statements: [String])] = [
    (1, "v1 warehouse", v1),
    (2, "v2 mapping decisions", v2),
    (3, "v3 pseudonymous person keys", v3),
    (4, "v4 erasure", v4),
    (5, "v5 retired records", v5),
    (6, "v6 residence periods", v6),
    (7, "v7 identity vault and link decisions", v7),
    (8, "v8 participation start dates in the index", v8),
    (9, "v9 quality flags", v9),
    (10, "v10 link index and program name tally", v10),
    (11, "v11 views in one dialect", v11),
  ]

  /// Every migration, for `DatabaseMigrator.migrate`. Each runs in a transaction of its own
  /// and records its version in `schema_version`.
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    for migration in migrations {
      migrator.registerMigration(migration.name) { db in
        for sql in migration.statements { try db.execute(sql: sql) }
        try db.execute(sql: "INSERT INTO schema_version(version) VALUES (?)", arguments: [migration.version])
      }
    }
    return migrator
  }

  /// Marks the migrations a warehouse made before pakt used `DatabaseMigrator` (it knows them
  /// by `schema_version` only) as applied, so that the migrator goes on from there.
  static func adoptVersions(_ db: Database) throws {
    guard try db.tableExists("schema_version"), try !db.tableExists("grdb_migrations") else { return }
    let current = try Int.fetchOne(db, sql: "SELECT max(version) FROM schema_version") ?? 0
    // The table as GRDB's migrator creates it.
    try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
    for migration in migrations where migration.version <= current {
      try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES (?)", arguments: [migration.name])
    }
  }

  /// The columns that identify a person directly: they live in `identity` only.
  static let identityColumns = [
    "family_name", "given_name", "birth_name", "birth_date", "place_of_birth", "azr_number", "bamf_number",
  ]

  /// Version 11: the views over participations are written once, in SQL both SQLite and
  /// PostgreSQL read (`CASE … END` for the `current` flag and the counts, `IS DISTINCT FROM`),
  /// so the PostgreSQL replica creates them from the warehouse's own definition. Warehouses
  /// made before get them redefined; what they show is unchanged. Version 6 creates the same
  /// definitions, so a new warehouse and an upgraded one agree.
  static let v11: [String] = [
    "DROP VIEW cost_following_person",
    "DROP VIEW participations_by_category_municipality_quarter",
    "DROP VIEW participation_located",
    participationLocated,
    participationsByCategory,
    costFollowingPerson,
  ]

  /// Version 10: what a full link keeps for the nights after it (`link_state`: the records'
  /// blocking keys and term frequencies, see `LinkIndex`), and the participations' program
  /// names counted per source (`program_name_tally`), recounted only for the sources whose
  /// participations changed (`program_name_stale`). Why: on a night that changes one export
  /// of forty, reading and preparing every record and counting every participation were most
  /// of the link stage (issue #21).
  static let v10: [String] = [
    "CREATE TABLE link_state (name TEXT PRIMARY KEY, data BLOB NOT NULL)",
    """
    CREATE TABLE program_name_tally (
      source TEXT NOT NULL, program_name TEXT NOT NULL, catalogue_code TEXT, mapping_method TEXT NOT NULL,
      participations INTEGER NOT NULL)
    """,
    "CREATE INDEX program_name_tally_source ON program_name_tally(source)",
    "CREATE TABLE program_name_stale (source TEXT PRIMARY KEY)",
    "INSERT INTO program_name_stale SELECT DISTINCT source FROM participation",
  ]

  /// Version 9: record-level quality flags (one row per rule a loaded or rejected record broke:
  /// place, rule, field and a class of the value, never the value), and their counts per run
  /// for the report's trend (the flags themselves are replaced with each delivery).
  static let v9: [String] = [
    """
    CREATE TABLE quality_flag (
      id INTEGER PRIMARY KEY, source TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL, path TEXT,
      record TEXT, rule TEXT NOT NULL, field TEXT NOT NULL, value_class TEXT NOT NULL, severity TEXT NOT NULL,
      run_id INTEGER NOT NULL)
    """,
    "CREATE INDEX quality_flag_source ON quality_flag(source, record)",
    """
    CREATE TABLE quality_trend (
      run_id INTEGER NOT NULL, source TEXT NOT NULL, rule TEXT NOT NULL, flags INTEGER NOT NULL,
      PRIMARY KEY (run_id, source, rule))
    """,
  ]

  /// Version 8: a source record's participations by person carry their start dates, so that
  /// the first measure of every source record (where residence periods begin) is read from
  /// the index alone. Why: looking each participation up in the table took 2.0 s of the link
  /// stage at 300,000 persons, the index alone 1.0 s (sqlite3 shell).
  static let v8: [String] = [
    "DROP INDEX participation_person",
    "CREATE INDEX participation_person ON participation(source, person_local_id, start_date)",
  ]

  /// Version 7: the identity vault, and the stewards' link decisions in force. Names, full dates of birth, places of birth and
  /// identifiers move from `source_person` to `identity` (one row per source record);
  /// `source_person` keeps what analysis may see (sex, nationality, birth year, municipality,
  /// lineage, the person it belongs to). On PostgreSQL the analyst role cannot read it.
  static let v7: [String] =
    [
      """
      CREATE TABLE identity (
        source TEXT NOT NULL, local_id TEXT NOT NULL,
        family_name TEXT, given_name TEXT, birth_name TEXT, birth_date TEXT, place_of_birth TEXT,
        azr_number TEXT, bamf_number TEXT,
        PRIMARY KEY (source, local_id))
      """,
      """
      INSERT INTO identity(source, local_id, \(identityColumns.joined(separator: ", ")))
        SELECT source, local_id, \(identityColumns.joined(separator: ", ")) FROM source_person
      """,
      // Stewards' link decisions as the last run applied them (the decisions file is the
      // source; this is the record of what was in force): applied = both records were held.
      """
      CREATE TABLE link_decision (
        record_a TEXT NOT NULL, record_b TEXT NOT NULL, decision TEXT NOT NULL, file TEXT NOT NULL,
        line INTEGER NOT NULL, applied INTEGER NOT NULL, run_id INTEGER NOT NULL)
      """,
      // Case management facts: the manager only as a keyed pseudonym (HMAC under the
      // pseudonym secret), never the name.
      """
      CREATE TABLE case_fact (
        id INTEGER PRIMARY KEY, source TEXT NOT NULL, person_local_id TEXT NOT NULL, municipality TEXT NOT NULL,
        manager_key TEXT, opened TEXT, closed TEXT, file TEXT NOT NULL, line INTEGER NOT NULL, path TEXT,
        retired_run INTEGER)
      """,
      """
      CREATE UNIQUE INDEX case_fact_unique
        ON case_fact(source, person_local_id, municipality, ifnull(manager_key, ''), ifnull(opened, ''))
      """,
      // The municipality dimension: every municipality the gazetteer or a delivery names.
      "CREATE TABLE municipality (name TEXT PRIMARY KEY, ags TEXT)",
      """
      CREATE VIEW cases_per_municipality_quarter AS
        SELECT c.municipality, mu.ags, \(quarter("c.opened")) AS quarter, count(*) AS cases,
               count(DISTINCT pe.person_key) AS persons, count(DISTINCT c.manager_key) AS case_managers,
               sum(CASE WHEN c.closed IS NULL THEN 1 ELSE 0 END) AS still_open
        FROM case_fact c
        JOIN source_person sp ON sp.source = c.source AND sp.local_id = c.person_local_id
        LEFT JOIN person pe ON pe.person_id = sp.person_id
        LEFT JOIN municipality mu ON mu.name = c.municipality
        WHERE c.retired_run IS NULL
        GROUP BY c.municipality, mu.ags, 3
      """,
      "ALTER TABLE source_person ADD COLUMN birth_year INTEGER",
      "UPDATE source_person SET birth_year = CAST(substr(birth_date, 1, 4) AS INTEGER) WHERE length(birth_date) >= 4",
    ] + identityColumns.map { "ALTER TABLE source_person DROP COLUMN \($0)" }

  /// Version 6: where each person lived when (`residence_period`, rebuilt by every run that
  /// changes something, see `rebuildResidencePeriods`) and the reporting views for the
  /// pact's questions. Every view shows the pseudonymous person key or counts, never names.
  static let v6: [String] = [
    """
    CREATE TABLE residence_period (
      person_id INTEGER NOT NULL, municipality TEXT NOT NULL, ags TEXT, from_date TEXT NOT NULL, to_date TEXT,
      basis TEXT NOT NULL)
    """,
    "CREATE INDEX residence_period_person ON residence_period(person_id, from_date)",
    participationLocated,
    participationsByCategory,
    costFollowingPerson,
    // Persons who lived in a municipality at some time in each quarter, from the first to the
    // last quarter the warehouse knows of.
    """
    CREATE VIEW persons_per_municipality_quarter AS
      WITH RECURSIVE span AS (
        SELECT min(from_date) AS first,
               max(max(from_date), coalesce(max(to_date), ''),
                   (SELECT coalesce(max(start_date), '') FROM participation)) AS last
        FROM residence_period
      ), quarters(q) AS (
        SELECT substr(first, 1, 4) || '-' || printf('%02d', ((CAST(substr(first, 6, 2) AS INTEGER) - 1) / 3) * 3 + 1)
               || '-01'
        FROM span WHERE length(first) >= 7
        UNION ALL SELECT date(q, '+3 months') FROM quarters, span WHERE date(q, '+3 months') <= last
      )
      SELECT \(quarter("q")) AS quarter, rp.municipality, count(DISTINCT rp.person_id) AS persons
      FROM quarters JOIN residence_period rp ON rp.from_date < date(q, '+3 months') AND (rp.to_date IS NULL OR rp.to_date >= q)
      GROUP BY 1, 2
    """,
    // Every move (one stay followed by a stay elsewhere) with the measures the person started
    // before and after it.
    """
    CREATE VIEW measures_around_move AS
      SELECT pe.person_key, a.municipality AS moved_from, b.municipality AS moved_to, b.from_date AS moved_on,
             b.basis,
             (SELECT count(*) FROM participation p JOIN source_person sp
                ON sp.source = p.source AND sp.local_id = p.person_local_id
              WHERE sp.person_id = a.person_id AND p.start_date < b.from_date) AS measures_before,
             (SELECT count(*) FROM participation p JOIN source_person sp
                ON sp.source = p.source AND sp.local_id = p.person_local_id
              WHERE sp.person_id = a.person_id AND p.start_date >= b.from_date) AS measures_after
      FROM residence_period a
      JOIN residence_period b ON b.person_id = a.person_id AND b.from_date = (
        SELECT min(c.from_date) FROM residence_period c WHERE c.person_id = a.person_id AND c.from_date > a.from_date)
      JOIN person pe ON pe.person_id = a.person_id
      WHERE b.municipality <> a.municipality
    """,
  ]

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
