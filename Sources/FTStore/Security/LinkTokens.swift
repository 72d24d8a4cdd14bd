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

    /// What the database keeps of a token.
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}

extension BlobStore {
    /// The tokens of links sent by e-mail, under a key derived from this store's key.
    public var linkTokens: LinkTokens { LinkTokens(documentKey: key) }
}
