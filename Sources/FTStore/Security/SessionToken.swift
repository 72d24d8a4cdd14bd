internal import Crypto
internal import FTModel
internal import Foundation

/// Bearer tokens: 32 random bytes, base64url; only their SHA-256 is stored.
enum SessionToken {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64URLEncoded
    }

    static func hash(_ token: String) -> String {
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(token.utf8)) {
            for nibble in [byte >> 4, byte & 0x0F] {
                hex.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
            }
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
