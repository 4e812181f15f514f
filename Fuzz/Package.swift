// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for pakt's readers, in a package of their own so that the normal build
// never links libFuzzer. Build and run with Fuzz/run (CI runs it for a minute per target).
let package = Package(
  name: "pakt-fuzz",
  platforms: [.macOS(.v14)],
  dependencies: [.package(name: "pakt", path: "..")],
  targets: [
    .target(name: "FuzzSupport"),
    .executableTarget(
      name: "FuzzCSV",
      dependencies: ["FuzzSupport", .product(name: "PaktExtract", package: "pakt")]
    ),
    .executableTarget(
      name: "FuzzXML",
      dependencies: ["FuzzSupport", .product(name: "PaktExtract", package: "pakt")]
    ),
    .executableTarget(
      name: "FuzzXLS",
      dependencies: ["FuzzSupport", .product(name: "PaktExtract", package: "pakt")]
    ),
    .executableTarget(
      name: "FuzzHTML",
      dependencies: ["FuzzSupport", .product(name: "PaktExtract", package: "pakt")]
    ),
  ],
  swiftLanguageModes: [.v6]
)
