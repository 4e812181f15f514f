internal import CLibXML2

/// A minimal pull parser over libxml2's reader with pakt's safe options, for the XML of
/// workbooks (an .xlsx's parts, an .ods's content, an Excel 2003 XML spreadsheet).
final class XMLEvents {
  enum Kind { case start, end, text, other }
  private let reader: xmlTextReaderPtr
  private(set) var kind: Kind = .other
  private(set) var name = ""
  private(set) var isEmpty = false

  /// What the file is, for messages: "a part of the workbook", "the spreadsheet".
  private let what: String

  init(path: String, what: String = "a part of the workbook") throws {
    self.what = what
    guard let r = xmlReaderForFile(path, nil, XMLReader.safeOptions) else {
      throw ExtractError.unreadable("cannot open \(what)", fix: "save the workbook again in Excel")
    }
    reader = r
    xmlTextReaderSetStructuredErrorHandler(reader, { _, _ in }, nil)
  }

  deinit { xmlFreeTextReader(reader) }

  /// Advances; false at the end. Throws for a part that is not well-formed.
  func next() throws -> Bool {
    let status = xmlTextReaderRead(reader)
    if status == 0 { return false }
    if status < 0 {
      throw ExtractError.unreadable(
        "\(what) is not well-formed XML", fix: "open and save the workbook again in Excel")
    }
    switch xmlTextReaderNodeType(reader) {
    case 1:
      kind = .start
      isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
    case 15: kind = .end
    case 3, 4, 14: kind = .text
    default: kind = .other
    }
    name = kind == .text ? "" : (xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? "")
    return true
  }

  /// An attribute of the current start element, by local name.
  func attribute(_ local: String) -> String? {
    guard xmlTextReaderHasAttributes(reader) == 1 else { return nil }
    defer { xmlTextReaderMoveToElement(reader) }
    while xmlTextReaderMoveToNextAttribute(reader) == 1 {
      if let n = xmlTextReaderConstLocalName(reader), String(cString: n) == local {
        return xmlTextReaderConstValue(reader).map { String(cString: $0) }
      }
    }
    return nil
  }

  /// The text of the current text node.
  var text: String { xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? "" }
}
