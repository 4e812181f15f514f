import Foundation
import PaktExtract
import PaktReport

/// The text encodings municipal exports come in, as bytes.
enum OutputEncoding: String, Sendable {
  case utf8 = "utf-8"
  case windows1252 = "windows-1252"
  case latin1 = "iso-8859-1"
  case utf16LE = "utf-16le"
  /// UTF-8 that was read back as Windows-1252 and saved as UTF-8 again ("Ã¼" for "ü"), as a
  /// spreadsheet opened with the wrong encoding leaves an export.
  case utf8ReadAsWindows1252 = "utf-8 read as windows-1252"
  /// DOS Latin-1 (code page 850), as a DOS-era database program exports.
  case cp850 = "ibm850"

  /// Windows-1252's characters at 0x80–0x9F, by code point (the reader's table, reversed).
  private static let cp1252: [UInt32: UInt8] = {
    var out: [UInt32: UInt8] = [:]
    for (i, scalar) in TextEncoding.windows1252High.enumerated() where scalar != 0 { out[scalar] = UInt8(0x80 + i) }
    return out
  }()

  /// Code page 850's characters at 0x80–0xFF, by code point.
  private static let dos: [UInt32: UInt8] = {
    var out: [UInt32: UInt8] = [:]
    for (i, scalar) in TextEncoding.cp850High.enumerated() { out[scalar] = UInt8(0x80 + i) }
    return out
  }()

  func bytes(_ text: String) -> [UInt8] {
    switch self {
    case .utf8: return Array(text.utf8)
    case .utf8ReadAsWindows1252:
      var out: [UInt8] = []
      for b in text.utf8 {
        let scalar = b >= 0x80 && b < 0xA0 ? TextEncoding.windows1252High[Int(b) - 0x80] : UInt32(b)
        out += Array(String(Unicode.Scalar(scalar == 0 ? UInt32(b) : scalar)!).utf8)
      }
      return out
    case .utf16LE: return text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    case .cp850:
      return text.unicodeScalars.map { s in s.value < 0x80 ? UInt8(s.value) : Self.dos[s.value] ?? 0x3F }
    case .windows1252, .latin1:
      return text.unicodeScalars.map { s -> UInt8 in
        let v = s.value
        if v < 0x80 || (v >= 0xA0 && v <= 0xFF) { return UInt8(v) }
        if self == .windows1252, let b = Self.cp1252[v] { return b }
        return 0x3F  // "?", as export tools write a character their code page lacks
      }
    }
  }

  var byteOrderMark: [UInt8] { self == .utf16LE ? [0xFF, 0xFE] : [] }
}

/// Writes one generated file in its encoding, buffering about a megabyte at a time.
final class EncodedFile {
  private let handle: FileHandle
  private let encoding: OutputEncoding
  private var pending = ""
  private(set) var bytesWritten = 0

  init(path: String, encoding: OutputEncoding) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(encoding.byteOrderMark)) else {
      throw GeneratorError("cannot create \(path)")
    }
    handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    handle.seekToEndOfFile()
    self.encoding = encoding
    pending.reserveCapacity(1 << 20)
  }

  func write(_ text: String) throws {
    pending += text
    if pending.utf8.count >= 1 << 20 { try flush() }
  }

  func close() throws {
    try flush()
    try handle.close()
  }

  private func flush() throws {
    let data = Data(encoding.bytes(pending))
    bytesWritten += data.count
    try handle.write(contentsOf: data)
    pending.removeAll(keepingCapacity: true)
  }
}

struct GeneratorError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// XML text with the special characters escaped; in ISO-8859-1 files, characters the
/// encoding lacks become character references.
func xmlEscaped(_ text: String, latin1: Bool = false) -> String {
  Escape.xml(text, referencesAbove: latin1 ? 0xFF : 0x10FFFF)
}

/// A number of at least two digits ("07", "12", "2024").
func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
