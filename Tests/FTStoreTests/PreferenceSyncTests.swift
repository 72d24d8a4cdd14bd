import FTModel
import FTSeed
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

/// Notification preferences sync like other records: a device changes them offline, the server
/// merges, stores and applies them, and only their user reads them back.
@Suite struct PreferenceSyncTests {
    static func preference(_ fixture: inout SyncFixture, _ id: String, _ actor: SyncActor, _ kind: NotificationKind, _ channel: NotificationChannel, _ enabled: Bool, at hlc: HLCTimestamp? = nil) -> SyncOperation {
        SyncOperation(
            id: id, collection: .preference, action: .update, record: RecordID.preference(user: actor.user, kind: kind, channel: channel),
            fields: ["enabled": .bool(enabled)], hlc: hlc ?? fixture.hlc(), actor: actor
        )
    }

    static func replica(_ operations: [SyncOperation]) -> Replica {
        var replica = Replica()
        for operation in operations { replica.apply(operation) }
        return replica
    }

    @Test func aPushedPreferenceIsStoredAndDecidesTheDeliveries() throws {
        var fixture = try SyncFixture()
        let expert = fixture.expert
        try NotificationDeliveryTests.subscribeToPush(fixture)
        let off = Self.preference(&fixture, "pref-off", expert, .message, .email, false)
        #expect(try fixture.database.push([off], actor: expert, now: fixture.now).first?.status == .accepted)
        let stored = try fixture.database.notificationPreferences(userId: expert.user)
        #expect(stored.contains(NotificationPreference(userId: expert.user, kind: .message, channel: .email, enabled: false)))

        _ = try fixture.database.push([NotificationDeliveryTests.message(&fixture, "m-pref", "Bonjour", from: fixture.client)], actor: fixture.client, now: fixture.now)
        try fixture.database.fanOutNotifications(policy: NotificationDeliveryTests.policy)
        let channels = try fixture.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT channel FROM notificationDelivery WHERE userId = ? ORDER BY channel", arguments: [expert.user])
        }
        #expect(channels == ["push"], "e-mail turned off from a device, push left on")
    }

    @Test func onlyItsUserReadsAPreferenceAndTheSnapshotGivesEveryKindOfTheRole() throws {
        var fixture = try SyncFixture()
        let client = fixture.client
        let cursor = try fixture.database.latestSequence()
        let change = Self.preference(&fixture, "pref-read", client, .document, .push, false)
        _ = try fixture.database.push([change], actor: client, now: fixture.now)
        for reader in [fixture.client, fixture.expert, fixture.otherClient, fixture.admin] {
            let sees = try fixture.database.pull(for: reader, after: cursor).changes.contains { $0.operation.id == change.id }
            #expect(sees == (reader == client), "user \(reader.user) reading the client's preference")
            let snapshot = try fixture.database.snapshot(for: reader).filter { $0.collection == .preference }
            #expect(snapshot.count == NotificationPolicy.kinds(for: reader.role).count * 3)
            #expect(snapshot.allSatisfy { RecordID.preference($0.record)?.user == reader.user })
        }
        // The snapshot carries the stamp the server merged, not the time it was read.
        let mine = try fixture.database.snapshot(for: client).first { $0.record == change.record }
        #expect(mine?.id == change.id && mine?.hlc == change.hlc && mine?.fields["enabled"] == .bool(false))
        // Defaults say what the server applies: an expert gets ratings by push, not by e-mail.
        let expertSnapshot = Self.replica(try fixture.database.snapshot(for: fixture.expert))
        let rating = { (channel: NotificationChannel) -> Bool? in
            guard case .preference(let state) = expertSnapshot[.preference, RecordID.preference(user: fixture.expert.user, kind: .rating, channel: channel)] else { return nil }
            return state.enabled?.value
        }
        #expect(rating(.push) == true && rating(.email) == false && rating(.inApp) == true)
    }

    /// Issue 17's late-edit case for preferences: a device that started from a snapshot and one
    /// that saw every change end with the server's value.
    @Test func aLateChangeWinsOnEveryDeviceAndAnOlderOneLoses() throws {
        var fixture = try SyncFixture()
        let client = fixture.client
        let now = fixture.clock
        let earlier = Self.preference(&fixture, "pref-2h", client, .message, .push, false, at: HLCTimestamp(milliseconds: now - 7_200_000, node: "phone"))
        _ = try fixture.database.push([earlier], actor: client, now: fixture.now)
        let fromSnapshot = try fixture.database.pull(after: 0, for: client, limit: 500)
        var device = Self.replica(fromSnapshot.snapshot ?? [])
        let later = Self.preference(&fixture, "pref-1h", client, .message, .push, true, at: HLCTimestamp(milliseconds: now - 3_600_000, node: "laptop"))
        let older = Self.preference(&fixture, "pref-3h", client, .message, .push, false, at: HLCTimestamp(milliseconds: now - 10_800_000, node: "tablet"))
        _ = try fixture.database.push([later, older], actor: client, now: fixture.now)
        for change in try fixture.database.pull(for: client, after: fromSnapshot.cursor).changes { device.apply(change.operation) }
        let fresh = Self.replica(try fixture.database.snapshot(for: client))
        let record = RecordID.preference(user: client.user, kind: .message, channel: .push)
        #expect(device[.preference, record] == fresh[.preference, record])
        guard case .preference(let state) = device[.preference, record] else {
            Issue.record("no preference on the device")
            return
        }
        #expect(state.enabled?.value == true && state.enabled?.operation == "pref-1h")
        #expect(try fixture.database.notificationPreferences(userId: client.user).contains(NotificationPreference(userId: client.user, kind: .message, channel: .push, enabled: true)))
    }

    @Test func anotherUsersPreferenceAndSilencingAccountMessagesAreRefused() throws {
        var fixture = try SyncFixture()
        let before = try fixture.database.notificationPreferences(userId: fixture.client.user)
        var theirs = Self.preference(&fixture, "pref-theirs", fixture.client, .message, .email, false)
        theirs.actor = fixture.admin
        let answers = try fixture.database.push([theirs], actor: fixture.admin, now: fixture.now)
        #expect(answers.first?.rejection == Rejection(.forbidden, "a user changes only their own preferences"))
        let silence = Self.preference(&fixture, "pref-system", fixture.client, .system, .email, false)
        let refusal = try fixture.database.push([silence], actor: fixture.client, now: fixture.now).first?.rejection
        #expect(refusal?.code == .forbidden && refusal?.field == "enabled")
        let nobody = SyncOperation(id: "pref-nobody", collection: .preference, action: .update, record: "987654:message:email", fields: ["enabled": .bool(false)], hlc: fixture.hlc(), actor: fixture.client)
        #expect(try fixture.database.push([nobody], actor: fixture.client, now: fixture.now).first?.rejection?.code == .forbidden)
        #expect(try fixture.database.notificationPreferences(userId: fixture.client.user) == before)
    }

    @Test func anUnsubscribeLinkReachesTheUsersDevices() throws {
        let fixture = try SyncFixture()
        let expert = fixture.expert
        let cursor = try fixture.database.latestSequence()
        let hash = Data(repeating: 7, count: 32)
        try fixture.database.recordUnsubscribeToken(hash: hash, userId: expert.user, kind: .document, channel: .email, at: fixture.now)
        _ = try fixture.database.unsubscribe(tokenHash: hash, at: fixture.now)
        let pulled = try fixture.database.pull(for: expert, after: cursor).changes.map(\.operation)
        #expect(pulled.count == 1)
        #expect(pulled.first?.record == RecordID.preference(user: expert.user, kind: .document, channel: .email) && pulled.first?.fields["enabled"] == .bool(false))
        #expect(try fixture.database.pull(for: fixture.client, after: cursor).changes.isEmpty)
    }

    @Test func kindsTurnedOffInTheAppLeaveTheBellButAccountMessagesStay() throws {
        var fixture = try SyncFixture()
        let client = fixture.client
        try fixture.database.writer.write { db in
            for kind in ["message", "system"] {
                try db.execute(sql: "INSERT INTO notification (userId, kind, title, body, createdAt) VALUES (?, ?, ?, '', ?)", arguments: [client.user, kind, "t-\(kind)", fixture.now])
            }
        }
        let before = try fixture.database.notifications(user: client.user, limit: 500)
        #expect(before.entries.contains { $0.title == "t-message" })
        _ = try fixture.database.push([Self.preference(&fixture, "pref-bell", client, .message, .inApp, false)], actor: client, now: fixture.now)
        let after = try fixture.database.notifications(user: client.user, limit: 500)
        #expect(!after.entries.contains { $0.kind == "message" })
        #expect(after.entries.contains { $0.title == "t-system" })
        #expect(after.unread < before.unread)
        #expect(try fixture.database.unreadNotificationCount(userId: client.user) == after.unread)
    }
}
