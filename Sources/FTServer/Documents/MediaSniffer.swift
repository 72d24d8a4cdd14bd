internal import Foundation

/// The type of a file from its first bytes, not its name: a `.pdf` that is really an executable is
/// not served as a PDF.
enum MediaSniffer {
    static func mediaType(of head: Data, fileName: String) -> String {
        let bytes = [UInt8](head.prefix(16))
        func starts(_ magic: [UInt8]) -> Bool { bytes.count >= magic.count && Array(bytes.prefix(magic.count)) == magic }
        if starts(Array("%PDF-".utf8)) { return "application/pdf" }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return "image/gif" }
        // Scanners' TIFF, little- or big-endian.
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "image/tiff" }
        if starts(Array("RIFF".utf8)), bytes.count >= 12, Array(bytes[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        if starts([0x50, 0x4B, 0x03, 0x04]) {
            // Office files are zips; only the name tells which (the zip's listing would too).
            switch (fileName as NSString).pathExtension.lowercased() {
            case "docx": return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            case "xlsx": return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case "pptx": return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            case "odt": return "application/vnd.oasis.opendocument.text"
            case "ods": return "application/vnd.oasis.opendocument.spreadsheet"
            default: return "application/zip"
            }
        }
        if isText(head) {
            switch (fileName as NSString).pathExtension.lowercased() {
            case "csv": return "text/csv"
            case "md": return "text/markdown"
            default: return "text/plain"
            }
        }
        return "application/octet-stream"
    }

    /// UTF-8 without NUL or other control bytes besides tab, newline, carriage return, form feed.
    private static func isText(_ head: Data) -> Bool {
        guard !head.isEmpty else { return true }
        let cut = head.prefix(512)
        if cut.contains(where: { $0 < 0x20 && ![0x09, 0x0A, 0x0C, 0x0D].contains($0) }) { return false }
        // The last bytes may be a cut multi-byte character.
        for drop in 0...3 where String(data: cut.dropLast(drop), encoding: .utf8) != nil { return true }
        return false
    }
}
