// swift-tools-version: 6.1
import PackageDescription

// One library module per stage; imports run one way:
// PaktCore ← PaktExtract, PaktMap, PaktLink, PaktLoad, PaktReport ← PaktPipeline ← pakt;
// PaktLoad ← PaktPostgres ← PaktPipeline.
let package = Package(
  name: "pakt",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "pakt", targets: ["pakt"]),
    .library(name: "PaktPipeline", targets: ["PaktPipeline"]),
    // The reader alone, for the libFuzzer targets in Fuzz/.
    .library(name: "PaktExtract", targets: ["PaktExtract"]),
    // The stages as libraries, for Benchmarks/ and for embedding pakt elsewhere.
    .library(
      name: "PaktStages", targets: ["PaktCore", "PaktExtract", "PaktMap", "PaktLink", "PaktLoad", "PaktReport"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    // `swift package generate-documentation`: the API documentation, built in CI (.ci/run).
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CLibXML2",
      pkgConfig: "libxml-2.0",
      providers: [.apt(["libxml2-dev"])]
    ),
    .target(
      name: "PaktCore",
      dependencies: [.product(name: "Yams", package: "Yams")]
    ),
    // The CSV reader's 64-byte classifier (SSE2), in C for its bit masks (see pakt_scan.h).
    .target(name: "CPaktScan"),
    .target(
      name: "PaktExtract",
      dependencies: ["PaktCore", "CLibXML2", "CPaktScan", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
    ),
    .target(
      name: "PaktMap",
      dependencies: ["PaktCore", "PaktExtract", .product(name: "Yams", package: "Yams")]
    ),
    .target(name: "PaktLink", dependencies: ["PaktCore"]),
    .target(
      name: "PaktLoad",
      dependencies: [
        "PaktCore", .product(name: "GRDB", package: "GRDB.swift"),
        // SQLite's C API for the hottest inserts (see RawInsert.swift).
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
      ]
    ),
    .target(name: "PaktReport", dependencies: ["PaktCore"]),
    // The PostgreSQL warehouse: a published copy of the SQLite working copy (see PostgresReplica.swift).
    .target(
      name: "PaktPostgres",
      dependencies: [
        "PaktCore", "PaktLoad", .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // Synthetic corpora with ground truth, for benchmarks and tests (not a pipeline stage).
    .target(name: "PaktSamples", dependencies: ["PaktCore", "PaktExtract", "PaktReport"]),
    .target(
      name: "PaktPipeline",
      dependencies: [
        "PaktCore", "PaktExtract", "PaktMap", "PaktLink", "PaktLoad", "PaktReport", "PaktPostgres",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .executableTarget(
      name: "pakt",
      // Every module it imports, declared (not reached through PaktPipeline).
      dependencies: [
        "PaktCore", "PaktExtract", "PaktMap", "PaktLink", "PaktReport", "PaktPipeline", "PaktSamples",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // Tests: helpers shared by every test target (paths, scratch folders, sample pipelines),
    // a unit test target per stage, the end-to-end tests, PostgreSQL, and accuracy.
    .target(
      name: "PaktTestSupport",
      dependencies: ["PaktCore", "PaktExtract", "PaktMap", "PaktLoad", "PaktPipeline"],
      path: "Tests/PaktTestSupport"
    ),
    .testTarget(
      name: "PaktCoreTests",
      dependencies: [
        "PaktCore", "PaktPipeline", "PaktTestSupport", .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .testTarget(
      name: "PaktExtractTests",
      dependencies: [
        "PaktCore", "PaktExtract", "PaktSamples", "PaktTestSupport",
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ]
    ),
    .testTarget(name: "PaktMapTests", dependencies: ["PaktCore", "PaktExtract", "PaktMap", "PaktTestSupport"]),
    .testTarget(name: "PaktLinkTests", dependencies: ["PaktCore", "PaktExtract", "PaktLink", "PaktTestSupport"]),
    .testTarget(name: "PaktLoadTests", dependencies: ["PaktCore", "PaktLoad", "PaktTestSupport"]),
    .testTarget(name: "PaktReportTests", dependencies: ["PaktCore", "PaktReport", "PaktTestSupport"]),
    // The whole pipeline and the `pakt` command, run as a user would (these run the built
    // executable, and make hostile workbooks at test time).
    .testTarget(
      name: "PaktEndToEndTests",
      dependencies: [
        "PaktCore", "PaktExtract", "PaktMap", "PaktLink", "PaktLoad", "PaktReport", "PaktPipeline", "PaktSamples",
        "PaktTestSupport", "pakt",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ]
    ),
    // Against the throwaway PostgreSQL server `Tests/run` starts.
    .testTarget(
      name: "PaktPostgresTests",
      dependencies: [
        "PaktCore", "PaktLoad", "PaktPipeline", "PaktTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
      ]
    ),
    // Accuracy of program-name suggestions and of linkage on hand-made failure classes.
    .testTarget(
      name: "PaktAccuracyTests",
      dependencies: ["PaktCore", "PaktExtract", "PaktLink", "PaktMap", "PaktSamples", "PaktTestSupport"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
