// swift-tools-version: 6.1
import PackageDescription

// pakt's benchmarks: a package of their own so that `swift test` and CI do not build
// ordo-one/benchmark (about 4.5 minutes). Run from this folder:
//   swift package benchmark
let package = Package(
  name: "pakt-benchmarks",
  platforms: [.macOS(.v14)],
  dependencies: [
    .package(name: "pakt", path: ".."),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
  ],
  targets: [
    .executableTarget(
      name: "PaktBenchmarks",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "PaktStages", package: "pakt"),
      ],
      path: "Benchmarks/PaktBenchmarks",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
    // The raw SQLite insert limit the end-to-end script compares the load stage with. Outside
    // Benchmarks/, where the benchmark plugin would take it for a benchmark and run it.
    .executableTarget(
      name: "RawInsertLimit",
      dependencies: [
        .product(name: "PaktStages", package: "pakt"), .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
      ],
      path: "Tools/RawInsertLimit"
    ),
    // Reader throughput without the benchmark harness's interposers, as a cross check.
    .executableTarget(
      name: "ReaderThroughput",
      dependencies: [.product(name: "PaktStages", package: "pakt")],
      path: "Tools/ReaderThroughput"
    ),
  ],
  swiftLanguageModes: [.v6]
)
