import FTModel
import FTSeed
import FTServer
@testable import FTStore
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import HTTPTypes
import Testing

/// An expert offered a dossier while their device is connected gets the dossier's earlier
/// changes: the live channel asks the device to pull again, and that pull answers a snapshot that
/// holds them (`SyncGrant`). Without it, a device whose cursor had passed them never saw them.
@Suite(.timeLimit(.minutes(2))) struct LiveGrantTests {
    @Test func anExpertOfferedADossierGetsItsEarlierChanges() async throws {
        let fixture = try ServerFixture()
        let database = fixture.database
        // A dossier of the demo client the demo expert has never had, with a conversation.
        let clientUser = try #require(try database.user(email: DemoAccounts.client)?.id)
        let expertUser = try #require(try database.user(email: DemoAccounts.expert)?.id)
        let admin = try #require(try database.user(email: DemoAccounts.admin)?.id)
        let client = try #require(try database.client(userId: clientUser)?.id)
        let found = try await database.writer.write { db -> (Int64, Int64)? in
            guard let expert = try Int64.fetchOne(db, sql: "SELECT id FROM expert WHERE userId = ?", arguments: [expertUser]),
                let dossier = try Int64.fetchOne(db, sql: """
                    SELECT d.id FROM dossier d WHERE d.clientId = ? AND d.status IN ('eligible', 'in_progress')
                    AND NOT EXISTS (SELECT 1 FROM expertAssignment a WHERE a.dossierId = d.id AND a.expertId = ?) ORDER BY d.id LIMIT 1
                    """, arguments: [client, expert]),
                let product = try Int64.fetchOne(db, sql: "SELECT productId FROM dossier WHERE id = ?", arguments: [dossier])
            else { return nil }
            try db.execute(sql: "INSERT OR IGNORE INTO expertSpecialty (expertId, productId) VALUES (?, ?)", arguments: [expert, product])
            return (dossier, expert)
        }
        let (dossier, expert) = try #require(found, "a dossier of the demo client the demo expert never had")
        let conversation = try #require(try database.conversation(dossierId: dossier)?.id)

        try await LiveChannelTests.liveApp(fixture).test(.live) { http in
            let clientToken = try await ServerFixture.signIn(http, DemoAccounts.client)
            let expertToken = try await ServerFixture.signIn(http, DemoAccounts.expert)
            // A device that has synced before (a cursor past 0).
            try await LiveChannelTests.push(http, expertToken, [LiveChannelTests.message("earlier", conversation: try ServerTests.demoConversation(database), body: "Bonjour", millisecond: 1)])
            let start = try database.latestSequence()
            #expect(start > 0)
            let (device, task) = LiveDevice.connect(http, hello: LiveChannelTests.hello(expertToken, cursor: start))
            #expect(await device.wait { $0.count("welcome") == 1 })
            // Written while the dossier is not the expert's: not sent to them.
            try await LiveChannelTests.push(http, clientToken, [LiveChannelTests.message("before-grant", conversation: conversation, body: "Voici nos factures", millisecond: 5)])
            try await Task.sleep(for: .milliseconds(300))
            #expect(await device.changeIds.isEmpty)

            // An admin gives the dossier to the expert; the next commit's fan-out meets the grant.
            #expect(try database.reassignDossier(dossier, to: expert, reason: "Essai", by: admin, now: ServerFixture.today) == expert)
            try await LiveChannelTests.push(http, clientToken, [LiveChannelTests.message("after-grant", conversation: conversation, body: "Bienvenue", millisecond: 6)])
            #expect(await device.wait { $0.strings("error", "code") == ["cursor_compacted"] }, "the device is asked to pull a snapshot")
            try await task.value

            // The pull from the device's cursor: a snapshot holding the earlier message.
            let response = try await http.executeRequest(uri: "/api/v1/sync/pull?cursor=\(start)", method: .get, headers: ServerFixture.headers(expertToken), body: nil)
            let page = try ServerFixture.object(response)
            #expect(page["reset"] as? Bool == true, "\(response.status) \(String(buffer: response.body).prefix(300))")
            let snapshot = try #require(page["snapshot"] as? [[String: Any]])
            // The seeded messages come in the snapshot, those made through sync from the log (from 0).
            let seeded = try #require(try await database.writer.read { db in
                try String.fetchOne(db, sql: "SELECT id FROM message WHERE conversationId = ? AND contentOperation IS NULL LIMIT 1", arguments: [conversation])
            })
            #expect(snapshot.contains { $0["record"] as? String == seeded }, "the dossier's seeded messages are in the snapshot")
            let changes = try #require(page["changes"] as? [[String: Any]])
            #expect(changes.contains { ($0["operation"] as? [String: Any])?["record"] as? String == "msg-before-grant" }, "the message from before the grant comes with it")
            let cursor = try #require(page["cursor"] as? Int)
            // From there on, no more resets (the grant is behind the cursor), and the channel opens.
            let next = try ServerFixture.object(try await http.executeRequest(uri: "/api/v1/sync/pull?cursor=\(cursor)", method: .get, headers: ServerFixture.headers(expertToken), body: nil))
            #expect(next["reset"] == nil && next["snapshot"] == nil)
            let (again, againTask) = LiveDevice.connect(http, hello: LiveChannelTests.hello(expertToken, cursor: Int64(cursor)))
            #expect(await again.wait { $0.count("welcome") == 1 })
            // A hello from before the grant is refused the same way.
            let (old, oldTask) = LiveDevice.connect(http, hello: LiveChannelTests.hello(expertToken, cursor: start))
            try await oldTask.value
            #expect(await old.strings("error", "code") == ["cursor_compacted"])
            await again.hangUp()
            try await againTask.value
            // The client's devices are not reset by the expert's grant.
            let clientPage = try ServerFixture.object(try await http.executeRequest(uri: "/api/v1/sync/pull?cursor=\(start)", method: .get, headers: ServerFixture.headers(clientToken), body: nil))
            #expect(clientPage["reset"] == nil)
        }
    }
}
