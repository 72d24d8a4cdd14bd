import ArgumentParser
import FTStore
import Foundation
import Logging

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp("Folder holding the database and documents (default: $FT_DATA_DIR, else ./data).", valueName: "dir")
    )
    var dataDirectoryOption: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default: $FT_LOG_LEVEL, else warning).")
    var logLevelOption: String?

    /// The data directory as given, or from the environment, or the default.
    var dataDirectory: String {
        dataDirectoryOption ?? ProcessInfo.processInfo.environment["FT_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data"
    }

    var databasePath: String {
        (dataDirectory as NSString).appendingPathComponent("financialtracker.sqlite")
    }

    mutating func validate() throws {
        let level = logLevelOption ?? ProcessInfo.processInfo.environment["FT_LOG_LEVEL"] ?? "warning"
        guard Logger.Level(rawValue: level) != nil else {
            throw ValidationError("unknown log level '\(level)'; use trace, debug, info, notice, warning, error or critical")
        }
        if dataDirectory.isEmpty { throw ValidationError("--data-dir cannot be empty") }
    }

    /// Sends logs to standard error at the chosen level. Call once, at the start of `run()`.
    func bootstrapLogging() -> Logger {
        let level = Logger.Level(rawValue: logLevelOption ?? ProcessInfo.processInfo.environment["FT_LOG_LEVEL"] ?? "warning") ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "ft")
    }

    /// The database path, or a clear error when there is no database yet (commands that read one
    /// never create it).
    func requireDatabase() throws -> String {
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw CLIError("no database at \(databasePath); create one with `ft seed`")
        }
        return databasePath
    }

    /// Creates the data directory if needed and checks it can be written to.
    func prepareDataDirectory() throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: dataDirectory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw CLIError("the data directory \(dataDirectory) is a file, not a folder")
            }
        } else {
            do {
                try manager.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            } catch {
                throw CLIError("cannot create the data directory \(dataDirectory): \(error.localizedDescription)")
            }
        }
        guard manager.isWritableFile(atPath: dataDirectory) else {
            throw CLIError("the data directory \(dataDirectory) is not writable")
        }
    }

    /// The restricted pages' folder (dashboard, reports): `option`, else DATA_DIR/admin. Refused
    /// if it lies inside the public site's folder, whose files anyone may fetch.
    func adminDirectory(_ option: String?, publicDirectory: String?) throws -> String {
        let folder = option ?? (dataDirectory as NSString).appendingPathComponent("admin")
        if let publicDirectory {
            let absolute = { (path: String) -> String in
                let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
                return URL(fileURLWithPath: full).standardizedFileURL.resolvingSymlinksInPath().path
            }
            let admin = absolute(folder), site = absolute(publicDirectory)
            if admin == site || admin.hasPrefix(site + "/") {
                throw CLIError("the admin folder \(folder) is inside the public site \(publicDirectory): its dashboards and reports would be public; choose another --admin-out")
            }
        }
        return folder
    }

    /// The encrypted document store of the data directory, opened with the key from
    /// `FT_DOCUMENT_KEY` or `keyFile` (default DATA_DIR/document.key). A missing or wrong key is a
    /// clear error, before anything is opened or written.
    func openDocumentStore(keyFile: String?) throws -> BlobStore {
        do {
            let key = try DocumentKey.load(file: keyFile ?? dataDirectory + "/document.key")
            return try BlobStore(directory: dataDirectory + "/blobs", key: key)
        } catch {
            throw CLIError("\(error)")
        }
    }
}

/// An error message for the person at the terminal.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
