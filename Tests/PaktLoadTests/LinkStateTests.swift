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
}
