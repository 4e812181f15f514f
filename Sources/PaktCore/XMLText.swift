/// Text made safe inside XML elements and quoted attributes: the one escaping that the
/// reports (`Escape.xml`, `Escape.html`), the generator's XML exports and `XLSXWriter` use.
///
/// ```swift
/// XMLText.escaped("Ayşe & Co", referencesAbove: 0xFF)  // "Ay&#351;e &amp; Co"
/// ```
public enum XMLText {
  /// `text` with `& < > " '` as entities and characters above `limit` as numeric references
  /// (`&#351;`), for XML written in a single-byte encoding.
  public static func escaped(_ text: String, referencesAbove limit: UInt32 = 0x10FFFF) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for ch in text.unicodeScalars {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default:
        if ch.value > limit { out += "&#\(ch.value);" } else { out.unicodeScalars.append(ch) }
      }
    }
    return out
  }
}
