/// The streams of a compound file (Microsoft's Compound File Binary Format, [MS-CFB]): the
/// container of Excel 97-2003 workbooks (.xls), and of Word and Outlook files.
///
/// Every read is checked against the bytes there are, and every sector chain against the
/// sectors there are: a damaged or crafted file is an error that says so, never a crash or a
/// loop. The whole file is held (an .xls sheet holds at most 65,536 rows).
///
/// ```swift
/// let file = try CompoundFile(bytes: Array(data))
/// let book = try file.stream(named: "Workbook")
/// ```
struct CompoundFile {
  private let bytes: [UInt8]
  private let sectorSize: Int
  private let fat: [UInt32]
  private let miniFAT: [UInt32]
  private let miniStream: [UInt8]
  private let miniCutoff: Int
  /// The directory's streams: name and its first sector and size.
  let streams: [(name: String, start: UInt32, size: Int)]

  static let endOfChain: UInt32 = 0xFFFF_FFFE
  static let free: UInt32 = 0xFFFF_FFFF

  struct Damaged: Error {
    let what: String
  }

  init(bytes: [UInt8]) throws {
    self.bytes = bytes
    guard bytes.count >= 512, bytes.starts(with: FileFormat.legacyOfficeSignature) else {
      throw Damaged(what: "the header is cut short")
    }
    let shift = Int(Self.u16(bytes, 30))
    guard shift == 9 || shift == 12 else { throw Damaged(what: "the sector size is not one the format allows") }
    sectorSize = 1 << shift
    let miniShift = Int(Self.u16(bytes, 32))
    guard miniShift == 6 else { throw Damaged(what: "the mini sector size is not one the format allows") }
    // The format fixes the mini stream's cutoff at 4,096 bytes; another is a damaged header (a
    // cutoff of 4 GB would send every stream through the mini stream).
    miniCutoff = Int(Self.u32(bytes, 56))
    guard miniCutoff == 4_096 else { throw Damaged(what: "the mini stream cutoff is not the format's") }
    let sectors = (bytes.count - sectorSize + sectorSize - 1) / sectorSize
    // The FAT's own sectors: 109 in the header, the rest in a chain of DIFAT sectors.
    var fatSectors: [UInt32] = (0..<109).map { Self.u32(bytes, 76 + 4 * $0) }.filter { $0 < UInt32(sectors) }
    var difat = Self.u32(bytes, 68)
    var seen = 0
    while difat < UInt32(sectors) {
      seen += 1
      guard seen <= sectors else { throw Damaged(what: "its sector table loops") }
      let base = (Int(difat) + 1) * sectorSize
      let per = sectorSize / 4 - 1
      for i in 0..<per where base + 4 * i + 4 <= bytes.count {
        let s = Self.u32(bytes, base + 4 * i)
        if s < UInt32(sectors) { fatSectors.append(s) }
      }
      difat = base + 4 * per + 4 <= bytes.count ? Self.u32(bytes, base + 4 * per) : Self.endOfChain
    }
    var fat: [UInt32] = []
    fat.reserveCapacity(fatSectors.count * sectorSize / 4)
    for s in fatSectors {
      let base = (Int(s) + 1) * sectorSize
      for i in 0..<(sectorSize / 4) where base + 4 * i + 4 <= bytes.count { fat.append(Self.u32(bytes, base + 4 * i)) }
    }
    self.fat = fat
    let directory = try Self.chain(bytes, fat: fat, start: Self.u32(bytes, 48), sectorSize: sectorSize, size: nil)
    var streams: [(name: String, start: UInt32, size: Int)] = []
    var rootStart = Self.endOfChain
    var rootSize = 0
    for entry in 0..<(directory.count / 128) {
      let base = entry * 128
      let type = directory[base + 66]
      let length = min(Int(Self.u16(directory, base + 64)), 64)
      let units = (0..<max(0, length / 2 - 1)).map { Self.u16(directory, base + 2 * $0) }
      let name = String(decoding: units, as: UTF16.self)
      let start = Self.u32(directory, base + 116)
      let size = Int(Self.u32(directory, base + 120))
      if type == 5 {
        (rootStart, rootSize) = (start, size)
      } else if type == 2 {
        streams.append((name, start, size))
      }
    }
    self.streams = streams
    miniFAT = try Self.chain(bytes, fat: fat, start: Self.u32(bytes, 60), sectorSize: sectorSize, size: nil)
      .chunks(of: 4).map { Self.u32($0, 0) }
    miniStream =
      rootStart == Self.endOfChain
      ? [] : try Self.chain(bytes, fat: fat, start: rootStart, sectorSize: sectorSize, size: rootSize)
  }

  /// The bytes of the stream named `name` (case as the format compares: ignoring case), nil
  /// when the file holds none.
  func stream(named name: String) throws -> [UInt8]? {
    guard let entry = streams.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
    if entry.size < miniCutoff {
      var out: [UInt8] = []
      out.reserveCapacity(min(entry.size, miniStream.count))
      var sector = entry.start
      var steps = 0
      while sector != Self.endOfChain && out.count < entry.size {
        steps += 1
        let base = Int(sector) * 64
        guard Int(sector) < miniFAT.count, steps <= miniFAT.count, base + 64 <= miniStream.count else {
          throw Damaged(what: "the stream '\(entry.name)' runs past its mini sectors")
        }
        out += miniStream[base..<(base + 64)]
        sector = miniFAT[Int(sector)]
      }
      guard out.count >= entry.size else { throw Damaged(what: "the stream '\(entry.name)' is cut short") }
      return Array(out.prefix(entry.size))
    }
    return try Self.chain(bytes, fat: fat, start: entry.start, sectorSize: sectorSize, size: entry.size)
  }

  /// The sectors of the chain from `start`, joined; cut to `size` when given.
  private static func chain(_ bytes: [UInt8], fat: [UInt32], start: UInt32, sectorSize: Int, size: Int?) throws
    -> [UInt8]
  {
    var out: [UInt8] = []
    if let size { out.reserveCapacity(min(size, bytes.count)) }
    var sector = start
    var steps = 0
    while sector != endOfChain && sector != free {
      steps += 1
      let base = (Int(sector) + 1) * sectorSize
      guard Int(sector) < fat.count, steps <= fat.count, base + sectorSize <= bytes.count else {
        // The last sector of a file may be short: what it holds is read.
        if Int(sector) < fat.count, base < bytes.count, fat[Int(sector)] == endOfChain {
          out += bytes[base...]
          break
        }
        throw Damaged(what: "a chain of sectors runs past the end of the file or loops")
      }
      out += bytes[base..<(base + sectorSize)]
      if let size, out.count >= size { break }
      sector = fat[Int(sector)]
    }
    if let size {
      guard out.count >= size else { throw Damaged(what: "a stream is cut short") }
      return Array(out.prefix(size))
    }
    return out
  }

  static func u16(_ b: [UInt8], _ i: Int) -> UInt16 {
    guard i + 2 <= b.count else { return 0 }
    return UInt16(b[i]) | UInt16(b[i + 1]) << 8
  }

  static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
    guard i + 4 <= b.count else { return endOfChain }
    return UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
  }
}

extension Array where Element == UInt8 {
  fileprivate func chunks(of n: Int) -> [[UInt8]] {
    stride(from: 0, to: count - n + 1, by: n).map { Array(self[$0..<($0 + n)]) }
  }
}
