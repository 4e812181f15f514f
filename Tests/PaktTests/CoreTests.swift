import PaktCore
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
