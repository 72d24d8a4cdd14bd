import FTModel
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

/// Pushed messages are indexed for search at the end of the push's transaction
/// (`DeferredMessageSearch`); edits and deletions in the same push or later ones keep the index
/// equal to the messages.
@Suite struct MessageSearchTests {
    static func integrityCheck(_ database: AppDatabase) throws {
        try database.writer.write { db in
            try db.execute(sql: "INSERT INTO messageSearch(messageSearch) VALUES ('integrity-check')")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM messageSearchPending") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM messageSearchDeferral") == 0)
        }
    }

    @Test func pushedMessagesAreFoundAndEditsAndDeletionsKeepTheIndexTrue() throws {
        var fixture = try SyncFixture()
        let conversation = fixture.conversation
        func insert(_ id: String, _ body: String) -> SyncOperation {
            SyncOperation(id: "op-\(id)", collection: .message, action: .insert, record: id, fields: ["conversation": .int(conversation), "body": .string(body)], hlc: fixture.hlc(), actor: fixture.client)
        }
        func edit(_ id: String, _ body: String, _ op: String) -> SyncOperation {
            SyncOperation(id: op, collection: .message, action: .update, record: id, fields: ["body": .string(body)], hlc: fixture.hlc(), actor: fixture.client)
        }
        func delete(_ id: String, _ op: String) -> SyncOperation {
            SyncOperation(id: op, collection: .message, action: .delete, record: id, fields: [:], hlc: fixture.hlc(), actor: fixture.client)
        }
        try Self.integrityCheck(fixture.database)
        // One push: new messages, one edited and one deleted before the push ends.
        let first = [
            insert("s-1", "échéancier trimestriel"), insert("s-2", "relevé bancaire"), insert("s-3", "justificatif fiscal"),
            edit("s-2", "relevé réévalué", "op-s-2-edit"), delete("s-3", "op-s-3-delete"),
        ]
        let answers = try fixture.database.push(first, actor: fixture.client, now: fixture.now)
        #expect(answers.allSatisfy { $0.status == .accepted }, "\(answers)")
        try Self.integrityCheck(fixture.database)
        let search = { (text: String) in try fixture.database.searchMessages(text, conversationIds: [conversation]).map(\.id).sorted() }
        #expect(try search("echeancier") == ["s-1"])
        #expect(try search("bancaire").isEmpty)
        #expect(try search("reevalue") == ["s-2"])
        #expect(try search("justificatif").isEmpty)

        // A later push edits and deletes messages indexed by the first one.
        let second = [edit("s-1", "échéancier annualisé", "op-s-1-edit"), delete("s-2", "op-s-2-delete"), insert("s-4", "quittance annualisée")]
        #expect(try fixture.database.push(second, actor: fixture.client, now: fixture.now).allSatisfy { $0.status == .accepted })
        try Self.integrityCheck(fixture.database)
        #expect(try search("trimestriel").isEmpty)
        #expect(try search("annualis") == ["s-1", "s-4"])
        #expect(try search("reevalue").isEmpty)

        // Writers other than sync still index at once.
        try fixture.database.writer.write { db in
            try db.execute(sql: "UPDATE message SET body = 'avis d''imposition' WHERE id = 's-4'")
        }
        try Self.integrityCheck(fixture.database)
        #expect(try search("imposition") == ["s-4"])
        #expect(try search("quittance").isEmpty)
    }
}
