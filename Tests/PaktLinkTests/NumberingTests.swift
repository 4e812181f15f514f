import Testing

@testable import PaktLink

/// The linker numbers keys in the order they first appear, so that blocks (and everything
/// computed from them) are the same on every run: `WordNumbering` must give exactly the
/// numbers `Numbering` gives.
@Suite("Link: numbering 64-bit keys")
struct NumberingTests {
  @Test("the same numbers as a dictionary, in first-appearance order, through the table's growth")
  func sameAsDictionary() {
    var generator = SystemRandomNumberGenerator()
    // Pairs of small numbers side by side (as blocking keys are), with repeats, the sign bit
    // set (a date's -1 as UInt32), and 0.
    var keys: [UInt64] = [0, 0, UInt64(UInt32(bitPattern: -1))]
    for _ in 0..<200_000 {
      let a = UInt64.random(in: 0..<3_000, using: &generator)
      let b = UInt64.random(in: 0..<50, using: &generator)
      keys.append(a << 32 | b)
    }
    var expected = Numbering<UInt64>()
    var table = WordNumbering(capacity: 4)
    for key in keys {
      let want = expected.number(key)
      let got = table.number(key)
      #expect(got.number == want.number && got.isNew == want.isNew, "key \(key)")
      if got.number != want.number { return }
    }
    #expect(table.count == expected.count)
    // Numbers run 0, 1, 2, … without gaps.
    var again = WordNumbering()
    #expect(again.number(42) == (0, true))
    #expect(again.number(7) == (1, true))
    #expect(again.number(42) == (0, false))
  }
}
