import FTModel
import FTSeed
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

@Suite struct SyncTests {
    @Test func aMessageReachesTheOtherPartyAndNobodyElse() throws {
        var fixture = try SyncFixture()
        let operation = SyncOperation(id: "op-1", collection: .message, action: .insert, record: "msg-1", fields: ["conversation": .int(fixture.conversation), "body": .string("Voici les factures")], hlc: fixture.hlc(), actor: fixture.client)
        let results = try fixture.database.push([operation], actor: fixture.client, now: fixture.now)
        #expect(results.map(\.status) == [.accepted])
        let stored = try #require(try fixture.database.messages(conversationId: fixture.conversation).first { $0.id == "msg-1" })
        #expect(stored.authorId == fixture.client.user)
        #expect(stored.body == "Voici les factures")

        let expertPage = try fixture.database.pull(for: fixture.expert, after: 0)
        #expect(expertPage.changes.map(\.operation.id) == ["op-1"])
        #expect(expertPage.cursor == results[0].seq)
        let adminPage = try fixture.database.pull(for: fixture.admin, after: 0)
        #expect(adminPage.changes.count == 1)
        let otherPage = try fixture.database.pull(for: fixture.otherClient, after: 0)
        #expect(otherPage.changes.isEmpty)
        #expect(try fixture.database.pull(for: fixture.expert, after: expertPage.cursor).changes.isEmpty)
    }

    @Test func theAuthorIsTheSessionsUserWhateverTheDeviceSays() throws {
        var fixture = try SyncFixture()
        let forged = SyncOperation(id: "op-forged", collection: .message, action: .insert, record: "msg-f", fields: ["conversation": .int(fixture.conversation), "body": .string("Signé l'expert")], hlc: fixture.hlc(), actor: fixture.expert)
        _ = try fixture.database.push([forged], actor: fixture.client, now: fixture.now)
        let stored = try #require(try fixture.database.messages(conversationId: fixture.conversation).first { $0.id == "msg-f" })
        #expect(stored.authorId == fixture.client.user)
    }

    @Test func aRetryGetsTheSameAnswerAndChangesNothing() throws {
        var fixture = try SyncFixture()
        let good = SyncOperation(id: "op-retry", collection: .message, action: .insert, record: "msg-r", fields: ["conversation": .int(fixture.conversation), "body": .string("Une fois")], hlc: fixture.hlc(), actor: fixture.client)
        let bad = SyncOperation(id: "op-bad", collection: .rating, action: .update, record: "\(fixture.clientId):\(fixture.expertId)", fields: ["score": .int(7)], hlc: fixture.hlc(), actor: fixture.client)
        let first = try fixture.database.push([good, bad], actor: fixture.client, now: fixture.now)
        let counts = try fixture.database.tableCounts()
        let second = try fixture.database.push([good, bad, good], actor: fixture.client, now: fixture.now)
        #expect(second == first + [first[0]])
        #expect(try fixture.database.tableCounts() == counts)
        #expect(first[1].rejection?.code == .invalidField)
        #expect(first[1].rejection?.field == "score")
    }

    /// Batches of 8 or more look their earlier answers up in one query (`json_each`), smaller ones
    /// one by one: both answer a retry alike.
    @Test func aRetriedLargeBatchGetsTheSameAnswersAndChangesNothing() throws {
        var fixture = try SyncFixture()
        var batch = (1...9).map { n in
            SyncOperation(id: "op-large-\(n)", collection: .message, action: .insert, record: "msg-large-\(n)", fields: ["conversation": .int(fixture.conversation), "body": .string("Message \(n)")], hlc: fixture.hlc(), actor: fixture.client)
        }
        batch.insert(SyncOperation(id: "op-\"quoted\"", collection: .rating, action: .update, record: "\(fixture.clientId):\(fixture.expertId)", fields: ["score": .int(7)], hlc: fixture.hlc(), actor: fixture.client), at: 4)
        let first = try fixture.database.push(batch, actor: fixture.client, now: fixture.now)
        #expect(first.filter { $0.status == .accepted }.count == 9 && first[4].rejection?.field == "score")
        let counts = try fixture.database.tableCounts()
        let second = try fixture.database.push(batch + batch.prefix(2), actor: fixture.client, now: fixture.now)
        #expect(second == first + first.prefix(2))
        #expect(try fixture.database.tableCounts() == counts)
    }

    @Test func aRefusedOperationDoesNotStopTheBatch() throws {
        var fixture = try SyncFixture()
        let mine = SyncOperation(id: "op-mine", collection: .message, action: .insert, record: "msg-m", fields: ["conversation": .int(fixture.conversation), "body": .string("Bonjour")], hlc: fixture.hlc(), actor: fixture.client)
        let results = try fixture.database.push([mine], actor: fixture.client, now: fixture.now)
        #expect(results[0].status == .accepted)
        let notMine = SyncOperation(id: "op-edit", collection: .message, action: .update, record: "msg-m", fields: ["body": .string("Modifié par l'expert")], hlc: fixture.hlc(), actor: fixture.expert)
        let reply = SyncOperation(id: "op-reply", collection: .message, action: .insert, record: "msg-x", fields: ["conversation": .int(fixture.conversation), "body": .string("Bien reçu")], hlc: fixture.hlc(), actor: fixture.expert)
        let answers = try fixture.database.push([notMine, reply], actor: fixture.expert, now: fixture.now)
        #expect(answers.map(\.status) == [.rejected, .accepted])
        #expect(answers[0].rejection?.code == .forbidden)
        #expect(try fixture.database.messages(conversationId: fixture.conversation).first { $0.id == "msg-m" }?.body == "Bonjour")
    }

    @Test func anotherClientCannotWriteIntoTheDossierAndLearnsNothing() throws {
        var fixture = try SyncFixture()
        let counts = try fixture.database.tableCounts().filter { $0.table != "syncRejection" }
        let intrusions: [SyncOperation] = [
            SyncOperation(id: "i1", collection: .message, action: .insert, record: "evil-1", fields: ["conversation": .int(fixture.conversation), "body": .string("Coucou")], hlc: fixture.hlc(), actor: fixture.otherClient),
            SyncOperation(id: "i2", collection: .step, action: .update, record: String(fixture.clientStep), fields: ["progress": .int(10)], hlc: fixture.hlc(), actor: fixture.otherClient),
            SyncOperation(id: "i3", collection: .rating, action: .update, record: "\(fixture.clientId):\(fixture.expertId)", fields: ["score": .int(1)], hlc: fixture.hlc(), actor: fixture.otherClient),
            SyncOperation(id: "i4", collection: .message, action: .insert, record: "evil-2", fields: ["conversation": .int(999_999), "body": .string("Coucou")], hlc: fixture.hlc(), actor: fixture.otherClient),
        ]
        let answers = try fixture.database.push(intrusions, actor: fixture.otherClient, now: fixture.now)
        #expect(answers.allSatisfy { $0.status == .rejected && $0.rejection?.code == .forbidden })
        // The same words whether the dossier exists or not.
        #expect(answers[0].rejection?.message == answers[3].rejection?.message)
        #expect(try fixture.database.tableCounts().filter { $0.table != "syncRejection" } == counts)
    }

    @Test func stepsMergeAndProjectIntoTheWorkflow() throws {
        var fixture = try SyncFixture()
        let progress = SyncOperation(id: "s1", collection: .step, action: .update, record: String(fixture.clientStep), fields: ["status": .string("in_progress"), "progress": .int(40)], hlc: fixture.hlc(), actor: fixture.client)
        #expect(try fixture.database.push([progress], actor: fixture.client, now: fixture.now).first?.status == .accepted)
        var step = try #require(try fixture.database.writer.read { db in try DossierStep.fetchOne(db, key: fixture.clientStep) })
        #expect(step.status == .inProgress)
        #expect(step.progress == 40)
        let done = SyncOperation(id: "s2", collection: .step, action: .update, record: String(fixture.clientStep), fields: ["status": .string("completed")], hlc: fixture.hlc(), actor: fixture.expert)
        #expect(try fixture.database.push([done], actor: fixture.expert, now: fixture.now).first?.status == .accepted)
        step = try #require(try fixture.database.writer.read { db in try DossierStep.fetchOne(db, key: fixture.clientStep) })
        #expect(step.status == .completed)
        #expect(step.progress == 100, "a completed step is at 100 %")
        #expect(step.completedAt != nil)
        let overdue = SyncOperation(id: "s3", collection: .step, action: .update, record: String(fixture.clientStep), fields: ["status": .string("overdue")], hlc: fixture.hlc(), actor: fixture.client)
        #expect(try fixture.database.push([overdue], actor: fixture.client, now: fixture.now).first?.rejection?.code == .forbidden)
    }

    /// Found by the authorization matrix: moving the progress of a step the database already holds
    /// as completed broke the schema's rule and escaped as an SQLite error.
    @Test func progressOnACompletedStepKeepsItCompleteAtFullProgress() throws {
        var fixture = try SyncFixture()
        let done = SyncOperation(id: "p1", collection: .step, action: .update, record: String(fixture.clientStep), fields: ["status": .string("completed")], hlc: fixture.hlc(), actor: fixture.expert)
        _ = try fixture.database.push([done], actor: fixture.expert, now: fixture.now)
        let nudge = SyncOperation(id: "p2", collection: .step, action: .update, record: String(fixture.clientStep), fields: ["progress": .int(40)], hlc: fixture.hlc(), actor: fixture.client)
        let answer = try fixture.database.push([nudge], actor: fixture.client, now: fixture.now)
        #expect(answer.first?.status == .accepted)
        let step = try #require(try fixture.database.writer.read { db in try DossierStep.fetchOne(db, key: fixture.clientStep) })
        #expect(step.status == .completed)
        #expect(step.progress == 100)
    }

    @Test func aClientRatesItsExpertAndTheSummaryFollows() throws {
        var fixture = try SyncFixture()
        let early = SyncOperation(id: "r0", collection: .rating, action: .update, record: "\(fixture.clientId):\(fixture.expertId)", fields: ["score": .int(5)], hlc: fixture.hlc(), actor: fixture.client)
        // While the mission is in progress, no review yet.
        #expect(try fixture.database.push([early], actor: fixture.client, now: fixture.now).first?.rejection?.code == .forbidden)
        try fixture.completeAssignment()
        let rating = SyncOperation(id: "r1", collection: .rating, action: .update, record: "\(fixture.clientId):\(fixture.expertId)", fields: ["score": .int(5), "comment": .string("Parfait")], hlc: fixture.hlc(), actor: fixture.client)
        #expect(try fixture.database.push([rating], actor: fixture.client, now: fixture.now).first?.status == .accepted)
        let stored = try #require(try fixture.database.latestRatings(expertId: fixture.expertId, limit: 50).first { $0.clientId == fixture.clientId })
        #expect(stored.score == 5)
        #expect(stored.comment == "Parfait")
        let expertRates = SyncOperation(id: "r2", collection: .rating, action: .update, record: "\(fixture.clientId):\(fixture.expertId)", fields: ["score": .int(1)], hlc: fixture.hlc(), actor: fixture.expert)
        #expect(try fixture.database.push([expertRates], actor: fixture.expert, now: fixture.now).first?.rejection?.code == .forbidden)
    }

    @Test func aTimestampFromTheFutureIsRefused() throws {
        var fixture = try SyncFixture()
        let future = HLCTimestamp(milliseconds: fixture.clock + 86_400_000, node: "d")
        let operation = SyncOperation(id: "f1", collection: .message, action: .insert, record: "msg-future", fields: ["conversation": .int(fixture.conversation), "body": .string("Demain")], hlc: future, actor: fixture.client)
        #expect(try fixture.database.push([operation], actor: fixture.client, now: fixture.now).first?.rejection?.code == .clockSkew)
    }

    /// The validator counts a body in characters as the user sees them, the schema in Unicode
    /// code points: a body of 20,000 "é" written as "e" + combining accent passes the first and
    /// breaks the second. The push is applied again with one savepoint per operation, so that
    /// this operation alone is refused, with a reason, and nothing of it is stored.
    @Test func anOperationTheSchemaRefusesIsAnsweredAndTheRestOfTheBatchApplies() throws {
        var fixture = try SyncFixture()
        let decomposed = String(repeating: "e\u{301}", count: Message.maximumBodyLength)
        let operations = [
            SyncOperation(id: "s-1", collection: .message, action: .insert, record: "msg-s1", fields: ["conversation": .int(fixture.conversation), "body": .string("Avant")], hlc: fixture.hlc(), actor: fixture.client),
            SyncOperation(id: "s-2", collection: .message, action: .insert, record: "msg-s2", fields: ["conversation": .int(fixture.conversation), "body": .string(decomposed)], hlc: fixture.hlc(), actor: fixture.client),
            SyncOperation(id: "s-3", collection: .message, action: .insert, record: "msg-s3", fields: ["conversation": .int(fixture.conversation), "body": .string("Après")], hlc: fixture.hlc(), actor: fixture.client),
        ]
        let results = try fixture.database.push(operations, actor: fixture.client, now: fixture.now)
        #expect(results.map(\.status) == [.accepted, .rejected, .accepted])
        #expect(results[1].rejection?.code == .invalidField)
        #expect(results[1].rejection?.message.contains("message_body") == true, "\(String(describing: results[1].rejection))")
        let ids = try fixture.database.messages(conversationId: fixture.conversation).map(\.id)
        #expect(ids.contains("msg-s1") && ids.contains("msg-s3") && !ids.contains("msg-s2"))
        #expect(try fixture.database.pull(for: fixture.expert, after: 0).changes.map(\.operation.id) == ["s-1", "s-3"])
        // A retry gets the same answers.
        #expect(try fixture.database.push(operations, actor: fixture.client, now: fixture.now) == results)
    }

    /// Two devices edit the same message offline; the server ends the same whichever syncs first.
    @Test func concurrentEditsConvergeWhateverTheOrder() throws {
        var states: [String] = []
        for order in [[0, 1], [1, 0]] {
            var fixture = try SyncFixture()
            let insert = SyncOperation(id: "c0", collection: .message, action: .insert, record: "msg-c", fields: ["conversation": .int(fixture.conversation), "body": .string("v0")], hlc: HLCTimestamp(milliseconds: fixture.clock, node: "a"), actor: fixture.client)
            _ = try fixture.database.push([insert], actor: fixture.client, now: fixture.now)
            let edits = [
                SyncOperation(id: "c1", collection: .message, action: .update, record: "msg-c", fields: ["body": .string("v1 du téléphone")], hlc: HLCTimestamp(milliseconds: fixture.clock + 500, node: "phone"), actor: fixture.client),
                SyncOperation(id: "c2", collection: .message, action: .update, record: "msg-c", fields: ["body": .string("v2 du portable")], hlc: HLCTimestamp(milliseconds: fixture.clock + 500, node: "laptop"), actor: fixture.client),
            ]
            for index in order { _ = try fixture.database.push([edits[index]], actor: fixture.client, now: fixture.now) }
            states.append(try #require(try fixture.database.messages(conversationId: fixture.conversation).first { $0.id == "msg-c" }).body)
            _ = fixture.hlc()
        }
        #expect(states[0] == states[1])
        #expect(states[0] == "v1 du téléphone", "same millisecond: the node 'phone' sorts after 'laptop'")
    }
}

@Suite struct SessionTests {
    @Test func signInChecksThePasswordAndTheTokenNamesTheUser() throws {
        let database = try Fixtures.seededDatabase(experts: 3, clients: 4)
        #expect(try database.signIn(email: DemoAccounts.client, password: "mauvais", now: Fixtures.today) == nil)
        let session = try #require(try database.signIn(email: DemoAccounts.client, password: DemoAccounts.defaultPassword, now: Fixtures.today))
        #expect(session.token.count >= 40)
        #expect(try database.user(token: session.token, now: Fixtures.today)?.email == DemoAccounts.client)
        #expect(try database.user(token: session.token + "x", now: Fixtures.today) == nil)
        // Expired.
        #expect(try database.user(token: session.token, now: session.expiresAt.addingTimeInterval(1)) == nil)
        // The database never holds the token itself.
        let stored = try database.writer.read { db in try String.fetchAll(db, sql: "SELECT tokenHash FROM session") }
        #expect(!stored.contains(session.token))
        try database.signOut(token: session.token, now: Fixtures.today)
        #expect(try database.user(token: session.token, now: Fixtures.today) == nil)
    }

    @Test func aDeactivatedUserLosesItsSessions() throws {
        let database = try Fixtures.seededDatabase(experts: 3, clients: 4)
        let session = try #require(try database.signIn(email: DemoAccounts.client, password: DemoAccounts.defaultPassword, now: Fixtures.today))
        #expect(try database.user(token: session.token, now: Fixtures.today) != nil)
        try database.setUserActive(id: try #require(session.user.id), active: false, by: nil, at: Fixtures.today)
        #expect(try database.user(token: session.token, now: Fixtures.today) == nil)
        #expect(try database.signIn(email: DemoAccounts.client, password: DemoAccounts.defaultPassword, now: Fixtures.today) == nil)
    }

    /// A session revoked by another writer of the file (not through this `AppDatabase`) stops
    /// working once the remembered check is older than `SessionCache.freshness`.
    @Test func aSessionRevokedElsewhereIsRefusedWithinTheFreshness() throws {
        let database = try Fixtures.seededDatabase(experts: 3, clients: 4)
        let session = try #require(try database.signIn(email: DemoAccounts.client, password: DemoAccounts.defaultPassword, now: Fixtures.today))
        #expect(try database.user(token: session.token, now: Fixtures.today) != nil)
        try database.writer.write { db in try db.execute(sql: "UPDATE session SET revokedAt = ?", arguments: [Fixtures.today]) }
        let later = Fixtures.today.addingTimeInterval(SessionCache.freshness)
        #expect(try database.user(token: session.token, now: later) == nil)
    }
}

@Suite struct SnapshotTests {
    /// A new device pulls from cursor 0: the snapshot, merged like any operations, rebuilds every
    /// message and step of its dossiers exactly as the database holds them, and nothing else.
    @Test func aNewDeviceGetsACompleteReplicaOfWhatItMaySee() throws {
        var fixture = try SyncFixture()
        // One change through sync, after the seed.
        let edit = SyncOperation(id: "after", collection: .step, action: .update, record: String(fixture.clientStep), fields: ["progress": .int(70), "status": .string("in_progress")], hlc: fixture.hlc(), actor: fixture.client)
        _ = try fixture.database.push([edit], actor: fixture.client, now: fixture.now)

        var replica = Replica()
        for operation in try fixture.database.snapshot(for: fixture.client) { replica.apply(operation) }
        for change in try fixture.database.pull(for: fixture.client, after: 0).changes { replica.apply(change.operation) }

        let visibleMessages = try fixture.database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.id, m.body, m.deletedAt IS NOT NULL AS deleted FROM message m JOIN conversation c ON c.id = m.conversationId
                JOIN dossier d ON d.id = c.dossierId JOIN client cl ON cl.id = d.clientId WHERE cl.userId = ?
                """, arguments: [fixture.client.user])
        }
        #expect(!visibleMessages.isEmpty)
        for row in visibleMessages {
            guard case .message(let message) = replica[.message, row["id"]] else {
                Issue.record("message \(row["id"] as String) missing from the replica")
                continue
            }
            #expect(message.visibleBody == row["body"])
            #expect(message.isDeleted == row["deleted"])
        }
        let messageCount = replica.records.keys.filter { $0.collection == .message }.count
        #expect(messageCount == visibleMessages.count, "no message of another client")

        let steps = try fixture.database.writer.read { db in
            try DossierStep.fetchAll(db, sql: """
                SELECT s.* FROM dossierStep s JOIN dossier d ON d.id = s.dossierId JOIN client cl ON cl.id = d.clientId WHERE cl.userId = ?
                """, arguments: [fixture.client.user])
        }
        for step in steps {
            guard case .step(let state) = replica[.step, String(step.id ?? 0)] else {
                Issue.record("step \(step.id ?? 0) missing")
                continue
            }
            #expect(state.effectiveFields["status"] == .string(step.status.rawValue))
            #expect(state.effectiveFields["progress"] == .int(Int64(step.progress)))
        }
        guard case .step(let edited) = replica[.step, String(fixture.clientStep)] else { return }
        #expect(edited.effectiveFields["progress"] == .int(70), "the later synced change wins over the snapshot")

        #expect(try fixture.database.snapshot(for: fixture.otherClient).allSatisfy { operation in
            !visibleMessages.contains { $0["id"] == operation.record }
        })
        // An admin's replica holds only their own preferences, every kind × channel of the role.
        let adminSnapshot = try fixture.database.snapshot(for: fixture.admin)
        #expect(adminSnapshot.count == NotificationPolicy.kinds(for: .admin).count * NotificationChannel.allCases.count)
        #expect(adminSnapshot.allSatisfy { $0.collection == .preference && RecordID.preference($0.record)?.user == fixture.admin.user })
    }
}
