internal import Foundation
internal import Crypto
internal import _CryptoExtras

/// Slow, salted password hashing: PBKDF2-HMAC-SHA256, stored as a self-describing string
/// `pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>`, so the cost can rise later without
/// breaking existing hashes. The password itself is never stored.
public struct PasswordHasher: Sendable {
    /// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
    public static let recommendedIterations = 600_000
    static let scheme = "pbkdf2-sha256"

    public let iterations: Int

    public init(iterations: Int = PasswordHasher.recommendedIterations) {
        precondition(iterations >= 1, "PBKDF2 needs at least one iteration")
        self.iterations = iterations
    }

    /// Hashes `password` with a fresh random 16-byte salt.
    public func hash(_ password: String) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return try hash(password, salt: salt)
    }

    /// Hashes `password` with the given salt (reproducible demo data, tests).
    public func hash(_ password: String, salt: [UInt8]) throws -> String {
        guard !password.isEmpty else { throw PasswordError.emptyPassword }
        let key = try derive(password, salt: salt, iterations: iterations)
        return [Self.scheme, String(iterations), Data(salt).base64EncodedString(), key.base64EncodedString()]
            .joined(separator: "$")
    }

    /// Whether `password` matches `stored`. A malformed stored hash never matches.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == scheme,
            let iterations = Int(parts[1]), iterations >= 1, iterations <= 10_000_000,
            let salt = Data(base64Encoded: String(parts[2])),
            let expected = Data(base64Encoded: String(parts[3])), expected.count == 32,
            !password.isEmpty,
            let actual = try? derive(password, salt: Array(salt), iterations: iterations)
        else { return false }
        // Constant-time comparison.
        var difference: UInt8 = 0
        for (a, b) in zip(actual, expected) { difference |= a ^ b }
        return difference == 0
    }

    private static func derive(_ password: String, salt: [UInt8], iterations: Int) throws -> Data {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Data(password.utf8),
            salt: salt,
            using: .sha256,
            outputByteCount: 32,
            unsafeUncheckedRounds: iterations
        )
        return key.withUnsafeBytes { Data($0) }
    }

    private func derive(_ password: String, salt: [UInt8], iterations: Int) throws -> Data {
        try Self.derive(password, salt: salt, iterations: iterations)
    }
}

public enum PasswordError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyPassword

    public var description: String {
        switch self {
        case .emptyPassword: "a password cannot be empty"
        }
    }
}
