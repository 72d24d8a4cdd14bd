internal import Foundation

/// The encodings an e-mail needs for text that is not plain ASCII.
enum MIMEEncoding {
    /// A header's text: as it is when printable ASCII, else RFC 2047 encoded words (UTF-8,
    /// base64), each at most 75 characters, never cutting a character in two.
    static func encodedWords(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.allSatisfy({ $0.isASCII && ($0 == " " || $0.isPunctuation || $0.isLetter || $0.isNumber || $0.isSymbol) }) && !clean.contains("=?") {
            return clean
        }
        var words: [String] = []
        var chunk = Data()
        for character in clean {
            let bytes = Data(String(character).utf8)
            // 39 bytes make 52 base64 characters: 64 with "=?utf-8?B?" and "?=", which leaves
            // room for the header's name on the first line (78 at most).
            if chunk.count + bytes.count > 39 {
                words.append("=?utf-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// Quoted-printable (RFC 2045): lines of at most 76 characters, CRLF line ends, `=` and
    /// bytes outside printable ASCII as `=XX`, spaces before a line end encoded.
    static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var output: [String] = []
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            var encoded = ""
            var length = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let last = index == bytes.count - 1
                let piece: String
                if (byte == 0x20 || byte == 0x09) && last {
                    piece = String(format: "=%02X", byte)
                } else if (byte >= 33 && byte <= 126 && byte != 61) || byte == 0x20 || byte == 0x09 {
                    piece = String(UnicodeScalar(byte))
                } else {
                    piece = String(format: "=%02X", byte)
                }
                if length + piece.count > 75 {
                    encoded += "=\r\n"
                    length = 0
                }
                encoded += piece
                length += piece.count
            }
            output.append(encoded)
        }
        return output.joined(separator: "\r\n")
    }
}
