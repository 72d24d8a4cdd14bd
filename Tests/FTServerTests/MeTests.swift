import FTModel
import FTSeed
import FTServer
import FTStore
import FTSync
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import Testing

/// What the app reads beside the sync records: the user's dossiers (by the sync rule) and the
/// notification centre, which a new message feeds.
@Suite(.timeLimit(.minutes(2))) struct MeTests {
    @Test func eachUserSeesTheirOwnDossiersWithProductExpertAndSteps() async throws {
        let fixture = try ServerFixture()
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let other = try await ServerFixture.signIn(client, DemoAccounts.otherClient)
            let expert = try await ServerFixture.signIn(client, DemoAccounts.expert)
            func dossiers(_ token: String) async throws -> [[String: Any]] {
                let response = try await client.executeRequest(uri: "/api/v1/me/dossiers", method: .get, headers: ServerFixture.headers(token), body: nil)
                #expect(response.status == .ok)
                return try #require(try ServerFixture.object(response)["dossiers"] as? [[String: Any]])
            }
            let user = try #require(try fixture.database.user(email: DemoAccounts.client)?.id)
            let clientId = try #require(try fixture.database.client(userId: user)?.id)
            let mine = try await dossiers(token)
            #expect(Set(mine.compactMap { $0["id"] as? Int }) == Set(try fixture.database.dossiers(clientId: clientId).compactMap { $0.id.map(Int.init) }))
            #expect(mine.allSatisfy { ($0["clientId"] as? Int) == Int(clientId) && $0["productName"] as? String != nil })
            let conversation = try ServerTests.demoConversation(fixture.database)
            let shared = try #require(mine.first { $0["conversation"] as? Int == Int(conversation) })
            #expect((shared["experts"] as? [[String: Any]])?.contains { $0["slug"] as? String != nil } == true)
            #expect(((shared["steps"] as? [[String: Any]]) ?? []).count >= 1)
            let theirs = Set(try await dossiers(other).compactMap { $0["id"] as? Int })
            #expect(theirs.isDisjoint(with: Set(mine.compactMap { $0["id"] as? Int })))
            #expect(try await dossiers(expert).contains { $0["id"] as? Int == shared["id"] as? Int }, "the expert of the shared dossier sees it")

            let me = try ServerFixture.object(try await client.executeRequest(uri: "/api/v1/me", method: .get, headers: ServerFixture.headers(token), body: nil))
            #expect(me["client"] as? Int == Int(clientId) && me["role"] as? String == "client")
            let anonymous = try await client.executeRequest(uri: "/api/v1/me/dossiers", method: .get, headers: [HTTPField.Name("FT-Protocol")!: "1"], body: nil)
            #expect(anonymous.status == .unauthorized)
            let badLimit = try await client.executeRequest(uri: "/api/v1/me/dossiers?limit=0", method: .get, headers: ServerFixture.headers(token), body: nil)
            #expect(badLimit.status == .badRequest)
        }
    }

    @Test func aMessageNotifiesTheOtherParticipantsOnly() async throws {
        let fixture = try ServerFixture()
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expert = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let other = try await ServerFixture.signIn(client, DemoAccounts.otherClient)
            func centre(_ token: String) async throws -> (unread: Int, entries: [[String: Any]]) {
                let object = try ServerFixture.object(try await client.executeRequest(uri: "/api/v1/me/notifications", method: .get, headers: ServerFixture.headers(token), body: nil))
                return (try #require(object["unread"] as? Int), try #require(object["notifications"] as? [[String: Any]]))
            }
            let before = (client: try await centre(token).unread, expert: try await centre(expert).unread, other: try await centre(other).unread)
            let conversation = try ServerTests.demoConversation(fixture.database)
            try await LiveChannelTests.push(client, token, [[
                "id": "notify-1", "collection": "message", "action": "insert", "record": "notify-msg-1",
                "fields": ["conversation": conversation, "body": "Voici l'attestation <signée>"], "hlc": "0001795132800000-00000-phone",
            ]])
            let expertCentre = try await centre(expert)
            #expect(expertCentre.unread == before.expert + 1)
            let entry = try #require(expertCentre.entries.first)
            #expect(entry["kind"] as? String == "message" && entry["body"] as? String == "Voici l'attestation <signée>")
            #expect((entry["title"] as? String)?.hasPrefix("Nouveau message de ") == true)
            #expect(entry["target"] as? String == "conversation:\(conversation)")
            #expect(try await centre(token).unread == before.client, "the author is not notified")
            #expect(try await centre(other).unread == before.other, "another client is not notified")

            // Only one's own notifications can be marked read.
            let id = try #require(entry["id"] as? Int)
            let stolen = try await client.executeRequest(uri: "/api/v1/me/notifications/read", method: .post, headers: ServerFixture.headers(other), body: ServerFixture.json(["ids": [id]]))
            #expect(try ServerFixture.object(stolen)["changed"] as? Int == 0)
            let read = try await client.executeRequest(uri: "/api/v1/me/notifications/read", method: .post, headers: ServerFixture.headers(expert), body: ServerFixture.json(["ids": [id]]))
            #expect(try ServerFixture.object(read)["changed"] as? Int == 1)
            #expect(try await centre(expert).unread == before.expert)
            let empty = try await client.executeRequest(uri: "/api/v1/me/notifications/read", method: .post, headers: ServerFixture.headers(expert), body: ServerFixture.json(["ids": []]))
            #expect(empty.status == .badRequest)
        }
    }

    /// A device back from offline sends its messages in one push: one notification per
    /// conversation and author, which counts them and shows the latest.
    @Test func severalMessagesInOnePushMakeOneNotification() async throws {
        let fixture = try ServerFixture()
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expert = try await ServerFixture.signIn(client, DemoAccounts.expert)
            func centre() async throws -> (unread: Int, entries: [[String: Any]]) {
                let object = try ServerFixture.object(try await client.executeRequest(uri: "/api/v1/me/notifications", method: .get, headers: ServerFixture.headers(expert), body: nil))
                return (try #require(object["unread"] as? Int), try #require(object["notifications"] as? [[String: Any]]))
            }
            let before = try await centre().unread
            let conversation = try ServerTests.demoConversation(fixture.database)
            let author = try #require(try fixture.database.user(email: DemoAccounts.client)?.displayName)
            let elsewhere = try LiveChannelTests.otherClientsConversation(fixture.database)
            func message(_ n: Int, in conversation: Int64, _ body: String) -> [String: Any] {
                ["id": "batch-\(n)", "collection": "message", "action": "insert", "record": "batch-msg-\(n)",
                 "fields": ["conversation": conversation, "body": body], "hlc": "000179513280000\(n)-00000-phone"]
            }
            // Three messages, and one the client may not write (another client's conversation).
            let response = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(token), body: ServerFixture.json(["operations": [
                message(1, in: conversation, "Premier"), message(2, in: elsewhere, "Intrus"), message(3, in: conversation, "Deuxième"),
                message(4, in: conversation, "Voici le dernier <b>message</b>"),
            ]]))
            let statuses = try #require(try ServerFixture.object(response)["results"] as? [[String: Any]]).map { $0["status"] as? String }
            #expect(statuses == ["accepted", "rejected", "accepted", "accepted"])
            let after = try await centre()
            #expect(after.unread == before + 1)
            let entry = try #require(after.entries.first)
            #expect(entry["title"] as? String == "3 nouveaux messages de \(author)")
            #expect(entry["body"] as? String == "Voici le dernier <b>message</b>")
            #expect(entry["target"] as? String == "conversation:\(conversation)")

            // The next push makes the next notification.
            try await LiveChannelTests.push(client, token, [message(5, in: conversation, "Encore un")])
            let later = try await centre()
            #expect(later.unread == before + 2)
            #expect(later.entries.first?["title"] as? String == "Nouveau message de \(author)")
            #expect(later.entries.first?["body"] as? String == "Encore un")
        }
    }

    @Test func theAppsServiceWorkerMayControlTheWholeSite() async throws {
        let fixture = try ServerFixture()
        try FileManager.default.createDirectory(atPath: fixture.publicDirectory + "/app", withIntermediateDirectories: true)
        try "self.addEventListener('fetch', () => {});".write(toFile: fixture.publicDirectory + "/app/sw.js", atomically: true, encoding: .utf8)
        try await fixture.app.test(.router) { client in
            let response = try await client.executeRequest(uri: "/app/sw.js", method: .get, headers: [:], body: nil)
            #expect(response.status == .ok)
            #expect(response.headers[HTTPField.Name("Service-Worker-Allowed")!] == "/")
            let page = try await client.executeRequest(uri: "/index.html", method: .get, headers: [:], body: nil)
            #expect(page.headers[HTTPField.Name("Service-Worker-Allowed")!] == nil)
        }
    }
}
