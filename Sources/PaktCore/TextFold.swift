/// Text folding shared by header recognition, value maps, program matching and linking.
public enum TextFold {
  /// Lower-case ASCII with German umlauts spelled out (ä → ae, ß → ss), other diacritics
  /// dropped, punctuation turned into single spaces.
  ///
  /// ```swift
  /// TextFold.fold("Staatsangehörigkeit")   // "staatsangehoerigkeit"
  /// TextFold.fold("Geb.-Datum")            // "geb datum"
  /// ```
  public static func fold(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    var pendingSpace = false
    for scalar in text.unicodeScalars {
      let mapped = foldScalar(scalar)
      if mapped.isEmpty {
        pendingSpace = !out.isEmpty
        continue
      }
      if pendingSpace {
        out.append(" ")
        pendingSpace = false
      }
      out.append(mapped)
    }
    return out
  }

  /// An identifier as compared and stored: letters and digits only, upper-cased
  /// ("123 456-78" → "12345678", "ab/12 c" → "AB12C"). The mapper stores AZR and BAMF numbers
  /// this way and the linker compares identifiers and postcodes this way.
  ///
  /// ```swift
  /// TextFold.identifier("123 456-78")  // "12345678"
  /// ```
  public static func identifier(_ raw: String) -> String {
    // ASCII on bytes: Unicode letter properties per character were a visible part of mapping.
    var ascii: [UInt8] = []
    ascii.reserveCapacity(raw.utf8.count)
    for b in raw.utf8 {
      switch b {
      case 0x30...0x39, 0x41...0x5A: ascii.append(b)
      case 0x61...0x7A: ascii.append(b - 32)
      case 0x80...: return String(raw.uppercased().filter { $0.isLetter || $0.isNumber })
      default: break
      }
    }
    return String(decoding: ascii, as: UTF8.self)
  }

  /// The folded text without any spaces ("Geb.-Datum" → "gebdatum").
  public static func compact(_ text: String) -> String {
    fold(text).replacingOccurrences(of: " ", with: "")
  }

  /// Folded words.
  public static func tokens(_ text: String) -> [String] {
    fold(text).split(separator: " ").map(String.init)
  }

  // Table of what each letter folds to; everything not a letter or digit folds to "" (a separator).
  static func foldScalar(_ s: Unicode.Scalar) -> String {
    switch s.value {
    case 0x30...0x39, 0x61...0x7A: return String(s)
    case 0x41...0x5A: return String(Unicode.Scalar(s.value + 32)!)
    default: break
    }
    switch s {
    case "ä", "Ä", "æ", "Æ": return "ae"
    case "ö", "Ö", "ø", "Ø", "œ", "Œ": return "oe"
    case "ü", "Ü": return "ue"
    case "ß", "ẞ": return "ss"
    case "à", "á", "â", "ã", "å", "ā", "ă", "ą", "À", "Á", "Â", "Ã", "Å", "Ā": return "a"
    case "ç", "ć", "č", "Ç", "Ć", "Č": return "c"
    case "ď", "đ", "Ď", "Đ": return "d"
    case "è", "é", "ê", "ë", "ē", "ė", "ę", "ě", "È", "É", "Ê", "Ë", "Ē", "Ě": return "e"
    case "ğ", "Ğ": return "g"
    case "ì", "í", "î", "ï", "ī", "ı", "İ", "Ì", "Í", "Î", "Ï", "Ī": return "i"
    case "ł", "Ł": return "l"
    case "ñ", "ń", "ň", "Ñ", "Ń", "Ň": return "n"
    case "ò", "ó", "ô", "õ", "ō", "ő", "Ò", "Ó", "Ô", "Õ", "Ō", "Ő": return "o"
    case "ř", "Ř": return "r"
    case "ś", "š", "ş", "ș", "Ś", "Š", "Ş", "Ș": return "s"
    case "ť", "ţ", "ț", "Ť", "Ţ", "Ț": return "t"
    case "ù", "ú", "û", "ū", "ů", "ű", "Ù", "Ú", "Û", "Ū", "Ů", "Ű": return "u"
    case "ý", "ÿ", "Ý": return "y"
    case "ź", "ż", "ž", "Ź", "Ż", "Ž": return "z"
    default:
      // Other letters (Arabic, Cyrillic, …) are kept as they are, lower-cased.
      if s.properties.isAlphabetic { return String(s).lowercased() }
      return ""
    }
  }
}

extension String {
  /// Without leading and trailing white space (spaces, tabs, line breaks, non-breaking spaces).
  ///
  /// ```swift
  /// "\u{00A0} Ulm \t".trimmingWhitespace()  // "Ulm"
  /// ```
  public func trimmingWhitespace() -> String {
    // Most values start and end with a visible ASCII character: then no Unicode property
    // lookup and no copy (the lookups were a tenth of mapping a 300,000-person corpus, perf).
    // The ends read through the contiguous bytes: `utf8.last` walked a generic index (perf).
    let ends = utf8.withContiguousStorageIfAvailable { ($0.first, $0.last) } ?? (utf8.first, utf8.last)
    if let first = ends.0, let last = ends.1, first > 0x20, first < 0x7F, last > 0x20, last < 0x7F {
      return self
    }
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
    let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
    return String(scalars[first...last])
  }
}
