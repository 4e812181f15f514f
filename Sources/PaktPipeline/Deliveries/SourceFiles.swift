import Foundation
import PaktCore
import PaktExtract
import PaktMap

/// What pakt reads among a source's files, and how a file it will not read is described.
enum SourceFiles {
  /// Why `path` is not read, or nil for a regular file (a symbolic link to one only with
  /// `followSymlinks`).
  static func problem(_ path: String, followSymlinks: Bool) -> String? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return "the file cannot be examined (\(String(cString: strerror(errno))))" }
    if info.st_mode & S_IFMT == S_IFLNK {
      guard followSymlinks else {
        return "the file is a symbolic link; pakt reads only regular files. "
          + "Copy the export into the folder, or set follow_symlinks: true on the source"
      }
      guard stat(path, &info) == 0 else { return "the symbolic link points to nothing that can be read" }
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: return nil
    case S_IFIFO: return "the file is a named pipe (FIFO), not a regular file; pakt does not read it"
    case S_IFCHR, S_IFBLK: return "the file is a device, not a regular file; pakt does not read it"
    case S_IFDIR: return "this is a folder, not a file"
    case S_IFSOCK: return "the file is a socket, not a regular file; pakt does not read it"
    default: return "the file is not a regular file; pakt does not read it"
    }
  }

  /// Records of an XML file mapped to check its paths, as a CSV file's header is checked.
  static let xmlSample = 200

  /// For XML, what a CSV file's header check does for columns: the family name path the
  /// mapping names must match in at least one of the file's first person records, else the
  /// file is rejected (a path that exists nowhere loaded 41 of 41 records
  /// without a family name, silently). nil when they match, or the sample holds no person.
  static func unmatchedXMLPaths(_ file: OpenedFile, mapper: RecordMapper, mapping: MappingFile) throws -> String? {
    var mapper = mapper
    var persons = 0
    var family = 0
    var seen = 0
    while seen < xmlSample, let record = try file.next() {
      seen += 1
      guard let person = mapper.map(record).person else { continue }
      persons += 1
      if person.familyName != nil { family += 1 }
    }
    guard persons > 0 else { return nil }
    // The given name is not held to this: exports of one-name persons may have none at all;
    // a family name path that matches nothing is a wrong path.
    for (name, matched) in [("family_name", family)] where matched == 0 {
      var bound: MappingFile.Binding?
      for record in mapping.records where bound == nil { bound = record.binding(.person, name) }
      guard let binding = bound else { continue }
      let where_ = (mapping.file as NSString).lastPathComponent + (binding.line.map { " line \($0)" } ?? "")
      let message =
        "the mapping's \(name) path '\(binding.column)' (\(where_)) matches nothing in the first \(persons) "
        + "person records of this file; fix the path (`pakt inspect` shows the records' paths)"
      return short(message)
    }
    return nil
  }

  /// An error met while reading a file, as a file's problem.
  static func describe(_ error: Error) -> String {
    if let error = error as? PaktError { return short(error.message) }
    return short("the file cannot be read (\(error))")
  }

  /// A message cut to a length a person reads, control characters shown as escapes. Why:
  /// a mapping check against a file of 10,000 columns listed them all (a 99 KB message), and
  /// one against a link to a system file quoted that file's first line.
  static func short(_ text: String, limit: Int = 400) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      if out.count >= limit {
        out += "…"
        break
      }
      if scalar.value < 0x20 || scalar.value == 0x7F {
        out += "\\u{\(String(scalar.value, radix: 16))}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
