internal import Crypto
public import FTModel
public import Foundation

/// The secrets of links the server sends by e-mail (one-click unsubscribe), under a key derived
/// from the document key: the same e-mail, sent again after a crash, carries the same link, and
/// the database stores only each token's hash.
public struct LinkTokens: Sendable {
    private let key: SymmetricKey

    public init(documentKey: DocumentKey) {
        let derived = HMAC<SHA256>.authenticationCode(for: Data("financialtracker links v1".utf8), using: documentKey.key)
        key = SymmetricKey(data: Data(derived))
    }

    /// The unsubscribe token of one e-mail for one kind (base64url, 43 characters).
    public func unsubscribeToken(mailId: String, kind: NotificationKind) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("unsubscribe\u{0}\(mailId)\u{0}\(kind.rawValue)".utf8), using: key)
        return Data(code).base64URLEncoded
    }

    /// The token of a saved search's links (confirm, stop), made from its nonce (base64url, 43
    /// characters).
    public func searchAlertToken(nonce: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("search-alert\u{0}\(nonce)".utf8), using: key)
        return Data(code).base64URLEncoded
    }

    /// The token of an account e-mail's link (address verification, password reset), made from
    /// its nonce (base64url, 43 characters).
    public func accountToken(nonce: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("account\u{0}\(nonce)".utf8), using: key)
        return Data(code).base64URLEncoded
    }

    /// A new saved search's nonce: 16 random bytes in hexadecimal.
    public static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// What the database keeps of a token.
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}

extension BlobStore {
    /// The tokens of links sent by e-mail, under a key derived from this store's key.
    public var linkTokens: LinkTokens { LinkTokens(documentKey: key) }
}
