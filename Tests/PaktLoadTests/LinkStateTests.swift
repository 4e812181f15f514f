import Foundation
import PaktTestSupport
import Testing

@testable import PaktLoad

@Suite("Load: the link state kept for later nights")
struct LinkStateTests {
  /// The link index is written and read through SQLite's blob I/O a megabyte at a time
  /// (`BlobIO`): every byte comes back, across chunk edges, in the same and in a later
  /// transaction; a blob replaced by a shorter or an empty one is that one; nil removes it.
  @Test("a blob of several chunks, an empty one and a replaced one come back byte for byte")
  func roundTrip() throws {
    let warehouse = try Warehouse(path: "\(TestSupport.scratch())/warehouse.sqlite")
    var generator = SystemRandomNumberGenerator()
    let large = (0..<(2 * BlobIO.chunk + 12_345)).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let small: [UInt8] = [0, 1, 2, 255]
    try warehouse.transaction { load in
      try load.setLinkState("index", large)
      try load.setLinkState("index_added", [])
      #expect(try load.linkState("index") == large)
      #expect(try load.linkState("index_added") == [])
      #expect(try load.linkState("missing") == nil)
    }
    try warehouse.transaction { load in
      #expect(try load.linkState("index") == large)
      try load.setLinkState("index", small)
      #expect(try load.linkState("index") == small)
      try load.setLinkState("index_added", nil)
      #expect(try load.linkState("index_added") == nil)
    }
    #expect(try warehouse.read { try $0.linkState("index") } == small)
    // A rolled-back transaction leaves the blob as it was.
    try warehouse.transaction(commit: false) { load in try load.setLinkState("index", large) }
    #expect(try warehouse.read { try $0.linkState("index") } == small)
  }

  /// The index is handed over in pieces as it is encoded, never whole (`setLinkState(_:count:produce:)`):
  /// pieces smaller and larger than a chunk come back as one blob; bytes fewer or more than
  /// announced fail and leave the state as it was.
  @Test("a blob written in pieces comes back whole; a wrong count fails and changes nothing")
  func pieces() throws {
    let warehouse = try Warehouse(path: "\(TestSupport.scratch())/warehouse.sqlite")
    let pieces: [[UInt8]] = [
      [1, 2, 3], [UInt8](repeating: 7, count: BlobIO.chunk + 5), [], [UInt8](repeating: 9, count: 100),
    ]
    let whole = pieces.flatMap { $0 }
    func produce(_ sink: (UnsafeRawBufferPointer) -> Void) { for p in pieces { p.withUnsafeBytes(sink) } }
    try warehouse.transaction { load in try load.setLinkState("index", count: whole.count, produce: produce) }
    #expect(try warehouse.read { try $0.linkState("index") } == whole)
    for wrong in [whole.count - 1, whole.count + 1] {
      #expect(throws: (any Error).self) {
        try warehouse.transaction { load in try load.setLinkState("index", count: wrong, produce: produce) }
      }
    }
    #expect(try warehouse.read { try $0.linkState("index") } == whole)
  }
}
