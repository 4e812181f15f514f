import PaktCore

/// Reads a nationality into ISO 3166-1 alpha-3: German and English country names, German
/// and English adjectives ("syrisch", "Syrian"), alpha-2 and alpha-3 codes, and the three-digit
/// key of the Federal Statistical Office's "Staats- und Gebietssystematik" that German
/// registration and foreigners' authority software writes ("475" for Syria); "staatenlos" /
/// "stateless" become XXA and "ungeklärt" / "unknown" XXX (ICAO 9303 codes).
///
/// ```swift
/// NationalityNormalizer.parse("syrisch")   // .value("SYR")
/// NationalityNormalizer.parse("AF")        // .value("AFG")
/// NationalityNormalizer.parse("423")       // .value("AFG")
/// ```
public enum NationalityNormalizer {
  /// alpha-3, alpha-2, then names and adjectives (German and English), all folded when looked up.
  static let countries: [(String, String, [String])] = [
    ("SYR", "SY", ["Syrien", "Syrisch", "Syria", "Syrian", "Arabische Republik Syrien"]),
    ("AFG", "AF", ["Afghanistan", "Afghanisch", "Afghan"]),
    ("IRQ", "IQ", ["Irak", "Irakisch", "Iraq", "Iraqi"]),
    ("IRN", "IR", ["Iran", "Iranisch", "Iranian", "Islamische Republik Iran", "Persisch"]),
    ("ERI", "ER", ["Eritrea", "Eritreisch", "Eritrean"]),
    ("SOM", "SO", ["Somalia", "Somalisch", "Somali", "Somalian"]),
    ("NGA", "NG", ["Nigeria", "Nigerianisch", "Nigerian"]),
    ("TUR", "TR", ["Türkei", "Türkisch", "Turkey", "Türkiye", "Turkish"]),
    ("UKR", "UA", ["Ukraine", "Ukrainisch", "Ukrainian"]),
    ("GMB", "GM", ["Gambia", "Gambisch", "Gambian"]),
    ("PAK", "PK", ["Pakistan", "Pakistanisch", "Pakistani"]),
    ("GEO", "GE", ["Georgien", "Georgisch", "Georgia", "Georgian"]),
    ("RUS", "RU", ["Russland", "Russische Föderation", "Russisch", "Russia", "Russian Federation", "Russian"]),
    ("ALB", "AL", ["Albanien", "Albanisch", "Albania", "Albanian"]),
    ("XKX", "XK", ["Kosovo", "Kosovarisch", "Kosovar"]),
    ("SRB", "RS", ["Serbien", "Serbisch", "Serbia", "Serbian"]),
    ("MKD", "MK", ["Nordmazedonien", "Mazedonien", "Mazedonisch", "North Macedonia", "Macedonian"]),
    ("BIH", "BA", ["Bosnien und Herzegowina", "Bosnien", "Bosnisch", "Bosnia and Herzegovina", "Bosnian"]),
    ("ETH", "ET", ["Äthiopien", "Äthiopisch", "Ethiopia", "Ethiopian"]),
    ("GIN", "GN", ["Guinea", "Guineisch", "Guinean"]),
    ("CMR", "CM", ["Kamerun", "Kamerunisch", "Cameroon", "Cameroonian"]),
    ("DZA", "DZ", ["Algerien", "Algerisch", "Algeria", "Algerian"]),
    ("MAR", "MA", ["Marokko", "Marokkanisch", "Morocco", "Moroccan"]),
    ("TUN", "TN", ["Tunesien", "Tunesisch", "Tunisia", "Tunisian"]),
    ("EGY", "EG", ["Ägypten", "Ägyptisch", "Egypt", "Egyptian"]),
    ("LBY", "LY", ["Libyen", "Libysch", "Libya", "Libyan"]),
    ("LBN", "LB", ["Libanon", "Libanesisch", "Lebanon", "Lebanese"]),
    ("PSE", "PS", ["Palästina", "Palästinensisch", "Palestine", "Palestinian", "Palästinensische Gebiete"]),
    ("JOR", "JO", ["Jordanien", "Jordanisch", "Jordan", "Jordanian"]),
    ("YEM", "YE", ["Jemen", "Jemenitisch", "Yemen", "Yemeni"]),
    ("SDN", "SD", ["Sudan", "Sudanesisch", "Sudanese"]),
    ("SSD", "SS", ["Südsudan", "Südsudanesisch", "South Sudan", "South Sudanese"]),
    ("SAU", "SA", ["Saudi-Arabien", "Saudi-arabisch", "Saudi Arabia", "Saudi"]),
    ("KWT", "KW", ["Kuwait", "Kuwaitisch", "Kuwaiti"]),
    ("VEN", "VE", ["Venezuela", "Venezolanisch", "Venezuelan"]),
    ("COL", "CO", ["Kolumbien", "Kolumbianisch", "Colombia", "Colombian"]),
    ("LKA", "LK", ["Sri Lanka", "Sri-lankisch", "Sri Lankan"]),
    ("IND", "IN", ["Indien", "Indisch", "India", "Indian"]),
    ("BGD", "BD", ["Bangladesch", "Bangladeschisch", "Bangladesh", "Bangladeshi"]),
    ("AZE", "AZ", ["Aserbaidschan", "Aserbaidschanisch", "Azerbaijan", "Azerbaijani"]),
    ("ARM", "AM", ["Armenien", "Armenisch", "Armenia", "Armenian"]),
    ("MDA", "MD", ["Moldau", "Moldawien", "Moldauisch", "Moldova", "Moldovan"]),
    ("BLR", "BY", ["Belarus", "Weißrussland", "Belarussisch", "Belarusian"]),
    ("VNM", "VN", ["Vietnam", "Vietnamesisch", "Viet Nam", "Vietnamese"]),
    ("CHN", "CN", ["China", "Chinesisch", "Chinese"]),
    ("GHA", "GH", ["Ghana", "Ghanaisch", "Ghanaian"]),
    ("SEN", "SN", ["Senegal", "Senegalesisch", "Senegalese"]),
    ("MLI", "ML", ["Mali", "Malisch", "Malian"]),
    ("CIV", "CI", ["Elfenbeinküste", "Côte d'Ivoire", "Ivorisch", "Ivory Coast", "Ivorian"]),
    (
      "COD", "CD",
      ["Kongo, Demokratische Republik", "DR Kongo", "Demokratische Republik Kongo", "DR Congo", "Congolese"]
    ),
    ("COG", "CG", ["Kongo", "Republik Kongo", "Congo", "Republic of the Congo"]),
    ("BFA", "BF", ["Burkina Faso", "Burkinisch", "Burkinabe"]),
    ("SLE", "SL", ["Sierra Leone", "Sierra-leonisch", "Sierra Leonean"]),
    ("KEN", "KE", ["Kenia", "Kenianisch", "Kenya", "Kenyan"]),
    ("DEU", "DE", ["Deutschland", "Deutsch", "Germany", "German", "BRD", "Bundesrepublik Deutschland"]),
    ("AUT", "AT", ["Österreich", "Österreichisch", "Austria", "Austrian"]),
    ("ITA", "IT", ["Italien", "Italienisch", "Italy", "Italian"]),
    ("FRA", "FR", ["Frankreich", "Französisch", "France", "French"]),
    ("GRC", "GR", ["Griechenland", "Griechisch", "Greece", "Greek"]),
    ("POL", "PL", ["Polen", "Polnisch", "Poland", "Polish"]),
    ("ROU", "RO", ["Rumänien", "Rumänisch", "Romania", "Romanian"]),
    ("BGR", "BG", ["Bulgarien", "Bulgarisch", "Bulgaria", "Bulgarian"]),
    ("HRV", "HR", ["Kroatien", "Kroatisch", "Croatia", "Croatian"]),
    ("MNE", "ME", ["Montenegro", "Montenegrinisch", "Montenegrin"]),
    ("XXA", "", ["staatenlos", "stateless", "ohne Staatsangehörigkeit"]),
    (
      "XXX", "",
      ["ungeklärt", "unbekannt", "unknown", "ungeklaert", "ungeklärte Staatsangehörigkeit", "k.A.", "keine Angabe"]
    ),
  ]

  /// The Destatis key (Staats- und Gebietssystematik, list of nationalities) of each country
  /// above: the first digit is the continent (1 Europe, 2 Africa, 3 the Americas, 4 Asia, 5
  /// Oceania), 000 is German, 997 stateless, 998 unresolved and 999 not stated. Three-digit
  /// ISO 3166-1 numeric codes are another list (760 is Syria there, 232 Eritrea, which is
  /// Nigeria here): an export that writes those needs a value map in its mapping file, and a
  /// CSV file where a fifth of the sampled numbers cannot be a Destatis key has none read as one.
  static let destatis: [String: String] = [
    "475": "SYR", "423": "AFG", "438": "IRQ", "439": "IRN", "224": "ERI", "273": "SOM", "232": "NGA",
    "163": "TUR", "166": "UKR", "237": "GMB", "461": "PAK", "430": "GEO", "160": "RUS", "121": "ALB",
    "150": "XKX", "170": "SRB", "133": "SRB", "144": "MKD", "122": "BIH", "225": "ETH", "261": "GIN",
    "262": "CMR", "221": "DZA", "252": "MAR", "285": "TUN", "287": "EGY", "248": "LBY", "451": "LBN",
    "445": "JOR", "421": "YEM", "277": "SDN", "276": "SDN", "278": "SSD", "472": "SAU", "448": "KWT",
    "367": "VEN", "349": "COL", "431": "LKA", "436": "IND", "460": "BGD", "425": "AZE", "422": "ARM",
    "146": "MDA", "169": "BLR", "432": "VNM", "479": "CHN", "238": "GHA", "269": "SEN", "251": "MLI",
    "231": "CIV", "246": "COD", "245": "COG", "258": "BFA", "272": "SLE", "243": "KEN", "000": "DEU",
    "151": "AUT", "137": "ITA", "129": "FRA", "134": "GRC", "152": "POL", "154": "ROU", "125": "BGR",
    "130": "HRV", "140": "MNE", "997": "XXA", "998": "XXX", "999": "XXX",
  ]

  /// Names as the countries' own people write them in Latin letters (and a few in their
  /// scripts), as offices receive them from passports and self-reports.
  static let endonyms: [String: [String]] = [
    "SYR": ["Suriya", "Souria", "Sūriyā", "سوريا", "سورية"],
    "IRQ": ["Al-Iraq", "Iraq", "العراق", "Êraq"],
    "AFG": ["Afghanestan", "Afghānistān", "افغانستان", "أفغانستان"],
    "IRN": ["Īrān", "ایران", "إيران"],
    "ERI": ["Ertra", "Iritriya", "ኤርትራ"],
    "SOM": ["Soomaaliya", "Soomaali", "الصومال"],
    "ETH": ["Ityop'iya", "Ityopiya", "ኢትዮጵያ"],
    "UKR": ["Ukrajina", "Ukraina", "Україна"],
    "RUS": ["Rossiya", "Rossija", "Россия"],
    "ALB": ["Shqipëri", "Shqiperia", "Shqipëria"],
    "GEO": ["Sakartvelo", "საქართველო"],
    "EGY": ["Misr", "Masr", "مصر"],
    "LBN": ["Lubnan", "لبنان"],
    "JOR": ["Al-Urdun", "الأردن"],
    "PSE": ["Filastin", "فلسطين"],
    "YEM": ["Al-Yaman", "اليمن"],
    "SDN": ["As-Sudan", "السودان"],
    "MAR": ["Al-Maghrib", "المغرب"],
    "TUN": ["Tunis", "Tounes", "تونس"],
    "DZA": ["Al-Jazair", "Dzayer", "الجزائر"],
    "LBY": ["Libiya", "ليبيا"],
    "ARM": ["Hayastan", "Հայաստան"],
    "AZE": ["Azərbaycan", "Azerbaycan"],
    "SRB": ["Srbija", "Србија"],
    "XKX": ["Kosova"],
    "BIH": ["Bosna i Hercegovina", "Bosna"],
    "MKD": ["Severna Makedonija", "Makedonija"],
    "HRV": ["Hrvatska"],
    "MNE": ["Crna Gora"],
    "POL": ["Polska"],
    "IND": ["Bharat"],
    "CHN": ["Zhongguo"],
    "TUR": ["Türkiye Cumhuriyeti"],
  ]

  /// Words of official long forms ("Syrien, Arabische Republik", "Islamic Republic of Iran"):
  /// dropped when the whole text is not known, so that the country's name is left.
  static let stateWords: Set<String> = [
    "republik", "arabische", "islamische", "demokratische", "foederale", "foederative", "sozialistische",
    "vereinigte", "koenigreich", "staat", "bundesrepublik", "volksrepublik", "des", "der", "die", "von",
    "republic", "arab", "islamic", "democratic", "federal", "socialist", "united", "kingdom", "state", "of", "the",
    "peoples", "people", "s", "rep", "dem", "islam",
  ]

  static let lookup: [String: String] = {
    var map: [String: String] = [:]
    for (alpha3, alpha2, names) in countries {
      map[alpha3.lowercased()] = alpha3
      if !alpha2.isEmpty { map[alpha2.lowercased()] = alpha3 }
      for name in names + (endonyms[alpha3] ?? []) { map[TextFold.fold(name)] = alpha3 }
    }
    for (key, alpha3) in destatis { map[key] = alpha3 }
    return map
  }()

  /// With `destatisKeys` false, a three-digit number is no Destatis key: a column whose
  /// numbers are another list's (`RecordMapper.checkNationalityCodes`).
  public static func parse(_ raw: String, destatisKeys: Bool = true) -> Normalized<String> {
    let key = TextFold.fold(raw)
    if key.isEmpty { return .empty }
    if !destatisKeys, key.first?.isNumber == true { return .invalid }
    if let code = known(key) { return .value(code) }
    // A key with its name, as some programs list it: "475 Syrien", "423 - afghanisch".
    if let space = key.firstIndex(of: " "), let code = destatis[String(key[..<space])] {
      return .value(code)
    }
    // Official long and inverted forms: "Syrien, Arabische Republik", "Republik Irak",
    // "Iran (Islamische Republik)". The country's name is what is left without the words of
    // the state's form; "Kongo, Demokratische Republik" is listed whole, so it is found above.
    let words = key.split(separator: " ").filter { !stateWords.contains(String($0)) }
    if !words.isEmpty, words.count < key.split(separator: " ").count, let code = known(words.joined(separator: " ")) {
      return .value(code)
    }
    return .invalid
  }

  /// The code of a folded name, an adjective with a German ending ("syrische", "afghanischer",
  /// "irakischen") or a hyphenated article ("al iraq" → "iraq").
  static func known(_ key: String) -> String? {
    if let code = lookup[key] { return code }
    for ending in ["en", "er", "es", "e"] where key.hasSuffix(ending) {
      if let code = lookup[String(key.dropLast(ending.count))] { return code }
    }
    for article in ["al ", "el ", "as ", "ar "] where key.hasPrefix(article) {
      if let code = lookup[String(key.dropFirst(article.count))] { return code }
    }
    return nil
  }
}
