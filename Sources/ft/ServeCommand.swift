import ArgumentParser
import FTServer
import FTStore
import Foundation
import Hummingbird
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the public site and the sync API.",
        discussion: """
            Serves the generated site (--public) as static files, and under /api/v1 the sign-in \
            (POST/DELETE /api/v1/session) and sync (POST /api/v1/sync/push, GET /api/v1/sync/pull) \
            endpoints; GET /healthz answers {"status":"ok"}. Stops cleanly on Ctrl-C or SIGTERM, \
            letting requests in flight finish.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Address to listen on (127.0.0.1: this machine only).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(name: .customLong("public"), help: ArgumentHelp("The generated site to serve.", valueName: "dir"))
    var publicDirectory = "public"

    mutating func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1 to 65535, not \(port)") }
        guard !host.isEmpty else { throw ValidationError("--host cannot be empty") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        let path = try options.requireDatabase()
        if !FileManager.default.fileExists(atPath: publicDirectory + "/index.html") {
            logger.warning("no site in \(publicDirectory); run `ft generate` first (the API works without it)")
        }
        let database = try AppDatabase.open(path: path, logger: logger)
        let configuration = ServerConfiguration(host: host, port: port, publicDirectory: publicDirectory)
        let app = buildApplication(database: database, configuration: configuration, logger: logger)
        // Written unbuffered, so that it shows at once even when stdout is a pipe or a file.
        FileHandle.standardOutput.write(Data("Serving \(publicDirectory)/ and the sync API on http://\(host):\(port)/ — Ctrl-C to stop.\n".utf8))
        try await app.runService()
        try database.close()
    }
}
