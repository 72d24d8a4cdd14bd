import Foundation
import Testing
import FTTestSupport

/// Runs the built `ft` binary as a person would, and captures what it prints.
struct CommandResult {
    var status: Int32
    var output: String
    var errors: String
}

enum FT {
    /// The `ft` executable built next to this test bundle.
    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["FT_BINARY"] { return URL(fileURLWithPath: path) }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("ft")
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["FT_DATA_DIR"] = nil
        // The seed encrypts its documents with the key the servers are started with.
        env["FT_DOCUMENT_KEY"] = documentKey
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        // Polled: `waitUntilExit()` spins a run loop that hung whole test runs when other tests
        // started processes at the same time (swift-corelibs-foundation).
        while process.isRunning { usleep(10_000) }
        return CommandResult(
            status: process.terminationStatus,
            output: String(decoding: outData, as: UTF8.self),
            errors: String(decoding: errData, as: UTF8.self)
        )
    }

    /// A document key for the servers the tests start (never a real one).
    static let documentKey: String = {
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        return Data(bytes).base64EncodedString()
    }()

    /// The environment of a test `ft serve`: this process's, plus the document key.
    static var serverEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["FT_DATA_DIR"] = nil
        environment["FT_DOCUMENT_KEY"] = documentKey
        return environment
    }

    static func temporaryDirectory() throws -> String {
        let path = TestFolder.path("ft-cli")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
