import FTModel
import FTSeed
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

/// Messages keep their merge state on their own row (`MessageMergeState`), messages written
/// before sync included.
@Suite struct MessageMergeStateTests {
    /// A message of the demo client's conversation written by the seed, not deleted.
    private func seededMessage(_ fixture: SyncFixture) throws -> (id: String, body: String, createdAt: Date) {
        let row = try #require(try fixture.database.writer.read { db in
            try Row.fetchOne(db, sql: """
                SELECT id, body, createdAt FROM message WHERE conversationId = ? AND authorId = ? AND deletedAt IS NULL AND editedAt IS NULL
                ORDER BY createdAt LIMIT 1
                """, arguments: [fixture.conversation, fixture.client.user])
        })
        return (row[0], row[1], row[2])
    }

    private func row(_ fixture: SyncFixture, _ id: String) throws -> Row {
        try #require(try fixture.database.writer.read { db in try Row.fetchOne(db, sql: "SELECT * FROM message WHERE id = ?", arguments: [id]) })
    }

    @Test func anEditOfAMessageWrittenBeforeSyncReachesItsRow() throws {
        var fixture = try SyncFixture()
        let seeded = try seededMessage(fixture)
        let edit = SyncOperation(id: "edit-old", collection: .message, action: .update, record: seeded.id, fields: ["body": .string("Corrigé hors ligne")], hlc: fixture.hlc(), actor: fixture.client)
        #expect(try fixture.database.push([edit], actor: fixture.client, now: fixture.now).map(\.status) == [.accepted])
        var stored = try row(fixture, seeded.id)
        #expect(stored["body"] as String == "Corrigé hors ligne")
        #expect((stored["editedAt"] as Date?) != nil)
        #expect(stored["bodyOperation"] as String? == "edit-old")
        #expect((stored["createdAt"] as Date) == seeded.createdAt, "the creation date stays the seed's")

        let delete = SyncOperation(id: "delete-old", collection: .message, action: .delete, record: seeded.id, fields: [:], hlc: fixture.hlc(), actor: fixture.client)
        #expect(try fixture.database.push([delete], actor: fixture.client, now: fixture.now).map(\.status) == [.accepted])
        stored = try row(fixture, seeded.id)
        #expect(stored["body"] as String == "")
        #expect((stored["deletedAt"] as Date?) != nil)
        #expect(try fixture.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM syncRecord WHERE collection = 'message'") } == 0)
    }

    /// The seed's message counts as written at its creation date, as a new device's snapshot says:
    /// an edit made offline before that loses, on the server as on the devices.
    @Test func anEditOlderThanASeededMessageLoses() throws {
        let fixture = try SyncFixture()
        let seeded = try seededMessage(fixture)
        let before = HLCTimestamp(milliseconds: Int64(seeded.createdAt.timeIntervalSince1970 * 1_000) - 60_000, node: "phone")
        let edit = SyncOperation(id: "edit-before", collection: .message, action: .update, record: seeded.id, fields: ["body": .string("Trop tard")], hlc: before, actor: fixture.client)
        #expect(try fixture.database.push([edit], actor: fixture.client, now: fixture.now).map(\.status) == [.accepted])
        let stored = try row(fixture, seeded.id)
        #expect(stored["body"] as String == seeded.body)
        #expect((stored["editedAt"] as Date?) == nil)
    }

    /// Each push reads the state the previous one left on the row: last writer wins by timestamp,
    /// not by arrival, and a deletion is never undone.
    @Test func editsInSeparatePushesMergeByTimestamp() throws {
        var fixture = try SyncFixture()
        let t0 = fixture.hlc(), t1 = fixture.hlc(), t2 = fixture.hlc(), t3 = fixture.hlc(), t4 = fixture.hlc()
        let operations = [
            SyncOperation(id: "m-insert", collection: .message, action: .insert, record: "msg-lww", fields: ["conversation": .int(fixture.conversation), "body": .string("v0")], hlc: t0, actor: fixture.client),
            SyncOperation(id: "m-late", collection: .message, action: .update, record: "msg-lww", fields: ["body": .string("récent")], hlc: t2, actor: fixture.client),
            SyncOperation(id: "m-early", collection: .message, action: .update, record: "msg-lww", fields: ["body": .string("ancien")], hlc: t1, actor: fixture.client),
        ]
        for operation in operations {
            #expect(try fixture.database.push([operation], actor: fixture.client, now: fixture.now).map(\.status) == [.accepted])
        }
        var stored = try row(fixture, "msg-lww")
        #expect(stored["body"] as String == "récent")
        #expect(stored["contentOperation"] as String? == "m-insert" && stored["contentHlc"] as String? == t0.description)
        #expect(stored["bodyOperation"] as String? == "m-late" && stored["bodyHlc"] as String? == t2.description)
        #expect(stored["hlc"] as String == t2.description)
        #expect(stored["authorRole"] as String? == "client")
        let answer = SyncOperation(id: "m-expert", collection: .message, action: .insert, record: "msg-expert", fields: ["conversation": .int(fixture.conversation), "body": .string("Réponse")], hlc: fixture.hlc(), actor: fixture.expert)
        #expect(try fixture.database.push([answer], actor: fixture.expert, now: fixture.now).map(\.status) == [.accepted])
        #expect(try row(fixture, "msg-expert")["authorRole"] as String? == "expert")

        let delete = SyncOperation(id: "m-delete", collection: .message, action: .delete, record: "msg-lww", fields: [:], hlc: t3, actor: fixture.client)
        let after = SyncOperation(id: "m-after", collection: .message, action: .update, record: "msg-lww", fields: ["body": .string("ressuscité")], hlc: t4, actor: fixture.client)
        #expect(try fixture.database.push([delete], actor: fixture.client, now: fixture.now).map(\.status) == [.accepted])
        _ = try fixture.database.push([after], actor: fixture.client, now: fixture.now)
        stored = try row(fixture, "msg-lww")
        #expect(stored["body"] as String == "")
        #expect(stored["deletionOperation"] as String? == "m-delete")
        #expect(try fixture.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM syncRecord") } == 0)
    }
}

/// The push writer reads a message's state through SQLite's C functions (`DirectStatement`): once
/// the push is over it must hold no read open, or the write-ahead log could never start over.
@Suite struct DirectStatementTests {
    @Test func aPushLeavesNoReadOpenOnTheWriter() throws {
        let path = try Fixtures.temporaryDirectory() + "/push.sqlite"
        let database = try AppDatabase.open(path: path)
        defer { try? database.close() }
        _ = try DemoSeeder(configuration: Fixtures.seedConfiguration(experts: 4, clients: 8)).seed(into: database)
        let client = try SyncFixture.actor(database, DemoAccounts.client, .client)
        let conversation = try SyncFixture.demoConversation(database)
        let start = Int64(Fixtures.today.timeIntervalSince1970 * 1_000)
        let insert = SyncOperation(id: "r-1", collection: .message, action: .insert, record: "msg-r", fields: ["conversation": .int(conversation), "body": .string("Un")], hlc: HLCTimestamp(milliseconds: start, node: "d"), actor: client)
        let edit = SyncOperation(id: "r-2", collection: .message, action: .update, record: "msg-r", fields: ["body": .string("Deux")], hlc: HLCTimestamp(milliseconds: start + 1, node: "d"), actor: client)
        for operation in [insert, edit] {
            #expect(try database.push([operation], actor: client, now: Fixtures.today.addingTimeInterval(1)).map(\.status) == [.accepted])
        }
        // The edit found its message: had the lookup been left on that row, the writer would
        // still read the log, and no checkpoint could empty it.
        let other = try DatabaseQueue(path: path)
        let result = try #require(try other.writeWithoutTransaction { db in try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") })
        #expect(result[0] as Int == 0, "the checkpoint was blocked by a reader")
        #expect(result[1] as Int == 0, "the log still holds \(result[1] as Int) frames")
        try other.close()
    }
}

/// `v9-message-merge-state` moves messages' states out of `syncRecord`.
@Suite struct MessageMergeStateMigrationTests {
    private static let created = "0001795132800000-00000-phone"
    private static let edited = "0001795132900000-00000-phone"

    /// A v8 database with a message made through sync (its state in `syncRecord`) and a message
    /// of the seed whose sync edit never reached its row.
    private func version8Database() throws -> String {
        let path = try Fixtures.temporaryDirectory() + "/v8.sqlite"
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v8-sync-write-cost")
        try queue.write { db in
            try Fixtures.insertOneDossier(db)
            try db.execute(sql: """
                INSERT INTO conversation (id, dossierId, createdAt) VALUES (1, 1, '2026-11-20 00:00:00.000');
                INSERT INTO message (id, conversationId, authorId, body, createdAt, hlc, authorRole)
                VALUES ('m-sync', 1, 1, 'Bonjour', '2026-11-21 00:00:00.000', '\(Self.created)', 'client'),
                       ('m-seed', 1, 1, 'Texte du seed', '2026-11-01 00:00:00.000', '0001793491200000-00000-seed', 'client');
                """)
            let content = #"{"hlc":"\#(Self.created)","operation":"op-insert","value":{"author":1,"conversation":1}}"#
            try db.execute(sql: "INSERT INTO syncRecord (collection, record, dossierId, state, firstSeq) VALUES ('message', 'm-sync', 1, ?, 1)", arguments: [
                #"{"message":{"_0":{"content":\#(content),"body":{"hlc":"\#(Self.created)","operation":"op-insert","value":"Bonjour"}}}}"#,
            ])
            try db.execute(sql: "INSERT INTO syncRecord (collection, record, dossierId, state) VALUES ('message', 'm-seed', 1, ?)", arguments: [
                #"{"message":{"_0":{"body":{"hlc":"\#(Self.edited)","operation":"op-edit","value":"Texte corrigé"}}}}"#,
            ])
        }
        try queue.close()
        return path
    }

    @Test func statesMoveToTheirRowsAndAStrandedEditLands() throws {
        let database = try AppDatabase.open(path: try version8Database())
        defer { try? database.close() }
        try database.writer.read { db in
            let synced = try #require(try Row.fetchOne(db, sql: "SELECT * FROM message WHERE id = 'm-sync'"))
            #expect(synced["contentHlc"] as String? == Self.created && synced["contentOperation"] as String? == "op-insert")
            #expect(synced["bodyHlc"] as String? == Self.created && synced["bodyOperation"] as String? == "op-insert")
            #expect(synced["deletionHlc"] as String? == nil && synced["body"] as String == "Bonjour")
            let seeded = try #require(try Row.fetchOne(db, sql: "SELECT * FROM message WHERE id = 'm-seed'"))
            #expect(seeded["body"] as String == "Texte corrigé")
            #expect(seeded["bodyOperation"] as String? == "op-edit" && seeded["bodyHlc"] as String? == Self.edited)
            #expect((seeded["editedAt"] as Date?) != nil)
            #expect(seeded["createdAt"] as String == "2026-11-01 00:00:00.000")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM syncRecord") == 0)
        }
    }
}
