import Foundation

/// Files that hold personal data (reports, the duplicate review, the warehouse) are private to
/// their owner: folders 0700, files 0600, whatever the umask, also when they existed before
/// with wider modes.
///
/// ```swift
/// try PrivateFiles.folder("out/reports")
/// try PrivateFiles.write("…", to: "out/reports/rejects.csv")
/// ```
public enum PrivateFiles {
  /// Creates `path` (and its parents) as a private folder, or makes an existing one private.
  public static func folder(_ path: String) throws {
    try FileManager.default.createDirectory(
      atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    chmod(path, 0o700)
  }

  /// Writes `text` atomically to a private file.
  public static func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o600)
  }

  /// Makes existing files private (missing ones are skipped).
  public static func restrict(_ paths: [String]) {
    for path in paths where FileManager.default.fileExists(atPath: path) { chmod(path, 0o600) }
  }
}
