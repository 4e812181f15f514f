/// Numbers distinct keys 0, 1, 2, … in the order they first appear: the linker turns texts,
/// key pairs and block keys into dense numbers this way everywhere, so that the order (and
/// everything computed from it) is the same on every run.
///
/// ```swift
/// var numbering = Numbering<String>()
/// numbering.number("Ali")    // (0, isNew: true)
/// numbering.number("Amina")  // (1, isNew: true)
/// numbering.number("Ali")    // (0, isNew: false)
/// ```
struct Numbering<Key: Hashable> {
  private var numbers: [Key: Int32] = [:]

  /// How many distinct keys have a number.
  var count: Int { numbers.count }

  /// The number of `key`, and whether this call gave it (the key was new).
  mutating func number(_ key: Key) -> (number: Int32, isNew: Bool) {
    if let n = numbers[key] { return (n, false) }
    let n = Int32(numbers.count)
    numbers[key] = n
    return (n, true)
  }
}
