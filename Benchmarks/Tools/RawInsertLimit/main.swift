import Foundation
import PaktLoad

// The raw SQLite insert limit for the end-to-end benchmark: copies the rows a warehouse holds
// into a fresh one through one minimal prepared-statement loop per table and prints
// `rows seconds`. Run by Benchmarks/scripts/end-to-end.sh:
//   swift run -c release --package-path Benchmarks RawInsertLimit WAREHOUSE SCRATCH
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
  FileHandle.standardError.write(Data("usage: RawInsertLimit WAREHOUSE SCRATCH\n".utf8))
  exit(2)
}
let raw = try RawLimit.measure(warehouse: arguments[1], scratch: arguments[2])
print(raw.rows, raw.seconds)
