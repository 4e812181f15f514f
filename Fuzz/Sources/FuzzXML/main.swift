import Foundation
import PaktExtract

#if canImport(Glibc)
  import Glibc
#endif

let scratch = NSTemporaryDirectory() + "pakt-fuzz-xml-\(getpid())"

/// Any bytes, read as XML with detected record elements, must neither crash nor hang; a
/// malformed document ends in an `ExtractError`, never a trap.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  _ = FileManager.default.createFile(
    atPath: scratch, contents: data.map { Data(bytes: $0, count: size) } ?? Data())
  guard let file = try? OpenedFile(path: scratch, options: ReadOptions(format: .xml)) else { return 0 }
  do {
    while let record = try file.next() {
      if case .element(let e) = record { _ = e.element.render(limit: 200) }
    }
  } catch {
    _ = "\(error)"
  }
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
