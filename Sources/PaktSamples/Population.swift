/// One invented person as the truth knows them.
struct TruePerson: Sendable {
  var id: Int
  var given: String
  var family: String
  var male: Bool
  var year: Int
  var month: Int
  var day: Int
  var nationality: String
  var azr: String
  var language: String
  var schoolYears: Int
  /// One name only (Afghan naming, single names in Eritrean or Somali records): `given`
  /// holds it and `family` is empty. Offices write it in both fields, with "-" or nothing as
  /// family name, or in the family field only.
  var oneName = false
  /// Eritrean and Somali persons: the grandfather's name. Their names are a given name, the
  /// father's (`family` here) and the grandfather's; an office may take the grandfather's as
  /// the family name and write the father's among the given names (`asWritten`).
  var grandfather = ""
}

/// How a municipality wrote a person down: as they are, or with a variant.
enum Variant: Sendable {
  case same
  case transliterated
  case swapped
  case placeholderDate
  case dayMonthSwapped
  /// A slip of the keys: one digit of a complete date of birth wrong (half), else two letters
  /// of the given name (40%) or the family name swapped.
  case typo
  /// Given and family name swapped, and one of them spelled another way (a third of them
  /// with two letters of the family name swapped as well).
  case swappedTransliterated
}

/// Invented names and codes, as they occur among refugees in Baden-Württemberg.
enum Names {
  static let givenMale = [
    "Mohammed", "Ahmad", "Omar", "Yusuf", "Hussein", "Ali", "Khaled", "Tesfaye", "Dawit", "Reza", "Mustafa",
    "Ibrahim", "Abdullah", "Hamid", "Samir", "Bilal", "Taras", "Oleksandr", "Jamal", "Karim", "Hassan", "Mahmoud",
    "Abdulrahman", "Yonas", "Filmon", "Mehdi", "Javad", "Sayed", "Habib", "Nasir", "Idris", "Musa", "Andrii",
    "Dmytro", "Serhii", "Emre", "Mehmet", "Baraka", "Lamin", "Ousman",
  ]
  static let givenFemale = [
    "Amina", "Fatima", "Zainab", "Mariam", "Layla", "Nour", "Selam", "Helen", "Zahra", "Parisa", "Rania", "Hanan",
    "Aisha", "Yasmin", "Olena", "Iryna", "Samira", "Leila", "Dalia", "Huda", "Rahel", "Saba", "Shirin", "Maryam",
    "Fatemeh", "Khadija", "Asma", "Ruqaya", "Natalia", "Oksana", "Tetiana", "Ayse", "Elif", "Fatou", "Awa",
  ]
  static let family = [
    "Al-Hassan", "Haddad", "Rahimi", "Tesfamariam", "Mohammadi", "Khalil", "Ahmadi", "Hussaini", "Ghebremedhin",
    "Nasser", "Saleh", "Karimi", "Yousef", "Abdi", "Osman", "Bakr", "Hosseini", "Shevchenko", "Kovalenko",
    "El-Amin", "Darwish", "Sultani", "Habibi", "Mansour", "Qasim", "Abdullahi", "Tekle", "Berhane", "Haile",
    "Rezaei", "Jafari", "Nazari", "Popal", "Stanekzai", "Al-Khatib", "Hamdan", "Ibrahim", "Suleiman", "Jallow",
    "Ceesay", "Bondarenko", "Tkachenko", "Yilmaz", "Demir", "Okafor", "Abubakar", "Warsame", "Farah", "Noor",
    "Sharifi", "Kravets", "Shvets",
  ]
  /// Transliteration variants: how another office spells the same name.
  static let variants: [String: String] = [
    "Mohammed": "Muhammad", "Hussein": "Husain", "Yusuf": "Youssef", "Omar": "Umar", "Ahmad": "Ahmed",
    "Khaled": "Chaled", "Mustafa": "Mostafa", "Ibrahim": "Ebrahim", "Zainab": "Zeinab", "Fatima": "Fatma",
    "Al-Hassan": "Alhassan", "Haddad": "Hadad", "Mohammadi": "Muhammadi", "Hussaini": "Husseini",
    "Yousef": "Yusuf", "Hosseini": "Husseini", "El-Amin": "Elamin", "Qasim": "Kasim", "Rahimi": "Rahimy",
    "Hassan": "Hasan", "Mahmoud": "Mahmud", "Abdulrahman": "Abd al-Rahman", "Mehdi": "Mahdi", "Javad": "Jawad",
    "Sayed": "Sayyid", "Maryam": "Mariam", "Fatemeh": "Fatima", "Khadija": "Chadija", "Al-Khatib": "Alkhatib",
    "Suleiman": "Sulaiman", "Abdullahi": "Abdullah", "Rezaei": "Rezai", "Jafari": "Dschafari",
    "Oleksandr":
      "Aleksandr", "Andrii": "Andrej", "Serhii": "Sergej", "Tetiana": "Tatjana", "Ayse": "Aysche",
    "Shevchenko":
      "Schewtschenko", "Kovalenko": "Kowalenko", "Tkachenko": "Tkatschenko",
    // Ukrainian ц: the German z for the English ts.
    "Kravets": "Krawez", "Shvets": "Schwez",
  ]
  static let nationalities = ["SYR", "AFG", "IRQ", "ERI", "IRN", "SOM", "NGA", "TUR", "UKR", "GMB"]
  /// Nationalities whose names carry the grandfather's (see `TruePerson.grandfather`).
  static let withGrandfather: Set<String> = ["ERI", "SOM"]
  static let nationalityDE = [
    "SYR": "syrisch", "AFG": "afghanisch", "IRQ": "irakisch", "ERI": "eritreisch", "IRN": "iranisch",
    "SOM": "somalisch", "NGA": "nigerianisch", "TUR": "türkisch", "UKR": "ukrainisch", "GMB": "gambisch",
    "XXX": "ungeklärt",
  ]
  /// The Destatis key (Staats- und Gebietssystematik) of each, as registration software writes it.
  static let nationalityDestatis = [
    "SYR": "475", "AFG": "423", "IRQ": "438", "ERI": "224", "IRN": "439", "SOM": "273", "NGA": "232",
    "TUR": "163", "UKR": "166", "GMB": "237", "XXX": "998",
  ]
  static let nationalityEN = [
    "SYR": "Syrian", "AFG": "Afghan", "IRQ": "Iraqi", "ERI": "Eritrean", "IRN": "Iranian", "SOM": "Somali",
    "NGA": "Nigerian", "TUR": "Turkish", "UKR": "Ukrainian", "GMB": "Gambian", "XXX": "unknown",
  ]
  static let languages = ["A1", "A2", "A2.1", "B1", "B1 (DTZ)", "Niveau B2", "C1", "keine", ""]
}

extension TruePerson {
  /// A twelve-digit AZR number; about one in ten begins with a zero.
  static func azr(_ rng: inout SeededRandom) -> String {
    let n = String(Int.random(in: 0...999_999_999_999, using: &rng))
    return String(repeating: "0", count: 12 - n.count) + n
  }

  static func invent(id: Int, rng: inout SeededRandom) -> TruePerson {
    let male = rng.chance(0.55)
    let placeholder = rng.chance(0.12)
    if rng.chance(0.04) {
      var one = TruePerson(
        id: id, given: NamePool.given(male: male, rng: &rng), family: "", male: male,
        year: Int.random(in: 1958...2008, using: &rng),
        month: placeholder ? 1 : Int.random(in: 1...12, using: &rng),
        day: placeholder ? 1 : Int.random(in: 1...28, using: &rng), nationality: rng.pick(["AFG", "ERI", "SOM"]),
        azr: rng.chance(0.5) ? Self.azr(&rng) : "",
        language: rng.pick(Names.languages), schoolYears: Int.random(in: 0...14, using: &rng))
      one.oneName = true
      return one
    }
    let family = NamePool.family(rng: &rng)
    // Names go with where people come from: 80% hold the nationality their family name's
    // origin suggests (the agreement of both then says little more than the names do), and
    // most given names are of that nationality too (see `NamePool.given(male:origin:rng:)`).
    let origin = NamePool.origins(of: family)
    let nationality = !origin.isEmpty && rng.chance(0.8) ? rng.pick(origin) : rng.pick(Names.nationalities)
    var given = NamePool.given(male: male, origin: nationality, rng: &rng)
    if rng.chance(0.2) { given += " " + NamePool.given(male: male, origin: nationality, rng: &rng) }
    var person = TruePerson(
      id: id, given: given, family: family, male: male,
      year: Int.random(in: 1958...2008, using: &rng),
      month: placeholder ? 1 : Int.random(in: 1...12, using: &rng),
      day: placeholder ? 1 : Int.random(in: 1...28, using: &rng),
      nationality: nationality,
      azr: rng.chance(0.5) ? Self.azr(&rng) : "",
      language: rng.pick(Names.languages), schoolYears: Int.random(in: 0...14, using: &rng))
    if Names.withGrandfather.contains(nationality) {
      person.grandfather = NamePool.given(male: true, origin: nationality, rng: &rng)
    }
    return person
  }

  /// Someone else with this person's name, sex, nationality and year of birth but another
  /// complete date and their own number: in a large caseload common names meet, and a date
  /// of birth or an AZR number is what tells such people apart.
  func namesake(id: Int, rng: inout SeededRandom) -> TruePerson {
    var q = TruePerson.invent(id: id, rng: &rng)
    (q.given, q.family, q.male, q.nationality, q.oneName) = (given, family, male, nationality, oneName)
    // A grandfather's name goes with the nationality taken over (Eritrean and Somali names),
    // not with the one the namesake was first invented with: another father's father.
    if Names.withGrandfather.contains(nationality) && !oneName {
      if q.grandfather.isEmpty { q.grandfather = NamePool.given(male: true, origin: nationality, rng: &rng) }
    } else {
      q.grandfather = ""
    }
    q.year = year
    if month == 1 && day == 1 {
      // A placeholder date shared by two people: nothing but the year to tell them apart.
      (q.month, q.day) = (1, 1)
    } else {
      repeat {
        (q.month, q.day) = (Int.random(in: 1...12, using: &rng), Int.random(in: 1...28, using: &rng))
      } while q.month == month && q.day == day
    }
    return q
  }

  /// Placeholders offices write for a family name they do not have.
  static let missingFamily = ["-", "", "--", "NN", "unbekannt", "k.A.", "XXX"]

  /// The record as written: a one-name person's name in one of the forms offices use, one of
  /// two given names left out, and the AZR number left out (30% of records), or with one
  /// digit wrong (2% of those written).
  func asWritten(rng: inout SeededRandom) -> TruePerson {
    var q = self
    if oneName {
      let name = given.isEmpty ? family : given
      let form = Double.random(in: 0..<1, using: &rng)
      if form < 0.3 {
        // One office in ten that enters the one name twice spells it otherwise the second
        // time (Warsame / Warsamee).
        (q.family, q.given) = (name, rng.chance(0.1) ? NamePool.transliterate(name, rng: &rng) : name)
      } else if form < 0.6 {
        (q.family, q.given) = (rng.pick(Self.missingFamily), name)
      } else if form < 0.85 {
        (q.family, q.given) = (name, "")
      } else {
        (q.family, q.given) = (name, "-")
      }
    }
    // The grandfather's name as family name and the father's among the given names (15% of
    // an Eritrean or Somali person's records): Tesfay / Yonas written Gebremedhin / Yonas Tesfay.
    if !grandfather.isEmpty && !oneName && rng.chance(0.15) {
      (q.family, q.given) = (grandfather, given + " " + family)
    }
    // Two given names, and an office that wrote only one of them (15% of records): the
    // first, or the name the person is called by (Mohammad Reza / Reza).
    let words = q.given.split(separator: " ")
    if !oneName && words.count > 1 && rng.chance(0.15) {
      q.given = String(rng.chance(0.7) ? words[0] : words[words.count - 1])
    }
    if !azr.isEmpty {
      if rng.chance(0.3) {
        q.azr = ""
      } else if rng.chance(0.02) {
        var digits = Array(azr)
        let i = Int.random(in: 0..<digits.count, using: &rng)
        let old = digits[i]
        repeat { digits[i] = Character(String(Int.random(in: 0...9, using: &rng))) } while digits[i] == old
        q.azr = String(digits)
      }
    }
    // A nationality the office left unresolved ("ungeklärt", Destatis 998) in 1% of records:
    // missing to the linkage, not a value that disagrees with the person's other records.
    if rng.chance(0.01) { q.nationality = "XXX" }
    return q
  }

  /// The person as written down with `variant`.
  func written(_ variant: Variant, rng: inout SeededRandom) -> TruePerson {
    var q = self
    switch variant {
    case .same: break
    case .transliterated:
      q.given = given.split(separator: " ").map { Names.variants[String($0)] ?? String($0) }.joined(separator: " ")
      q.family = Names.variants[family] ?? NamePool.transliterate(family, rng: &rng)
      if q.given == given && q.family == family { q.family = family.uppercased() }
    case .swapped:
      q.given = family
      q.family = given
    case .swappedTransliterated:
      q = written(.transliterated, rng: &rng)
      // A third of them with a slip of the keys too, which may change the name's sound-alike
      // code (Kapanadze / Kapandaze): then the two names' codes no longer form one set, and
      // only the other name's code with this one's first and last letters finds the pair.
      if rng.chance(1.0 / 3) { q.family = Self.lettersSwapped(q.family, rng: &rng) }
      (q.given, q.family) = (q.family, q.given)
    case .placeholderDate:
      q.month = 1
      q.day = 1
    case .dayMonthSwapped:
      if day <= 12 && day != month { (q.day, q.month) = (month, day) } else { q.day = day == 28 ? 27 : day + 1 }
    case .typo:
      if !(month == 1 && day == 1) && rng.chance(0.5) {
        (q.year, q.month, q.day) = dateTypo(rng: &rng)
      } else if !oneName && given.count > 3 && rng.chance(0.4) {
        q.given = Self.lettersSwapped(given, rng: &rng)
      } else {
        q.family = Self.lettersSwapped(family, rng: &rng)
      }
    }
    return q
  }

  /// Two neighbouring letters of a name swapped (not the first), as fast typing does.
  static func lettersSwapped(_ name: String, rng: inout SeededRandom) -> String {
    var letters = Array(name)
    guard letters.count > 3 else { return name }
    let i = Int.random(in: 1..<(letters.count - 1), using: &rng)
    letters.swapAt(i, i + 1)
    return String(letters)
  }

  /// The date of birth with one digit keyed wrong: in the day, the month or the last two
  /// digits of the year (1986 / 1968 is a swap, 1989 / 1980 a wrong digit), always a valid
  /// date. Only for a complete date (a placeholder's slip goes to the name).
  func dateTypo(rng: inout SeededRandom) -> (year: Int, month: Int, day: Int) {
    for _ in 0..<20 {
      var (y, m, d) = (year, month, day)
      let digit = Int.random(in: 0...9, using: &rng)
      switch Int.random(in: 0...5, using: &rng) {
      case 0: d = digit * 10 + d % 10
      case 1: d = d / 10 * 10 + digit
      case 2: m = digit * 10 + m % 10
      case 3: m = m / 10 * 10 + digit
      case 4: y = y / 100 * 100 + digit * 10 + y % 10
      default: y = y / 10 * 10 + digit
      }
      if (y, m, d) != (year, month, day) && (1...28).contains(d) && (1...12).contains(m) && (1950...2010).contains(y) {
        return (y, m, d)
      }
    }
    return (year, month, day == 28 ? 27 : day + 1)
  }
}
