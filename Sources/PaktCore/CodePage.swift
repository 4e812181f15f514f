/// What the single-byte code pages offices export in hold beyond ASCII, shared by the readers
/// (`TextEncoding`), the sample writer and linking (a name whose letters a code page lacked).
public enum CodePage {
  /// Windows-1252 0x80–0x9F to Unicode; 0 marks the five undefined bytes. (0xA0–0xFF are
  /// Latin-1's, the scalars of the same value.)
  public static let windows1252High: [UInt32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E,
    0x0178,
  ]
}
