import FTModel
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

/// The server marks steps past their due date overdue, through sync, and a completion made
/// offline before its finding still wins.
@Suite struct OverdueStepTests {
    /// The demo dossier's client step, in progress and due at `due`.
    static func stepDue(_ fixture: SyncFixture, at due: Date) throws -> Int64 {
        let step = fixture.clientStep
        try fixture.database.writer.write { db in
            try db.execute(sql: "UPDATE dossierStep SET status = 'in_progress', progress = 30, completedAt = NULL, dueAt = ? WHERE id = ?", arguments: [due, step])
        }
        return step
    }

    static func row(_ fixture: SyncFixture, _ step: Int64) throws -> DossierStep {
        try #require(try fixture.database.writer.read { db in try DossierStep.fetchOne(db, key: step) })
    }

    /// What a device that pulls everything it may see shows for the step.
    static func shown(_ fixture: SyncFixture, _ step: Int64, to actor: SyncActor) throws -> [String: FieldValue] {
        var replica = Replica()
        for operation in try fixture.database.snapshot(for: actor) { replica.apply(operation) }
        for change in try fixture.database.pull(for: actor, after: 0, limit: 100_000).changes { replica.apply(change.operation) }
        guard case .step(let state) = try #require(replica.records[Replica.Key(.step, String(step))]) else {
            Issue.record("step \(step) is not a step")
            return [:]
        }
        return state.effectiveFields
    }

    @Test func aStepPastItsDueDateBecomesOverdueOnTheServerAndOnEveryDevice() throws {
        var fixture = try SyncFixture()
        let now = fixture.now
        let step = try Self.stepDue(fixture, at: now.addingTimeInterval(-3_600))
        let newest = try #require(try fixture.database.markOverdueSteps(now: now))
        #expect(try Self.row(fixture, step).status == .overdue)
        #expect(try Self.row(fixture, step).progress == 30, "only the status changes")
        // Logged as the server's change: no author; the client and the expert pull it.
        let logged = try #require(try fixture.database.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT seq, operationId, actorId, fields FROM syncChange WHERE collection = 'step' AND record = ?", arguments: [String(step)])
        })
        let seq: Int64 = logged["seq"]
        #expect(seq <= newest)
        #expect(logged["actorId"] as Int64? == nil)
        #expect(logged["fields"] as String == #"{"overdue":\#(DatabaseDate.milliseconds(now.addingTimeInterval(-3_600)))}"#)
        for actor in [fixture.client, fixture.expert] {
            #expect(try fixture.database.pull(for: actor, after: seq - 1, limit: 1).changes.map(\.seq) == [seq])
            #expect(try Self.shown(fixture, step, to: actor)["status"] == .string("overdue"))
        }
        #expect(try !fixture.database.pull(for: fixture.otherClient, after: 0, limit: 100_000).changes.contains { $0.seq == seq }, "another client's device hears nothing of it")
        // A second look marks nothing again, and neither does a device's status change.
        #expect(try fixture.database.markOverdueSteps(now: now.addingTimeInterval(60)) == nil)
        let edit = SyncOperation(id: "e1", collection: .step, action: .update, record: String(step), fields: ["progress": .int(60), "status": .string("in_progress")], hlc: fixture.hlc(), actor: fixture.expert)
        #expect(try fixture.database.push([edit], actor: fixture.expert, now: fixture.now).first?.status == .accepted)
        #expect(try Self.row(fixture, step).status == .overdue, "still late until it is completed or its due date moves")
        #expect(try Self.row(fixture, step).progress == 60)
        #expect(try fixture.database.markOverdueSteps(now: fixture.now) == nil)
    }

    @Test func aCompletionMadeOfflineBeforeTheFindingWinsWhenItArrivesAfter() throws {
        var fixture = try SyncFixture()
        let step = try Self.stepDue(fixture, at: fixture.now.addingTimeInterval(-3_600))
        // The expert completes the step offline, then the server finds it overdue, then the
        // expert's device comes back.
        let offline = SyncOperation(id: "done-offline", collection: .step, action: .update, record: String(step), fields: ["status": .string("completed")], hlc: fixture.hlc(), actor: fixture.expert)
        fixture.clock += 3_600_000
        _ = try #require(try fixture.database.markOverdueSteps(now: fixture.now))
        #expect(try Self.row(fixture, step).status == .overdue)
        #expect(try fixture.database.push([offline], actor: fixture.expert, now: fixture.now).first?.status == .accepted)
        let row = try Self.row(fixture, step)
        #expect(row.status == .completed)
        #expect(row.progress == 100)
        for actor in [fixture.client, fixture.expert, fixture.admin] {
            #expect(try Self.shown(fixture, step, to: actor)["status"] == .string("completed"))
        }
        #expect(try fixture.database.markOverdueSteps(now: fixture.now.addingTimeInterval(60)) == nil, "a completed step is not late")
    }

    @Test func movingTheDueDateEndsOverdueAndTheNewDateCanPassToo() throws {
        var fixture = try SyncFixture()
        let step = try Self.stepDue(fixture, at: fixture.now.addingTimeInterval(-3_600))
        _ = try #require(try fixture.database.markOverdueSteps(now: fixture.now))
        let later = fixture.now.addingTimeInterval(2 * 86_400)
        let move = SyncOperation(id: "move", collection: .step, action: .update, record: String(step), fields: ["dueAt": .int(DatabaseDate.milliseconds(later))], hlc: fixture.hlc(), actor: fixture.admin)
        #expect(try fixture.database.push([move], actor: fixture.admin, now: fixture.now).first?.status == .accepted)
        #expect(try Self.row(fixture, step).status == .inProgress, "back to the status it had")
        #expect(try fixture.database.markOverdueSteps(now: fixture.now) == nil)
        // Three days on, the new date has passed as well.
        #expect(try fixture.database.markOverdueSteps(now: fixture.now.addingTimeInterval(3 * 86_400)) != nil)
        #expect(try Self.row(fixture, step).status == .overdue)
        #expect(try Self.shown(fixture, step, to: fixture.client)["status"] == .string("overdue"))
    }

    @Test func devicesCannotSendTheServersFinding() throws {
        var fixture = try SyncFixture()
        let step = try Self.stepDue(fixture, at: fixture.now.addingTimeInterval(86_400))
        for actor in [fixture.client, fixture.expert, fixture.admin] {
            let forged = SyncOperation(id: "forged-\(actor.user)", collection: .step, action: .update, record: String(step), fields: [StepState.overdueMarker: .int(0)], hlc: fixture.hlc(), actor: actor)
            let answer = try fixture.database.push([forged], actor: actor, now: fixture.now).first
            #expect(answer?.rejection?.code == .unknownField)
            #expect(answer?.rejection?.field == "overdue")
        }
        #expect(try Self.row(fixture, step).status == .inProgress)
    }

    @Test func closedDossiersAndStepsWithoutADueDateAreLeftAlone() throws {
        let fixture = try SyncFixture()
        let now = fixture.now
        let dossier = fixture.dossier
        let step = try Self.stepDue(fixture, at: now.addingTimeInterval(-3_600))
        try fixture.database.writer.write { db in
            // Every other open step of the database is either done or has no due date.
            try db.execute(sql: "UPDATE dossierStep SET dueAt = NULL WHERE id <> ? AND status IN ('pending', 'in_progress')", arguments: [step])
            try db.execute(sql: "UPDATE dossier SET status = 'done', closedAt = ? WHERE id = ?", arguments: [now, dossier])
        }
        #expect(try fixture.database.markOverdueSteps(now: now) == nil)
        #expect(try Self.row(fixture, step).status == .inProgress)
    }
}
