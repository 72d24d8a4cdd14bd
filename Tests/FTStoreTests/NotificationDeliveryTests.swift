import Crypto
import FTModel
@testable import FTStore
import FTSeed
import FTSync
import Foundation
import GRDB
import Testing

/// The notifications pipeline's store: fan-out by preferences, e-mails grouped and fixed before
/// their first try, retries, dead letters, one-click unsubscribe.
@Suite struct NotificationDeliveryTests {
    /// No quiet hours (the fixture's clock is at night in Paris), a one-minute digest window.
    static let policy = NotificationPolicy(quietHours: QuietHours(startHour: 0, endHour: 0), digestWindow: 60, mailsPerHour: 3, retry: RetryPolicy(maximumAttempts: 2))

    static func message(_ fixture: inout SyncFixture, _ id: String, _ body: String, from actor: SyncActor) -> SyncOperation {
        SyncOperation(id: id, collection: .message, action: .insert, record: id, fields: ["conversation": .int(fixture.conversation), "body": .string(body)], hlc: fixture.hlc(), actor: actor)
    }

    /// The expert turned push notifications on in one browser.
    static func subscribeToPush(_ fixture: SyncFixture) throws {
        try fixture.database.addPushSubscription(
            userId: fixture.expert.user, endpoint: "https://push.example.net/wpush/expert",
            p256dh: P256.KeyAgreement.PrivateKey().publicKey.x963Representation, auth: Data(repeating: 2, count: 16), at: fixture.now
        )
    }

    @Test func aConversationsMessagesGoOutAsOneEmailAfterTheWindow() throws {
        var fixture = try SyncFixture()
        let now = fixture.now
        try Self.subscribeToPush(fixture)
        // The seeded notifications are history: nothing to send.
        #expect(try fixture.database.fanOutNotifications(policy: Self.policy) == 0)
        let first = Self.message(&fixture, "n1", "Bonjour, voici le devis", from: fixture.client)
        _ = try fixture.database.push([first], actor: fixture.client, now: now)
        let second = Self.message(&fixture, "n2", "Et la facture d’électricité", from: fixture.client)
        _ = try fixture.database.push([second], actor: fixture.client, now: now.addingTimeInterval(20))
        let made = try fixture.database.fanOutNotifications(policy: Self.policy)
        #expect(made >= 4) // e-mail and push, for each of the two messages, to the expert at least
        // Fanned out once: again, nothing.
        #expect(try fixture.database.fanOutNotifications(policy: Self.policy) == 0)

        #expect(try fixture.database.mailsToSend(now: now.addingTimeInterval(30), policy: Self.policy, domain: "test").isEmpty)
        let mails = try fixture.database.mailsToSend(now: now.addingTimeInterval(61), policy: Self.policy, domain: "test")
        let mail = try #require(mails.first { $0.userId == fixture.expert.user })
        // The second message, not due yet, goes with the first (same conversation).
        #expect(mail.items.count == 2)
        #expect(mail.items.map(\.kind) == [.message, .message])
        #expect(mail.email == DemoAccounts.expert)
        // Asked again before it is sent (a crash): the same e-mail, same id, same content.
        let again = try fixture.database.mailsToSend(now: now.addingTimeInterval(62), policy: Self.policy, domain: "test")
        #expect(again.first { $0.userId == fixture.expert.user } == mail)

        try fixture.database.markMailSent(mail.mailId, at: now.addingTimeInterval(63))
        #expect(!(try fixture.database.mailsToSend(now: now.addingTimeInterval(64), policy: Self.policy, domain: "test")).contains { $0.mailId == mail.mailId })
    }

    @Test func failuresAreRetriedThenDeadThenRetriedByAnAdmin() throws {
        var fixture = try SyncFixture()
        let now = fixture.now
        _ = try fixture.database.push([Self.message(&fixture, "f1", "Relance", from: fixture.client)], actor: fixture.client, now: now)
        try fixture.database.fanOutNotifications(policy: Self.policy)
        let due = now.addingTimeInterval(61)
        let mail = try #require(try fixture.database.mailsToSend(now: due, policy: Self.policy, domain: "test").first { $0.userId == fixture.expert.user })
        try fixture.database.markMailFailed(mail.mailId, error: "451 4.3.0 try later", retryAt: due.addingTimeInterval(30))
        #expect(!(try fixture.database.mailsToSend(now: due.addingTimeInterval(10), policy: Self.policy, domain: "test")).contains { $0.mailId == mail.mailId })
        let retried = try #require(try fixture.database.mailsToSend(now: due.addingTimeInterval(31), policy: Self.policy, domain: "test").first { $0.mailId == mail.mailId })
        #expect(retried.attempts == 1 && retried.items == mail.items)
        try fixture.database.markMailFailed(mail.mailId, error: "550 5.1.1 no such user", retryAt: nil)
        #expect(!(try fixture.database.mailsToSend(now: due.addingTimeInterval(3_600), policy: Self.policy, domain: "test")).contains { $0.mailId == mail.mailId })
        let dead = try #require(try fixture.database.deadMails().first)
        #expect(dead.mailId == mail.mailId && dead.attempts == 2 && dead.lastError.contains("550"))
        #expect(try fixture.database.retryDeadMail(mail.mailId, at: due.addingTimeInterval(100)))
        #expect(try fixture.database.mailsToSend(now: due.addingTimeInterval(100), policy: Self.policy, domain: "test").contains { $0.mailId == mail.mailId })
        #expect(try fixture.database.deadMails().isEmpty)
    }

    @Test func preferencesAndInactiveAccountsAreRespected() throws {
        var fixture = try SyncFixture()
        let expert = fixture.expert.user
        try Self.subscribeToPush(fixture)
        try fixture.database.writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO notificationPreference (userId, kind, channel, enabled) VALUES (?, 'message', 'email', 0)", arguments: [expert])
        }
        _ = try fixture.database.push([Self.message(&fixture, "p1", "Sans e-mail", from: fixture.client)], actor: fixture.client, now: fixture.now)
        try fixture.database.fanOutNotifications(policy: Self.policy)
        let channels = try fixture.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT channel FROM notificationDelivery WHERE userId = ? ORDER BY channel", arguments: [expert])
        }
        #expect(channels == ["push"])
    }

    @Test func anEmailLimitPerHourHoldsTheRestTogether() throws {
        var fixture = try SyncFixture()
        let expert = fixture.expert.user
        var now = fixture.now
        for index in 1...4 {
            // Each a different kind of notification, so that no digest groups them.
            try fixture.database.writer.write { db in
                try db.execute(sql: "INSERT INTO notification (userId, kind, title, body, createdAt) VALUES (?, 'document', ?, 'À valider', ?)", arguments: [expert, "Document \(index)", now])
            }
            try fixture.database.fanOutNotifications(policy: Self.policy)
            let mails = try fixture.database.mailsToSend(now: now, policy: Self.policy, domain: "test").filter { $0.userId == expert }
            if index <= 3 {
                #expect(mails.count == 1)
                for mail in mails { try fixture.database.markMailSent(mail.mailId, at: now) }
            } else {
                // The fourth within the hour waits.
                #expect(mails.isEmpty)
            }
            now = now.addingTimeInterval(60)
        }
        // Still held a quarter of an hour later (three e-mails in the last hour)…
        #expect(!(try fixture.database.mailsToSend(now: now.addingTimeInterval(900), policy: Self.policy, domain: "test")).contains { $0.userId == expert })
        // …and sent once the hour has passed.
        #expect(try fixture.database.mailsToSend(now: now.addingTimeInterval(3_600), policy: Self.policy, domain: "test").contains { $0.userId == expert })
    }

    @Test func anUnsubscribeLinkWorksOnceAndOnlyForItsUserAndKind() throws {
        let fixture = try SyncFixture()
        let tokens = LinkTokens(documentKey: try DocumentKey.parse(DocumentKey.generate(), source: "test"))
        let expert = fixture.expert.user
        let token = tokens.unsubscribeToken(mailId: "ft-1-\(expert)@test", kind: .message)
        #expect(token == tokens.unsubscribeToken(mailId: "ft-1-\(expert)@test", kind: .message))
        #expect(token != tokens.unsubscribeToken(mailId: "ft-1-\(expert)@test", kind: .document))
        try fixture.database.recordUnsubscribeToken(hash: LinkTokens.hash(token), userId: expert, kind: .message, channel: .email, at: fixture.now)
        let before = try fixture.database.notificationPreferences(userId: fixture.client.user)
        let expertBefore = try fixture.database.notificationPreferences(userId: expert).filter { !($0.kind == .message && $0.channel == .email) }
        #expect(try fixture.database.unsubscribe(tokenHash: LinkTokens.hash(token + "x"), at: fixture.now) == .unknown)
        #expect(try fixture.database.unsubscribe(tokenHash: LinkTokens.hash(token), at: fixture.now) == .unsubscribed(userId: expert, email: DemoAccounts.expert, kind: .message, channel: .email))
        #expect(try fixture.database.unsubscribe(tokenHash: LinkTokens.hash(token), at: fixture.now) == .alreadyUsed(kind: .message))
        let preferences = try fixture.database.notificationPreferences(userId: expert)
        #expect(preferences.contains(NotificationPreference(userId: expert, kind: .message, channel: .email, enabled: false)))
        #expect(preferences.filter { !($0.kind == .message && $0.channel == .email) } == expertBefore)
        // Nobody else's preferences moved.
        #expect(try fixture.database.notificationPreferences(userId: fixture.client.user) == before)
        // No token is stored in the clear.
        let stored = try fixture.database.writer.read { db in try Data.fetchAll(db, sql: "SELECT tokenHash FROM unsubscribeToken") }
        #expect(stored == [LinkTokens.hash(token)])
    }
}
