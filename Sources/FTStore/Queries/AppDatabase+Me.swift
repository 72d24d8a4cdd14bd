internal import GRDB
public import FTModel
public import FTSync
public import Foundation

/// A dossier as its participants' app shows it: what the sync records do not say (product,
/// status, who the expert is, which conversation and steps belong to it).
public struct DossierSummary: Sendable, Codable {
    public struct Expert: Sendable, Codable {
        public var id: Int64
        public var userId: Int64
        public var name: String
        public var slug: String
        public var assignment: Int64
        public var assignmentStatus: String
    }

    public struct Step: Sendable, Codable {
        public var id: Int64
        public var position: Int
        public var type: String
        public var assigneeRole: String
        public var status: String
        public var progress: Int
        public var dueAt: Date?
        /// From the dossier's template (`nil` for the dossiers made before templates).
        public var title: String?
        /// Positions of the steps it waits for.
        public var dependsOn: [Int]
        /// Document categories it needs.
        public var documents: [String]
    }

    /// A line of the dossier's history.
    public struct Event: Sendable, Codable {
        public var kind: String
        public var text: String
        public var at: Date
    }

    public var id: Int64
    public var status: String
    public var productCode: String
    public var productName: String
    public var clientId: Int64
    public var clientUserId: Int64
    public var company: String
    public var conversation: Int64?
    public var estimatedCents: Int64
    public var obtainedCents: Int64?
    public var createdAt: Date
    public var experts: [Expert]
    public var steps: [Step]
    /// The device-made id of the request it was opened from (`nil`: made before sync could open dossiers).
    public var request: String?
    public var description: String
    /// Why it is not eligible, when it is not.
    public var ineligibleReasons: [String]
    public var events: [Event]
}

/// One entry of a user's notification centre.
public struct UserNotificationEntry: Sendable, Codable {
    public var id: Int64
    public var kind: String
    public var title: String
    public var body: String
    public var target: String?
    public var createdAt: Date
    public var readAt: Date?
}

extension AppDatabase {
    /// The dossiers `actor` may see (by the sync rule), newest first, `limit` from `offset`.
    public func dossierSummaries(for actor: SyncActor, limit: Int, offset: Int) throws -> (total: Int, dossiers: [DossierSummary]) {
        try writer.read { db in
            let scope = SyncLocator.visibleDossiersCondition(column: "d.id", actor: actor)
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM dossier d WHERE \(scope.sql)", arguments: scope.arguments) ?? 0
            let rows = try Row.fetchAll(db, sql: """
                SELECT d.id, d.status, p.code, p.name, c.id, c.userId, c.companyName, v.id, d.estimatedCents, d.obtainedCents, d.createdAt,
                    d.requestId, d.description, d.ineligibleReasons
                FROM dossier d JOIN eligibleProduct p ON p.id = d.productId JOIN client c ON c.id = d.clientId
                LEFT JOIN conversation v ON v.dossierId = d.id
                WHERE \(scope.sql) ORDER BY d.createdAt DESC, d.id DESC LIMIT ? OFFSET ?
                """, arguments: scope.arguments + [limit, offset])
            let experts = try db.cachedStatement(sql: """
                SELECT e.id, e.userId, e.firstName || ' ' || e.lastName, e.slug, a.id, a.status FROM expertAssignment a JOIN expert e ON e.id = a.expertId
                WHERE a.dossierId = ? ORDER BY a.requestedAt, a.id
                """)
            let steps = try db.cachedStatement(sql: "SELECT id, position, type, assigneeRole, status, progress, dueAt, title, dependsOn, documents FROM dossierStep WHERE dossierId = ? ORDER BY position")
            let events = try db.cachedStatement(sql: "SELECT kind, text, createdAt FROM dossierEvent WHERE dossierId = ? ORDER BY createdAt, id")
            func numbers(_ json: String) -> [Int] {
                json.dropFirst().dropLast().split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            }
            let dossiers = try rows.map { row -> DossierSummary in
                let id: Int64 = row[0]
                return DossierSummary(
                    id: id, status: row[1], productCode: row[2], productName: row[3], clientId: row[4], clientUserId: row[5], company: row[6],
                    conversation: row[7], estimatedCents: row[8], obtainedCents: row[9], createdAt: row[10],
                    experts: try Row.fetchAll(experts, arguments: [id]).map {
                        .init(id: $0[0], userId: $0[1], name: $0[2], slug: $0[3], assignment: $0[4], assignmentStatus: $0[5])
                    },
                    steps: try Row.fetchAll(steps, arguments: [id]).map {
                        .init(id: $0[0], position: $0[1], type: $0[2], assigneeRole: $0[3], status: $0[4], progress: $0[5], dueAt: $0[6],
                              title: $0[7], dependsOn: numbers($0[8]), documents: Expert.strings($0[9] as String?))
                    },
                    request: row[11], description: row[12], ineligibleReasons: Expert.strings(row[13] as String?),
                    events: try Row.fetchAll(events, arguments: [id]).map { .init(kind: $0[0], text: $0[1], at: $0[2]) }
                )
            }
            return (total, dossiers)
        }
    }

    /// The ids that name `user` in the data (its client or expert record), and a client's town.
    public func roleRecords(user: Int64) throws -> (client: Int64?, expert: Int64?, place: (city: String, postcode: String)?) {
        try writer.read { db in
            let client = try Row.fetchOne(db, sql: "SELECT id, city, postcode FROM client WHERE userId = ?", arguments: [user])
            return (client?[0], try Int64.fetchOne(db, sql: "SELECT id FROM expert WHERE userId = ?", arguments: [user]),
                    client.map { (city: $0[1], postcode: $0[2]) })
        }
    }

    /// A user's latest notifications and how many are unread, without the kinds they turned off
    /// in the app (critical kinds always show).
    public func notifications(user: Int64, limit: Int) throws -> (unread: Int, entries: [UserNotificationEntry]) {
        try writer.read { db in
            let shown = Self.shownInApp
            let unread = try Int.fetchOne(db, sql: "SELECT count(*) FROM notification n WHERE userId = ?1 AND readAt IS NULL AND \(shown)", arguments: [user]) ?? 0
            let entries = try Row.fetchAll(db, sql: """
                SELECT id, kind, title, body, target, createdAt, readAt FROM notification n WHERE userId = ?1 AND \(shown) ORDER BY createdAt DESC, id DESC LIMIT ?2
                """, arguments: [user, limit]).map {
                UserNotificationEntry(id: $0[0], kind: $0[1], title: $0[2], body: $0[3], target: $0[4], createdAt: $0[5], readAt: $0[6])
            }
            return (unread, entries)
        }
    }

    /// The condition on `notification n` (user `?1`) for what the app's bell shows: kinds the user
    /// turned off in the app are left out, except critical ones.
    static let shownInApp = """
        (n.kind IN (\(NotificationPolicy.critical.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", "))) OR NOT EXISTS (
            SELECT 1 FROM notificationPreference p WHERE p.userId = ?1 AND p.kind = n.kind AND p.channel = 'in_app' AND p.enabled = 0))
        """

    /// Marks some (or all) of a user's notifications read; only the user's own. Returns how many changed.
    public func markNotificationsRead(user: Int64, ids: [Int64]?, now: Date) throws -> Int {
        try writer.write { db in
            if let ids {
                let statement = try db.cachedStatement(sql: "UPDATE notification SET readAt = ? WHERE id = ? AND userId = ? AND readAt IS NULL")
                var changed = 0
                for id in ids {
                    try statement.execute(arguments: [now, id, user])
                    changed += db.changesCount
                }
                return changed
            }
            try db.execute(sql: "UPDATE notification SET readAt = ? WHERE userId = ? AND readAt IS NULL", arguments: [now, user])
            return db.changesCount
        }
    }
}
