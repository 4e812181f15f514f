import Foundation

#if canImport(Glibc)
  import Glibc
#endif

// libFuzzer's driver (linked from libclang_rt.fuzzer_no_main by Fuzz/run).
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
  _ argc: UnsafeMutablePointer<Int32>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// Runs libFuzzer with `callback` as the target and exits with its status.
public func fuzzMain(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
  var argc = CommandLine.argc
  var argv = Optional(CommandLine.unsafeArgv)
  exit(runDriver(&argc, &argv, callback))
}

/// Writes the fuzzer's bytes to a scratch file of this process (pakt's readers stream from files).
public func scratchFile(_ name: String, _ data: UnsafePointer<UInt8>?, _ size: Int) -> String {
  let path = NSTemporaryDirectory() + "pakt-fuzz-\(name)-\(getpid())"
  _ = FileManager.default.createFile(atPath: path, contents: data.map { Data(bytes: $0, count: size) } ?? Data())
  return path
}
