import PaktCore

/// Whether a source's new delivery may replace its previous one. A nightly export that comes
/// empty, cut short or unreadable (a failed upload, a half-written file, one NUL byte that makes
/// a file binary) would otherwise retire a municipality's caseload, with exit code 0.
///
/// A delivery is held back (the previous one stays, the run exits 4) when the source held
/// current person records and the new delivery
/// - could not be read at all (every file rejected as a whole),
/// - holds no person record, or
/// - holds fewer than `1 - maxShrink` of the previous current records, having lost at least
///   `minLoss` of them (one family leaving a caseload of eight is no broken export).
///
/// `pakt run --accept-shrink SOURCE` or `accept_shrink: true` on the source takes it anyway.
///
/// ```swift
/// DeliveryGuard.check(source: "ulm", files: [], previous: 1649, delivered: 0, maxShrink: 0.2)
/// // HeldBack(reason: "empty", …)
/// ```
enum DeliveryGuard {
  static func check(
    source: String, files: [RunSummary.File], previous: Int, delivered: Int, maxShrink: Double, minLoss: Int = 10
  ) -> RunSummary.HeldBack? {
    guard previous > 0 else { return nil }
    let take = "to take it anyway: pakt run --accept-shrink \(source) (or accept_shrink: true on the source)"
    let kept = "its previous delivery (\(previous) current person records) stays"
    if !files.isEmpty && files.allSatisfy({ $0.status == .unreadable }) {
      let problems = files.compactMap(\.problem).prefix(3).joined(separator: "; ")
      return .init(
        source: source, reason: "unreadable", previousRecords: previous, deliveredRecords: 0,
        message: "source '\(source)': its new delivery could not be read (\(problems)); \(kept). "
          + "Fix or re-send the export.")
    }
    if delivered == 0 {
      return .init(
        source: source, reason: "empty", previousRecords: previous, deliveredRecords: 0,
        message: "source '\(source)': its new delivery holds no person record"
          + (files.isEmpty ? " (no file)" : "") + "; \(kept). Check the export; \(take).")
    }
    if Double(delivered) < Double(previous) * (1 - maxShrink) && previous - delivered >= minLoss {
      let lost = Int((100 * Double(previous - delivered) / Double(previous)).rounded())
      return .init(
        source: source, reason: "shrunk", previousRecords: previous, deliveredRecords: delivered,
        message: "source '\(source)': its new delivery holds \(delivered) person records, \(lost)% fewer than "
          + "the \(previous) it held (the guard allows \(Int((100 * maxShrink).rounded()))%); \(kept). "
          + "A cut-off or partial export looks like this; if the caseload really shrank, \(take).")
    }
    return nil
  }
}
