import Crypto
import Foundation
import PaktCore
import PaktPipeline
import PaktTestSupport
import Testing

@Suite("Core: helpers")
struct CoreTests {
  @Test("concurrentMap gives the elements' results in order, whatever the chunk size")
  func concurrentMapKeepsOrder() {
    let numbers = Array(0..<10_001)
    for chunk in [1, 7, 4096, 20_000] {
      #expect(numbers.concurrentMap(chunk: chunk) { "n\($0 * 3)" } == numbers.map { "n\($0 * 3)" })
    }
    #expect([Int]().concurrentMap { $0 + 1 }.isEmpty)
  }
}

@Suite("Pipeline: pseudonyms")
struct PseudonymTests {
  /// Values from Python's `hmac.new(key, message, hashlib.sha256).hexdigest()`: person keys,
  /// tombstones and manager keys must stay what earlier runs stored, however they are computed.
  @Test("person keys, tombstones, manager keys and the key fingerprint are HMAC-SHA256 under the secret")
  func pinnedValues() {
    let p = Pseudonymizer(secret: SymmetricKey(data: Data("0123456789abcdef0123456789abcdef".utf8)))
    #expect(p.key(for: 42) == "bd6545decf111af67643e5d63bbb42c74f193a301288242cc0f20c5b60b8e26d")
    #expect(p.keys(for: [42, 42]) == Array(repeating: p.key(for: 42), count: 2))
    #expect(
      p.tombstone(source: "ulm", localID: "P-17") == "af27d9cfb0eb8df13e0c0882f95e88898f2c8e3824e5d541b37d1ad2601d39f3")
    #expect(p.fingerprint == "bbef24626672d6491aa92794ce5cb13b543b86fe1325df41d51c5819817ee3de")
    #expect(p.managerKey(source: "ulm", name: " Frau  K. Beispiel") == "e254b4cb56fc247268a72855e23e7055")
  }
}
