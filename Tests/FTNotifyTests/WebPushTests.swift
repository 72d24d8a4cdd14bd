import Crypto
import FTModel
import FTStore
import Foundation
import Testing
@testable import FTNotify

/// Web Push's cryptography against the RFCs' own example, and the endpoint guard.
@Suite struct WebPushTests {
    static func bytes(_ base64URL: String) throws -> Data { try #require(Data(base64URL: base64URL)) }

    /// RFC 8291, Appendix A: the same keys, salt and text give the same body, byte for byte.
    @Test func encryptionGivesRFC8291sExample() throws {
        let serverKey = try P256.KeyAgreement.PrivateKey(rawRepresentation: Self.bytes("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"))
        let body = try WebPushEncryption.encrypt(
            Data("When I grow up, I want to be a watermelon".utf8),
            p256dh: Self.bytes("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
            auth: Self.bytes("BTBZMqHH6r4Tts7J_aSIgg"), salt: Self.bytes("DGv6ra1nlYgDCS1FRnbzlw"), serverKey: serverKey
        )
        #expect(body.base64URLEncoded == """
            DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN
            """)
    }

    @Test func tooLongAMessageOrABadKeyIsRefused() throws {
        let browser = P256.KeyAgreement.PrivateKey()
        let auth = Data(repeating: 7, count: 16)
        #expect(throws: WebPushEncryption.Failure.tooLong(3_994)) {
            try WebPushEncryption.encrypt(Data(count: 3_994), p256dh: browser.publicKey.x963Representation, auth: auth)
        }
        #expect(try WebPushEncryption.encrypt(Data(count: 3_993), p256dh: browser.publicKey.x963Representation, auth: auth).count == 4_096)
        #expect(throws: WebPushEncryption.Failure.badKey) {
            try WebPushEncryption.encrypt(Data("x".utf8), p256dh: Data(repeating: 4, count: 65), auth: auth)
        }
    }

    /// RFC 8292: the JWT is for the endpoint's origin, expires within 24 h, names who to contact,
    /// and its ES256 signature checks against the key in `k`.
    @Test func theVAPIDTokenIsSignedForTheEndpointsOrigin() throws {
        let vapid = try VAPID(privateKey: P256.Signing.PrivateKey().rawRepresentation, subject: "mailto:ops@financialtracker.example")
        let now = Date(timeIntervalSince1970: 1_796_644_800)
        let header = try vapid.authorization(endpoint: try #require(URL(string: "https://push.example.net:8443/wpush/v2/abc?x=1")), now: now)
        let match = try #require(header.wholeMatch(of: /vapid t=([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)/))
        #expect(String(match.4) == vapid.publicKey)
        let claims = try #require(try JSONSerialization.jsonObject(with: Self.bytes(String(match.2))) as? [String: Any])
        #expect(claims["aud"] as? String == "https://push.example.net:8443")
        #expect(claims["sub"] as? String == "mailto:ops@financialtracker.example")
        #expect(claims["exp"] as? Int == Int(now.timeIntervalSince1970) + 12 * 3_600)
        let jose = try #require(try JSONSerialization.jsonObject(with: Self.bytes(String(match.1))) as? [String: String])
        #expect(jose == ["typ": "JWT", "alg": "ES256"])
        let publicKey = try P256.Signing.PublicKey(x963Representation: Self.bytes(String(match.4)))
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: Self.bytes(String(match.3)))
        #expect(publicKey.isValidSignature(signature, for: Data("\(match.1).\(match.2)".utf8)))
        #expect(!publicKey.isValidSignature(signature, for: Data("\(match.1).e30".utf8)))
    }

    @Test func theVAPIDKeyFollowsTheDocumentKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vapid-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let key = DocumentKey.generate()
        let first = try BlobStore(directory: folder + "/a", key: DocumentKey.parse(key, source: "test"))
        let again = try BlobStore(directory: folder + "/b", key: DocumentKey.parse(key, source: "test"))
        let other = try BlobStore(directory: folder + "/c", key: DocumentKey.parse(DocumentKey.generate(), source: "test"))
        #expect(first.vapidPrivateKey == again.vapidPrivateKey)
        #expect(first.vapidPrivateKey != other.vapidPrivateKey)
        #expect(try VAPID(privateKey: first.vapidPrivateKey, subject: "mailto:a@b.example").publicKey.count == 87)
    }

    @Test(arguments: [
        ("http://push.example.net/x", "must be https"),
        ("https://10.0.0.1/x", "private"),
        ("https://192.168.1.20/x", "private"),
        ("https://172.20.0.1/x", "private"),
        ("https://100.64.0.1/x", "private"),
        ("https://127.0.0.1/x", "loopback"),
        ("https://[::1]/x", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[fe80::1]/x", "link-local"),
        ("https://[fd00::1]/x", "private"),
        ("https://[::ffff:10.0.0.1]/x", "private"),
        ("https://0.0.0.0/x", "reserved"),
        ("https://224.0.0.1/x", "reserved"),
        ("https://user:secret@push.example.net/x", "user name or password"),
        ("/relative", "not an absolute URL"),
        ("https://localhost/x", "loopback"),
    ])
    func endpointsThatReachInsideAreRefused(endpoint: String, reason: String) async throws {
        let error = await #expect(throws: PushSubscriptionError.self) { try await PushEndpointGuard().check(endpoint) }
        #expect(error?.field == "endpoint")
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
    }

    @Test func aLongEndpointIsRefused() async throws {
        let error = await #expect(throws: PushSubscriptionError.self) {
            try await PushEndpointGuard().check("https://8.8.8.8/" + String(repeating: "a", count: 2_048))
        }
        #expect(error?.message.contains("longer than 2048") == true)
    }

    @Test func publicAddressesAndTheTestSwitchsLoopbackAreAccepted() async throws {
        #expect(try await PushEndpointGuard().check("https://8.8.8.8/wpush/abc").host == "8.8.8.8")
        #expect(try await PushEndpointGuard().check("https://[2a00:1450:4007:80c::200a]/fcm/send/abc").host != nil)
        let testing = PushEndpointGuard(allowsLoopback: true)
        #expect(try await testing.check("http://127.0.0.1:8123/push/1").port == 8123)
        #expect(try await testing.check("https://localhost/x").host == "localhost")
        // The switch opens loopback only.
        await #expect(throws: PushSubscriptionError.self) { try await testing.check("http://10.0.0.1/x") }
        await #expect(throws: PushSubscriptionError.self) { try await testing.check("https://169.254.169.254/x") }
    }
}
