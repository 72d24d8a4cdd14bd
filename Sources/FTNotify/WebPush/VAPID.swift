public import Crypto
internal import FTModel
public import Foundation

/// Voluntary Application Server Identification (RFC 8292): the server signs, per push service, a
/// short-lived JWT (ES256) that the push service checks against the public key the browser
/// subscribed with.
public struct VAPID: Sendable {
    let key: P256.Signing.PrivateKey
    /// Who to contact about this server's pushes (`mailto:` or `https:`), in the JWT's `sub`.
    public let subject: String

    public init(privateKey: Data, subject: String) throws {
        key = try P256.Signing.PrivateKey(rawRepresentation: privateKey)
        self.subject = subject
    }

    /// The public key browsers subscribe with (`applicationServerKey`): uncompressed, base64url.
    public var publicKey: String { key.publicKey.x963Representation.base64URLEncoded }

    /// The `Authorization` header for a push to `endpoint`: `vapid t=<JWT>, k=<public key>`, the
    /// JWT's audience the endpoint's origin, valid 12 hours from `now` (24 at most, says the RFC).
    public func authorization(endpoint: URL, now: Date) throws -> String {
        guard let scheme = endpoint.scheme, let host = endpoint.host else { throw URLError(.badURL) }
        let audience = "\(scheme)://\(host)\(endpoint.port.map { ":\($0)" } ?? "")"
        let header = try JSONSerialization.data(withJSONObject: ["typ": "JWT", "alg": "ES256"], options: [.sortedKeys])
        let claims = try JSONSerialization.data(
            withJSONObject: ["aud": audience, "exp": Int(now.timeIntervalSince1970) + 12 * 3_600, "sub": subject] as [String: Any],
            options: [.sortedKeys, .withoutEscapingSlashes]
        )
        let signingInput = header.base64URLEncoded + "." + claims.base64URLEncoded
        // ES256: r and s, 32 bytes each, concatenated (what `rawRepresentation` is).
        let signature = try key.signature(for: Data(signingInput.utf8)).rawRepresentation
        return "vapid t=\(signingInput).\(signature.base64URLEncoded), k=\(publicKey)"
    }
}
