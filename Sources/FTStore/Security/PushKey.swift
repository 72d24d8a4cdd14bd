internal import Crypto
public import Foundation

extension BlobStore {
    /// The server's Web Push signing key (VAPID, RFC 8292: P-256, its 32-byte private scalar),
    /// derived from the document key: nothing more to keep secret or back up, and the same key on
    /// every start. A new document key is a new VAPID key, and browsers subscribed under the old one
    /// must subscribe again (their push services refuse the new signature).
    public var vapidPrivateKey: Data { Self.vapidPrivateKey(documentKey: key) }

    static func vapidPrivateKey(documentKey: DocumentKey) -> Data {
        // An HMAC output is a valid P-256 scalar but for a 2^-32 chance (zero, or not below the
        // curve's order): the next counter then.
        for counter in 0..<UInt8.max {
            let candidate = Data(HMAC<SHA256>.authenticationCode(for: Data("financialtracker vapid v1 \(counter)".utf8), using: documentKey.key))
            if (try? P256.Signing.PrivateKey(rawRepresentation: candidate)) != nil { return candidate }
        }
        preconditionFailure("no P-256 scalar in 255 HMAC outputs")
    }
}
