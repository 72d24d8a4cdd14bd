public import Foundation

extension Data {
    /// Base64url without padding (RFC 4648 §5), as tokens in links, Web Push keys and JWTs write
    /// bytes: safe in a URL path and a header.
    public var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Bytes from base64url, padded or not; nil when the text is not base64url.
    public init?(base64URL text: String) {
        guard text.utf8.allSatisfy(Self.base64URLAlphabet.contains) else { return nil }
        var base64 = text.replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }

    private static let base64URLAlphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=".utf8)
}
