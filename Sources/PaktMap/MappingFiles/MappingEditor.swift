import Foundation
import PaktCore

/// Edits a mapping file's `programs:` section as text, so that a steward's comments and the
/// order of everything else stay as they were.
///
/// ```swift
/// let updated = try MappingEditor.settingProgram("Alphakurs", to: "SPR-IK-ALPHA", in: text, file: "m.yml")
/// ```
public enum MappingEditor {
  /// The text with `name: code` under `programs:`: the entry replaced where the name is mapped
  /// already (matched after folding), added at the end of the section otherwise, and the
  /// section appended where the file has none.
  public static func settingProgram(_ name: String, to code: String, in text: String, file: String) throws -> String {
    var lines = text.components(separatedBy: "\n")
    let entry = "  \(quote(name)): \(code)"
    guard
      let header = lines.firstIndex(where: {
        $0.range(of: #"^programs:\s*(#.*)?$"#, options: .regularExpression) != nil
      })
    else {
      if lines.contains(where: { $0.hasPrefix("programs:") }) {
        throw PaktError.config(
          file: file, line: lines.firstIndex(where: { $0.hasPrefix("programs:") }).map { $0 + 1 },
          "the programs section is written in flow style ({ … }), which pakt cannot edit safely",
          fix: "write it as one `name: CODE` line per program, then accept again")
      }
      while lines.last == "" { lines.removeLast() }
      lines += [
        "", "# Local program names → catalogue codes (written by `pakt mappings accept`).", "programs:", entry, "",
      ]
      return lines.joined(separator: "\n")
    }
    var lastEntry = header
    var i = header + 1
    let wanted = TextFold.fold(name)
    while i < lines.count {
      let line = lines[i]
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") {
        i += 1
        continue
      }
      guard line.hasPrefix(" ") || line.hasPrefix("\t") else { break }
      if let key = entryKey(trimmed), TextFold.fold(key) == wanted {
        lines[i] = entry
        return lines.joined(separator: "\n")
      }
      lastEntry = i
      i += 1
    }
    lines.insert(entry, at: lastEntry + 1)
    return lines.joined(separator: "\n")
  }

  /// The key of a `key: value` line, unquoted.
  static func entryKey(_ line: String) -> String? {
    if line.hasPrefix("\"") || line.hasPrefix("'") {
      let q = line.first!
      var key = ""
      var escaped = false
      for ch in line.dropFirst() {
        if escaped {
          key.append(ch)
          escaped = false
        } else if ch == "\\" && q == "\"" {
          escaped = true
        } else if ch == q {
          return key
        } else {
          key.append(ch)
        }
      }
      return nil
    }
    guard let colon = line.range(of: ": ") ?? (line.hasSuffix(":") ? line.range(of: ":", options: .backwards) : nil)
    else { return nil }
    return String(line[..<colon.lowerBound]).trimmingCharacters(in: .whitespaces)
  }

  /// A YAML double-quoted scalar.
  static func quote(_ s: String) -> String {
    "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
  }
}
