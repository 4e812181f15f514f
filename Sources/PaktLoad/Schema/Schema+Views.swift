/// The reporting views over participations, in SQL that SQLite and PostgreSQL both read: the
/// PostgreSQL replica creates them from the warehouse's own definition (`PostgresViews` keeps
/// only what needs date arithmetic). Versions 6 and 11 create them.
extension Schema {
  /// The quarter ("2024-Q3") of an ISO date column; NULL when the date has no month.
  package static func quarter(_ column: String) -> String {
    """
    CASE WHEN length(\(column)) >= 7 THEN substr(\(column), 1, 4) || '-Q'
      || ((CAST(substr(\(column), 6, 2) AS INTEGER) + 2) / 3) END
    """
  }

  /// Each participation with the municipality the person lived in when it started (the
  /// reporting municipality where nothing better is known) and its quarter. `current` is 1 for
  /// a participation its source still delivers, 0 for a retired one.
  static let participationLocated = """
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
    """

  static let participationsByCategory = """
    CREATE VIEW participations_by_category_municipality_quarter AS
      SELECT category, municipality, quarter, count(*) AS participations, count(DISTINCT person_key) AS persons,
             sum(cost_cents) AS cost_cents
      FROM participation_located GROUP BY category, municipality, quarter
    """

  /// "Das Geld folgt dem Flüchtling": cost by the municipality where the person lived.
  static let costFollowingPerson = """
    CREATE VIEW cost_following_person AS
      SELECT municipality, quarter, count(*) AS participations, count(DISTINCT person_key) AS persons,
             sum(cost_cents) AS cost_cents,
             sum(CASE WHEN reported_by IS DISTINCT FROM municipality THEN 1 ELSE 0 END) AS reported_elsewhere,
             sum(CASE WHEN reported_by IS DISTINCT FROM municipality THEN cost_cents ELSE 0 END)
               AS cost_cents_reported_elsewhere
      FROM participation_located GROUP BY municipality, quarter
    """
}
