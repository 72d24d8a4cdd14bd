internal import Foundation

/// A program of the system (poppler's `pdftotext` and `pdftoppm`, Tesseract) run on a file the
/// server wrote: found on the PATH, given at most `timeout` seconds (then terminated), its output
/// kept up to `outputLimit` bytes, its error output thrown away.
struct ExternalTool: Sendable {
    let name: String
    let path: String

    /// The program called `name` on the PATH, if installed.
    init?(_ name: String) {
        let search = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let path = search.split(separator: ":").map({ "\($0)/\(name)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        self.name = name
        self.path = path
    }

    enum Outcome: Equatable {
        case finished(Data)
        case timedOut
        /// Ended with a status other than 0.
        case failed(Int32)

        /// What went wrong, in a sentence naming the program (nil when it finished).
        func problem(_ tool: ExternalTool, timeout: Double) -> String? {
            switch self {
            case .finished: nil
            case .timedOut: "\(tool.name) took more than \(Int(timeout)) s"
            case .failed(let status): "\(tool.name) could not read it (status \(status))"
            }
        }
    }

    /// Runs the program to its end (or `timeout`) and returns what it printed.
    func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double, outputLimit: Int = 0) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe()
        process.standardOutput = outputLimit > 0 ? output : FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: deadline)
        var text = Data()
        if outputLimit > 0 {
            while true {
                let piece = output.fileHandleForReading.availableData
                if piece.isEmpty { break }
                if text.count < outputLimit { text.append(piece.prefix(outputLimit - text.count)) }
            }
        }
        // Polled, not `waitUntilExit()`: that spins a run loop which can hang when other
        // processes end at the same time (swift-corelibs-foundation).
        while process.isRunning { usleep(5_000) }
        deadline.cancel()
        if process.terminationReason == .uncaughtSignal { return .timedOut }
        guard process.terminationStatus == 0 else { return .failed(process.terminationStatus) }
        return .finished(text)
    }

    /// `text` as UTF-8 (a character cut at the output limit dropped), nil if it is not.
    static func utf8(_ text: Data) -> String? {
        for drop in 0...3 {
            if let string = String(data: text.dropLast(drop), encoding: .utf8) { return string }
        }
        return nil
    }
}
