/// The reporting views in PostgreSQL's dialect where SQLite's definition does not carry over
/// (date arithmetic, scalar max, boolean results). Every other view is created from the SQLite
/// warehouse's own definition. Results are the same: integers where SQLite gives integers, and
/// the test `PostgresTests.sameAsSQLite` compares every view row by row.
enum PostgresViews {
  /// The quarter ("2024-Q3") of an ISO date column; NULL when the date has no month.
  static func quarter(_ column: String) -> String {
    """
    CASE WHEN length(\(column)) >= 7 THEN substr(\(column), 1, 4) || '-Q'
      || ((CAST(substr(\(column), 6, 2) AS INTEGER) + 2) / 3) END
    """
  }

  /// Three months after an ISO date, as an ISO date (SQLite: `date(q, '+3 months')`).
  static func nextQuarter(_ column: String) -> String {
    "to_char(CAST(\(column) AS date) + interval '3 months', 'YYYY-MM-DD')"
  }

  static let overrides: [String: String] = [
    "participation_located": """
    CREATE VIEW participation_located AS
      SELECT p.id AS participation_id, pe.person_key, p.source, p.catalogue_code, m.category, p.program_name,
             p.start_date, p.end_date, p.status, p.cost_cents, \(quarter("p.start_date")) AS quarter,
             sp.municipality AS reported_by,
             coalesce((
               SELECT rp.municipality FROM residence_period rp
               WHERE rp.person_id = sp.person_id AND rp.from_date <= p.start_date
                 AND (rp.to_date IS NULL OR p.start_date <= rp.to_date)
               ORDER BY rp.from_date DESC LIMIT 1), sp.municipality) AS municipality,
             CASE WHEN p.retired_run IS NULL THEN 1 ELSE 0 END AS "current"
      FROM participation p
      JOIN source_person sp ON sp.source = p.source AND sp.local_id = p.person_local_id
      JOIN person pe ON pe.person_id = sp.person_id
      LEFT JOIN measure m ON m.code = p.catalogue_code
    """,
    "cost_following_person": """
    CREATE VIEW cost_following_person AS
      SELECT municipality, quarter, count(*) AS participations, count(DISTINCT person_key) AS persons,
             sum(cost_cents) AS cost_cents,
             sum(CASE WHEN reported_by IS DISTINCT FROM municipality THEN 1 ELSE 0 END) AS reported_elsewhere,
             sum(CASE WHEN reported_by IS DISTINCT FROM municipality THEN cost_cents ELSE 0 END)
               AS cost_cents_reported_elsewhere
      FROM participation_located GROUP BY municipality, quarter
    """,
    "persons_per_municipality_quarter": """
    CREATE VIEW persons_per_municipality_quarter AS
      WITH RECURSIVE span AS (
        SELECT min(from_date) AS first,
               greatest(max(from_date), coalesce(max(to_date), ''),
                        (SELECT coalesce(max(start_date), '') FROM participation)) AS last
        FROM residence_period
      ), quarters(q) AS (
        SELECT CAST(substr(first, 1, 4) || '-'
               || lpad(CAST(((CAST(substr(first, 6, 2) AS INTEGER) - 1) / 3) * 3 + 1 AS text), 2, '0')
               || '-01' AS text) COLLATE "C"
        FROM span WHERE length(first) >= 7
        UNION ALL SELECT \(nextQuarter("q")) COLLATE "C" FROM quarters, span WHERE \(nextQuarter("q")) <= last
      )
      SELECT \(quarter("q")) AS quarter, rp.municipality, count(DISTINCT rp.person_id) AS persons
      FROM quarters JOIN residence_period rp
        ON rp.from_date < \(nextQuarter("q")) AND (rp.to_date IS NULL OR rp.to_date >= q)
      GROUP BY 1, 2
    """,
  ]
}
