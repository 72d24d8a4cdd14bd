public import Crypto
public import Foundation

/// Message encryption for Web Push (RFC 8291), in the `aes128gcm` content coding (RFC 8188):
/// ECDH between a one-time server key and the browser's key, mixed with the browser's
/// authentication secret, gives the content key and nonce; the body is one record.
public enum WebPushEncryption {
    /// The record size written in the header.
    static let recordSize: UInt32 = 4_096
    /// The most plaintext one record carries: the push services take 4,096 bytes of body, of
    /// which the header takes 86, the tag 16 and the padding delimiter 1.
    public static let maximumPlaintext = 3_993

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case tooLong(Int)
        case badKey
        public var description: String {
            switch self {
            case .tooLong(let size): "a push message carries at most \(maximumPlaintext) bytes, not \(size)"
            case .badKey: "the subscription's p256dh key is not an uncompressed P-256 point"
            }
        }
    }

    /// The body to POST to the push service. `salt` and `serverKey` are random unless given (the
    /// RFC's example gives them).
    public static func encrypt(
        _ plaintext: Data, p256dh: Data, auth: Data,
        salt: Data = Data((0..<16).map { _ in UInt8.random(in: 0...255) }),
        serverKey: P256.KeyAgreement.PrivateKey = P256.KeyAgreement.PrivateKey()
    ) throws -> Data {
        guard plaintext.count <= maximumPlaintext else { throw Failure.tooLong(plaintext.count) }
        guard let browserKey = try? P256.KeyAgreement.PublicKey(x963Representation: p256dh) else { throw Failure.badKey }
        let shared = try serverKey.sharedSecretFromKeyAgreement(with: browserKey)
        let serverPublic = serverKey.publicKey.x963Representation
        // IKM = HKDF(auth, ECDH, "WebPush: info" 0 ua_public as_public, 32)
        let keyInfo = Data("WebPush: info".utf8) + [0] + p256dh + serverPublic
        let ikm = shared.hkdfDerivedSymmetricKey(using: SHA256.self, salt: auth, sharedInfo: keyInfo, outputByteCount: 32)
        let contentKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: Data("Content-Encoding: aes128gcm".utf8) + [0], outputByteCount: 16)
        let nonce = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: Data("Content-Encoding: nonce".utf8) + [0], outputByteCount: 12)
            .withUnsafeBytes { Data($0) }
        // One record, the last: the content then the delimiter 0x02, no padding.
        let sealed = try AES.GCM.seal(plaintext + [0x02], using: contentKey, nonce: AES.GCM.Nonce(data: nonce))
        var body = salt
        body.append(contentsOf: withUnsafeBytes(of: recordSize.bigEndian, Array.init))
        body.append(UInt8(serverPublic.count))
        body.append(serverPublic)
        body.append(sealed.ciphertext)
        body.append(sealed.tag)
        return body
    }
}
