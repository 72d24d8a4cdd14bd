import ArgumentParser
import FTStore
import Foundation

struct KeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create the key that encrypts stored documents.",
        discussion: """
            Writes a new random AES-256 key, base64, to DATA_DIR/document.key (or --out), readable \
            by you only. `ft serve` reads FT_DOCUMENT_KEY if set, else that file. Keep a copy \
            somewhere safe: documents stored with a key cannot be read without it. An existing key \
            is never overwritten.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("Where to write the key (default: DATA_DIR/document.key).", valueName: "file"))
    var out: String?

    func run() async throws {
        _ = options.bootstrapLogging()
        let path = out ?? options.dataDirectory + "/document.key"
        if FileManager.default.fileExists(atPath: path) {
            throw CLIError("\(path) already exists; it is kept (documents stored with it would be lost otherwise)")
        }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: path, contents: Data((DocumentKey.generate() + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("cannot write \(path)")
        }
        print("Wrote a new document key to \(path). Keep a copy somewhere safe.")
    }
}
