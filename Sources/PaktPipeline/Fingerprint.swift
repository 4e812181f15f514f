import Crypto
import Foundation
import PaktCore

/// SHA-256 of files and configuration, for the delivery ledger.
enum Fingerprint {
  /// Hex SHA-256 of a file, read in 1 MiB chunks (bounded memory).
  static func file(_ path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw PaktError.failed(file: path, "cannot open the file", fix: "check that it exists and is readable")
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
    return hex(hasher.finalize())
  }

  /// Hex SHA-256 of texts joined with a separator that cannot occur in them.
  static func of(_ parts: [String]) -> String {
    var hasher = SHA256()
    for p in parts {
      hasher.update(data: Data(p.utf8))
      hasher.update(data: Data([0]))
    }
    return hex(hasher.finalize())
  }

  static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    digest.map { String(format: "%02x", $0) }.joined()
  }
}
