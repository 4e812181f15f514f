import PaktCore

/// What pakt sees in a file, for `pakt inspect`: layout, record count and the first records.
public struct Inspection: Sendable, Codable {
  public struct Sample: Sendable, Codable {
    public var line: Int
    /// Column → value (CSV) or path → value (XML, flattened).
    public var fields: [String: String]?
    public var problem: String?
  }
  public var file: String
  public var layout: FileLayout?
  public var records: Int
  public var malformed: Int
  /// Rows read only after a repair (a delimiter too many: see `ColumnProfile`).
  public var repaired = 0
  public var samples: [Sample]
  /// The first repaired rows: line and what was done.
  public var repairs: [Sample] = []
  /// Why the file cannot be read, when it cannot.
  public var problem: String?

  /// Reads the whole file (streaming) to count records; keeps the first `sampleCount`.
  ///
  /// ```swift
  /// let i = Inspection.inspect(path: "samples/ulm.xml")
  /// print(i.layout?.summary ?? i.problem!)
  /// ```
  public static func inspect(path: String, options: ReadOptions = .init(), sampleCount: Int = 3) -> Inspection {
    var result = Inspection(file: path, layout: nil, records: 0, malformed: 0, samples: [], problem: nil)
    do {
      let file = try OpenedFile(path: path, options: options)
      result.layout = file.layout
      while let record = try file.next() {
        result.records += 1
        switch record {
        case .row(let row):
          if let repair = row.repair {
            result.repaired += 1
            if result.repairs.count < max(sampleCount, 3) {
              result.repairs.append(Sample(line: row.line, problem: "repaired: \(repair)"))
            }
          }
          if result.samples.count < sampleCount {
            let header = file.layout.header ?? []
            var fields: [String: String] = [:]
            for (i, v) in row.fields.enumerated() { fields[i < header.count ? header[i] : "\(i + 1)"] = v }
            result.samples.append(Sample(line: row.line, fields: fields))
          }
        case .element(let e):
          if result.samples.count < sampleCount {
            var fields: [String: String] = [:]
            flatten(e.element, prefix: "", into: &fields)
            result.samples.append(Sample(line: e.line, fields: fields))
          }
        case .malformed(let m):
          result.malformed += 1
          if result.samples.count < sampleCount {
            result.samples.append(Sample(line: m.line, problem: "\(m.kind): \(m.reason)"))
          }
        }
      }
    } catch {
      result.problem = "\(error)"
    }
    return result
  }

  /// Flattens a record into path → value pairs ("Name/Familienname", "@id", "Massnahmen/Massnahme[2]/Beginn").
  public static func flatten(_ node: XMLElementNode, prefix: String, into out: inout [String: String]) {
    for a in node.attributes { out[prefix + "@" + a.name] = a.value }
    let text = node.trimmedText
    if !text.isEmpty { out[prefix.isEmpty ? "." : String(prefix.dropLast())] = text }
    var seen: [String: Int] = [:]
    for c in node.children {
      seen[c.name, default: 0] += 1
      let index = seen[c.name]! > 1 ? "[\(seen[c.name]!)]" : ""
      flatten(c, prefix: prefix + c.name + index + "/", into: &out)
    }
  }
}
