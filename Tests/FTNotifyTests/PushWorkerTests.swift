import Crypto
import FTModel
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Logging
import Testing
@testable import FTNotify

/// The push worker with a real (in-memory) seeded database and a transport that records the
/// requests or answers as told; the bodies are decrypted here with the browser's private key.
@Suite struct PushWorkerTests {
    /// Records each request; answers with the next outcome given (then `.delivered`).
    final class RecordingPushService: PushTransport, @unchecked Sendable {
        private let lock = NSLock()
        private var requests: [PushRequest] = []
        private var outcomes: [PushOutcome]
        init(outcomes: [PushOutcome] = []) { self.outcomes = outcomes }
        var received: [PushRequest] { lock.withLock { requests } }
        func send(_ request: PushRequest) async -> PushOutcome {
            lock.withLock {
                requests.append(request)
                return outcomes.isEmpty ? .delivered : outcomes.removeFirst()
            }
        }
        func shutdown() async {}
    }

    /// A browser: its keys, as `pushManager.subscribe` makes them.
    struct Browser {
        let key = P256.KeyAgreement.PrivateKey()
        let auth = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
        let endpoint: String

        /// The RFC 8291 decryption of one body.
        func decrypt(_ body: Data) throws -> Data {
            let salt = body.prefix(16)
            let keyLength = Int(body[body.startIndex + 20])
            let serverPublic = body.subdata(in: (body.startIndex + 21)..<(body.startIndex + 21 + keyLength))
            let sealed = body.suffix(from: body.startIndex + 21 + keyLength)
            let shared = try key.sharedSecretFromKeyAgreement(with: P256.KeyAgreement.PublicKey(x963Representation: serverPublic))
            let info = Data("WebPush: info".utf8) + [0] + key.publicKey.x963Representation + serverPublic
            let ikm = shared.hkdfDerivedSymmetricKey(using: SHA256.self, salt: auth, sharedInfo: info, outputByteCount: 32)
            let contentKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: Data("Content-Encoding: aes128gcm".utf8) + [0], outputByteCount: 16)
            let nonce = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: Data("Content-Encoding: nonce".utf8) + [0], outputByteCount: 12).withUnsafeBytes { Data($0) }
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: sealed.dropLast(16), tag: sealed.suffix(16))
            let padded = try AES.GCM.open(box, using: contentKey)
            #expect(padded.last == 0x02)
            return padded.dropLast()
        }
    }

    struct Setup {
        let mail: MailerTests.Setup
        let expert: Int64

        init() throws {
            let mail = try MailerTests.Setup()
            // The expert of the client's conversation receives the client's messages.
            let expert = try mail.database.writer.read { db in
                try Int64.fetchOne(db, sql: """
                    SELECT e.userId FROM conversation c JOIN expertAssignment a ON a.dossierId = c.dossierId JOIN expert e ON e.id = a.expertId
                    WHERE c.id = ? LIMIT 1
                    """, arguments: [mail.conversation])
            }
            self.mail = mail
            self.expert = try #require(expert)
        }

        func subscribe(_ browser: Browser) throws {
            try mail.database.addPushSubscription(userId: expert, endpoint: browser.endpoint, p256dh: browser.key.publicKey.x963Representation, auth: browser.auth, at: mail.clock.now)
        }

        func pusher(_ transport: any PushTransport, retry: RetryPolicy = RetryPolicy(), quietHours: QuietHours = QuietHours()) throws -> NotificationPusher {
            let clock = mail.clock
            return NotificationPusher(
                database: mail.database, transport: transport,
                configuration: PushConfiguration(
                    vapid: try VAPID(privateKey: P256.Signing.PrivateKey().rawRepresentation, subject: "mailto:ops@financialtracker.example"),
                    endpoints: PushEndpointGuard(allowsLoopback: true), policy: NotificationPolicy(quietHours: quietHours, retry: retry)
                ),
                logger: Logger(label: "test"), now: { clock.now }, jitter: { 0.5 }
            )
        }
    }

    @Test func aMessageReachesEveryBrowserOfItsRecipientEncrypted() async throws {
        let setup = try Setup()
        let phone = Browser(endpoint: "http://127.0.0.1:9/push/phone")
        let laptop = Browser(endpoint: "http://127.0.0.1:9/push/laptop")
        try setup.subscribe(phone)
        try setup.subscribe(laptop)
        let service = RecordingPushService()
        let pusher = try setup.pusher(service)
        try setup.mail.message("p1", "Le devis signé est en pièce jointe", at: 0)
        // No digest wait for push: out at once.
        #expect(await pusher.deliverDue() == .init(sent: 1, failed: 0, removed: 0))
        let requests = service.received
        #expect(Set(requests.map(\.endpoint.path)) == ["/push/phone", "/push/laptop"])
        for (request, browser) in zip(requests.sorted { $0.endpoint.path < $1.endpoint.path }, [laptop, phone]) {
            let payload = try #require(try JSONSerialization.jsonObject(with: browser.decrypt(request.body)) as? [String: Any])
            #expect(payload["body"] as? String == "Le devis signé est en pièce jointe")
            #expect(payload["url"] as? String == "/app/conversation.html?conversation=\(setup.mail.conversation)")
            #expect(payload["tag"] as? String == "conversation:\(setup.mail.conversation)")
            #expect(payload["kind"] as? String == "message")
            #expect((payload["title"] as? String)?.isEmpty == false)
            #expect(request.urgency == "normal" && request.timeToLive == 2 * 86_400)
            #expect(request.topic == "n\(try #require(payload["id"] as? Int))")
            #expect(request.authorization.hasPrefix("vapid t="))
        }
        // Each once.
        #expect(await pusher.deliverDue().sent == 0)
        #expect(service.received.count == 2)
    }

    @Test func aGoneSubscriptionIsRemovedAndTheOthersStillGetIt() async throws {
        let setup = try Setup()
        try setup.subscribe(Browser(endpoint: "http://127.0.0.1:9/push/old"))
        try setup.subscribe(Browser(endpoint: "http://127.0.0.1:9/push/new"))
        let service = RecordingPushService(outcomes: [.gone, .delivered])
        let pusher = try setup.pusher(service)
        try setup.mail.message("g1", "Bonjour", at: 0)
        #expect(await pusher.deliverDue() == .init(sent: 1, failed: 0, removed: 1))
        #expect(try setup.mail.database.pushSubscriptions(userId: setup.expert).map(\.endpoint) == ["http://127.0.0.1:9/push/new"])
    }

    @Test func aFailingPushServiceIsRetriedThenDeadLettered() async throws {
        let setup = try Setup()
        try setup.subscribe(Browser(endpoint: "http://127.0.0.1:9/push/busy"))
        let service = RecordingPushService(outcomes: Array(repeating: .failed("the push service answered 503", retry: true), count: 10))
        let pusher = try setup.pusher(service, retry: RetryPolicy(maximumAttempts: 3, firstDelay: 10, longestDelay: 60))
        try setup.mail.message("f1", "Relance", at: 0)
        #expect(await pusher.deliverDue().failed == 1)
        setup.mail.clock.advance(5)
        #expect(await pusher.deliverDue().failed == 0)
        setup.mail.clock.advance(6)
        #expect(await pusher.deliverDue().failed == 1)
        setup.mail.clock.advance(25)
        #expect(await pusher.deliverDue().failed == 1)
        // Three tries: dead, not tried again.
        setup.mail.clock.advance(3_600)
        #expect(await pusher.deliverDue().failed == 0)
        #expect(service.received.count == 3)
        let dead = try await setup.mail.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT lastError FROM notificationDelivery WHERE channel = 'push' AND status = 'dead'")
        }
        #expect(dead == ["the push service answered 503"])
    }

    @Test func aRefusalIsADeadLetterAtOnce() async throws {
        let setup = try Setup()
        try setup.subscribe(Browser(endpoint: "http://127.0.0.1:9/push/refusing"))
        let service = RecordingPushService(outcomes: [.failed("the push service answered 403", retry: false)])
        let pusher = try setup.pusher(service)
        try setup.mail.message("d1", "Bonjour", at: 0)
        #expect(await pusher.deliverDue().failed == 1)
        setup.mail.clock.advance(86_400)
        #expect(await pusher.deliverDue().failed == 0)
        #expect(service.received.count == 1)
    }

    /// 22:00 in Paris: the push waits for 08:00.
    @Test func quietHoursHoldPushesTillMorning() async throws {
        let setup = try Setup()
        try setup.subscribe(Browser(endpoint: "http://127.0.0.1:9/push/night"))
        let service = RecordingPushService()
        let pusher = try setup.pusher(service)
        // Noon UTC + 9 h = 21:00 UTC = 22:00 in Paris (winter).
        setup.mail.clock.advance(9 * 3_600)
        try setup.mail.message("q1", "Message du soir", at: 9 * 3_600)
        #expect(await pusher.deliverDue().sent == 0)
        setup.mail.clock.advance(9 * 3_600) // 07:00 in Paris
        #expect(await pusher.deliverDue().sent == 0)
        setup.mail.clock.advance(3_600 + 1) // 08:00
        #expect(await pusher.deliverDue().sent == 1)
        #expect(service.received.count == 1)
    }

    /// Only users with a browser subscribed get push deliveries; the others none (no rows).
    @Test func noSubscriptionNoPushDelivery() async throws {
        let setup = try Setup()
        let pusher = try setup.pusher(RecordingPushService())
        try setup.mail.message("n1", "Bonjour", at: 0)
        _ = await pusher.deliverDue()
        let pushes = try await setup.mail.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM notificationDelivery WHERE channel = 'push'") }
        #expect(pushes == 0)
    }

    @Test func badKeysAreRefusedNamingTheField() throws {
        let setup = try Setup()
        let database = setup.mail.database
        let key = P256.KeyAgreement.PrivateKey().publicKey.x963Representation
        #expect(throws: PushSubscriptionError(field: "keys.p256dh", message: "keys.p256dh must be an uncompressed P-256 public key (65 bytes, base64url)")) {
            try database.addPushSubscription(userId: setup.expert, endpoint: "https://push.example.net/1", p256dh: Data(repeating: 4, count: 65), auth: Data(count: 16), at: .now)
        }
        #expect(throws: PushSubscriptionError(field: "keys.auth", message: "keys.auth must be 16 bytes (base64url), not 3")) {
            try database.addPushSubscription(userId: setup.expert, endpoint: "https://push.example.net/1", p256dh: key, auth: Data(count: 3), at: .now)
        }
    }
}
