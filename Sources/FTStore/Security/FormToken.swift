internal import Crypto
internal import FTModel
public import Foundation

/// The token the admin pages' forms carry against cross-site request forgery: an HMAC of a fixed
/// label keyed by the session's own token. It is never stored; only someone who holds the session
/// (its HttpOnly cookie cannot be read by a page) can make it, and it ends with the session.
public enum FormToken {
    public static func make(session: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("financialtracker admin forms v1".utf8), using: SymmetricKey(data: Data(session.utf8)))
        return Data(code).base64URLEncoded
    }

    /// Whether `sent` is the session's token (compared in constant time).
    public static func matches(_ sent: String, session: String) -> Bool {
        let expected = Array(make(session: session).utf8)
        let given = Array(sent.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, given) { difference |= a ^ b }
        return difference == 0
    }
}
