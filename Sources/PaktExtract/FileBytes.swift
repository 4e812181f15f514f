import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a file in fixed-size chunks through `read(2)`: memory stays bounded by the chunk
/// size whatever the file's size.
final class ChunkedFile {
  let path: String
  private let fd: Int32
  private var buffer: [UInt8]
  /// Bytes read from the file so far (for progress).
  private(set) var bytesRead = 0
  /// Bytes read per call; changing it takes effect at the next read.
  var chunkSize: Int {
    didSet { buffer = [UInt8](repeating: 0, count: chunkSize) }
  }

  init(path: String, chunkSize: Int = 1 << 20) throws {
    self.path = path
    fd = open(path, O_RDONLY)
    if fd < 0 {
      throw ExtractError.unreadable(
        "cannot open the file (\(String(cString: strerror(errno))))", fix: "check that it exists and is readable")
    }
    // A small file gets a small chunk: readers size their own buffers from it.
    var info = stat()
    var size = chunkSize
    if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG {
      size = min(chunkSize, max(4096, Int(info.st_size) + 64))
    }
    self.chunkSize = size
    buffer = [UInt8](repeating: 0, count: size)
  }

  deinit { close(fd) }

  /// Calls `body` with the next chunk; returns false at the end of the file.
  func next(_ body: (UnsafeBufferPointer<UInt8>) -> Void) throws -> Bool {
    let count = try buffer.withUnsafeMutableBytes { try readChunk(into: $0) }
    if count == 0 { return false }
    buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
    return true
  }

  /// Reads up to `target.count` bytes of the file straight into `target`; 0 at the end.
  func readChunk(into target: UnsafeMutableRawBufferPointer) throws -> Int {
    var n: Int
    repeat { n = read(fd, target.baseAddress, target.count) } while n < 0 && errno == EINTR
    if n < 0 {
      throw ExtractError.unreadable(
        "read error (\(String(cString: strerror(errno))))", fix: "check the disk and the file")
    }
    bytesRead += n
    return n
  }

  /// The first `count` bytes of a file (for sniffing).
  static func head(path: String, count: Int = 64 << 10) throws -> [UInt8] {
    let file = try ChunkedFile(path: path, chunkSize: count)
    var out: [UInt8] = []
    _ = try file.next { out.append(contentsOf: $0) }
    return out
  }
}

/// A file that cannot be read at all: rejected as a whole, the run goes on.
public enum ExtractError: Error, CustomStringConvertible, Sendable {
  case unreadable(String, fix: String)

  public var description: String {
    switch self {
    case .unreadable(let message, let fix): return "\(message); \(fix)"
    }
  }
}
