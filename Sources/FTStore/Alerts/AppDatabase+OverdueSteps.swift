public import Foundation
internal import GRDB
internal import FTModel
internal import FTSync

extension AppDatabase {
    /// Finds the steps of open dossiers that are past their due date and not completed, and marks
    /// each overdue through sync: one change per step and due date, made by the server
    /// (`SyncActor.server`), that sets the step's `overdue` field to the due date it found passed.
    /// The step then shows `overdue` on every replica (`StepState.effectiveFields`) until it is
    /// completed, even by a completion made offline before this and synced after, or its due
    /// date moves. The change's id names the step and the due date, so a second look, or a
    /// restart, marks nothing twice. Writes at most `batch` steps per transaction.
    ///
    /// Returns the newest sequence number written (to tell the connected devices), or nil.
    @discardableResult
    public func markOverdueSteps(now: Date, batch: Int = 200) throws -> Int64? {
        let found: [(step: Int64, due: Int64)] = try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.id, s.dueAt FROM dossierStep s JOIN dossier d ON d.id = s.dossierId
                WHERE s.status IN ('pending', 'in_progress') AND s.dueAt IS NOT NULL AND s.dueAt <= ? AND \(AlertConditions.openDossier)
                ORDER BY s.id
                """, arguments: [now]).map { row in (row["id"], DatabaseDate.milliseconds(row["dueAt"] as Date)) }
        }
        var newest: Int64?
        let stamp = HLCTimestamp(milliseconds: DatabaseDate.milliseconds(now), node: "server")
        for start in stride(from: 0, to: found.count, by: batch) {
            let part = found[start..<min(start + batch, found.count)]
            let written: Int64? = try writer.write { db in
                let statements = PushStatements(db)
                var last: Int64?
                for (step, due) in part {
                    let id = Self.overdueOperation(step: step, due: due)
                    let seen = try Bool.fetchOne(db, sql: """
                        SELECT EXISTS (SELECT 1 FROM syncChange WHERE operationId = ?1) OR EXISTS (SELECT 1 FROM syncCompacted WHERE operationId = ?1)
                        """, arguments: [id]) ?? false
                    guard !seen else { continue }
                    let operation = SyncOperation(
                        id: id, collection: .step, action: .update, record: String(step),
                        fields: [StepState.overdueMarker: .int(due)], hlc: stamp, actor: .server
                    )
                    last = try Self.applyFromServer(operation, now: now, statements: statements, db: db) ?? last
                }
                return last
            }
            newest = written ?? newest
        }
        return newest
    }

    /// The id of the server's finding that `step` is past `due` (milliseconds).
    static func overdueOperation(step: Int64, due: Int64) -> String {
        "server:overdue:\(step):\(due)"
    }
}
