import Foundation
import PaktCore
import PaktExtract

/// The quality rules a record breaks (see `QualityRules`).
extension RecordMapper {
  /// Each rule broken once per field and place, with the record's person id.
  static func distinct(_ flags: [QualityFlag], record: String) -> [QualityFlag] {
    var seen = Set<String>()
    var result: [QualityFlag] = []
    for var f in flags where seen.insert("\(f.rule.rawValue) \(f.field) \(f.lineage.path ?? "")").inserted {
      f.record = record
      result.append(f)
    }
    return result
  }

  /// Notes the record breaks `rule` (unless the rule is ignored) and says the rule's severity.
  func note(
    _ rule: QualityRule, _ field: FieldRef, _ valueClass: String, _ lineage: Lineage, _ notes: inout Notes
  ) -> QualitySeverity {
    let severity = quality.severity(of: rule)
    if severity != .ignore {
      notes.flags.append(
        QualityFlag(
          source: source, lineage: lineage, record: nil, rule: rule, field: field.description, valueClass: valueClass,
          severity: severity))
    }
    return severity
  }

  /// A date of birth, or nil when it lies in the future (flagged: it cannot be one).
  func birthDate(_ date: PartialDate, _ field: FieldRef, _ lineage: Lineage, _ notes: inout Notes) -> PartialDate? {
    guard PartialDate.before(quality.today, date) else { return date }
    return note(.birthDateInFuture, field, "date after the day of the run", lineage, &notes) == .ignore ? date : nil
  }
}
