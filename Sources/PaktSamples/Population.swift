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
}

/// How a municipality wrote a person down: as they are, or with a variant.
enum Variant: Sendable {
  case same
  case transliterated
  case swapped
  case placeholderDate
  case dayMonthSwapped
  case typo
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
    "Sharifi",
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
  ]
  static let nationalities = ["SYR", "AFG", "IRQ", "ERI", "IRN", "SOM", "NGA", "TUR", "UKR", "GMB"]
  static let nationalityDE = [
    "SYR": "syrisch", "AFG": "afghanisch", "IRQ": "irakisch", "ERI": "eritreisch", "IRN": "iranisch",
    "SOM": "somalisch", "NGA": "nigerianisch", "TUR": "türkisch", "UKR": "ukrainisch", "GMB": "gambisch",
  ]
  static let nationalityEN = [
    "SYR": "Syrian", "AFG": "Afghan", "IRQ": "Iraqi", "ERI": "Eritrean", "IRN": "Iranian", "SOM": "Somali",
    "NGA": "Nigerian", "TUR": "Turkish", "UKR": "Ukrainian", "GMB": "Gambian",
  ]
  static let languages = ["A1", "A2", "A2.1", "B1", "B1 (DTZ)", "Niveau B2", "C1", "keine", ""]
}

extension TruePerson {
  static func invent(id: Int, rng: inout SeededRandom) -> TruePerson {
    let male = rng.chance(0.55)
    var given = NamePool.given(male: male, rng: &rng)
    if rng.chance(0.2) { given += " " + NamePool.given(male: male, rng: &rng) }
    let placeholder = rng.chance(0.12)
    return TruePerson(
      id: id, given: given, family: NamePool.family(rng: &rng), male: male,
      year: Int.random(in: 1958...2008, using: &rng),
      month: placeholder ? 1 : Int.random(in: 1...12, using: &rng),
      day: placeholder ? 1 : Int.random(in: 1...28, using: &rng), nationality: rng.pick(Names.nationalities),
      azr: rng.chance(0.5) ? String(Int.random(in: 1_000_000_000...9_999_999_999, using: &rng)) : "",
      language: rng.pick(Names.languages), schoolYears: Int.random(in: 0...14, using: &rng))
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
    case .placeholderDate:
      q.month = 1
      q.day = 1
    case .dayMonthSwapped:
      if day <= 12 && day != month { (q.day, q.month) = (month, day) } else { q.day = day == 28 ? 27 : day + 1 }
    case .typo:
      var letters = Array(family)
      if letters.count > 3 {
        let i = Int.random(in: 1..<(letters.count - 1), using: &rng)
        letters.swapAt(i, i + 1)
      }
      q.family = String(letters)
    }
    return q
  }
}
