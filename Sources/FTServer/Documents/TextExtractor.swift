internal import FTArchive
internal import FTModel
internal import FTStore
internal import Foundation

/// The searchable text of a version: PDFs through poppler's `pdftotext`, and their pages without
/// text (scans) drawn by `pdftoppm` and read by Tesseract; pictures (photos, scans) read by
/// Tesseract; text files as they are (UTF-8, or Latin-1 if not). Every tool works on a decrypted
/// temporary copy readable by this user only, deleted at once. At most `limit` bytes of text.
struct TextExtractor: Sendable {
    let contents: DocumentContents
    var limit = 2 << 20
    var timeout: Double = 60
    /// Tesseract, if installed: without it, scans and photos are recorded as having no text.
    var recognizer = TextRecognizer.installed
    /// The pages of one PDF read by OCR at most (each takes a second or more).
    var recognizedPageLimit = 30
    /// A PDF page with fewer letters than this is taken for a scan.
    var scannedPageLetters = 16

    static let pdftotext = ExternalTool("pdftotext")
    static let pdftoppm = ExternalTool("pdftoppm")
    static let pictureTypes: Set<String> = ["image/png", "image/jpeg", "image/tiff", "image/gif", "image/webp", "image/bmp"]

    func extract(_ version: DocumentVersion) -> TextExtraction {
        guard contents.isAvailable(version) else { return .empty("no stored content") }
        do {
            if version.mediaType == "application/pdf" { return try pdf(version) }
            if Self.pictureTypes.contains(version.mediaType) { return try picture(version) }
            if version.mediaType.hasPrefix("text/") { return try plainText(version) }
            return .empty("no text is extracted from \(version.mediaType)")
        } catch let problem as ExtractionProblem {
            return .failed(problem.description)
        } catch {
            return .failed("\(error)")
        }
    }

    private func plainText(_ version: DocumentVersion) throws -> TextExtraction {
        var bytes = Data()
        let reader = try contents.reader(for: version, range: 0..<min(Int(version.byteCount), limit))
        while let piece = try reader.next() { bytes.append(piece) }
        // A multi-byte character may be cut at the limit.
        if let text = ExternalTool.utf8(bytes) { return .text(text) }
        return .text(String(data: bytes, encoding: .isoLatin1) ?? "")
    }

    private func picture(_ version: DocumentVersion) throws -> TextExtraction {
        guard let recognizer else { return .empty("no text is read from \(version.mediaType) without tesseract (Debian packages tesseract-ocr, tesseract-ocr-fra)") }
        return try withTemporaryCopy(of: version, suffix: "picture") { path in
            .recognized(try recognizer.recognize(imageAt: path).get())
        }
    }

    /// The PDF's text, page by page (pdftotext separates them with form feeds); pages with almost
    /// no letters are scans, drawn at 200 dpi in grey and read by Tesseract.
    private func pdf(_ version: DocumentVersion) throws -> TextExtraction {
        guard let tool = Self.pdftotext else { return .failed("pdftotext is not installed (Debian package poppler-utils)") }
        return try withTemporaryCopy(of: version, suffix: "pdf") { path in
            let outcome = try tool.run(["-q", "-enc", "UTF-8", "-l", "2000", path, "-"], timeout: timeout, outputLimit: limit)
            guard case .finished(let output) = outcome else { throw ExtractionProblem(outcome.problem(tool, timeout: timeout) ?? "") }
            guard let text = ExternalTool.utf8(output) else { throw ExtractionProblem("pdftotext gave text that is not UTF-8") }
            var pages = text.split(separator: "\u{0C}", omittingEmptySubsequences: false).map(String.init)
            // The form feed after the last page leaves an empty piece; an output cut at the limit
            // leaves a last page that is not a scan.
            if pages.count > 1, pages.last?.isEmpty == true { pages.removeLast() }
            let scanned = pages.indices.filter { pages[$0].filter(\.isLetter).count < scannedPageLetters }
            guard let recognizer, let draw = Self.pdftoppm, !scanned.isEmpty else { return .text(text) }
            for index in scanned.prefix(recognizedPageLimit) {
                let base = path + "-page\(index + 1)"
                defer { try? FileManager.default.removeItem(atPath: base + ".png") }
                let page = String(index + 1)
                let drawn = try draw.run(["-q", "-r", "200", "-gray", "-png", "-f", page, "-l", page, "-singlefile", path, base], timeout: timeout)
                if let problem = drawn.problem(draw, timeout: timeout) { throw ExtractionProblem(problem) }
                pages[index] = try recognizer.recognize(imageAt: base + ".png").get()
            }
            return .recognized(pages.joined(separator: "\u{0C}"))
        }
    }

    /// Runs `body` on a decrypted copy of the version, readable by this user only, removed after.
    private func withTemporaryCopy(of version: DocumentVersion, suffix: String, _ body: (String) throws -> TextExtraction) throws -> TextExtraction {
        let path = "\(contents.blobs.directory)/tmp/extract-\(UUID().uuidString).\(suffix)"
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else { return .failed("cannot write a temporary copy") }
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            defer { try? handle.close() }
            try contents.read(version) { try handle.write(contentsOf: $0) }
        }
        return try body(path)
    }
}
