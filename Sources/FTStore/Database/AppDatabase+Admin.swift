public import Foundation
internal import GRDB
public import FTModel

// What admins do to the marketplace's people, and what clients do to ratings. Each change also
// writes an audit line.

extension AppDatabase {
    /// Activates or deactivates an expert's public profile.
    public func setExpertActive(id: Int64, active: Bool, by actorId: Int64?, at date: Date) throws {
        try update(
            sql: "UPDATE expert SET active = ?, updatedAt = ? WHERE id = ?", arguments: [active, date, id],
            table: "expert", id: id, audit: (actorId, active ? "expert.activate" : "expert.deactivate", date)
        )
    }

    /// Approves, rejects or sends back to pending an expert's profile.
    public func setExpertApproval(id: Int64, approval: ApprovalStatus, by actorId: Int64?, at date: Date) throws {
        try update(
            sql: "UPDATE expert SET approval = ?, approvedAt = ?, approvedBy = ?, updatedAt = ? WHERE id = ?",
            arguments: [approval.rawValue, approval == .approved ? date : nil, approval == .approved ? actorId : nil, date, id],
            table: "expert", id: id, audit: (actorId, "expert.\(approval.rawValue)", date)
        )
    }

    /// Activates or deactivates a login.
    public func setUserActive(id: Int64, active: Bool, by actorId: Int64?, at date: Date) throws {
        defer { sessions.forgetAll() }
        try update(
            sql: "UPDATE user SET active = ? WHERE id = ?", arguments: [active, id],
            table: "user", id: id, audit: (actorId, active ? "user.activate" : "user.deactivate", date)
        )
    }

    /// Records a client's rating of an expert: one per (client, expert), a new one replaces the old.
    @discardableResult
    public func saveRating(_ rating: Rating) throws -> Rating {
        try writer.write { db in
            var saved = rating
            do {
                try db.execute(sql: """
                    INSERT INTO rating (clientId, expertId, assignmentId, score, comment, createdAt, updatedAt, hlc)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (clientId, expertId) DO UPDATE SET
                        score = excluded.score, comment = excluded.comment, updatedAt = excluded.updatedAt,
                        hlc = excluded.hlc, assignmentId = coalesce(excluded.assignmentId, rating.assignmentId)
                    """, arguments: [rating.clientId, rating.expertId, rating.assignmentId, rating.score, rating.comment, rating.createdAt, rating.updatedAt, rating.hlc])
            } catch let error as DatabaseError {
                throw ConstraintDiagnosis.storeError(
                    from: error, table: "rating",
                    values: ["clientId": rating.clientId.databaseValue, "expertId": rating.expertId.databaseValue, "assignmentId": rating.assignmentId.databaseValue],
                    db: db
                ) ?? error
            }
            saved.id = try Int64.fetchOne(db, sql: "SELECT id FROM rating WHERE clientId = ? AND expertId = ?", arguments: [rating.clientId, rating.expertId])
            return saved
        }
    }

    private func update(sql: String, arguments: StatementArguments, table: String, id: Int64, audit: (actor: Int64?, action: String, date: Date)) throws {
        try writer.write { db in
            do {
                try db.execute(sql: sql, arguments: arguments)
            } catch let error as DatabaseError {
                throw ConstraintDiagnosis.storeError(from: error, table: table, values: [:], db: db) ?? error
            }
            guard db.changesCount > 0 else { throw StoreError.notFound(table: table, id: "\(id)") }
            var entry = AuditEntry(actorId: audit.actor, action: audit.action, entityType: table, entityId: String(id), createdAt: audit.date)
            try entry.insert(db)
        }
    }
}
