import FTModel
import FTSeed
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

/// "Supprimer mon compte": what was the person's is gone from every table, what the law keeps
/// stays without their name, and the other party's devices learn of it through sync.
@Suite struct AccountDeletionTests {
    static let nonce = String(repeating: "a", count: 32)
    static let tokenHash = Data(repeating: 7, count: 32)

    /// How many rows of the tables that hold free text still contain `text`.
    static func traces(of text: String, in database: AppDatabase) throws -> Int {
        try database.writer.read { db in
            try [
                "SELECT count(*) FROM message WHERE instr(body, ?1)", "SELECT count(*) FROM syncChange WHERE instr(fields, ?1)",
                "SELECT count(*) FROM syncRecord WHERE instr(state, ?1)", "SELECT count(*) FROM notification WHERE instr(body, ?1) OR instr(title, ?1)",
                "SELECT count(*) FROM rating WHERE instr(comment, ?1)", "SELECT count(*) FROM auditLog WHERE instr(detail, ?1)",
                "SELECT count(*) FROM user WHERE instr(email, ?1) OR instr(displayName, ?1)", #"SELECT count(*) FROM messageSearch WHERE messageSearch MATCH '"' || ?1 || '"'"#,
                "SELECT count(*) FROM dossier WHERE instr(description, ?1)", "SELECT count(*) FROM dossierEvent WHERE instr(text, ?1)",
            ].reduce(0) { sum, sql in sum + (try Int.fetchOne(db, sql: sql, arguments: [text]) ?? 0) }
        }
    }

    @Test func aClientLeavesNoTraceAndTheDossierStaysWithoutTheirName() throws {
        var fixture = try SyncFixture()
        let database = fixture.database
        try fixture.completeAssignment()
        let secret = "Confidentielxyz123"
        let comment = "Commentaireabc987"
        let email = DemoAccounts.client
        let name = try #require(try database.user(email: email)?.displayName)
        let situation = "Situationsecrete456"
        let (held, _) = try DossierOpeningTests.schemes(fixture)
        let written = try database.push([
            SyncOperation(id: "del-d1", collection: .dossier, action: .insert, record: "del-request", fields: [
                "product": .int(held), "description": .string("Notre situation : \(situation)"), "amount": .int(5_000),
                "answers": .string(try DossierOpeningTests.answers(for: held, fixture)), "expert": .int(fixture.expertId),
            ], hlc: fixture.hlc(), actor: fixture.client),
            SyncOperation(id: "del-m1", collection: .message, action: .insert, record: "del-msg-1", fields: ["conversation": .int(fixture.conversation), "body": .string("Notre chiffre : \(secret)")], hlc: fixture.hlc(), actor: fixture.client),
            SyncOperation(id: "del-r1", collection: .rating, action: .update, record: "\(fixture.clientId):\(fixture.expertId)", fields: ["score": .int(4), "comment": .string("Bien : \(comment)")], hlc: fixture.hlc(), actor: fixture.client),
        ], actor: fixture.client, now: fixture.now)
        #expect(written.allSatisfy { $0.status == .accepted })
        #expect(try Self.traces(of: secret, in: database) > 0)
        #expect(try Self.traces(of: comment, in: database) > 0)
        #expect(try Self.traces(of: situation, in: database) > 0)
        let cursor = try database.pull(for: fixture.expert, after: 0, limit: 5_000).cursor
        let userId = fixture.client.user
        try database.writer.write { db in
            try db.execute(sql: "INSERT INTO session (tokenHash, userId, createdAt, expiresAt) VALUES (?, ?, ?, ?)", arguments: [String(repeating: "7f", count: 32), userId, Fixtures.today, Fixtures.today.addingTimeInterval(86_400)])
            try db.execute(sql: "INSERT INTO document (id, dossierId, category, title, createdBy, createdAt) VALUES ('del-doc', ?, 'invoice', 'Facture', ?, ?)", arguments: [fixture.dossier, userId, Fixtures.today])
            try db.execute(sql: """
                INSERT INTO documentVersion (id, documentId, fileName, mediaType, byteCount, sha256, uploadedBy, uploadedAt, hlc) VALUES ('del-v1', 'del-doc', 'facture.pdf', 'application/pdf', 3, ?, ?, ?, '0001795132800000-00000-device')
                """, arguments: [String(repeating: "ab", count: 32), userId, Fixtures.today])
        }

        let deletion = try database.deleteAccount(userId: userId, nonce: Self.nonce, tokenHash: Self.tokenHash, now: fixture.now)

        #expect(deletion.messagesDeleted >= 1 && deletion.commentsErased == 1 && deletion.versionsErased.map(\.id) == ["del-v1"])
        #expect(try Self.traces(of: secret, in: database) == 0, "the message's body is nowhere: not in the message, the change log or a notification")
        #expect(try Self.traces(of: comment, in: database) == 0)
        #expect(try Self.traces(of: situation, in: database) == 0, "what the client wrote when opening a dossier is nowhere")
        #expect(try Self.traces(of: email, in: database) == 0, "the address is nowhere, the audit log included")
        #expect(try Self.traces(of: name, in: database) == 0)
        try database.writer.read { db in
            let user = try #require(try Row.fetchOne(db, sql: "SELECT * FROM user WHERE id = ?", arguments: [userId]))
            #expect((user["email"] as String).hasSuffix("@financialtracker.invalid") && user["passwordHash"] as String? == nil && user["active"] as Bool == false)
            #expect(user["deletedAt"] as Date? != nil)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM session WHERE userId = ?", arguments: [userId]) == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM notification WHERE userId = ?", arguments: [userId]) == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM message WHERE authorId = ? AND deletedAt IS NULL", arguments: [userId]) == 0)
            #expect(try Row.fetchOne(db, sql: "SELECT score, comment FROM rating WHERE clientId = ? AND expertId = ?", arguments: [fixture.clientId, fixture.expertId]).map { [$0[0] as Int64 == 4, $0[1] as String == ""] } == [true, true], "the score stays, the comment goes")
            #expect(try Date.fetchOne(db, sql: "SELECT erasedAt FROM documentVersion WHERE id = 'del-v1'") != nil)
            #expect(try String.fetchOne(db, sql: "SELECT status FROM dossier WHERE id = ?", arguments: [fixture.dossier]) != nil, "the dossier stays")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM dossier d JOIN client c ON c.id = d.clientId WHERE c.userId = ? AND d.status IN ('eligible', 'in_progress')", arguments: [userId]) == 0)
            #expect(try String.fetchOne(db, sql: "SELECT email FROM accountMail WHERE kind = 'deleted'") == email, "the confirmation goes to the old address")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM auditLog WHERE action = 'user.delete' AND entityId = ?", arguments: [String(userId)]) == 1)
        }
        #expect(try database.authenticateEvenly(email: email, password: "demo-financialtracker") == nil)
        // The expert's devices learn that the message is deleted.
        let changes = try database.pull(for: fixture.expert, after: cursor, limit: 5_000).changes
        #expect(changes.contains { $0.operation.collection == .message && $0.operation.record == "del-msg-1" && $0.operation.action == .delete })
        #expect(changes.contains { $0.operation.collection == .rating && $0.operation.fields["comment"] == .string("") })
        #expect(throws: AccountDeletionError.alreadyDeleted) { try database.deleteAccount(userId: userId, nonce: Self.nonce, tokenHash: Data(repeating: 8, count: 32), now: fixture.now) }
    }

    @Test func anExpertsProfileLeavesThePublicSiteAndTheirMissionsEnd() throws {
        var fixture = try SyncFixture()
        let database = fixture.database
        // A dossier offered to the expert: its history names them.
        let (held, _) = try DossierOpeningTests.schemes(fixture)
        let offered = try database.push([SyncOperation(id: "del-offer", collection: .dossier, action: .insert, record: "del-offer", fields: [
            "product": .int(held), "description": .string("Pour vous"), "amount": .int(5_000),
            "answers": .string(try DossierOpeningTests.answers(for: held, fixture)), "expert": .int(fixture.expertId),
        ], hlc: fixture.hlc(), actor: fixture.client)], actor: fixture.client, now: fixture.now)
        #expect(offered.first?.status == .accepted)
        let expertName = try #require(try database.user(email: DemoAccounts.expert)?.displayName)
        #expect(try Self.traces(of: expertName, in: database) > 0)
        let before = try #require(try database.writer.read { db in try String.fetchOne(db, sql: "SELECT slug FROM expert WHERE id = ?", arguments: [fixture.expertId]) })
        let open = try database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM expertAssignment WHERE expertId = ? AND status IN ('pending', 'assigned', 'in_progress')", arguments: [fixture.expertId]) ?? 0
        }
        let deletion = try database.deleteAccount(userId: fixture.expert.user, nonce: Self.nonce, tokenHash: Self.tokenHash, now: fixture.now)
        #expect(deletion.assignmentsCancelled == open && open > 0)
        #expect(try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM dossierEvent WHERE instr(text, ?)", arguments: [expertName]) } == 0,
                "the dossiers' history no longer names the expert")
        try database.writer.read { db in
            let expert = try #require(try Row.fetchOne(db, sql: "SELECT * FROM expert WHERE id = ?", arguments: [fixture.expertId]))
            #expect(expert["active"] as Bool == false && expert["bioMarkdown"] as String == "" && expert["slug"] as String != before)
            #expect(expert["lastName"] as String == "supprimé" && expert["siret"] as String? == nil)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM expertSpecialty WHERE expertId = ?", arguments: [fixture.expertId]) == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM siteChange WHERE expertId = ?", arguments: [fixture.expertId]) ?? 0 > 0, "the public pages follow")
        }
        #expect(try database.publishedExperts(limit: 10_000).contains { $0.slug == before } == false)
    }

    @Test func theLastActiveAdminCannotLeave() throws {
        let database = try Fixtures.seededDatabase(experts: 3, clients: 3)
        let admin = try #require(try database.user(email: DemoAccounts.admin)?.id)
        try database.writer.write { db in try db.execute(sql: "UPDATE user SET active = 0 WHERE role = 'admin' AND id <> ?", arguments: [admin]) }
        #expect(throws: AccountDeletionError.lastAdmin) { try database.deleteAccount(userId: admin, nonce: Self.nonce, tokenHash: Self.tokenHash, now: Fixtures.today) }
        #expect(try database.user(email: DemoAccounts.admin) != nil, "nothing changed")
    }
}
