import Foundation
import Logging
import PaktCore
import PaktExtract
import PaktLink
import PaktLoad
import PaktMap
import PaktPostgres
import PaktReport

/// Preparing a run: every source's files hashed, checked and given their mapper.
extension PipelineRunner {
  /// Checks every source before anything is written: mappings parse, columns exist.
  func prepare(catalogue: Catalogue, matcher: ProgramMatcher, gazetteer: Gazetteer) throws -> [PreparedSource] {
    let sharedFiles = [config.mapping.sharedPrograms, config.mapping.sharedValues]
    let shared = try MappingFile.loadShared(files: sharedFiles, catalogue: catalogue)
    let base = Fingerprint.of(
      [
        Self.loaderVersion, (try? String(contentsOfFile: config.catalogue, encoding: .utf8)) ?? "",
        "auto=\(config.mapping.autoApplyThreshold)",
        config.municipalities.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "",
      ] + sharedFiles.map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "" })
    // Every file hashed first, on both cores: hashing is nearly all of this stage (218 MB of
    // exports at 300,000 persons). A file that cannot be read fails where it did before.
    // Only regular files are read: a link, a FIFO or a device among the exports is rejected
    // unread (a FIFO or /dev/zero hung the run; a link to a system file put its lines into
    // messages). Each file is on its own from here: what cannot be read is its problem, and
    // the rest of the night loads.
    var kindProblem: [String: String] = [:]
    for source in config.sources {
      for path in source.files {
        if let problem = SourceFiles.problem(path, followSymlinks: source.followSymlinks) {
          kindProblem[path] = problem
        }
      }
    }
    let paths = config.sources.flatMap(\.files).filter { kindProblem[$0] == nil }
    let digests = paths.concurrentMap(chunk: 1) { path in Result { try Fingerprint.file(path) } }
    let digestOf = Dictionary(zip(paths, digests), uniquingKeysWith: { first, _ in first })
    return try config.sources.map { source in
      let mapping = try MappingFile.load(file: source.mapping, catalogue: catalogue).withShared(shared)
      var options = mapping.read
      if let hint = source.format { options.format = FileFormat(rawValue: hint) }
      options.limits = readLimits
      var files: [PreparedFile] = []
      for path in source.files {
        var problem = kindProblem[path]
        var digest = ""
        if problem == nil {
          switch digestOf[path]! {
          case .success(let d): digest = d
          case .failure(let error): problem = SourceFiles.describe(error)
          }
        }
        // A file not read is known by its problem: the same problem again is the same delivery.
        var file = PreparedFile(
          path: path, name: displayName(path), sha256: digest.isEmpty ? Fingerprint.of([path, problem ?? ""]) : digest,
          readPath: path)
        file.problem = problem
        if problem == nil, options.sheets.count > 1, FileFormat.detect(path: path)?.isWorkbook == true {
          files += try prepareSheets(
            file, source: source, mapping: mapping, options: options, matcher: matcher, gazetteer: gazetteer)
          continue
        }
        if problem == nil {
          file.problem = try prepareMapper(
            &file, path: path, source: source, mapping: mapping, options: options,
            matcher: matcher, gazetteer: gazetteer)
        }
        files.append(file)
      }
      Self.readFactsAsReferences(&files)
      Self.personsFirst(&files)
      let mappingText = (try? String(contentsOfFile: source.mapping, encoding: .utf8)) ?? ""
      // Content, not names: a file delivered again under another name is the same delivery.
      let fingerprint = Fingerprint.of(
        [base, mappingText, source.format ?? "auto", source.quality.signature] + files.map(\.sha256).sorted())
      return PreparedSource(source: source, mapping: mapping, files: files, fingerprint: fingerprint)
    }
  }

  /// Opens a file and prepares its mapper; returns why the file cannot be read or mapped (it
  /// is then rejected with the reason, and the night goes on), nil when it can.
  func prepareMapper(
    _ file: inout PreparedFile, path: String, source: PipelineConfig.Source, mapping: MappingFile,
    options: ReadOptions, matcher: ProgramMatcher, gazetteer: Gazetteer
  ) throws -> String? {
    do {
      let opened = try OpenedFile(path: path, options: options)
      file.layout = opened.layout
      file.mapper = try RecordMapper(
        source: source.name, fileName: file.name, mapping: mapping, layout: opened.layout, matcher: matcher,
        autoApplyThreshold: config.mapping.autoApplyThreshold, gazetteer: gazetteer, quality: source.quality
      ) {
        // Rows to match a column the mapping names and the file lacks by content, and to
        // tell the order its dates are written in.
        var rows: [[String]] = []
        guard let sample = try? OpenedFile(path: path, options: options) else { return rows }
        while rows.count < 200, let record = try? sample.next() {
          if case .row(let row) = record { rows.append(row.fields) }
        }
        return rows
      }
      if mapping.isXML, let mapper = file.mapper {
        return try SourceFiles.unmatchedXMLPaths(opened, mapper: mapper, mapping: mapping)
      }
    } catch let error as ExtractError {
      return error.description
    } catch let error as PaktError {
      // The mapping does not fit this file (a column or path it names is not there): the
      // file is rejected with the reason, the night goes on.
      return SourceFiles.short(error.message + (error.fix.map { "; fix: " + $0 } ?? ""))
    }
    return nil
  }

  /// A file or sheet of a source that holds a person's id and facts about the person only
  /// (measures, language levels, residences), beside one that describes the persons, names its
  /// persons by that id (`RecordMapper.refersByID`): its rows add their facts to them, and a
  /// row naming no person of the delivery is rejected.
  static func readFactsAsReferences(_ files: inout [PreparedFile]) {
    let described = files.filter { $0.mapper?.describesPersons ?? false }.map(\.name)
    guard let persons = described.first else { return }
    for i in files.indices where files[i].mapper?.holdsOnlyIDAndFacts ?? false {
      files[i].mapper?.refersByID = true
      let facts = files[i].mapper?.holdsOnlyIDAndMeasures ?? false ? "measures" : "facts"
      files[i].notes.append(
        "its rows name their person by id and hold \(facts) only: read as \(facts) "
          + (facts == "measures" ? "of" : "about") + " the persons '\(persons)'"
          + (described.count > 1 ? " and the source's other files" : "") + " lists")
    }
  }

  /// The files that describe persons are read before the source's other files, in their
  /// order otherwise: a person's first record is the one loaded (a later one with the same id
  /// repeats it), so a file of ids and language levels read first ("a-sprachstand.csv" beside
  /// "b-personen.csv") gave persons with an id and nothing else.
  static func personsFirst(_ files: inout [PreparedFile]) {
    let describing = files.filter { $0.mapper?.describesPersons ?? false }
    guard !describing.isEmpty, describing.count < files.count else { return }
    files = describing + files.filter { !($0.mapper?.describesPersons ?? false) }
  }

  /// The parts of a workbook whose source reads several sheets (`read: sheets:`): one per
  /// sheet, each read with its own header, the ledger's delivery "export.xlsx [Maßnahmen]".
  /// A column the mapping names must be on one of the sheets; where it is on none, or a sheet
  /// is missing, every part is rejected with the reason, as one file would be.
  func prepareSheets(
    _ file: PreparedFile, source: PipelineConfig.Source, mapping: MappingFile, options: ReadOptions,
    matcher: ProgramMatcher, gazetteer: Gazetteer
  ) throws -> [PreparedFile] {
    var parts: [PreparedFile] = []
    for sheet in options.sheets {
      var part = file
      part.path = "\(file.path) [\(sheet)]"
      part.name = "\(file.name) [\(sheet)]"
      part.sha256 = Fingerprint.of([file.sha256, sheet])
      part.sheet = sheet
      var partOptions = options
      partOptions.sheet = sheet
      part.problem = try prepareMapper(
        &part, path: file.readPath, source: source, mapping: mapping, options: partOptions, matcher: matcher,
        gazetteer: gazetteer)
      parts.append(part)
    }
    // Columns no sheet has: the mapping does not fit the workbook.
    let mappers = parts.compactMap(\.mapper)
    guard mappers.count == parts.count, let first = mappers.first else {
      let problem = parts.compactMap(\.problem).first ?? "a sheet cannot be read"
      return parts.map { part in
        var part = part
        part.mapper = nil
        part.problem = part.problem ?? "another sheet of the workbook cannot be read: \(problem)"
        return part
      }
    }
    let missing = first.absent.filter { binding in
      mappers.allSatisfy { mapper in mapper.absent.contains { $0.field == binding.field && $0.column == binding.column }
      }
    }
    guard missing.isEmpty else {
      let columns = missing.map { "'\($0.column)' (\($0.field))" }.joined(separator: ", ")
      let problem =
        "the mapping names column\(missing.count == 1 ? "" : "s") \(columns), which no sheet of \(file.name) "
        + "(\(options.sheets.joined(separator: ", "))) has; fix: map a column of one of its sheets (`pakt inspect` shows them)"
      return parts.map { part in
        var part = part
        part.mapper = nil
        part.problem = problem
        return part
      }
    }
    return parts
  }

  /// Each workbook whose other sheets hold rows that no source reads says which: a second
  /// sheet of measures ("Maßnahmen" beside "Personen") would otherwise be lost without a word.
  static func noteUnreadSheets(_ sources: [PreparedSource]) -> [PreparedSource] {
    var read: [String: Set<String>] = [:]
    for source in sources {
      for file in source.files { if let sheet = file.layout?.sheet { read[file.readPath, default: []].insert(sheet) } }
    }
    return sources.map { source in
      var source = source
      for i in source.files.indices {
        let file = source.files[i]
        let unread = (file.layout?.otherSheets ?? []).filter { !(read[file.readPath]?.contains($0) ?? false) }
        if !unread.isEmpty {
          source.files[i].notes.append(
            FileLayout.unreadSheetsNote(unread, besides: file.sheet == nil ? file.layout?.sheet : nil))
        }
      }
      return source
    }
  }

  /// A path as shown in reports and lineage: relative to the pipeline's folder where possible.
  func displayName(_ path: String) -> String {
    let base = (config.file as NSString).deletingLastPathComponent + "/"
    return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
  }
}
