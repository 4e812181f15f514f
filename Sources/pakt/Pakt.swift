import ArgumentParser
import Foundation
import Logging
import PaktCore

#if canImport(Glibc)
  import Glibc
#endif

/// The `pakt` command: one small type per subcommand, so `pakt --help` is the manual.
@main
struct Pakt: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pakt",
    abstract: "Import and standardise municipal integration records into one warehouse.",
    discussion: """
      Exit codes: 0 committed (or nothing to do); 1 committed, but --strict was given and there \
      were rejects or unmapped program names; 2 usage or configuration error, nothing written; \
      3 the run failed, the warehouse is unchanged; 4 committed, but not everything was taken: a \
      file was rejected as a whole, or a source's new delivery was held back (unreadable, empty or \
      shrunk beyond delivery_guard: max_shrink) and its previous delivery stays; 5 committed, but \
      the reports could not be written.
      """,
    subcommands: [
      RunCommand.self, MigrateCommand.self, InspectCommand.self, ExtractCommand.self, MappingsCommand.self,
      LinkCommand.self,
      EraseCommand.self, SamplesCommand.self,
    ],
    defaultSubcommand: nil
  )

  /// Parses, runs and maps every failure to the documented exit codes.
  static func main() {
    // Private by default: whatever pakt creates (warehouse, reports, key, scratch) is its
    // owner's alone.
    umask(0o077)
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as PaktError {
      FileHandle.standardError.write(Data("pakt: \(error)\n".utf8))
      Glibc.exit(error.kind == .configuration ? 2 : 3)
    } catch let code as ExitCode {
      Glibc.exit(code.rawValue)
    } catch {
      let exitCode = Self.exitCode(for: error)
      if exitCode == .success {
        Self.exit(withError: error)
      }
      // Usage errors: the parser's message and exit code 2, as for any configuration error.
      FileHandle.standardError.write(Data((Self.fullMessage(for: error) + "\n").utf8))
      Glibc.exit(exitCode == .validationFailure ? 2 : 3)
    }
  }
}

/// Options every command that logs shares.
struct LogOptions: ParsableArguments {
  @Flag(name: .shortAndLong, help: "Log progress to standard error (file names and counts only, never personal data).")
  var verbose = false

  func bootstrap() {
    let level: Logger.Level = verbose ? .info : .warning
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
  }
}
