import PaktLoad

/// The reporting views in PostgreSQL's dialect where SQLite's definition does not carry over
/// (date arithmetic, scalar max). Every other view is created from the SQLite warehouse's own
/// definition (see `Schema+Views.swift` for the ones written to read the same in both).
/// Results are the same: integers where SQLite gives integers, and the test
/// `PostgresTests.sameAsSQLite` compares every view row by row.
enum PostgresViews {
  /// Three months after an ISO date, as an ISO date (SQLite: `date(q, '+3 months')`).
  static func nextQuarter(_ column: String) -> String {
    "to_char(CAST(\(column) AS date) + interval '3 months', 'YYYY-MM-DD')"
  }

  static let overrides: [String: String] = [
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
      SELECT \(Schema.quarter("q")) AS quarter, rp.municipality, count(DISTINCT rp.person_id) AS persons
      FROM quarters JOIN residence_period rp
        ON rp.from_date < \(nextQuarter("q")) AND (rp.to_date IS NULL OR rp.to_date >= q)
      GROUP BY 1, 2
    """
  ]
}
