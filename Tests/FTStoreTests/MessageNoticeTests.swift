import FTModel
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

/// A push's new messages make one notification per conversation and author for each other
/// participant (`MessageNotices`).
@Suite struct MessageNoticeTests {
    static func notifications(_ fixture: SyncFixture, user: Int64) throws -> [(title: String, body: String)] {
        try fixture.database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT title, body FROM notification WHERE userId = ? AND kind = 'message' ORDER BY id", arguments: [user])
                .map { ($0["title"], $0["body"]) }
        }
    }

    @Test func pushesThatShareATransactionAreNotifiedOneByOne() throws {
        var fixture = try SyncFixture()
        let conversation = fixture.conversation
        func insert(_ id: String, _ body: String) -> SyncOperation {
            SyncOperation(id: "op-\(id)", collection: .message, action: .insert, record: id, fields: ["conversation": .int(conversation), "body": .string(body)], hlc: fixture.hlc(), actor: fixture.client)
        }
        let before = try Self.notifications(fixture, user: fixture.expert.user).count
        let first = [insert("n-1", "un"), insert("n-2", "deux")]
        let second = [insert("n-3", "trois")]
        let answers = try fixture.database.push(group: [PushBatch(operations: first, actor: fixture.client), PushBatch(operations: second, actor: fixture.client)], now: fixture.now)
        #expect(answers.joined().allSatisfy { $0.status == .accepted }, "\(answers)")
        let added = try Self.notifications(fixture, user: fixture.expert.user).dropFirst(before)
        #expect(added.map(\.body) == ["deux", "trois"])
        #expect(added.first?.title.hasPrefix("2 nouveaux messages de ") == true)
        #expect(added.last?.title.hasPrefix("Nouveau message de ") == true)
        #expect(try Self.notifications(fixture, user: fixture.client.user).allSatisfy { !["un", "deux", "trois"].contains($0.body) }, "the author is not notified")

        // The same push again (a retry) changes nothing and notifies no one.
        let again = try fixture.database.push(first, actor: fixture.client, now: fixture.now)
        #expect(again == answers[0])
        #expect(try Self.notifications(fixture, user: fixture.expert.user).count == before + 2)
    }
}
