import Crypto
import Foundation
import PaktCore

#if canImport(Glibc)
  import Glibc
#endif

/// Turns person ids into pseudonymous person keys: HMAC-SHA256 under a secret key that lives
/// in a file (or `PAKT_PSEUDONYM_KEY`) and never in the warehouse, so an analyst who sees the
/// warehouse cannot recompute or reverse a key.
///
/// ```swift
/// let p = try Pseudonymizer.load(config: config)
/// p.key(for: 42)  // 64 hex digits, the same every run with the same key
/// ```
///
/// Sendable although swift-crypto does not mark `SymmetricKey` and `HMAC` so: both are values
/// that are only read here (each key copies `keyed` before updating the copy), and the link
/// and load stages compute keys on several threads.
public struct Pseudonymizer: @unchecked Sendable {
  let secret: SymmetricKey
  /// HMAC with the secret already keyed in, copied for each key: keying hashes the secret's
  /// inner and outer pads, half of the work of every key (the link stage computes one per
  /// person).
  private let keyed: HMAC<SHA256>

  public init(secret: SymmetricKey) {
    self.secret = secret
    keyed = HMAC<SHA256>(key: secret)
  }

  /// HMAC-SHA256 of `text` under the secret.
  private func code(_ text: String) -> HMAC<SHA256>.MAC {
    var mac = keyed
    mac.update(data: Data(text.utf8))
    return mac.finalize()
  }

  /// The key from `PAKT_PSEUDONYM_KEY` (at least 32 characters), else from the configured
  /// file, which is created with 256 random bits (mode 0600) when it does not exist yet.
  /// The configured secret; a new one is created (and saved, unless `create` is false: a dry
  /// run writes nothing) when there is none yet.
  public static func load(config: PipelineConfig, create: Bool = true) throws -> Pseudonymizer {
    if let text = ProcessInfo.processInfo.environment["PAKT_PSEUDONYM_KEY"] {
      guard text.utf8.count >= 32 else {
        throw PaktError.config(
          file: nil, line: nil, "PAKT_PSEUDONYM_KEY is shorter than 32 characters",
          fix: "use a long random secret, e.g. `openssl rand -hex 32`")
      }
      return Pseudonymizer(secret: SymmetricKey(data: Data(text.utf8)))
    }
    let path = config.pseudonymKey
    if let data = FileManager.default.contents(atPath: path) {
      guard data.count >= 32 else {
        throw PaktError.config(file: path, line: nil, "the pseudonym key file holds fewer than 32 bytes")
      }
      return Pseudonymizer(secret: SymmetricKey(data: data))
    }
    let secret = SymmetricKey(size: .bits256)
    if !create { return Pseudonymizer(secret: secret) }
    let bytes = secret.withUnsafeBytes { [UInt8]($0) }
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    FaultInjection.delay(at: "before-key-create")
    switch createExclusively(path, bytes) {
    case .created: return Pseudonymizer(secret: secret)
    case .existed:
      // Another run created it first: its key is the key.
      guard let data = FileManager.default.contents(atPath: path), data.count >= 32 else {
        throw PaktError.config(file: path, line: nil, "the pseudonym key file holds fewer than 32 bytes")
      }
      return Pseudonymizer(secret: SymmetricKey(data: data))
    case .failed(let reason):
      throw PaktError.config(
        file: path, line: nil, "cannot create the pseudonym key file (\(reason))",
        fix: "make its folder writable for the user running pakt, or set PAKT_PSEUDONYM_KEY")
    }
  }

  enum Creation { case created, existed, failed(String) }

  /// Writes `bytes` to a private temporary file beside `path` (mode 0600, synced), then links
  /// it to `path` without replacing: of two runs creating the key at once, one wins and the
  /// other reads the winner's key. Why not `createFile`: it replaces, and two first runs
  /// started together each kept its own key, one of them in the warehouse, the other in the
  /// file; every later run then refused the key.
  static func createExclusively(_ path: String, _ bytes: [UInt8]) -> Creation {
    let temporary = "\(path).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard fd >= 0 else { return .failed(String(cString: strerror(errno))) }
    defer { unlink(temporary) }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    let synced = fsync(fd) == 0
    close(fd)
    guard written == bytes.count, synced else { return .failed("could not write it") }
    if link(temporary, path) == 0 { return .created }
    return errno == EEXIST ? .existed : .failed(String(cString: strerror(errno)))
  }

  /// The pseudonymous key of a person id.
  public func key(for personID: Int64) -> String {
    Fingerprint.hex(code("pakt-person:\(personID)"))
  }

  /// The keys of many person ids, computed on all cores (300,000 keys took a second on one).
  public func keys(for personIDs: [Int64]) -> [String] {
    personIDs.concurrentMap { key(for: $0) }
  }

  /// The pseudonym of a case manager: the same name in the same source gives the same key,
  /// so cases per manager can be counted without the name entering the warehouse.
  public func managerKey(source: String, name: String) -> String {
    let folded = name.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    return String(
      Fingerprint.hex(code("pakt-manager:\(source)/\(folded)")).prefix(32))
  }

  /// The tombstone of an erased source record: unlinkable to the person without the secret.
  public func tombstone(source: String, localID: String) -> String {
    Fingerprint.hex(code("pakt-erased:\(source)/\(localID)"))
  }

  /// Identifies the secret without revealing it: stored in the warehouse to refuse a run with
  /// a different key, which would silently change every person key.
  public var fingerprint: String {
    Fingerprint.hex(code("pakt-key-fingerprint"))
  }
}
