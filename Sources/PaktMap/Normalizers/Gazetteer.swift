import Foundation
import PaktCore
import PaktExtract

/// Municipality names → Amtlicher Gemeindeschlüssel (AGS), from a data file a steward extends
/// (`mappings/municipalities.csv`: `ags;name;aliases`, aliases separated by `|`).
///
/// Names match after folding and without "Stadt", "Gemeinde", "Große Kreisstadt" in front.
///
/// ```swift
/// let g = try Gazetteer.load(file: "mappings/municipalities.csv")
/// g.ags(for: "Stadt Freiburg i. Br.")  // "08311000"
/// ```
public struct Gazetteer: Sendable {
  var byName: [String: String]

  /// Each municipality's official name (the first listed) and AGS, in file order.
  public let municipalities: [(name: String, ags: String)]

  public init(entries: [(ags: String, names: [String])] = []) {
    municipalities = entries.compactMap { e in e.names.first.map { ($0, e.ags) } }
    var map: [String: String] = [:]
    for e in entries { for n in e.names { map[Self.key(n)] = e.ags } }
    byName = map
  }

  public static func load(file: String) throws -> Gazetteer {
    let opened: OpenedFile
    do {
      opened = try OpenedFile(path: file, options: ReadOptions(format: .csv))
    } catch {
      throw PaktError.config(file: file, line: nil, "cannot read the municipality list: \(error)")
    }
    let header = (opened.layout.header ?? []).map { TextFold.compact($0) }
    guard let a = header.firstIndex(of: "ags"), let n = header.firstIndex(of: "name") else {
      throw PaktError.config(file: file, line: 1, "the municipality list needs columns ags and name")
    }
    let aliases = header.firstIndex(of: "aliases")
    var entries: [(String, [String])] = []
    while let record = try opened.next() {
      guard case .row(let row) = record else {
        throw PaktError.config(file: file, line: record.line, "this line of the municipality list cannot be read")
      }
      let ags = row.fields[a].trimmingCharacters(in: .whitespaces)
      guard ags.count == 8, ags.allSatisfy(\.isNumber) else {
        throw PaktError.config(
          file: file, line: row.line, "'\(ags)' is not an 8-digit Amtlicher Gemeindeschlüssel", fix: "correct the row")
      }
      var names = [row.fields[n]]
      if let aliases { names += row.fields[aliases].split(separator: "|").map(String.init) }
      entries.append((ags, names))
    }
    return Gazetteer(entries: entries)
  }

  /// The AGS of a municipality name, or nil where it is not known.
  public func ags(for name: String) -> String? { byName[Self.key(name)] }

  static func key(_ name: String) -> String {
    var folded = TextFold.fold(name)
    for prefix in ["grosse kreisstadt ", "landeshauptstadt ", "stadt ", "gemeinde ", "universitaetsstadt "]
    where folded.hasPrefix(prefix) {
      folded.removeFirst(prefix.count)
    }
    return folded
  }
}
