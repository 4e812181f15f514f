/// Family names with the spread a real caseload has: a few very common names (Mohammadi,
/// Ahmadi, Haddad …) that many unrelated people share, and a long tail. The tail is built the
/// way these names are formed: Arabic nisba and "Al-" forms, Persian -i and -zada, Pashtun
/// -zai and -khel, Tigrinya compounds (Gebre-, Tesfa-, Haile- …), Ukrainian -enko and -chuk,
/// Turkish compounds, and names made of syllables for what no list covers.
///
/// With only a short list, as before, 300,000 people shared 50 family names: 6,000 people per
/// name, tens of millions of candidate pairs, a benchmark of an unrealistic population.
enum NamePool {
  static let arabicRoots = [
    "Hassan", "Rahman", "Karim", "Rahim", "Nasr", "Salim", "Hamid", "Majid", "Jamil", "Khalil", "Aziz", "Habib",
    "Latif", "Hakim", "Qadir", "Wahid", "Rashid", "Sharif", "Nazir", "Bashir", "Amin", "Yasin", "Idris", "Younis",
    "Zaki", "Fadil", "Mansur", "Nuri", "Sabri", "Fathi", "Jabar", "Ghani", "Sadiq", "Tahir", "Wali", "Zaman",
    "Safi", "Hadi", "Mahdi", "Karam", "Shafiq", "Rauf", "Halim", "Jalil", "Nabil", "Adel", "Farouk", "Ghazi",
    "Hilal", "Kamal", "Munir", "Rafiq", "Said", "Tariq", "Walid", "Yahya", "Zuhair", "Anwar", "Samad", "Sattar",
    "Khatib", "Najjar", "Khayyat", "Sabbagh", "Attar", "Hallak", "Jazzar", "Halabi", "Homsi", "Masri", "Tikriti",
    "Baghdadi", "Shami", "Hourani", "Kurdi", "Zoubi", "Rifai", "Jabouri", "Dulaimi", "Obeidi", "Shammari",
    "Ansari", "Hashimi", "Qureshi", "Alawi", "Husseini", "Barakat", "Darwish", "Hamdan", "Suleiman", "Othman",
  ]
  static let persianRoots = [
    "Ahmad", "Mohammad", "Karim", "Rahim", "Hamid", "Rasul", "Amir", "Nasir", "Habib", "Rahman", "Sadiq", "Jawad",
    "Hakim", "Aziz", "Latif", "Noor", "Zaher", "Yusuf", "Haidar", "Sultan", "Khan", "Gul", "Shah", "Mir", "Baz",
    "Stanek", "Popal", "Barak", "Durran", "Safar", "Akbar", "Asghar", "Jalal", "Kabir", "Faiz", "Wahid", "Omar",
  ]
  static let tigrinyaHeads = ["Gebre", "Tesfa", "Haile", "Wolde", "Berhane", "Kidane", "Ghebre", "Tekle", "Araya"]
  static let tigrinyaTails = [
    "mariam", "medhin", "hiwet", "selassie", "yesus", "michael", "kidan", "giorgis", "mesqel", "tsion", "tensae",
  ]
  static let ukrainianRoots = [
    "Koval", "Bondar", "Tkach", "Shevch", "Melnyk", "Kravch", "Moroz", "Lysen", "Savch", "Pavl", "Petr", "Boyk",
    "Marchen", "Rudn", "Sydor", "Hrytsen", "Lytvyn", "Kuzm", "Tymosh", "Ostap", "Oliyn", "Kushn", "Zhuk", "Polish",
  ]
  static let ukrainianSuffixes = ["enko", "chuk", "iv", "yk", "uk", "ych", "ak"]
  static let turkishRoots = [
    "Kara", "Ak", "Demir", "Öz", "Yıldız", "Çelik", "Aydın", "Kılıç", "Arslan", "Doğan", "Şahin", "Kurt", "Koç",
    "Erdem", "Polat", "Tekin", "Güneş", "Korkmaz", "Aksoy", "Bulut",
  ]
  static let turkishSuffixes = ["", "oğlu", "kaya", "türk", "can", "er", "taş"]
  static let onsets = [
    "b", "d", "f", "gh", "h", "j", "k", "kh", "l", "m", "n", "q", "r", "s", "sh", "t", "w", "y", "z", "dh",
  ]
  static let vowels = ["a", "a", "i", "u", "o", "e", "aa", "ou"]
  static let codas = ["", "", "", "r", "n", "l", "m", "s", "d", "b"]

  /// The built tail (a few thousand names), in a fixed order.
  static let formed: [String] = {
    var names: [String] = []
    for r in arabicRoots {
      names += ["Al-" + r, r, "Abdul" + r.lowercased(), r + "i"]
    }
    for r in persianRoots {
      names += [r + "i", r + "zada", r + "zai", r + "khel", r + "yar"]
    }
    for h in tigrinyaHeads { for t in tigrinyaTails { names.append(h + t) } }
    for r in ukrainianRoots { for s in ukrainianSuffixes { names.append(r + s) } }
    for r in turkishRoots { for s in turkishSuffixes where !(s.isEmpty && r.count < 3) { names.append(r + s) } }
    var seen: Set<String> = []
    return names.filter { seen.insert($0).inserted }
  }()

  /// A family name: 25% one of the very common names, 45% a formed name (the earlier ones in
  /// the list more often), 30% a name of two or three syllables (about 200,000 possible).
  static func family(rng: inout SeededRandom) -> String {
    let draw = Double.random(in: 0..<1, using: &rng)
    if draw < 0.25 { return rng.pick(Names.family) }
    if draw < 0.70 {
      // A skewed rank: squaring a uniform draw favours the start of the list.
      let u = Double.random(in: 0..<1, using: &rng)
      return formed[min(formed.count - 1, Int(u * u * Double(formed.count)))]
    }
    var name = ""
    for _ in 0..<(rng.chance(0.6) ? 2 : 3) {
      name += rng.pick(onsets) + rng.pick(vowels)
    }
    name += rng.pick(codas)
    if rng.chance(0.3) { name += rng.pick(["i", "y", "zada", "awi"]) }
    return name.prefix(1).uppercased() + name.dropFirst()
  }

  /// Given names by nationality (male, female), the common ones first: a Syrian is far more
  /// often Khaled than Oleksandr, an Afghan woman Zahra than Fatou.
  static let givenByOrigin: [String: (male: [String], female: [String])] = {
    let persian = (
      male: [
        "Mohammad", "Ali", "Ahmad", "Reza", "Hossein", "Mahdi", "Sayed", "Javad", "Hamid", "Naser", "Sohrab",
        "Farid", "Wahid", "Rahmatullah", "Mustafa", "Amir", "Morteza", "Hassan", "Jawad", "Bashir",
      ],
      female: [
        "Zahra", "Fatemeh", "Maryam", "Masoumeh", "Zainab", "Roya", "Nilofar", "Mahsa", "Sahar", "Tahmina",
        "Fereshteh", "Shabnam", "Parwana", "Marzia", "Somayeh",
      ]
    )
    let arabic = (
      male: [
        "Mohammed", "Ahmad", "Omar", "Khaled", "Mahmoud", "Mustafa", "Ali", "Hussein", "Abdullah", "Yousef",
        "Ibrahim", "Hassan", "Bilal", "Samer", "Firas", "Haider", "Abbas",
      ],
      female: [
        "Fatima", "Aisha", "Maryam", "Noor", "Huda", "Rania", "Hala", "Lina", "Rasha", "Zainab", "Amal", "Layla",
        "Sara", "Dalia", "Reem",
      ]
    )
    return [
      "AFG": persian, "IRN": persian, "SYR": arabic, "IRQ": arabic,
      "ERI": (
        male: [
          "Yonas", "Filmon", "Tesfay", "Biniam", "Mehari", "Daniel", "Samuel", "Yohannes", "Tekle", "Habtom", "Kibrom",
          "Amanuel",
        ],
        female: [
          "Selam", "Helen", "Senait", "Saba", "Mebrat", "Freweyni", "Luwam", "Tsega", "Yordanos", "Rahel", "Winta",
        ]
      ),
      "SOM": (
        male: ["Abdirahman", "Abdullahi", "Mohamed", "Ahmed", "Hassan", "Ali", "Omar", "Abdi", "Yusuf", "Said"],
        female: ["Hodan", "Amina", "Fadumo", "Asha", "Hawa", "Sahra", "Ifrah", "Khadija", "Nasra"]
      ),
      "UKR": (
        male: ["Oleksandr", "Andrii", "Serhii", "Mykola", "Volodymyr", "Dmytro", "Ivan", "Yurii", "Vasyl", "Oleh"],
        female: ["Olena", "Tetiana", "Natalia", "Iryna", "Oksana", "Kateryna", "Yulia", "Daryna", "Svitlana", "Halyna"]
      ),
      "TUR": (
        male: ["Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "Emre", "Murat", "Yusuf"],
        female: ["Ayşe", "Fatma", "Zeynep", "Emine", "Hatice", "Elif", "Merve", "Meryem", "Büşra"]
      ),
      "NGA": (
        male: ["Chinedu", "Emeka", "Ifeanyi", "Oluwaseun", "Tunde", "Ibrahim", "Musa", "Samuel"],
        female: ["Blessing", "Chioma", "Ngozi", "Funmilayo", "Aisha", "Grace", "Adaeze"]
      ),
      "GMB": (
        male: ["Lamin", "Ousman", "Modou", "Ebrima", "Bakary", "Alieu", "Momodou", "Sainey"],
        female: ["Fatou", "Isatou", "Binta", "Mariama", "Awa", "Haddy", "Kaddy"]
      ),
    ]
  }()

  /// A given name for a person of nationality `origin`: 65% one of that nationality's (the
  /// common ones more often), else as `given(male:rng:)`. Why: given and family names go
  /// together through where people come from; drawn apart, two strangers sharing a family
  /// name shared a given name no more often than any two people, and a model that counted the
  /// two agreements as independent looked right here and was over-confident on a file
  /// generated apart from pakt (issue #21).
  static func given(male: Bool, origin: String, rng: inout SeededRandom) -> String {
    if let names = givenByOrigin[origin], rng.chance(0.65) {
      let list = male ? names.male : names.female
      let u = Double.random(in: 0..<1, using: &rng)
      return list[min(list.count - 1, Int(u * u * Double(list.count)))]
    }
    return given(male: male, rng: &rng)
  }

  /// A given name: 55% one of the common ones, 25% a name root used as a given name (Karim,
  /// Rasul, Tesfa …), 20% a name of syllables.
  static func given(male: Bool, rng: inout SeededRandom) -> String {
    let draw = Double.random(in: 0..<1, using: &rng)
    if draw < 0.55 { return rng.pick(male ? Names.givenMale : Names.givenFemale) }
    if draw < 0.80 {
      return male
        ? rng.pick(arabicRoots.prefix(60) + persianRoots.prefix(25) + tigrinyaHeads)
        : rng.pick([
          "Amal", "Basma", "Dunya", "Farah", "Ghada", "Hiba", "Iman", "Jamila", "Karima", "Lina", "Mona",
          "Nadia", "Rasha", "Salma", "Tahani", "Wafa", "Yara", "Zeina", "Roya", "Nilufar", "Mahsa", "Sahar", "Tahmina",
          "Freweyni", "Mebrat", "Tsega", "Luwam", "Daryna", "Kateryna", "Yulia", "Zeynep", "Merve", "Hawa", "Isatou",
        ])
    }
    var name = ""
    for _ in 0..<(rng.chance(0.7) ? 2 : 3) { name += rng.pick(onsets) + rng.pick(vowels) }
    name += rng.pick(codas)
    return name.prefix(1).uppercased() + name.dropFirst()
  }

  /// The nationalities a family name's origin suggests (empty: a name of syllables, any).
  static func origins(of family: String) -> [String] {
    if ukrainianRoots.contains(where: { family.hasPrefix($0) }) || family.hasSuffix("enko")
      || ["Kravets", "Shvets"].contains(family)
    {
      return ["UKR"]
    }
    if turkishRoots.contains(where: { family.hasPrefix($0) }) || ["Yilmaz", "Demir"].contains(family) {
      return ["TUR"]
    }
    if tigrinyaHeads.contains(where: { family.hasPrefix($0) }) || ["Haile", "Tekle", "Berhane"].contains(family) {
      return ["ERI"]
    }
    if ["zada", "zai", "khel", "yar"].contains(where: { family.hasSuffix($0) })
      || ["Popal", "Stanekzai"].contains(family)
    {
      return ["AFG", "IRN"]
    }
    if ["Okafor"].contains(family) { return ["NGA"] }
    if ["Jallow", "Ceesay"].contains(family) { return ["GMB"] }
    if ["Abdi", "Warsame", "Farah", "Abdullahi"].contains(family) { return ["SOM"] }
    if family.hasSuffix("i") && !family.hasPrefix("Al-") { return ["AFG", "IRN", "IRQ"] }
    if family.hasPrefix("Al-") || family.hasPrefix("El-") || family.hasPrefix("Abdul") || arabicRoots.contains(family) {
      return ["SYR", "IRQ"]
    }
    return []
  }

  /// How another office spells `name`: the first of the usual transliteration shifts that
  /// applies (kh/ch, sh/sch, j/dsch, ou/u, doubled letters, y/i, q/k, w/v, ts/z, the article), else
  /// the name in capitals.
  static func transliterate(_ name: String, rng: inout SeededRandom) -> String {
    let shifts: [(String, String)] = [
      ("Al-", rng.pick(["Al ", "Al", "El-"])), ("kh", "ch"), ("Kh", "Ch"), ("sh", "sch"), ("Sh", "Sch"), ("j", "dsch"),
      ("J", "Dsch"), ("ou", "u"), ("u", "ou"), ("ee", "i"), ("y", "i"), ("q", "k"), ("Q", "K"), ("w", "v"),
      ("W", "V"), ("zada", "zadeh"), ("enko", "enco"), ("ch", "tsch"), ("ts", "z"),
      // Turkish letters typed on a German keyboard, or spelled the English way (Şahin as
      // Sahin or Shahin, Kılıç as Kilic).
      ("Ş", rng.pick(["S", "Sh"])), ("ş", rng.pick(["s", "sh"])), ("ı", "i"), ("ğ", "g"), ("ç", "c"), ("Ç", "C"),
    ]
    let start = Int.random(in: 0..<shifts.count, using: &rng)
    for i in 0..<shifts.count {
      let (from, to) = shifts[(start + i) % shifts.count]
      if let range = name.range(of: from) { return name.replacingCharacters(in: range, with: to) }
    }
    // A doubled consonant written single, or a single one doubled.
    let letters = Array(name)
    for i in 1..<max(1, letters.count - 1) where letters[i] == letters[i + 1] && !"aeiou".contains(letters[i]) {
      return String(letters[..<i] + letters[(i + 1)...])
    }
    return name.uppercased()
  }
}
