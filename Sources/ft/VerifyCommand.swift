import ArgumentParser
import FTArchive
import FTModel
import FTStore
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the stored documents: every version's content present and intact.",
        discussion: """
            Reads every stored blob with the document key (FT_DOCUMENT_KEY or DATA_DIR/document.key), \
            checks that each chunk authenticates and that the content hashes to its name, and that \
            every version uploaded to this server has its content; reads every document archive \
            whole and checks it holds exactly its archived versions, each hashing to its name. Reports what is missing or \
            damaged, by version, and blobs no version uses. Exits with status 1 if anything is \
            missing or damaged. Versions that came without content (the demo data's) are counted \
            apart.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("The document key file (default: DATA_DIR/document.key; FT_DOCUMENT_KEY wins).", valueName: "file"))
    var documentKey: String?

    func run() async throws {
        let logger = options.bootstrapLogging()
        let path = try options.requireDatabase()
        let store: BlobStore
        do {
            let key = try DocumentKey.load(file: documentKey ?? options.dataDirectory + "/document.key")
            store = try BlobStore(directory: options.dataDirectory + "/blobs", key: key)
        } catch {
            throw CLIError("\(error)")
        }
        let database = try AppDatabase.open(path: path, logger: logger)
        defer { try? database.close() }
        let versions = try database.storedVersions()
        var verdicts: [String: BlobStore.BlobError?] = [:]
        var problems: [String] = []
        var withoutContent = 0
        for version in versions {
            if !version.uploaded && !store.contains(version.sha256) {
                withoutContent += 1
                continue
            }
            let verdict = verdicts[version.sha256] ?? store.verify(version.sha256)
            verdicts[version.sha256] = verdict
            if let verdict { problems.append("version \(version.id): \(verdict)") }
        }
        let used = Set(versions.map(\.sha256))
        let unused = store.storedDigests().subtracting(used)
        // The archives: each read whole, checked against the versions the database says it holds.
        let archived = try database.archivedVersions()
        var archivePaths = Set<String>()
        for (documentId, versions) in archived.sorted(by: { $0.key < $1.key }) {
            let archive = DocumentArchive(blobs: store, documentId: documentId)
            archivePaths.insert(archive.path)
            guard archive.exists else {
                problems.append("document \(documentId): its archive is missing (\(versions.count) archived version(s): \(versions.map(\.id).prefix(5).joined(separator: ", ")))")
                continue
            }
            do {
                try DocumentArchive.check(archive.path, blobs: store, versions: versions)
            } catch {
                problems.append("document \(documentId), \(versions.count) archived version(s): \(error)")
            }
        }
        let unusedArchives = DocumentArchive.storedPaths(in: store).subtracting(archivePaths)
        for problem in problems.prefix(50) { print("PROBLEM \(problem)") }
        if problems.count > 50 { print("… and \(problems.count - 50) more") }
        print("""
            Checked \(verdicts.count) stored contents for \(versions.count - withoutContent) versions and \(archivePaths.count) archive(s) \
            for \(archived.values.reduce(0) { $0 + $1.count }) archived versions: \(problems.count) problem(s); \(unused.count) blob(s) and \
            \(unusedArchives.count) archive(s) nothing uses; \(withoutContent) version(s) came without content.
            """)
        if !problems.isEmpty { throw ExitCode(1) }
    }
}
