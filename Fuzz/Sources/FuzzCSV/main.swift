import Foundation
import PaktExtract

#if canImport(Glibc)
  import Glibc
#endif

/// One scratch file per fuzzing process: the readers stream from files.
let scratch = NSTemporaryDirectory() + "pakt-fuzz-csv-\(getpid())"

/// Any bytes, read as CSV with detected dialect and encoding, must neither crash nor hang;
/// every record is a row with the header's number of fields or a malformed record.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  _ = FileManager.default.createFile(
    atPath: scratch, contents: data.map { Data(bytes: $0, count: size) } ?? Data())
  guard let file = try? OpenedFile(path: scratch, options: ReadOptions(format: .csv)) else { return 0 }
  var count = 0
  while let record = try? file.next() {
    count += 1
    if case .row(let row) = record, let header = file.layout.header, !header.isEmpty {
      precondition(row.fields.count == header.count, "a row reached the mapper with the wrong number of fields")
    }
  }
  precondition(count <= size + 1, "more records than bytes")
  return 0
}

// libFuzzer's driver (linked from libclang_rt.fuzzer_no_main by Fuzz/run).
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
  _ argc: UnsafeMutablePointer<Int32>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(runDriver(&argc, &argv) { fuzzOne($0, $1) })
