import FTModel
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

/// What a device or an attacker could send to break sync (issue "Sync that cannot be broken"):
/// each test fails without its fix.
@Suite struct SyncHardeningTests {
    /// A device that starts from a snapshot and a device that saw every change agree with the
    /// server after a late edit: the snapshot carries the stamps the server merged, not the time
    /// it received them.
    @Test func aLateEditWinsOnADeviceThatStartedFromASnapshot() throws {
        var fixture = try SyncFixture()
        // A step in progress (a completed one shows 100 % whatever its progress says).
        let step = try #require(try fixture.database.writer.write { db -> Int64? in
            let id = try Int64.fetchOne(db, sql: "SELECT id FROM dossierStep WHERE dossierId = ? ORDER BY id LIMIT 1", arguments: [fixture.dossier])
            try db.execute(sql: "UPDATE dossierStep SET status = 'in_progress', progress = 10, completedAt = NULL WHERE id = ?", arguments: [id])
            return id
        })
        let now = fixture.now
        let nowMilliseconds = Int64(now.timeIntervalSince1970 * 1_000)
        func progress(_ value: Int64, at offset: Int64, id: String) -> SyncOperation {
            SyncOperation(id: id, collection: .step, action: .update, record: String(step), fields: ["progress": .int(value)], hlc: HLCTimestamp(milliseconds: nowMilliseconds + offset, node: "expertphone"), actor: fixture.expert)
        }
        #expect(try fixture.database.push([progress(21, at: -7_200_000, id: "late-21")], actor: fixture.expert, now: now).map(\.status) == [.accepted])

        var client = Replica()
        let first = try fixture.database.snapshot(for: fixture.client) + fixture.database.pull(for: fixture.client, after: 0).changes.map(\.operation)
        first.forEach { client.apply($0) }
        let cursor = try fixture.database.latestSequence()

        #expect(try fixture.database.push([progress(42, at: -3_600_000, id: "late-42")], actor: fixture.expert, now: now).map(\.status) == [.accepted])
        try fixture.database.pull(for: fixture.client, after: cursor).changes.forEach { client.apply($0.operation) }

        var fresh = Replica()
        try (fixture.database.snapshot(for: fixture.client) + fixture.database.pull(for: fixture.client, after: 0).changes.map(\.operation)).forEach { fresh.apply($0) }
        let stored = try #require(try fixture.database.writer.read { db in try Int64.fetchOne(db, sql: "SELECT progress FROM dossierStep WHERE id = ?", arguments: [step]) })
        guard case .step(let incremental) = try #require(client[.step, String(step)]), case .step(let fromZero) = try #require(fresh[.step, String(step)]) else {
            Issue.record("no step state")
            return
        }
        #expect(stored == 42)
        #expect(incremental.effectiveFields["progress"] == .int(42))
        #expect(fromZero.effectiveFields["progress"] == .int(42))
        #expect(incremental == fromZero)
    }

    /// A change stamped before the seeded row's date: the server and a device that had the
    /// seeded step from a snapshot pick the same winner.
    @Test func aSeededStepAndAnEarlierStampedChangeConvergeEverywhere() throws {
        var fixture = try SyncFixture()
        let step = fixture.clientStep
        var device = Replica()
        try fixture.database.snapshot(for: fixture.client).forEach { device.apply($0) }
        let cursor = try fixture.database.latestSequence()
        // Stamped a year before the seed wrote the row: loses to the seeded values everywhere.
        let old = SyncOperation(id: "old-change", collection: .step, action: .update, record: String(step), fields: ["priority": .string("urgent")], hlc: HLCTimestamp(milliseconds: fixture.clock - 365 * 86_400_000, node: "skewed"), actor: fixture.client)
        #expect(try fixture.database.push([old], actor: fixture.client, now: fixture.now).map(\.status) == [.accepted])
        try fixture.database.pull(for: fixture.client, after: cursor).changes.forEach { device.apply($0.operation) }
        var fresh = Replica()
        try (fixture.database.snapshot(for: fixture.client) + fixture.database.pull(for: fixture.client, after: 0).changes.map(\.operation)).forEach { fresh.apply($0) }
        let stored = try #require(try fixture.database.writer.read { db in try String.fetchOne(db, sql: "SELECT priority FROM dossierStep WHERE id = ?", arguments: [step]) })
        guard case .step(let incremental) = try #require(device[.step, String(step)]), case .step(let fromZero) = try #require(fresh[.step, String(step)]) else {
            Issue.record("no step state")
            return
        }
        #expect(incremental.effectiveFields["priority"] == .string(stored))
        #expect(fromZero.effectiveFields["priority"] == .string(stored))
        #expect(stored != "urgent")
    }

    @Test(arguments: [
        (SyncCollection.step, "05"), (.step, "+5"), (.rating, "01:1"), (.readReceipt, "+3:204"), (.readReceipt, "3::204"),
        (.preference, "03:message:email"), (.preference, "3:message:email:x"),
    ])
    func anotherSpellingOfARecordIdIsRefused(collection: SyncCollection, record: String) throws {
        var fixture = try SyncFixture()
        let fields: [String: FieldValue] = switch collection {
        case .step: ["progress": .int(10)]
        case .rating: ["score": .int(5)]
        case .preference: ["enabled": .bool(false)]
        default: ["readUpTo": .int(1)]
        }
        let operation = SyncOperation(id: "alias-\(record)", collection: collection, action: .update, record: record, fields: fields, hlc: fixture.hlc(), actor: fixture.client)
        let result = try fixture.database.push([operation], actor: fixture.client, now: fixture.now)
        #expect(result.first?.rejection?.code == .invalidRecord)
    }

    /// An edit queued before the insert it edits, in one batch: both are accepted.
    @Test func anUpdateBeforeItsInsertInOneBatchIsAccepted() throws {
        var fixture = try SyncFixture()
        let insertStamp = fixture.hlc()
        let updateStamp = fixture.hlc()
        let insert = SyncOperation(id: "ins-m3", collection: .message, action: .insert, record: "m3", fields: ["conversation": .int(fixture.conversation), "body": .string("Premier jet")], hlc: insertStamp, actor: fixture.client)
        let update = SyncOperation(id: "upd-m3", collection: .message, action: .update, record: "m3", fields: ["body": .string("Corrigé")], hlc: updateStamp, actor: fixture.client)
        let results = try fixture.database.push([update, insert], actor: fixture.client, now: fixture.now)
        #expect(results.map(\.operation) == ["upd-m3", "ins-m3"])
        #expect(results.map(\.status) == [.accepted, .accepted])
        #expect(try fixture.database.messages(conversationId: fixture.conversation).first { $0.id == "m3" }?.body == "Corrigé")
    }

    /// An edit of a message the server has not seen yet is refused, but not for good: once the
    /// insert arrives, the retry succeeds.
    @Test func aRefusalForAnUnknownRecordIsNotStored() throws {
        var fixture = try SyncFixture()
        let insertStamp = fixture.hlc()
        let update = SyncOperation(id: "upd-m4", collection: .message, action: .update, record: "m4", fields: ["body": .string("Corrigé")], hlc: fixture.hlc(), actor: fixture.client)
        #expect(try fixture.database.push([update], actor: fixture.client, now: fixture.now).first?.status == .rejected)
        let insert = SyncOperation(id: "ins-m4", collection: .message, action: .insert, record: "m4", fields: ["conversation": .int(fixture.conversation), "body": .string("Premier jet")], hlc: insertStamp, actor: fixture.client)
        #expect(try fixture.database.push([insert], actor: fixture.client, now: fixture.now).first?.status == .accepted)
        #expect(try fixture.database.push([update], actor: fixture.client, now: fixture.now).first?.status == .accepted)
    }

    /// Operation ids are the idempotency keys of one user's retries: another user's operation with
    /// the same id is refused whole, and nothing of the first user's answer leaks.
    /// An operation id of a megabyte is refused by its form, and its refusal is not kept under
    /// it; a field name of a megabyte is not repeated whole. Kept, every look-up passing such a
    /// row in the index read the megabyte, and every user's push waited a second behind one
    /// attacker's 1,000-operation batch (the no-stall test, about one run in three).
    @Test func aRefusalUnderAnIdNoOperationCanHaveIsNotKept() throws {
        var fixture = try SyncFixture()
        let huge = "atk-" + String(repeating: "x", count: 1 << 20)
        let operation = SyncOperation(id: huge, collection: .message, action: .insert, record: "huge-1", fields: ["conversation": .int(fixture.conversation), "body": .string("x")], hlc: fixture.hlc(), actor: fixture.client)
        let results = try fixture.database.push([operation], actor: fixture.client, now: fixture.now)
        #expect(results.map(\.status) == [.rejected] && results.first?.rejection?.field == "id")
        let kept = try fixture.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM syncRejection WHERE length(operationId) > 64") }
        #expect(kept == 0)
        // Sent again, the same answer, from its form.
        #expect(try fixture.database.push([operation], actor: fixture.client, now: fixture.now).first?.rejection?.field == "id")
        // A megabyte-long field name is named by its first 64 characters, and kept so.
        let name = String(repeating: "k", count: 1 << 20)
        let field = SyncOperation(id: "huge-field", collection: .message, action: .insert, record: "huge-2", fields: ["conversation": .int(fixture.conversation), "body": .string("x"), name: .int(1)], hlc: fixture.hlc(), actor: fixture.client)
        let refusal = try #require(try fixture.database.push([field], actor: fixture.client, now: fixture.now).first?.rejection)
        #expect(refusal.code == .unknownField && refusal.field == String(repeating: "k", count: 64) + "…")
        let longest = try fixture.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT max(length(message) + length(coalesce(field, ''))) FROM syncRejection") }
        #expect((longest ?? 0) < 1_000)
    }

    @Test func anotherUsersOperationIdIsAClashNotARetry() throws {
        var fixture = try SyncFixture()
        let mine = SyncOperation(id: "shared-id", collection: .message, action: .insert, record: "m-mine", fields: ["conversation": .int(fixture.conversation), "body": .string("À moi")], hlc: fixture.hlc(), actor: fixture.client)
        let first = try fixture.database.push([mine], actor: fixture.client, now: fixture.now)
        #expect(first.first?.status == .accepted)
        #expect(try fixture.database.push([mine], actor: fixture.client, now: fixture.now) == first)
        let theirs = SyncOperation(id: "shared-id", collection: .message, action: .insert, record: "m-theirs", fields: ["conversation": .int(fixture.conversation), "body": .string("À l'expert")], hlc: fixture.hlc(), actor: fixture.expert)
        #expect {
            try fixture.database.push([theirs], actor: fixture.expert, now: fixture.now)
        } throws: { error in
            (error as? StoreError)?.kind == .operationIdTaken
        }
        // Also once the first user's operation is compacted out of the log.
        _ = try fixture.database.compactSyncLog(changesBefore: fixture.now.addingTimeInterval(60), tombstonesBefore: .distantPast, now: fixture.now)
        #expect(try fixture.database.push([mine], actor: fixture.client, now: fixture.now) == first)
        #expect(throws: StoreError.self) { try fixture.database.push([theirs], actor: fixture.expert, now: fixture.now) }
    }

    /// A row of the log that cannot be read (written before today's checks) does not stop a pull:
    /// the cursor moves past it.
    @Test func anUnreadableChangeIsSkippedAndTheCursorMovesOn() throws {
        var fixture = try SyncFixture()
        let good = SyncOperation(id: "good", collection: .message, action: .insert, record: "m-good", fields: ["conversation": .int(fixture.conversation), "body": .string("Lisible")], hlc: fixture.hlc(), actor: fixture.client)
        _ = try fixture.database.push([good], actor: fixture.client, now: fixture.now)
        try fixture.database.writer.write { db in
            try db.execute(sql: "UPDATE syncChange SET hlc = '0001796591342318-00000-' WHERE operationId = 'good'")
        }
        let page = try fixture.database.pull(for: fixture.client, after: 0)
        #expect(page.changes.isEmpty)
        #expect(page.cursor == (try fixture.database.latestSequence()))
        let read = try fixture.database.changes(after: 0, limit: 10)
        #expect(read.changes.isEmpty && read.unreadable.count == 1 && read.through == page.cursor)
    }

    @Test func textWithANulIsRefusedNamingTheField() throws {
        var fixture = try SyncFixture()
        let operation = SyncOperation(id: "nul", collection: .message, action: .insert, record: "m-nul", fields: ["conversation": .int(fixture.conversation), "body": .string("before\u{0}after")], hlc: fixture.hlc(), actor: fixture.client)
        let result = try #require(try fixture.database.push([operation], actor: fixture.client, now: fixture.now).first)
        #expect(result.rejection?.code == .invalidField && result.rejection?.field == "body")
        let node = SyncOperation(id: "nul-node", collection: .message, action: .insert, record: "m-node", fields: ["conversation": .int(fixture.conversation), "body": .string("x")], hlc: HLCTimestamp(milliseconds: fixture.clock, node: "\u{0}x"), actor: fixture.client)
        #expect(try fixture.database.push([node], actor: fixture.client, now: fixture.now).first?.rejection?.field == "hlc")
    }
}
