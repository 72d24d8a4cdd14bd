internal import GRDB
public import Foundation

/// A figure now and over the two last 30-day windows, for its trend.
public struct Trend: Sendable, Equatable {
    /// Over the last 30 days.
    public var current: Double?
    /// Over the 30 days before.
    public var previous: Double?
}

/// The admin dashboard's figures, read in one transaction at `now`.
public struct DashboardMetrics: Sendable {
    public var now: Date
    /// Active client accounts; new ones per window.
    public var clients: Int
    public var newClients: Trend
    /// Published experts (approved, active, account active); experts waiting for approval.
    public var activeExperts: Int
    public var pendingExperts: Int
    public var dossiersByStatus: [String: Int]
    public var newDossiers: Trend
    public var assignmentsByStatus: [String: Int]
    /// Estimated amounts of the dossiers still worth something (eligible, in progress, done);
    /// amounts obtained on done dossiers; obtained per window (by closing date).
    public var estimatedCents: Int64
    public var recoveredCents: Int64
    public var recovered: Trend
    /// Done dossiers over dossiers that were eligible (eligible, in progress or done).
    public var conversionDone: Int
    public var conversionEligible: Int
    /// Seconds from a client's first message in a conversation to the first expert message after
    /// it, one per conversation that has both; and their median per window (by question date).
    public var firstResponseSeconds: [Double]
    public var firstResponseTrend: Trend
    public var ratingAverage: Double?
    public var ratingCount: Int
    public var ratingTrend: Trend
    /// New dossiers per week, the 12 last weeks (oldest first), each week's Monday.
    public var weeklyDossiers: [(week: Date, count: Int)]
    /// Amounts obtained per product category.
    public var recoveredByCategory: [(category: String, cents: Int64)]
}

/// Work in progress, for SLA monitoring.
public struct OpenAssignment: Sendable {
    public var id: Int64
    public var dossierId: Int64
    public var status: String
    public var expert: String
    public var client: String
    public var product: String
    public var slaDays: Int
    public var requestedAt: Date
}

public struct OpenStep: Sendable {
    public var id: Int64
    public var dossierId: Int64
    public var position: Int
    public var type: String
    public var status: String
    public var assigneeRole: String
    public var progress: Int
    public var product: String
    public var slaDays: Int
    public var dueAt: Date?
    public var updatedAt: Date
}

/// A user as the admin's user list shows them.
public struct UserActivity: Sendable {
    public var id: Int64
    public var displayName: String
    public var email: String
    public var role: String
    public var active: Bool
    public var createdAt: Date
    public var lastSeenAt: Date?
    /// Messages written.
    public var messages: Int
}

extension AppDatabase {
    /// `responses`: `firstResponses()`, when the caller has it already.
    public func dashboardMetrics(now: Date, responses known: [FirstResponse]? = nil) throws -> DashboardMetrics {
        let responses = try known ?? firstResponses()
        return try writer.read { db in
            let day = 86_400.0
            let windows = [now.addingTimeInterval(-30 * day), now.addingTimeInterval(-60 * day)].map(DatabaseDate.string(from:))
            let nowText = DatabaseDate.string(from: now)
            func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
                try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
            }
            func trend(_ sql: String) throws -> Trend {
                // `sql` takes (from, to) and gives one number or NULL.
                Trend(
                    current: try Double.fetchOne(db, sql: sql, arguments: [windows[0], nowText]),
                    previous: try Double.fetchOne(db, sql: sql, arguments: [windows[1], windows[0]])
                )
            }
            var dossiers: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM dossier GROUP BY status") { dossiers[row[0]] = row[1] }
            var assignments: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM expertAssignment GROUP BY status") { assignments[row[0]] = row[1] }


            // Mondays at 00:00 UTC, the 12 last weeks.
            var calendar = Calendar(identifier: .iso8601)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
            let thisMonday = calendar.dateInterval(of: .weekOfYear, for: now)?.start ?? now
            let weeks = (0..<12).reversed().map { thisMonday.addingTimeInterval(-Double($0) * 7 * day) }
            let weekly = try weeks.map { start in
                (week: start, count: try count("SELECT count(*) FROM dossier WHERE createdAt >= ? AND createdAt < ?", [
                    DatabaseDate.string(from: start), DatabaseDate.string(from: start.addingTimeInterval(7 * day)),
                ]))
            }
            let byCategory = try Row.fetchAll(db, sql: """
                SELECT p.category, coalesce(sum(d.obtainedCents), 0) FROM dossier d JOIN eligibleProduct p ON p.id = d.productId
                WHERE d.status = 'done' GROUP BY p.category ORDER BY p.category
                """).map { (category: $0[0] as String, cents: $0[1] as Int64) }

            return DashboardMetrics(
                now: now,
                clients: try count("SELECT count(*) FROM client c JOIN user u ON u.id = c.userId WHERE u.active = 1"),
                newClients: try trend("SELECT count(*) FROM client c JOIN user u ON u.id = c.userId WHERE u.createdAt >= ? AND u.createdAt < ?"),
                activeExperts: try count("SELECT count(*) FROM expert e JOIN user u ON u.id = e.userId WHERE e.approval = 'approved' AND e.active = 1 AND u.active = 1"),
                pendingExperts: try count("SELECT count(*) FROM expert WHERE approval = 'pending'"),
                dossiersByStatus: dossiers,
                newDossiers: try trend("SELECT count(*) FROM dossier WHERE createdAt >= ? AND createdAt < ?"),
                assignmentsByStatus: assignments,
                estimatedCents: try Int64.fetchOne(db, sql: "SELECT coalesce(sum(estimatedCents), 0) FROM dossier WHERE status IN ('eligible', 'in_progress', 'done')") ?? 0,
                recoveredCents: try Int64.fetchOne(db, sql: "SELECT coalesce(sum(obtainedCents), 0) FROM dossier WHERE status = 'done'") ?? 0,
                recovered: try trend("SELECT coalesce(sum(obtainedCents), 0) FROM dossier WHERE status = 'done' AND closedAt >= ? AND closedAt < ?"),
                conversionDone: dossiers["done", default: 0],
                conversionEligible: dossiers["eligible", default: 0] + dossiers["in_progress", default: 0] + dossiers["done", default: 0],
                firstResponseSeconds: responses.map(\.seconds),
                firstResponseTrend: Trend(
                    current: Statistics.median(responses.filter { $0.askedAt >= windows[0] && $0.askedAt < nowText }.map(\.seconds)),
                    previous: Statistics.median(responses.filter { $0.askedAt >= windows[1] && $0.askedAt < windows[0] }.map(\.seconds))
                ),
                ratingAverage: try Double.fetchOne(db, sql: "SELECT avg(score) FROM rating"),
                ratingCount: try count("SELECT count(*) FROM rating"),
                ratingTrend: try trend("SELECT avg(score) FROM rating WHERE updatedAt >= ? AND updatedAt < ?"),
                weeklyDossiers: weekly,
                recoveredByCategory: byCategory
            )
        }
    }

    /// A date from SQLite's `julianday()`: much cheaper to read than the stored text, for lists
    /// of hundreds of thousands of rows.
    static func date(julian: Double) -> Date {
        Date(timeIntervalSince1970: (julian - 2_440_587.5) * 86_400)
    }

    /// Every open assignment (pending, assigned, in progress), oldest request first.
    public func openAssignments() throws -> [OpenAssignment] {
        try writer.read { db in
            var products: [Int64: (String, Int)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name, slaDays FROM eligibleProduct") { products[row[0]] = (row[1], row[2]) }
            return try Array(Row.fetchCursor(db, sql: """
                SELECT a.id, a.dossierId, a.status, e.firstName || ' ' || e.lastName, c.companyName, d.productId, julianday(a.requestedAt)
                FROM expertAssignment a JOIN expert e ON e.id = a.expertId JOIN dossier d ON d.id = a.dossierId
                JOIN client c ON c.id = d.clientId
                WHERE a.status IN ('pending', 'assigned', 'in_progress')
                """).map { row in
                let product = products[row[5]] ?? ("?", 1)
                return OpenAssignment(id: row[0], dossierId: row[1], status: row[2], expert: row[3], client: row[4], product: product.0, slaDays: product.1, requestedAt: Self.date(julian: row[6]))
            })
            // Sorted here rather than by SQLite, which would build a temporary index of every row.
            .sorted { ($0.requestedAt, $0.id) < ($1.requestedAt, $1.id) }
        }
    }

    /// Every step not completed, of dossiers still open, soonest due first.
    public func openSteps() throws -> [OpenStep] {
        try writer.read { db in
            var products: [Int64: (String, Int)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name, slaDays FROM eligibleProduct") { products[row[0]] = (row[1], row[2]) }
            return try Array(Row.fetchCursor(db, sql: """
                SELECT s.id, s.dossierId, s.position, s.type, s.status, s.assigneeRole, s.progress, d.productId, julianday(s.dueAt), julianday(s.updatedAt)
                FROM dossierStep s JOIN dossier d ON d.id = s.dossierId
                WHERE s.status <> 'completed' AND d.status IN ('eligible', 'in_progress')
                """).map { row in
                let product = products[row[7]] ?? ("?", 1)
                return OpenStep(id: row[0], dossierId: row[1], position: row[2], type: row[3], status: row[4], assigneeRole: row[5], progress: row[6],
                                product: product.0, slaDays: product.1, dueAt: (row[8] as Double?).map(Self.date(julian:)), updatedAt: Self.date(julian: row[9]))
            })
            // Soonest due first, those without a due date last; sorted here (see above).
            .sorted { ($0.dueAt ?? .distantFuture, $0.id) < ($1.dueAt ?? .distantFuture, $1.id) }
        }
    }

    /// Every user with role and activity, most recently seen first.
    public func userActivity() throws -> [UserActivity] {
        try writer.read { db in
            try Array(Row.fetchCursor(db, sql: """
                SELECT u.id, u.displayName, u.email, u.role, u.active, julianday(u.createdAt), julianday(u.lastSeenAt),
                    (SELECT count(*) FROM message m WHERE m.authorId = u.id) AS messages
                FROM user u ORDER BY u.lastSeenAt IS NULL, u.lastSeenAt DESC, u.id
                """).map { row in
                UserActivity(id: row[0], displayName: row[1], email: row[2], role: row[3], active: row[4], createdAt: Self.date(julian: row[5]),
                             lastSeenAt: (row[6] as Double?).map(Self.date(julian:)), messages: row[7])
            })
        }
    }
}
