internal import FTArchive
internal import FTModel
internal import FTStore
internal import Foundation

/// A small picture of a version, for the conversation's attachments: an image is its own preview
/// (up to `imageLimit` bytes; never SVG, which can hold scripts); a PDF's first page is drawn by
/// poppler's `pdftoppm` (from a decrypted temporary copy readable by this user only, deleted at
/// once; at most `timeout` seconds) as a PNG at most `width` pixels wide.
struct PreviewRenderer: Sendable {
    let contents: DocumentContents
    var width = 480
    var timeout: Double = 20
    var imageLimit = 8 << 20

    static let imageTypes: Set<String> = ["image/png", "image/jpeg", "image/gif", "image/webp"]

    /// `pdftoppm`, if poppler-utils is installed.
    static let pdftoppm = ExternalTool("pdftoppm")

    enum Outcome: Equatable {
        case image(Data, mediaType: String)
        /// No preview for this kind of file (or too large an image).
        case none
        case failed(String)
    }

    func preview(_ version: DocumentVersion) -> Outcome {
        do {
            if Self.imageTypes.contains(version.mediaType) {
                guard version.byteCount <= imageLimit else { return .none }
                var bytes = Data()
                try contents.read(version) { bytes.append($0) }
                return .image(bytes, mediaType: version.mediaType)
            }
            if version.mediaType == "application/pdf" { return try firstPage(version) }
            return .none
        } catch {
            return .failed("\(error)")
        }
    }

    private func firstPage(_ version: DocumentVersion) throws -> Outcome {
        guard let tool = Self.pdftoppm else { return .failed("pdftoppm is not installed (Debian package poppler-utils)") }
        let base = "\(contents.blobs.directory)/tmp/preview-\(UUID().uuidString)"
        let path = base + ".pdf"
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else { return .failed("cannot write a temporary copy") }
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: base + ".png")
        }
        do {
            defer { try? handle.close() }
            try contents.read(version) { try handle.write(contentsOf: $0) }
        }
        let outcome = try tool.run(["-q", "-png", "-f", "1", "-l", "1", "-singlefile", "-scale-to-x", String(width), "-scale-to-y", "-1", path, base], timeout: timeout)
        if let problem = outcome.problem(tool, timeout: timeout) { return .failed(problem) }
        guard let png = FileManager.default.contents(atPath: base + ".png") else { return .failed("pdftoppm drew nothing") }
        return .image(png, mediaType: "image/png")
    }
}
