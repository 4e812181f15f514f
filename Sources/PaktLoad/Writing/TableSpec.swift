import PaktCore

/// A warehouse table the load stage fills in bulk, declared once: its columns in the table's
/// order with their SQLite type, NOT NULL and primary key, and how a row writes its values.
/// The insert statement's column list comes from the columns; the row's `encode` writes each
/// loaded column's value under its name, and in debug builds (every test run) each name is
/// checked against the next loaded column, so the two cannot drift apart. `SchemaTests` checks
/// that the migrations build exactly these columns (migrations stay as they were written: a
/// warehouse of any earlier version upgrades through them; PostgreSQL takes its tables from
/// the SQLite catalogue, see `LocalCatalog`).
///
/// ```swift
/// let residence = Tables.residence
/// print(residence.insertSQL)  // INSERT OR IGNORE INTO residence(source, …) SELECT c0, … FROM pakt_rows(?)
/// residence.encode(row, into: buffer)  // the same columns' values, in the same order
/// ```
///
/// Why one writer per row and not one per column: a closure per column (`{ $0.source }`) cost
/// the load stage 8-10% at 300,000 persons (5.3 → 5.8 s), a call and a thunk per value.
struct TableSpec<Row>: Sendable {
  typealias Column = TableColumn

  /// Writes one row's values under their columns' names (see `ColumnWriter`).
  typealias Encode = @Sendable (borrowing Row, inout ColumnWriter) -> Void

  let name: String
  let columns: [Column]
  /// Whether a row whose unique key is there already is ignored (and the writer learns which
  /// rows went in).
  let orIgnore: Bool
  let slot: PreparedStatements.Slot
  private let write: Encode
  /// The columns the load stage writes, in the order their values are encoded.
  let loaded: [String]

  /// `groups`: the columns in the table's order, in groups (so that a lineage's three columns
  /// go in as one); `encode` writes the loaded ones' values in that order.
  init(
    _ name: String, orIgnore: Bool, slot: PreparedStatements.Slot, _ groups: [Column]...,
    encode: @escaping Encode
  ) {
    self.name = name
    self.columns = Array(groups.joined())
    self.orIgnore = orIgnore
    self.slot = slot
    self.write = encode
    self.loaded = columns.filter(\.loaded).map(\.name)
  }

  /// How the writer inserts a batch's rows of this table.
  var rows: RowTable { RowTable(name: name, columns: loaded, orIgnore: orIgnore, slot: slot) }

  /// `INSERT [OR IGNORE] INTO name(loaded columns) SELECT … FROM pakt_rows(?)`.
  var insertSQL: String { rows.sql }

  /// Encodes `row`'s values of the loaded columns, in their order.
  func encode(_ row: borrowing Row, into out: ByteBuffer) {
    var writer = ColumnWriter(out, expecting: loaded)
    write(row, &writer)
    writer.finish(name)
  }
}

/// The column types the warehouse declares.
enum SQLType: String, Sendable {
  case text = "TEXT"
  case integer = "INTEGER"
}

/// A column of a `TableSpec`.
struct TableColumn: Sendable {
  let name: String
  let type: SQLType
  let notNull: Bool
  let primaryKey: Bool
  /// Whether the load stage writes it; else another stage fills it (row ids, the person a
  /// record was linked to, the run that retired it).
  let loaded: Bool

  /// A text column the load stage writes.
  static func text(_ name: String, notNull: Bool = false, primaryKey: Bool = false) -> TableColumn {
    TableColumn(name: name, type: .text, notNull: notNull, primaryKey: primaryKey, loaded: true)
  }

  /// An integer column the load stage writes.
  static func integer(_ name: String, notNull: Bool = false) -> TableColumn {
    TableColumn(name: name, type: .integer, notNull: notNull, primaryKey: false, loaded: true)
  }

  /// A column another stage fills.
  static func later(_ name: String, _ type: SQLType, primaryKey: Bool = false) -> TableColumn {
    TableColumn(name: name, type: type, notNull: false, primaryKey: primaryKey, loaded: false)
  }

}

extension Array where Element == TableColumn {
  /// Where a row comes from: its file, line and record path.
  static var lineage: [TableColumn] { [.text("file", notNull: true), .integer("line", notNull: true), .text("path")] }
}

/// Writes a row's values, each under the name of its column. In debug builds each name is
/// checked against the column the table declares next; release builds write the values only.
struct ColumnWriter {
  let out: ByteBuffer
  #if DEBUG
    let expected: [String]
    var next = 0
  #endif

  init(_ out: ByteBuffer, expecting columns: [String]) {
    self.out = out
    #if DEBUG
      self.expected = columns
    #endif
  }

  @inline(__always)
  mutating func check(_ column: StaticString) {
    #if DEBUG
      precondition(
        next < expected.count && expected[next] == column.description,
        "column '\(column)' written where the table declares '\(next < expected.count ? expected[next] : "no more")'")
      next += 1
    #endif
  }

  func finish(_ table: String) {
    #if DEBUG
      precondition(next == expected.count, "\(table): \(next) values written for \(expected.count) columns")
    #endif
  }

  @inline(__always)
  mutating func text(_ column: StaticString, _ value: String?) {
    check(column)
    out.value(value)
  }

  @inline(__always)
  mutating func integer(_ column: StaticString, _ value: Int64?) {
    check(column)
    out.value(value)
  }

  /// The lineage's three columns: file, line, path.
  @inline(__always)
  mutating func lineage(_ value: Lineage) {
    check("file")
    check("line")
    check("path")
    out.value(value)
  }
}

/// The tables the load stage fills in bulk.
enum Tables {
  typealias Case = (record: CaseRecord, managerKey: String?)

  static let person = TableSpec<SourcePersonRecord>(
    "source_person", orIgnore: true, slot: .sourcePerson,
    [
      .text("source", notNull: true, primaryKey: true), .text("local_id", notNull: true, primaryKey: true),
      .text("birth_date_precision"), .integer("birth_date_placeholder", notNull: true), .text("sex", notNull: true),
      .text("nationality"), .text("municipality"),
    ],
    .lineage,
    [
      .later("person_id", .integer), .later("link_rule", .text), .later("retired_run", .integer),
      .integer("birth_year"),
    ]
  ) { p, w in
    w.text("source", p.source)
    w.text("local_id", p.localID)
    w.text("birth_date_precision", p.birthDate?.precision.rawValue)
    w.integer("birth_date_placeholder", (p.birthDate?.placeholder ?? false) ? 1 : 0)
    w.text("sex", p.sex.rawValue)
    w.text("nationality", p.nationality)
    w.text("municipality", p.municipality)
    w.lineage(p.lineage)
    w.integer("birth_year", p.birthDate.map { Int64($0.year) })
  }

  /// Names, the full date of birth and identifiers: in the identity vault only.
  static let identity = TableSpec<SourcePersonRecord>(
    "identity", orIgnore: false, slot: .identity,
    [
      .text("source", notNull: true, primaryKey: true), .text("local_id", notNull: true, primaryKey: true),
      .text("family_name"), .text("given_name"), .text("birth_name"), .text("birth_date"), .text("place_of_birth"),
      .text("azr_number"), .text("bamf_number"),
    ]
  ) { p, w in
    w.text("source", p.source)
    w.text("local_id", p.localID)
    w.text("family_name", p.familyName)
    w.text("given_name", p.givenName)
    w.text("birth_name", p.birthName)
    w.text("birth_date", p.birthDate?.iso)
    w.text("place_of_birth", p.placeOfBirth)
    w.text("azr_number", p.azrNumber)
    w.text("bamf_number", p.bamfNumber)
  }

  static let participation = TableSpec<Participation>(
    "participation", orIgnore: false, slot: .participation,
    [
      .later("id", .integer, primaryKey: true), .text("source", notNull: true),
      .text("person_local_id", notNull: true), .text("program_name", notNull: true), .text("catalogue_code"),
      .text("mapping_method", notNull: true), .text("provider"), .text("start_date"), .text("end_date"),
      .text("status"), .text("outcome"), .integer("cost_cents"),
    ],
    .lineage, [.later("retired_run", .integer)]
  ) { p, w in
    w.text("source", p.source)
    w.text("person_local_id", p.personLocalID)
    w.text("program_name", p.programName)
    w.text("catalogue_code", p.catalogueCode)
    w.text("mapping_method", p.mappingMethod.rawValue)
    w.text("provider", p.provider)
    w.text("start_date", p.start?.iso)
    w.text("end_date", p.end?.iso)
    w.text("status", p.status?.rawValue)
    w.text("outcome", p.outcome)
    w.integer("cost_cents", p.costCents)
    w.lineage(p.lineage)
  }

  static let residence = TableSpec<Residence>(
    "residence", orIgnore: true, slot: .residence,
    [
      .later("id", .integer, primaryKey: true), .text("source", notNull: true),
      .text("person_local_id", notNull: true), .text("municipality", notNull: true), .text("ags"),
      .text("from_date"), .text("to_date"), .text("accommodation"),
    ],
    .lineage, [.later("retired_run", .integer)]
  ) { r, w in
    w.text("source", r.source)
    w.text("person_local_id", r.personLocalID)
    w.text("municipality", r.municipality)
    w.text("ags", r.ags)
    w.text("from_date", r.from?.iso)
    w.text("to_date", r.to?.iso)
    w.text("accommodation", r.accommodation)
    w.lineage(r.lineage)
  }

  static let potential = TableSpec<Potential>(
    "potential", orIgnore: true, slot: .potential,
    [
      .later("id", .integer, primaryKey: true), .text("source", notNull: true),
      .text("person_local_id", notNull: true), .text("kind", notNull: true), .text("value", notNull: true),
      .text("assessed"),
    ],
    .lineage, [.later("retired_run", .integer)]
  ) { p, w in
    w.text("source", p.source)
    w.text("person_local_id", p.personLocalID)
    w.text("kind", p.kind.rawValue)
    w.text("value", p.value)
    w.text("assessed", p.assessed?.iso)
    w.lineage(p.lineage)
  }

  /// A case with the keyed pseudonym of its manager (never the name).
  static let caseFact = TableSpec<Case>(
    "case_fact", orIgnore: true, slot: .caseFact,
    [
      .later("id", .integer, primaryKey: true), .text("source", notNull: true),
      .text("person_local_id", notNull: true), .text("municipality", notNull: true), .text("manager_key"),
      .text("opened"), .text("closed"),
    ],
    .lineage, [.later("retired_run", .integer)]
  ) { c, w in
    w.text("source", c.record.source)
    w.text("person_local_id", c.record.personLocalID)
    w.text("municipality", c.record.municipality)
    w.text("manager_key", c.managerKey)
    w.text("opened", c.record.opened?.iso)
    w.text("closed", c.record.closed?.iso)
    w.lineage(c.record.lineage)
  }

  /// Every table declared here, by name, with its columns (for the schema check).
  static let all: [(name: String, columns: [TableColumn])] = [
    (person.name, person.columns), (identity.name, identity.columns), (participation.name, participation.columns),
    (residence.name, residence.columns), (potential.name, potential.columns), (caseFact.name, caseFact.columns),
  ]
}
