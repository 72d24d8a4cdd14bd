import FTModel
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

@Suite struct CompactionTests {
    /// What a user sees of a replica: each message's text and deletion, each step's status and progress.
    static func view(_ replica: Replica) -> [String: String] {
        var view: [String: String] = [:]
        for key in replica.records.keys {
            switch replica[key.collection, key.record] {
            case .message(let message): view["message \(key.record)"] = "\(message.visibleBody ?? "∅") deleted=\(message.isDeleted)"
            case .step(let step): view["step \(key.record)"] = "\(step.effectiveFields["status"].map(String.init(describing:)) ?? "") \(step.effectiveFields["progress"].map(String.init(describing:)) ?? "")"
            default: break
            }
        }
        return view
    }

    /// A replica as a new device builds it: the snapshot, then the log after 0.
    static func freshReplica(_ database: AppDatabase, _ actor: SyncActor) throws -> Replica {
        var replica = Replica()
        for operation in try database.snapshot(for: actor) { replica.apply(operation) }
        for change in try database.pull(for: actor, after: 0, limit: 5_000).changes { replica.apply(change.operation) }
        return replica
    }

    @Test func compactingKeepsEveryDeviceRightAndNothingAppliesTwice() throws {
        var fixture = try SyncFixture()
        let old = fixture.now
        let early: [SyncOperation] = [
            SyncOperation(id: "c1", collection: .message, action: .insert, record: "cm-1", fields: ["conversation": .int(fixture.conversation), "body": .string("Premier jet")], hlc: fixture.hlc(), actor: fixture.client),
            SyncOperation(id: "c2", collection: .message, action: .update, record: "cm-1", fields: ["body": .string("Version finale")], hlc: fixture.hlc(), actor: fixture.client),
            SyncOperation(id: "c3", collection: .message, action: .insert, record: "cm-2", fields: ["conversation": .int(fixture.conversation), "body": .string("À supprimer")], hlc: fixture.hlc(), actor: fixture.client),
            SyncOperation(id: "c4", collection: .step, action: .update, record: String(fixture.clientStep), fields: ["status": .string("in_progress"), "progress": .int(30)], hlc: fixture.hlc(), actor: fixture.client),
        ]
        let earlyResults = try fixture.database.push(early, actor: fixture.client, now: old)
        #expect(earlyResults.allSatisfy { $0.status == .accepted })
        // A device that synced after the first change only, then went quiet.
        let lateCursor = try #require(earlyResults.first?.seq)
        let deletion = SyncOperation(id: "c5", collection: .message, action: .delete, record: "cm-2", fields: [:], hlc: fixture.hlc(), actor: fixture.client)
        _ = try fixture.database.push([deletion], actor: fixture.client, now: old)

        let later = old.addingTimeInterval(40 * 86_400)
        let recent = [
            SyncOperation(id: "c6", collection: .message, action: .insert, record: "cm-3", fields: ["conversation": .int(fixture.conversation), "body": .string("Un mois après")], hlc: fixture.hlc(), actor: fixture.expert),
            SyncOperation(id: "c7", collection: .step, action: .update, record: String(fixture.clientStep), fields: ["progress": .int(60)], hlc: fixture.hlc(), actor: fixture.client),
        ]
        _ = try fixture.database.push(recent, actor: fixture.expert, now: later)
        let expected = Self.view(try Self.freshReplica(fixture.database, fixture.client))
        let logBefore = try fixture.database.pull(for: fixture.admin, after: 0, limit: 5_000).changes.count

        let report = try fixture.database.compactSyncLog(changesBefore: old.addingTimeInterval(86_400), tombstonesBefore: old.addingTimeInterval(-86_400), now: later)
        #expect(report.changesRemoved == 5)
        #expect(report.horizon == (try fixture.database.syncHorizon()))
        #expect(try fixture.database.pull(for: fixture.admin, after: 0, limit: 5_000).changes.count == logBefore - 5)
        #expect(try fixture.database.pull(for: fixture.client, after: 0).changes.allSatisfy { $0.seq > report.horizon })

        // A new device (and one whose cursor is older than the horizon, which starts again the
        // same way) sees exactly what it saw before the compaction.
        #expect(Self.view(try Self.freshReplica(fixture.database, fixture.client)) == expected)
        #expect(lateCursor < report.horizon)
        #expect(expected["message cm-1"] == "Version finale deleted=false")
        #expect(expected["message cm-2"]?.hasSuffix("deleted=true") == true)

        // A device retrying a compacted operation gets its old answer; nothing is applied again.
        let counts = try fixture.database.tableCounts()
        let retried = try fixture.database.push(early + [deletion], actor: fixture.client, now: later)
        #expect(retried.map(\.seq) == (earlyResults.map(\.seq) + [report.horizon]))
        #expect(retried.allSatisfy { $0.status == .accepted })
        #expect(try fixture.database.tableCounts() == counts)

        // Compacting again with the same cut changes nothing.
        let again = try fixture.database.compactSyncLog(changesBefore: old.addingTimeInterval(86_400), tombstonesBefore: old.addingTimeInterval(-86_400), now: later)
        #expect(again.changesRemoved == 0 && again.horizon == report.horizon)
    }

    /// Compaction removes the log in small transactions (no push waits seconds for it), after
    /// moving the horizon: between two of them, and after a stop half-way, every device still
    /// sees what it saw; the next compaction finishes the job.
    @Test func aCompactionInChunksStoppedHalfWayIsFinishedByTheNext() throws {
        var fixture = try SyncFixture()
        let old = fixture.now
        var early: [SyncOperation] = []
        for index in 1...7 {
            early.append(SyncOperation(id: "k\(index)", collection: .message, action: .insert, record: "km-\(index)", fields: ["conversation": .int(fixture.conversation), "body": .string("Message \(index)")], hlc: fixture.hlc(), actor: fixture.client))
        }
        early.append(SyncOperation(id: "k8", collection: .step, action: .update, record: String(fixture.clientStep), fields: ["progress": .int(45)], hlc: fixture.hlc(), actor: fixture.client))
        let results = try fixture.database.push(early, actor: fixture.client, now: old)
        let later = old.addingTimeInterval(40 * 86_400)
        _ = try fixture.database.push([
            SyncOperation(id: "k9", collection: .message, action: .insert, record: "km-9", fields: ["conversation": .int(fixture.conversation), "body": .string("Plus tard")], hlc: fixture.hlc(), actor: fixture.expert),
        ], actor: fixture.expert, now: later)
        let expected = Self.view(try Self.freshReplica(fixture.database, fixture.client))
        let horizon = try #require(results.last?.seq)

        // Stopped after its first step: the horizon moved, nothing removed yet.
        try fixture.database.writer.write { db in
            try db.execute(sql: "INSERT INTO syncHorizon (seq, compactedAt) VALUES (?, ?)", arguments: [horizon, later])
        }
        #expect(Self.view(try Self.freshReplica(fixture.database, fixture.client)) == expected)
        let reset = try fixture.database.pull(after: try #require(results.first?.seq), for: fixture.client, limit: 5_000)
        #expect(reset.reset)

        // The next one (same cut, two rows per transaction) removes all eight.
        let report = try fixture.database.compactSyncLog(changesBefore: old.addingTimeInterval(86_400), tombstonesBefore: .distantPast, now: later, chunk: 2)
        #expect(report.horizon == horizon)
        #expect(report.changesRemoved == 8)
        #expect(try fixture.database.pull(for: fixture.admin, after: 0, limit: 5_000).changes.allSatisfy { $0.seq > horizon })
        #expect(Self.view(try Self.freshReplica(fixture.database, fixture.client)) == expected)
        #expect(expected["message km-7"] == "Message 7 deleted=false")
        // Retried, each removed operation gets its old answer.
        #expect(try fixture.database.push(early, actor: fixture.client, now: later).map(\.seq) == results.map(\.seq))
    }

    @Test func oldTombstonesArePurged() throws {
        var fixture = try SyncFixture()
        let old = fixture.now
        _ = try fixture.database.push([
            SyncOperation(id: "t1", collection: .message, action: .insert, record: "tm-1", fields: ["conversation": .int(fixture.conversation), "body": .string("Éphémère")], hlc: fixture.hlc(), actor: fixture.client),
            SyncOperation(id: "t2", collection: .message, action: .delete, record: "tm-1", fields: [:], hlc: fixture.hlc(), actor: fixture.client),
        ], actor: fixture.client, now: old)
        #expect(try fixture.database.messages(conversationId: fixture.conversation).contains { $0.id == "tm-1" })
        let later = old.addingTimeInterval(200 * 86_400)
        let report = try fixture.database.compactSyncLog(changesBefore: later, tombstonesBefore: later, now: later)
        #expect(report.tombstonesPurged >= 1)
        #expect(!(try fixture.database.messages(conversationId: fixture.conversation).contains { $0.id == "tm-1" }))
        #expect(!(try fixture.database.snapshot(for: fixture.client).contains { $0.record == "tm-1" }))
        // Its insertion, retried, does not bring it back.
        let retried = try fixture.database.push([
            SyncOperation(id: "t1", collection: .message, action: .insert, record: "tm-1", fields: ["conversation": .int(fixture.conversation), "body": .string("Éphémère")], hlc: fixture.hlc(), actor: fixture.client),
        ], actor: fixture.client, now: later)
        #expect(retried.first?.status == .accepted)
        #expect(!(try fixture.database.messages(conversationId: fixture.conversation).contains { $0.id == "tm-1" }))
    }

    /// A new device gets each record once: what was created through sync comes from the log, not
    /// also from the snapshot — until compaction removes its creation from the log.
    @Test func aSnapshotLeavesOutWhatTheLogHoldsWhole() throws {
        var fixture = try SyncFixture()
        let old = fixture.now
        _ = try fixture.database.push([
            SyncOperation(id: "s1", collection: .message, action: .insert, record: "sm-1", fields: ["conversation": .int(fixture.conversation), "body": .string("Par le journal")], hlc: fixture.hlc(), actor: fixture.client),
        ], actor: fixture.client, now: old)
        let seededMessage = try #require(try fixture.database.messages(conversationId: fixture.conversation).first { $0.id != "sm-1" }?.id)
        // An edit of a seeded message: its creation is not in the log, so it stays in the snapshot.
        _ = try fixture.database.push([
            SyncOperation(id: "s2", collection: .message, action: .update, record: seededMessage, fields: ["body": .string("Corrigé")], hlc: fixture.hlc(), actor: fixture.client),
        ], actor: fixture.client, now: old)
        var snapshot = try fixture.database.snapshot(for: fixture.client)
        #expect(!snapshot.contains { $0.record == "sm-1" })
        #expect(snapshot.contains { $0.record == seededMessage })
        #expect(try fixture.database.pull(for: fixture.client, after: 0).changes.contains { $0.operation.record == "sm-1" })

        _ = try fixture.database.compactSyncLog(changesBefore: old.addingTimeInterval(1), tombstonesBefore: .distantPast, now: old.addingTimeInterval(86_400))
        snapshot = try fixture.database.snapshot(for: fixture.client)
        #expect(snapshot.contains { $0.record == "sm-1" })
    }
}
