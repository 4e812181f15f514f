import PaktCore
import PaktTestSupport
import Testing

@testable import PaktLink

@Suite("Link")
struct LinkTests {
  @Test(
    "transliterated and swapped names give one key",
    arguments: [
      (("Mohammed", "Al-Hassan"), ("Muhammad", "Alhassan")),
      (("Hussein", "Haddad"), ("Husain", "Hadad")),
      (("Yusuf", "Rahimi"), ("Youssef", "Rahimy")),
      (("Omar", "Khalil"), ("Khalil", "Omar")),
      (("Khaled", "Qasim"), ("Chaled", "Kasim")),
      (("Abd al-Rahman", "Dschafari"), ("Abdulrahman", "Jafari")),
      (("Sergej", "Bondarenko"), ("Serhii", "Bondarenko")),
      (("Hassan", "Dzhabarov"), ("Gassan", "Jabarov")),
      (("Fatima", "Hosseini"), ("Fatime", "Husseini")),
      (("Andrej", "Mohammadi"), ("Andrii", "Muhammadi")),
      (("Fatimah", "Haddad"), ("Fatima", "Hadad")), (("Sarah", "Rahimi"), ("Sara", "Rahimi")),
      (("Aishah", "Haddad"), ("Aischa", "Haddad")), (("Abdulla", "Haddad"), ("Abdullah", "Haddad")),
      (("Abd Allah", "Haddad"), ("Abdallah", "Haddad")),
      // German transliteration of Ukrainian names (ч as tsch, ш as sch, в as w) and the passport's.
      (("Taras", "Schewtschenko"), ("Taras", "Shevchenko")), (("Iwan", "Tkatschuk"), ("Ivan", "Tkachuk")),
      // ц as German z and as English ts; tz as z; English tsh as ch.
      (("Oleh", "Schwez"), ("Oleh", "Shvets")), (("Jurij", "Zybulskyj"), ("Yurii", "Tsybulskyi")),
      (("Tsegay", "Kravetz"), ("Zegay", "Krawez")), (("Chinedu", "Okafor"), ("Tshinedu", "Okafor")),
      // The ʿayn and hamza written as an apostrophe, or left out.
      (("Sa'id", "Haddad"), ("Said", "Haddad")), (("Mhd Ali", "Haddad"), ("Mohammad Ali", "Haddad")),
      (("Isma\u{2018}il", "Mas`ud"), ("Ismail", "Masud")),
    ])
  func nameKey(a: (String, String), b: (String, String)) {
    #expect(NameKey.make(family: a.1, given: a.0) == NameKey.make(family: b.1, given: b.0))
  }

  @Test("word keys: one name's words within the other's, spelled as they may be, and only with fewer words")
  func wordsWithin() throws {
    let config = try LinkageConfig.load(file: TestSupport.path("mappings/linkage.yml"))
    let given = try #require(config.fields.firstIndex { $0.name == "given_name" })
    let names = [
      "Mohammad Reza", "Reza", "Muhammad Mostafa", "Mohammed", "Reza Mohammad", "Al Reza", "Ali", "Abdulrahman Karim",
      "Abd al-Rahman", "Мохаммад Реза", "Реза",
    ]
    var columns = [[String?]](repeating: names.map { _ in nil }, count: config.fields.count)
    columns[given] = names
    columns[try #require(config.fields.firstIndex { $0.name == "family_name" })] = names.map { _ in "Haddad" }
    let records = PreparedRecords(columns: columns, config: config)
    let comparator = Comparator(records: records, config: config)
    func within(_ a: Int, _ b: Int) -> Bool {
      comparator.level(given, a, b) == Comparator.NameLevel.within
    }
    #expect(within(0, 1) && within(1, 0))  // Reza / Mohammad Reza
    #expect(within(2, 3))  // Mohammed / Muhammad Mostafa: by transliteration
    #expect(!within(0, 4))  // as many words: the transliteration level, not this one
    #expect(comparator.level(given, 0, 4) == Comparator.NameLevel.translit)
    // The article is no word: Reza / Al Reza agree by transliteration.
    #expect(comparator.level(given, 1, 5) == Comparator.NameLevel.translit)
    #expect(!within(1, 6) && !within(3, 1))
    // abd- split off as in the key: Abd al-Rahman is within Abdulrahman Karim.
    #expect(within(7, 8))
    // Names outside ASCII by the same key.
    #expect(within(9, 10))
  }

  @Test("a typo is one edit or two letters swapped, not a final vowel added: Popal / Popla, not Hassan / Hassani")
  func nameTypo() throws {
    let config = try LinkageConfig.load(file: TestSupport.path("mappings/linkage.yml"))
    let family = try #require(config.fields.firstIndex { $0.name == "family_name" })
    let names = [
      "Popal", "Popla", "Hassan", "Hassani", "Rahimi", "Rahmani", "Karim", "Karima", "Sultani", "Sultan",
    ]
    var columns = [[String?]](repeating: names.map { _ in nil }, count: config.fields.count)
    columns[family] = names
    columns[try #require(config.fields.firstIndex { $0.name == "given_name" })] = names.map { _ in "Amina" }
    let comparator = Comparator(records: PreparedRecords(columns: columns, config: config), config: config)
    #expect(comparator.level(family, 0, 1) == Comparator.NameLevel.typo)  // two letters swapped
    #expect(comparator.level(family, 2, 3) != Comparator.NameLevel.typo)  // the nisba: another name
    #expect(comparator.level(family, 6, 7) != Comparator.NameLevel.typo)  // the feminine ending
    #expect(comparator.level(family, 9, 8) != Comparator.NameLevel.typo)
    #expect(comparator.level(family, 4, 5) != Comparator.NameLevel.typo)  // two edits
  }

  @Test("different names keep different keys: a final vowel (nisba -i), a consonant written twice around a vowel")
  func distinct() {
    #expect(NameKey.make(family: "Haddad", given: "Amina") != NameKey.make(family: "Haddad", given: "Omar"))
    // Ahmad is a given name, Ahmadi a family name: the commonest Afghan and Iranian pattern.
    for (a, b) in [("Ahmad", "Ahmadi"), ("Hassan", "Hassani"), ("Jamil", "Jamili"), ("Hossein", "Hosseini")] {
      #expect(NameKey.make(family: a, given: nil) != NameKey.make(family: b, given: nil), "\(a) / \(b)")
    }
    #expect(NameKey.make(family: "Demir", given: nil) != NameKey.make(family: "Demirer", given: nil))
    // A doubled letter is still one: Hassan / Hasan, Mohammed / Mohamed.
    #expect(NameKey.make(family: "Hassan", given: "Mohammed") == NameKey.make(family: "Hasan", given: "Mohamed"))
  }

  /// The byte path must give the general path's code for all ASCII text: random texts drawn
  /// from the letters Kölner Phonetik looks at in context (C, D, T, P, X, S, Z, K, Q, H),
  /// vowels, lower case, digits and separators.
  @Test("ASCII text: the byte path gives the general path's Kölner Phonetik")
  func asciiPhoneticsMatchesGeneral() {
    var random = SystemRandomNumberGenerator()
    let pieces = [
      "c", "C", "ch", "cx", "sc", "zc", "d", "t", "dc", "ts", "tz", "p", "ph", "x", "kx", "qx", "cx", "s", "z", "k",
      "q",
      "h", "a", "e", "i", "j", "o", "u", "y", "b", "f", "v", "w", "g", "l", "m", "n", "r", "1", " ", "-", "'", "ll",
    ]
    for _ in 0..<20_000 {
      let text = (0..<Int.random(in: 0..<10, using: &random)).map { _ in pieces.randomElement(using: &random)! }
        .joined()
      #expect(ColognePhonetics.codeASCII(text) == ColognePhonetics.codeGeneral(text), "\(text)")
    }
    #expect(ColognePhonetics.codeASCII("Müller") == nil)
    #expect(ColognePhonetics.code("Müller") == ColognePhonetics.codeGeneral("Müller"))
  }

  /// The byte path must give the general path's key for every ASCII name: random names
  /// drawn from the letters the rules look at (abd-, al-/el-, dsch, dzh, tsch, sch, kh, ch, ph, ou,
  /// dj, gh, w, z, c, q, j, g, doubled letters), digits, upper case and separators.
  @Test("ASCII names: the byte path gives the general path's key")
  func asciiKeyMatchesGeneral() {
    var random = SystemRandomNumberGenerator()
    let pieces = [
      "abd", "abdul", "Abdel", "al", "el", "Al-", "el ", "ul", "ash", "ed", "dsch", "dzh", "tsch", "sch", "kh", "ch",
      "tsh", "ts", "tz",
      "mhd",
      "Md",
      "ph",
      "ou",
      "dj", "gh", "w", "z", "c", "q", "j", "g", "y", "a", "e", "i", "o", "u", "h", "s", "d", "k", "p", "m", "n", "r",
      "t", "ll", "ss", "mm", "1", "7", " ", "-", "'", "`", ".", ",", "\t", "A", "O", "Y", "Q", "  ",
    ]
    var checked = 0
    for _ in 0..<20_000 {
      func name() -> String? {
        if Int.random(in: 0..<8, using: &random) == 0 { return nil }
        return (0..<Int.random(in: 0..<9, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
      }
      let (family, given) = (name(), name())
      let fast = NameKey.makeASCII(family: family, given: given)
      #expect(fast == NameKey.makeGeneral(family: family, given: given), "\(family ?? "nil") / \(given ?? "nil")")
      checked += 1
    }
    #expect(checked == 20_000)
    // Not ASCII: the general path.
    #expect(NameKey.makeASCII(family: "Müller", given: nil) == nil)
    #expect(NameKey.make(family: "Müller", given: nil) == NameKey.makeGeneral(family: "Müller", given: nil))
  }

  func record(
    _ key: String, _ given: String, _ family: String, _ date: PartialDate?, sex: Sex = .female, azr: String? = nil
  )
    -> LinkRecord
  {
    LinkRecord(
      key: key, familyName: family, givenName: given, birthDate: date, sex: sex, azrNumber: azr, bamfNumber: nil)
  }

  @Test("rules: identifier, name with date, name with year for placeholders; sex conflicts never join")
  func rules() {
    let full = PartialDate(year: 1990, month: 3, day: 7)
    let records = [
      record("a/1", "Amina", "Haddad", full),
      record("b/1", "Amina", "Hadad", full),  // transliteration: joins a/1
      record("c/1", "Amina", "Haddad", PartialDate(year: 1990, placeholder: true)),  // placeholder: joins
      record("d/1", "Zahra", "Karimi", nil, azr: "123"),
      record("e/1", "Sara", "Karimy", nil, azr: "123"),  // same AZR: joins d/1
      record("f/1", "Amina", "Haddad", full, sex: .male),  // sex differs: stays apart
      record("g/1", "Layla", "Nasser", PartialDate(year: 1985, month: 1, day: 2)),
    ]
    let result = DeterministicLinker().link(records)
    let clusters = Set(result.clusters.map { Set($0.map { records[$0].key }) })
    #expect(clusters.contains(["a/1", "b/1", "c/1"]))
    #expect(clusters.contains(["d/1", "e/1"]))
    #expect(clusters.contains(["f/1"]))
    #expect(clusters.contains(["g/1"]))
    #expect(result.reasons[4] == "same AZR number")
  }

  @Test("a placeholder record is not joined when two different full dates compete")
  func ambiguousPlaceholder() {
    let records = [
      record("a/1", "Ali", "Osman", PartialDate(year: 1990, month: 3, day: 7), sex: .male),
      record("b/1", "Ali", "Osman", PartialDate(year: 1990, month: 9, day: 1), sex: .male),
      record("c/1", "Ali", "Osman", PartialDate(year: 1990, placeholder: true), sex: .male),
    ]
    #expect(DeterministicLinker().link(records).clusters.count == 3)
  }

  @Test("stable ids: kept, merged and split")
  func stableIDs() {
    // Unchanged clusters keep their ids.
    let same = StableIDs.assign(clusters: [["a", "b"], ["c"]], previous: ["a": 1, "b": 1, "c": 2], nextID: 3)
    #expect(same.assignment == ["a": 1, "b": 1, "c": 2])
    #expect(same.events.isEmpty && same.nextID == 3)
    // Two persons become one: the larger keeps its id, the other is recorded as merged.
    let merged = StableIDs.assign(clusters: [["a", "b", "c"]], previous: ["a": 1, "b": 1, "c": 2], nextID: 3)
    #expect(Set(merged.assignment.values) == [1])
    #expect(merged.events == [PersonIDEvent(kind: .merged, old: 2, new: 1)])
    // One person becomes two: the larger part keeps the id, the other gets a new one.
    let split = StableIDs.assign(clusters: [["a", "b"], ["c"]], previous: ["a": 1, "b": 1, "c": 1], nextID: 3)
    #expect(split.assignment["a"] == 1 && split.assignment["c"] == 3)
    #expect(split.events == [PersonIDEvent(kind: .split, old: 1, new: 3)])
    // New records get new ids, never reused ones.
    let fresh = StableIDs.assign(clusters: [["x"]], previous: [:], nextID: 10)
    #expect(fresh.assignment["x"] == 10 && fresh.nextID == 11)
  }
}
