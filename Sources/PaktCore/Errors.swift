/// An error meant for a person: where it happened, what is wrong and what to do.
///
/// Every error that reaches the command line is one of these, so the operator
/// sees one clear message and the command exits with the right code.
///
/// ```swift
/// throw PaktError.config(file: "pipeline.yml", line: 4, "unknown key 'sorces'", fix: "did you mean 'sources'?")
/// ```
public struct PaktError: Error, CustomStringConvertible, Sendable, Equatable {
  public enum Kind: String, Sendable, Codable {
    /// A bad pipeline.yml, mapping or catalogue: nothing was written (exit code 2).
    case configuration
    /// A run failed after it started: the warehouse is unchanged (exit code 3).
    case failed
  }
  public var kind: Kind
  public var file: String?
  public var line: Int?
  public var message: String
  public var fix: String?

  public init(kind: Kind, file: String? = nil, line: Int? = nil, _ message: String, fix: String? = nil) {
    self.kind = kind
    self.file = file
    self.line = line
    self.message = message
    self.fix = fix
  }

  /// A configuration problem in `file` at `line`.
  public static func config(file: String?, line: Int?, _ message: String, fix: String? = nil) -> PaktError {
    PaktError(kind: .configuration, file: file, line: line, message, fix: fix)
  }

  /// A failure during a run.
  public static func failed(file: String? = nil, line: Int? = nil, _ message: String, fix: String? = nil)
    -> PaktError
  {
    PaktError(kind: .failed, file: file, line: line, message, fix: fix)
  }

  public var description: String {
    var place = ""
    if let file {
      place = file
      if let line { place += ":\(line)" }
      place += ": "
    }
    var text = "\(place)\(message)"
    if let fix { text += "\n  fix: \(fix)" }
    return text
  }
}
