import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The parsed `pipeline.yml`: which sources to read, with which mapping, into which warehouse.
///
/// Every relative path is resolved against the folder of `pipeline.yml`, so a pipeline runs the
/// same from any working directory. Loading validates everything (keys, types, files, globs)
/// before anything is written.
///
/// ```swift
/// let config = try PipelineConfig.load(path: "pipeline.yml")
/// for source in config.sources { print(source.name, source.files) }
/// ```
public struct PipelineConfig: Sendable {
  public struct Source: Sendable {
    /// Short name used in the warehouse and reports (e.g. "freiburg").
    public var name: String
    /// The files matched by the source's paths and globs, sorted.
    public var files: [String]
    /// The mapping file (absolute path).
    public var mapping: String
    /// A format hint ("csv", "xml", "xlsx", "xls", "ods", "html", "xmlss"); nil means detect
    /// from the content.
    public var format: String?
    /// Line of the source entry in pipeline.yml, for messages.
    public var line: Int?
    /// Take a delivery that shrinks beyond the delivery guard's limit, every night
    /// (`accept_shrink: true`): for a source that really does shrink, such as one being wound down.
    public var acceptShrink = false
    /// Read files that are symbolic links (`follow_symlinks: true`); by default a link among
    /// the exports is rejected as a whole, for it may point anywhere on the machine.
    public var followSymlinks = false
    /// The quality rules for this source's records: the pipeline's, with the source's own
    /// `quality:` block on top.
    public var quality = QualityRules()
  }

  /// What a delivery must hold for it to replace the previous one (`delivery_guard:`).
  public struct DeliveryGuard: Sendable {
    /// A delivery holding fewer current person records than this share of the previous
    /// one's is held back (0.2: more than 20% fewer).
    public var maxShrink = 0.2
    /// A delivery that lost fewer person records than this is never held back for shrinking:
    /// in a small caseload one family moving away is more than 20%.
    public var minLoss = 10
  }

  public struct Linkage: Sendable {
    /// Match probability at or above which two records are joined.
    public var threshold: Double = 0.5
    /// The probabilistic linkage settings (fields, blocking and training rules); nil: the
    /// deterministic rules.
    public var settings: String?
    /// Stewards' link decisions (CSV: record_a, record_b, decision = must-link or
    /// cannot-link; records as "source/local id"), respected by every run.
    public var decisions: String?
  }

  public struct Mapping: Sendable {
    /// A suggested catalogue code is applied without a steward only at or above this score (0…1).
    public var autoApplyThreshold: Double = 0.9
    /// The program decisions every source shares (absolute path; `mapping: { programs: … }`,
    /// by default mappings/programs.yml beside pipeline.yml). Read when it exists;
    /// `pakt mappings accept` creates it.
    public var sharedPrograms = ""
    /// The value maps every source shares (`mapping: { values: … }`, by default
    /// mappings/values.yml beside pipeline.yml). Read when it exists.
    public var sharedValues = ""
  }

  /// The pipeline file itself (absolute path).
  public var file: String
  public var sources: [Source]
  /// The catalogue file (absolute path).
  public var catalogue: String
  /// The SQLite warehouse file (absolute path). With a PostgreSQL warehouse, the local
  /// working copy every run works on before it publishes to PostgreSQL.
  public var warehouse: String
  /// The PostgreSQL warehouse (`warehouse: postgres://…`), nil for SQLite only.
  public var postgres: PostgresTarget?
  /// The folder reports are written to (absolute path).
  public var reports: String
  /// Municipality names → AGS (absolute path), optional.
  public var municipalities: String?
  /// The file holding the pseudonym key (absolute path); `PAKT_PSEUDONYM_KEY` overrides it.
  public var pseudonymKey: String
  public var linkage = Linkage()
  public var mapping = Mapping()
  public var deliveryGuard = DeliveryGuard()
  /// `limits:` (MB): record_mb, workbook_part_mb, shared_strings_mb; nil: the defaults.
  public var limits: [String: Int] = [:]
  /// The quality rules for every source (`quality:`), before a source's own block.
  public var quality = QualityRules()

  static let topKeys: Set<String> = [
    "sources", "catalogue", "warehouse", "reports", "linkage", "mapping", "municipalities", "pseudonym_key",
    "postgres", "delivery_guard", "limits", "quality",
  ]
  static let sourceKeys: Set<String> = [
    "name", "files", "mapping", "format", "optional", "accept_shrink", "follow_symlinks", "quality",
  ]

  /// Reads and validates a pipeline file. Throws `PaktError` (kind `.configuration`) naming file and line.
  public static func load(path: String) throws -> PipelineConfig {
    let absolute = absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
    let root = try YAMLNode.load(file: absolute)
    return try parse(root, file: absolute)
  }

  /// Validates an already parsed pipeline file.
  public static func parse(_ root: YAMLNode, file: String) throws -> PipelineConfig {
    let base = (file as NSString).deletingLastPathComponent
    let top = try root.mapping(allowed: topKeys, what: "pipeline.yml")
    let catalogue = absolutePath(try top.string("catalogue"), relativeTo: base)
    try requireFile(catalogue, node: top.require("catalogue"), what: "the catalogue")
    let (warehouse, postgres) = try warehouseSettings(top, base: base)
    let reports = absolutePath(try top.optionalString("reports") ?? "out/reports", relativeTo: base)

    // Beside the warehouse by default, never inside it.
    let keyFile = absolutePath(
      try top.optionalString("pseudonym_key")
        ?? ((warehouse as NSString).deletingLastPathComponent as NSString).appendingPathComponent("pseudonym.key"),
      relativeTo: base)
    var config = PipelineConfig(
      file: file, sources: [], catalogue: catalogue, warehouse: warehouse, reports: reports, pseudonymKey: keyFile)
    config.postgres = postgres
    if let m = try top.optionalString("municipalities") {
      let path = absolutePath(m, relativeTo: base)
      try requireFile(path, node: top.require("municipalities"), what: "the municipality list")
      config.municipalities = path
    }
    if let node = top["linkage"] { try parseLinkage(node, base: base, into: &config) }
    try parseMapping(top["mapping"], base: base, into: &config)

    if let node = top["delivery_guard"] { try parseDeliveryGuard(node, into: &config) }
    if let node = top["limits"] { try parseLimits(node, into: &config) }

    if let node = top["quality"] { config.quality = try config.quality.overridden(by: node) }

    let sourceNodes = try top.require("sources").sequence(what: "'sources'")
    if sourceNodes.isEmpty { throw try top.require("sources").error("no sources listed", fix: "add a source") }
    var names: Set<String> = []
    for node in sourceNodes {
      let source = try parseSource(node, base: base, names: &names, quality: config.quality)
      config.sources.append(source)
    }
    return config
  }

  /// The warehouse: a SQLite file, or a PostgreSQL URL with the local working copy it needs.
  static func warehouseSettings(_ top: YAMLMapping, base: String) throws -> (String, PostgresTarget?) {
    let warehouseSetting = try top.optionalString("warehouse") ?? "out/warehouse.sqlite"
    var postgres: PostgresTarget?
    var warehouse = absolutePath(warehouseSetting, relativeTo: base)
    if warehouseSetting.hasPrefix("postgres:") || warehouseSetting.hasPrefix("postgresql:") {
      do {
        postgres = try PostgresTarget(url: warehouseSetting)
      } catch let problem as PostgresTarget.Problem {
        throw try top.require("warehouse").error(problem.message, fix: problem.fix)
      }
      let m = try top["postgres"]?.mapping(
        allowed: ["local_copy", "password_env", "schema", "analyst_role"], what: "postgres")
      warehouse = absolutePath(try m?.optionalString("local_copy") ?? "out/local-copy.sqlite", relativeTo: base)
      if let variable = try m?.optionalString("password_env") { postgres?.passwordVariable = variable }
      for (key, value) in [
        ("schema", try m?.optionalString("schema")), ("analyst_role", try m?.optionalString("analyst_role")),
      ] {
        guard let value else { continue }
        guard value.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression) != nil else {
          throw try m!.require(key).error(
            "\(key) '\(value)' is not a plain PostgreSQL name", fix: "use lower-case letters, digits and '_'")
        }
        if key == "schema" { postgres?.schema = value } else { postgres?.analystRole = value }
      }
    } else if let node = top["postgres"] {
      throw node.error(
        "`postgres:` settings given, but the warehouse is a SQLite file",
        fix: "set `warehouse: postgres://user@host/database`, or remove the `postgres:` section")
    }
    return (warehouse, postgres)
  }

  static func parseLinkage(_ linkage: YAMLNode, base: String, into config: inout PipelineConfig) throws {
    let m = try linkage.mapping(allowed: ["threshold", "settings", "decisions"], what: "linkage")
    if let decisions = try m.optionalString("decisions") {
      let path = absolutePath(decisions, relativeTo: base)
      try requireFile(path, node: m.require("decisions"), what: "the link decisions")
      config.linkage.decisions = path
    }
    if let settings = try m.optionalString("settings") {
      let path = absolutePath(settings, relativeTo: base)
      try requireFile(path, node: m.require("settings"), what: "the linkage settings")
      config.linkage.settings = path
    }
    if let t = try m.optionalDouble("threshold") {
      guard t > 0, t < 1 else {
        throw try m.require("threshold").error("linkage threshold must lie between 0 and 1, found \(t)")
      }
      config.linkage.threshold = t
    }
  }

  /// The shared decision files (beside the pipeline by default) and the automatic threshold.
  static func parseMapping(_ mapping: YAMLNode?, base: String, into config: inout PipelineConfig) throws {
    config.mapping.sharedPrograms = absolutePath("mappings/programs.yml", relativeTo: base)
    config.mapping.sharedValues = absolutePath("mappings/values.yml", relativeTo: base)
    if let mapping {
      let m = try mapping.mapping(allowed: ["auto_apply_threshold", "programs", "values"], what: "mapping")
      if let path = try m.optionalString("programs") {
        config.mapping.sharedPrograms = absolutePath(path, relativeTo: base)
      }
      if let path = try m.optionalString("values") {
        config.mapping.sharedValues = absolutePath(path, relativeTo: base)
      }
      if let t = try m.optionalDouble("auto_apply_threshold") {
        guard t > 0, t <= 1 else {
          throw try m.require("auto_apply_threshold").error("auto_apply_threshold must lie in (0, 1], found \(t)")
        }
        config.mapping.autoApplyThreshold = t
      }
    }
  }

  static func parseDeliveryGuard(_ node: YAMLNode, into config: inout PipelineConfig) throws {
    let m = try node.mapping(allowed: ["max_shrink", "min_loss"], what: "delivery_guard")
    if let loss = try m.optionalDouble("min_loss") {
      guard loss >= 0, loss == loss.rounded() else {
        throw try m.require("min_loss").error(
          "min_loss must be a whole number of records, found \(loss)", fix: "write e.g. min_loss: 10")
      }
      config.deliveryGuard.minLoss = Int(loss)
    }
    if let share = try m.optionalDouble("max_shrink") {
      guard share >= 0, share <= 1 else {
        throw try m.require("max_shrink").error(
          "max_shrink must lie between 0 and 1, found \(share)",
          fix: "write the share of a source's records a delivery may lose, e.g. 0.2 for 20%")
      }
      config.deliveryGuard.maxShrink = share
    }
  }

  static func parseLimits(_ node: YAMLNode, into config: inout PipelineConfig) throws {
    let m = try node.mapping(allowed: ["record_mb", "workbook_part_mb", "shared_strings_mb"], what: "limits")
    for key in ["record_mb", "workbook_part_mb", "shared_strings_mb"] {
      guard let mb = try m.optionalDouble(key) else { continue }
      guard mb >= 1, mb <= 65_536, mb == mb.rounded() else {
        throw try m.require(key).error(
          "\(key) must be a whole number of megabytes from 1 to 65536, found \(mb)", fix: "e.g. \(key): 64")
      }
      config.limits[key] = Int(mb)
    }
  }

  /// One source of `sources:`: its name (unique), mapping file, files (globs) and options.
  static func parseSource(_ node: YAMLNode, base: String, names: inout Set<String>, quality: QualityRules) throws
    -> Source
  {
    let s = try node.mapping(allowed: sourceKeys, what: "a source")
    let name = try s.string("name")
    guard name.range(of: "^[A-Za-z0-9_-]+$", options: .regularExpression) != nil else {
      throw try s.require("name").error(
        "source name '\(name)' may hold only letters, digits, '-' and '_'", fix: "rename the source")
    }
    guard names.insert(name).inserted else {
      throw try s.require("name").error("source name '\(name)' is used twice", fix: "give each source its own name")
    }
    let mapping = absolutePath(try s.string("mapping"), relativeTo: base)
    try requireFile(mapping, node: s.require("mapping"), what: "the mapping file of source '\(name)'")
    let optional = try s.optionalBool("optional") ?? false
    var files: [String] = []
    let patterns = try s.strings("files")
    if patterns.isEmpty {
      throw try s.require("files").error("source '\(name)' lists no files", fix: "add `files: path/or/*.glob`")
    }
    for pattern in patterns {
      let absolute = absolutePath(pattern, relativeTo: base)
      let matched = expandGlob(absolute)
      if matched.isEmpty && !optional {
        throw try s.require("files").error(
          "no file matches '\(pattern)' for source '\(name)'",
          fix: "check the path, or set `optional: true` on the source if a night without a delivery is normal")
      }
      files.append(contentsOf: matched)
    }
    var format = try s.optionalString("format")?.lowercased()
    if let f = format, !["csv", "xml", "xlsx", "xls", "ods", "html", "xmlss", "auto"].contains(f) {
      throw try s.require("format").error(
        "unknown format '\(f)'", fix: "use csv, xml, xlsx, xls, ods, html, xmlss (Excel 2003 XML) or auto (detect)")
    }
    if format == "auto" { format = nil }
    var source = Source(
      name: name, files: Array(Set(files)).sorted(), mapping: mapping, format: format, line: node.line)
    source.acceptShrink = try s.optionalBool("accept_shrink") ?? false
    source.followSymlinks = try s.optionalBool("follow_symlinks") ?? false
    source.quality = try s["quality"].map { try quality.overridden(by: $0) } ?? quality
    return source
  }

  static func requireFile(_ path: String, node: YAMLNode, what: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
      throw node.error("\(what) '\(path)' does not exist", fix: "correct the path (relative to pipeline.yml)")
    }
  }
}

/// `path` made absolute against `base` and standardised.
public func absolutePath(_ path: String, relativeTo base: String) -> String {
  let expanded = (path as NSString).expandingTildeInPath
  if expanded.hasPrefix("/") { return (expanded as NSString).standardizingPath }
  return ((base as NSString).appendingPathComponent(expanded) as NSString).standardizingPath
}

/// The regular files matching a shell glob (`*`, `?`, `[…]`), sorted. A path without
/// wildcards matches itself if it exists.
public func expandGlob(_ pattern: String) -> [String] {
  var result = glob_t()
  defer { globfree(&result) }
  guard glob(pattern, 0, nil, &result) == 0 else { return [] }
  var paths: [String] = []
  for i in 0..<Int(result.gl_pathc) {
    if let p = result.gl_pathv[i], let s = String(validatingCString: p) {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: s, isDirectory: &isDirectory), !isDirectory.boolValue {
        paths.append(s)
      }
    }
  }
  return paths.sorted()
}
