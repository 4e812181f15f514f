import Foundation
import PaktExtract

// Reader throughput outside the benchmark harness (no malloc or runtime interposer): reads a
// file with the CSV or XML reader `runs` times and prints the best and median MB/s. A cross
// check for the ordo-one figures, whose interposers add a cost to every allocation:
//   swift run -c release --package-path Benchmarks ReaderThroughput FILE [RECORD-ELEMENT] [RUNS]
let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
  FileHandle.standardError.write(Data("usage: ReaderThroughput FILE [RECORD-ELEMENT] [RUNS]\n".utf8))
  exit(2)
}
let path = arguments[1]
let record = arguments.count > 2 && !arguments[2].isEmpty ? arguments[2] : nil
let runs = arguments.count > 3 ? Int(arguments[3]) ?? 7 : 7
let bytes = Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0)
var seconds: [Double] = []
var count = 0
for _ in 0..<runs {
  let start = DispatchTime.now().uptimeNanoseconds
  count = 0
  if let record {
    let reader = try XMLReader(path: path, records: [XMLPath(record)])
    while try reader.next() != nil { count += 1 }
  } else {
    var reader = try CSVReader(path: path)
    while let r = try reader.next() { if case .row(let row) = r { count += row.fields.count } }
  }
  seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
// Every run in order on standard error: a machine whose speed drifts shows as a trend.
FileHandle.standardError.write(
  Data("runs (ms): \(seconds.map { String(Int($0 * 1000)) }.joined(separator: " "))\n".utf8))
seconds.sort()
let mb = bytes / 1e6
print(
  String(
    format: "%@: %d %@, best %.0f ms (%.0f MB/s), median %.0f ms (%.0f MB/s)", (path as NSString).lastPathComponent,
    count, record == nil ? "fields" : "records", seconds[0] * 1000, mb / seconds[0], seconds[runs / 2] * 1000,
    mb / seconds[runs / 2]))
