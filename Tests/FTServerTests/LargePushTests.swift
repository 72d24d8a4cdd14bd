import FTModel
import FTSeed
import FTStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FTServer

/// A large push is written in slices (`PushQueue.largeBatch` operations each) so that a phone's
/// small push never waits behind all of it; answered as if it had been written whole.
@Suite struct LargePushTests {
    static func message(_ id: String, record: String, fields: [String: Any], counter: Int, action: String = "insert") -> [String: Any] {
        ["id": id, "collection": "message", "action": action, "record": record, "fields": fields, "hlc": String(format: "0001795132800000-%05d-phone", counter)]
    }

    /// Edits sent before the inserts they edit, across slice boundaries: every one is accepted,
    /// answered in the order sent, and sent again gets the same answers.
    @Test func aLargePushIsAnsweredAsAWhole() async throws {
        let fixture = try ServerFixture(maximumBatch: 1_000)
        let conversation = try ServerTests.demoConversation(fixture.database)
        let pairs = PushQueue.largeBatch * 2
        // The edits first in the body, with later timestamps; the inserts after, oldest last.
        let edits = (0..<pairs).map { k in Self.message("edit-\(k)", record: "big-\(k)", fields: ["body": "modifié \(k)"], counter: pairs + k, action: "update") }
        let inserts = (0..<pairs).reversed().map { k in Self.message("insert-\(k)", record: "big-\(k)", fields: ["conversation": conversation, "body": "premier \(k)"], counter: k) }
        let operations = edits + inserts
        let ids = operations.map { $0["id"] as? String }
        let body = try ServerFixture.json(["operations": operations])
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            var first: [[String: Any]] = []
            for attempt in 0..<2 {
                let response = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(token), body: body)
                #expect(response.status == .ok)
                let results = try #require(try ServerFixture.object(response)["results"] as? [[String: Any]])
                #expect(results.map { $0["operation"] as? String } == ids)
                #expect(results.allSatisfy { $0["status"] as? String == "accepted" }, "\(results.first { $0["status"] as? String != "accepted" } ?? [:])")
                if attempt == 0 { first = results } else { #expect(results.map { $0["seq"] as? Int } == first.map { $0["seq"] as? Int }) }
            }
            let bodies = try fixture.database.messages(conversationId: conversation).filter { $0.id.hasPrefix("big-") }.map(\.body)
            #expect(bodies.count == pairs)
            #expect(bodies.allSatisfy { $0.hasPrefix("modifié") })
        }
    }

    /// One id in the last slice belongs to another user's operation: the push is refused whole
    /// (409), and none of its earlier slices is written.
    @Test func aTakenIdInALaterSliceRefusesTheWholePush() async throws {
        let fixture = try ServerFixture(maximumBatch: 1_000)
        let conversation = try ServerTests.demoConversation(fixture.database)
        let taken = try ServerFixture.json(["operations": [Self.message("taken-id", record: "expert-msg", fields: ["conversation": conversation, "body": "Bonjour"], counter: 1)]])
        let count = PushQueue.largeBatch * 3
        let large = try ServerFixture.json(["operations": (0..<count).map { k in
            Self.message(k == count - 1 ? "taken-id" : "mine-\(k)", record: "mine-\(k)", fields: ["conversation": conversation, "body": "message \(k)"], counter: 10 + k)
        }])
        try await fixture.app.test(.router) { client in
            let clientToken = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expertToken = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let first = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(expertToken), body: taken)
            #expect(first.status == .ok)
            let before = try fixture.database.latestSequence()
            let clash = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(clientToken), body: large)
            #expect(clash.status == .conflict)
            #expect(try ServerFixture.object(clash)["error"] as? String == "operation_id_taken")
            #expect(try fixture.database.latestSequence() == before)
        }
    }
}
