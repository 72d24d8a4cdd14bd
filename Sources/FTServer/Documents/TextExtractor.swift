internal import FTArchive
internal import FTModel
internal import FTStore
internal import Foundation

/// The searchable text of a version: PDFs through poppler's `pdftotext` (run on a decrypted
/// temporary copy, readable by this user only, deleted at once; at most 60 s), text files as they
/// are (UTF-8, or Latin-1 if not). At most `limit` bytes of text are kept.
struct TextExtractor: Sendable {
    let contents: DocumentContents
    var limit = 2 << 20
    var timeout: Double = 60

    /// `pdftotext` on the PATH, if poppler-utils is installed.
    static let pdftotext: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/pdftotext" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    func extract(_ version: DocumentVersion) -> TextExtraction {
        guard contents.isAvailable(version) else { return .empty("no stored content") }
        do {
            if version.mediaType == "application/pdf" { return try pdf(version) }
            if version.mediaType.hasPrefix("text/") { return try plainText(version) }
            return .empty("no text is extracted from \(version.mediaType)")
        } catch {
            return .failed("\(error)")
        }
    }

    private func plainText(_ version: DocumentVersion) throws -> TextExtraction {
        var bytes = Data()
        let reader = try contents.reader(for: version, range: 0..<min(Int(version.byteCount), limit))
        while let piece = try reader.next() { bytes.append(piece) }
        // A multi-byte character may be cut at the limit.
        for drop in 0...3 {
            if let text = String(data: bytes.dropLast(drop), encoding: .utf8) { return .text(text) }
        }
        return .text(String(data: bytes, encoding: .isoLatin1) ?? "")
    }

    private func pdf(_ version: DocumentVersion) throws -> TextExtraction {
        guard let tool = Self.pdftotext else { return .failed("pdftotext is not installed (Debian package poppler-utils)") }
        let path = "\(contents.blobs.directory)/tmp/extract-\(UUID().uuidString).pdf"
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else { return .failed("cannot write a temporary copy") }
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            defer { try? handle.close() }
            try contents.read(version) { try handle.write(contentsOf: $0) }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-q", "-enc", "UTF-8", "-l", "2000", path, "-"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: deadline)
        var text = Data()
        while true {
            let piece = output.fileHandleForReading.availableData
            if piece.isEmpty { break }
            if text.count < limit { text.append(piece.prefix(limit - text.count)) }
        }
        // Polled, not `waitUntilExit()`: that spins a run loop which can hang when other
        // processes end at the same time (swift-corelibs-foundation).
        while process.isRunning { usleep(5_000) }
        deadline.cancel()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            return .failed(process.terminationReason == .uncaughtSignal ? "pdftotext took more than \(Int(timeout)) s" : "pdftotext could not read it (status \(process.terminationStatus))")
        }
        for drop in 0...3 {
            if let string = String(data: text.dropLast(drop), encoding: .utf8) { return .text(string) }
        }
        return .failed("pdftotext gave text that is not UTF-8")
    }
}
