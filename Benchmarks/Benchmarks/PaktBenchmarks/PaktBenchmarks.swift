import Benchmark
import Foundation
import PaktCore
import PaktExtract
import PaktMap

// Throughput of the extract readers and the program-name matcher, release build:
//   cd Benchmarks && swift package benchmark
// Input files are generated once into the temporary folder (never committed). MB/s is the
// file size divided by the wall-clock time the benchmark reports.

/// Synthetic municipal rows (German names, umlauts, quoted fields), `megabytes` of them.
/// With `distinct`, each program name carries the row's number, so no long value repeats: the
/// CSV reader's worst case, where its cache of repeated long values (`LongValueCache`) never hits.
enum BenchData {
  static let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("pakt-bench")
  static let megabytes = 64

  static func rows(limit bytes: Int, distinct: Bool = false) -> String {
    let family = ["Al-Hassan", "Müller", "Haddad", "Rahimi", "Tesfamariam", "Größmann", "Öztürk", "Khalil"]
    let given = ["Amina", "Mohammed", "Zoë", "Jürgen", "Fatima", "Ali", "Selam", "Yusuf"]
    let programs = ["Integrationskurs (VHS) A1-B1", "Sprachcafé", "\"Jobcoaching; Träger: IB\"", "Alphakurs"]
    var out = "Klienten-Nr.;Nachname;Vorname;Geburtsdatum;Staatsangehörigkeit;Maßnahme;Beginn;Kosten\n"
    out.reserveCapacity(bytes + 200)
    var i = 0
    while out.utf8.count < bytes {
      out += "FR\(100_000 + i);\(family[i % 8]);\(given[(i / 8) % 8]);\(1 + i % 28).0\(1 + i % 9).19\(60 + i % 40);"
      var program = programs[i % 4]
      if distinct {
        program = program.hasSuffix("\"") ? "\(program.dropLast()) Nr. \(i)\"" : "\(program) Nr. \(i)"
      }
      out += "syrisch;\(program);01.0\(1 + i % 9).2024;\(i % 2000),50 €\n"
      i += 1
    }
    return out
  }

  static func file(_ name: String, _ make: () -> Data) -> String {
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = (dir as NSString).appendingPathComponent(name)
    if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: make()) }
    return path
  }

  static let utf8CSV = file("utf8-\(megabytes)mb.csv") { Data(rows(limit: megabytes << 20).utf8) }
  static let distinctCSV = file("distinct-\(megabytes)mb.csv") {
    Data(rows(limit: megabytes << 20, distinct: true).utf8)
  }
  static let cp1252CSV = file("cp1252-\(megabytes)mb.csv") {
    Data(rows(limit: megabytes << 20).data(using: .windowsCP1252)!)
  }
  static let xml = file("records-\(megabytes)mb.xml") {
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Export>\n"
    out.reserveCapacity((megabytes << 20) + 1000)
    var i = 0
    while out.utf8.count < megabytes << 20 {
      out += "<Person id=\"U\(i)\"><Name><Familienname>Müller</Familienname><Vorname>Zoë</Vorname></Name>"
      out += "<Geburtsdatum>1990-03-07</Geburtsdatum><Massnahmen><Massnahme status=\"running\">"
      out +=
        "<Bezeichnung>Integrationskurs</Bezeichnung><Beginn>2024-01-08</Beginn></Massnahme></Massnahmen></Person>\n"
      i += 1
    }
    return Data((out + "</Export>\n").utf8)
  }

  /// 10,000 distinct local program names: catalogue names and synonyms with providers,
  /// levels, places and numbers around them, as municipalities write them.
  static let programNames: [String] = {
    let bases = [
      "Integrationskurs", "IK Alpha", "Berufssprachkurs", "Sprachcafé", "Jobcoaching", "Praktikum",
      "Bewerbungstraining",
      "Frauenkurs", "Migrationsberatung", "Kita", "Patenschaft", "Umschulung", "Kompetenzfeststellung", "VABO",
      "Nähcafé", "Fahrradwerkstatt", "Hausaufgabenhilfe", "Erstorientierung", "Anerkennungsberatung", "Sportverein",
    ]
    let extras = [
      "VHS", "Caritas", "A1-B1", "Modul 3", "Weststadt", "Diakonie", "2024", "für Frauen", "Teilzeit", "IB",
    ]
    var names: Set<String> = []
    var i = 0
    while names.count < 10_000 {
      names.insert("\(bases[i % bases.count]) \(extras[(i / bases.count) % extras.count]) \(i / 200)")
      i += 1
    }
    return names.sorted()
  }()
}

let benchmarks: @Sendable () -> Void = {
  let config = Benchmark.Configuration(
    metrics: [.wallClock, .peakMemoryResident], warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 5)

  // The file is generated when its benchmark first runs, so a filtered run writes only its own.
  let csvFiles: [(name: String, path: @Sendable () -> String)] = [
    ("UTF-8", { BenchData.utf8CSV }), ("Windows-1252", { BenchData.cp1252CSV }),
    ("UTF-8 long values all distinct", { BenchData.distinctCSV }),
  ]
  for csv in csvFiles {
    Benchmark("CSV \(csv.name) \(BenchData.megabytes) MB, every field a String", configuration: config) {
      benchmark in
      var reader = try CSVReader(path: csv.path())
      var fields = 0
      benchmark.startMeasurement()
      while let r = try reader.next() { if case .row(let row) = r { fields += row.fields.count } }
      benchmark.stopMeasurement()
      blackHole(fields)
    }
  }

  Benchmark("XML \(BenchData.megabytes) MB, record subtrees", configuration: config) { benchmark in
    let reader = try XMLReader(path: BenchData.xml, records: [XMLPath("Person")])
    var records = 0
    benchmark.startMeasurement()
    while try reader.next() != nil { records += 1 }
    benchmark.stopMeasurement()
    blackHole(records)
  }

  Benchmark("Program suggestions, 10,000 distinct names", configuration: config) { benchmark in
    let catalogue = try Catalogue.load(file: "../mappings/catalogue.yml")
    let matcher = ProgramMatcher(catalogue: catalogue)
    let names = BenchData.programNames
    benchmark.startMeasurement()
    for name in names { blackHole(matcher.ranked(name)) }
    benchmark.stopMeasurement()
  }
}
