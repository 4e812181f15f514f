import Foundation
import GRDB
import PaktCore

/// A source person record as stored, for linking.
public struct StoredPerson: Sendable {
  /// "source/local id".
  public var key: String
  public var source: String
  public var localID: String
  public var familyName: String?
  public var givenName: String?
  public var birthDate: PartialDate?
  public var sex: Sex
  public var nationality: String?
  public var azrNumber: String?
  public var bamfNumber: String?
  public var personID: Int64?
  /// The reason the record was linked as it is (`link_rule`), as the warehouse holds it now.
  public var linkRule: String?
  /// The row's id in `source_person`, for writing its person back.
  public var rowID: Int64
  /// The municipality whose delivery holds the record (linkage may compare it: one office's
  /// records of one person, or a move).
  public var municipality: String?
}

/// Writing and reading inside one warehouse transaction. Statements are prepared once and
/// reused: the hot ones from numbered slots, run through SQLite's C API over encoded rows
/// (`write(_:runID:counts:)`, RowWriting.swift, and `RowsTable`) or with `RawInsert`, the rest
/// through GRDB's `cachedStatement`.
///
/// Its work is split by concern, a file each: the ledger of deliveries and runs
/// (`LoadSession+Ledger`), a source's rows (`+SourceRows`: replacing a delivery, rejects,
/// flags, counting), writing encoded rows (`RowWriting`), persons and links (`+Persons`),
/// reference data and decisions (`+Reference`), erasure (`+Erasure`), the reports' queries
/// (`+Queries`) and the run summary's (`+Summary`).
public struct LoadSession {
  let db: Database
  /// The hot insert statements, found by slot instead of by hashing their SQL text on every
  /// row as `cachedStatement` does.
  let prepared = PreparedStatements()
  /// Writes the file's pages to disk early, for a shorter commit (`nil` when reading).
  var writeBehind: WriteBehind? = nil

  /// Starts writing what the transaction has written so far to disk on another thread, so
  /// that the commit has less left to write. Call it before long work that writes little
  /// (linking after loading). It changes nothing about what is committed or when.
  ///
  /// ```swift
  /// try warehouse.transaction { load in
  ///   // … load the sources …
  ///   load.writeToDiskMeanwhile()
  ///   // … link …
  /// }
  /// ```
  public func writeToDiskMeanwhile() { writeBehind?.start() }

  /// Runs `body` in a savepoint: `false` from `body`, or a throw, undoes what it wrote.
  public func savepoint(_ body: () throws -> Bool) throws {
    do {
      try db.inSavepoint {
        if try body() { return .commit }
        // Rows the undone part loaded are no longer there (to vouch for participations, or
        // to make a repeat redundant).
        prepared.forgetWritten()
        return .rollback
      }
    } catch {
      prepared.forgetWritten()
      throw error
    }
  }

}
