internal import Foundation

/// Text read from a picture by Tesseract (Debian's `tesseract-ocr`, and `tesseract-ocr-fra` for
/// French): photos and scans of documents, which is what most small businesses send, and the
/// pages of a PDF that carry no text of their own. One core at a time (`OMP_THREAD_LIMIT=1`), so
/// the indexer never takes both from the requests; at most `timeout` seconds a picture.
struct TextRecognizer: Sendable {
    let tool: ExternalTool
    /// Tesseract's language argument: French and English when both are installed.
    let languages: String
    var timeout: Double = 60
    var outputLimit = 2 << 20

    /// The recognizer, if Tesseract and a language for it are installed.
    static let installed: TextRecognizer? = {
        guard let tool = ExternalTool("tesseract"),
            case .finished(let output)? = try? tool.run(["--list-langs"], timeout: 10, outputLimit: 64 << 10),
            let listing = String(data: output, encoding: .utf8)
        else { return nil }
        let installed = Set(listing.split(whereSeparator: \.isNewline).dropFirst().map(String.init))
        let languages = ["fra", "eng"].filter(installed.contains)
        guard !languages.isEmpty else { return nil }
        return TextRecognizer(tool: tool, languages: languages.joined(separator: "+"))
    }()

    /// The text Tesseract reads in the picture at `path` (PNG, JPEG, TIFF, GIF, WebP, BMP).
    func recognize(imageAt path: String) throws -> Result<String, ExtractionProblem> {
        let outcome = try tool.run([path, "-", "-l", languages, "--psm", "3"], environment: ["OMP_THREAD_LIMIT": "1"], timeout: timeout, outputLimit: outputLimit)
        guard case .finished(let output) = outcome else { return .failure(ExtractionProblem(outcome.problem(tool, timeout: timeout) ?? "")) }
        guard let text = ExternalTool.utf8(output) else { return .failure(ExtractionProblem("tesseract gave text that is not UTF-8")) }
        return .success(text)
    }
}

/// Why a tool could not give a version's text, in a sentence.
struct ExtractionProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
