public import FTModel
public import Foundation
internal import GRDB

/// What the admins' users page asks for: words, filters, an order and a page.
public struct UserQuery: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case any = ""
        case active = "actifs"
        case inactive = "desactives"
        /// Experts whose application waits for an admin.
        case pending = "en-attente"
        /// Sign-ups whose address is not confirmed yet.
        case unverified = "non-confirmes"
    }

    public enum Order: String, Sendable, CaseIterable {
        case newest = "recents"
        case name = "nom"
        case lastSeen = "activite"
    }

    /// Words found in the name, the e-mail or the company (each must be found).
    public var words = ""
    public var role: Role?
    public var state = State.any
    public var order = Order.newest
    /// From 1.
    public var page = 1

    public static let pageSize = 50

    public init(words: String = "", role: Role? = nil, state: State = .any, order: Order = .newest, page: Int = 1) {
        self.words = words
        self.role = role
        self.state = state
        self.order = order
        self.page = page
    }
}

/// A sentence of the users pages: a key of the admin strings with the values of its
/// `{placeholders}` (what an action did), or text as it is (a refusal the store worded).
public enum UsersMessage: Sendable, Equatable {
    case key(String, [String: String])
    case text(String)
}

/// One user as the admins' users page lists it.
public struct AdminUserRow: Sendable, Equatable {
    public var id: Int64
    public var displayName: String
    public var email: String
    public var role: Role
    public var active: Bool
    public var emailVerified: Bool
    public var createdAt: Date
    public var lastSeenAt: Date?
    /// The client's company or the expert's.
    public var company: String?
    /// The expert's application: pending, approved or rejected; nil for others.
    public var approval: String?
    public var expertSlug: String?
    public var rejectionReason: String?
}

/// What an admin's action on a user found.
public enum AdminUserActionError: Error, Equatable {
    case unknownUser
    /// Why it is refused, in French.
    case refused(String)
}

extension AppDatabase {
    /// One page of users for the admins, and how many match in all.
    public func adminUsers(_ query: UserQuery) throws -> (rows: [AdminUserRow], total: Int) {
        let (filter, arguments, order) = Self.adminUserFilter(query)
        return try writer.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) \(Self.adminUserTables) \(filter)", arguments: StatementArguments(arguments)) ?? 0
            let rows = try Row.fetchAll(db, sql: "\(Self.adminUserColumns) \(Self.adminUserTables) \(filter) ORDER BY \(order) LIMIT ? OFFSET ?",
                                        arguments: StatementArguments(arguments + [UserQuery.pageSize, max(0, query.page - 1) * UserQuery.pageSize]))
            return (rows.map(Self.adminUserRow), total)
        }
    }

    /// Every user the query finds, in its order (its page ignored): the CSV export.
    public func allAdminUsers(_ query: UserQuery) throws -> [AdminUserRow] {
        let (filter, arguments, order) = Self.adminUserFilter(query)
        return try writer.read { db in
            try Row.fetchAll(db, sql: "\(Self.adminUserColumns) \(Self.adminUserTables) \(filter) ORDER BY \(order)", arguments: StatementArguments(arguments))
                .map(Self.adminUserRow)
        }
    }

    private static let adminUserColumns = "SELECT u.*, coalesce(c.companyName, e.company) AS company, e.approval, e.slug, e.rejectionReason"
    private static let adminUserTables = "FROM user u LEFT JOIN client c ON c.userId = u.id LEFT JOIN expert e ON e.userId = u.id"

    /// The query's WHERE clause with its arguments, and its ORDER BY.
    private static func adminUserFilter(_ query: UserQuery) -> (filter: String, arguments: [any DatabaseValueConvertible], order: String) {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        for word in query.words.split(whereSeparator: \.isWhitespace).prefix(8) {
            let pattern = "%" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append("(u.displayName LIKE ? ESCAPE '\\' OR u.email LIKE ? ESCAPE '\\' OR c.companyName LIKE ? ESCAPE '\\' OR e.company LIKE ? ESCAPE '\\')")
            arguments += [pattern, pattern, pattern, pattern]
        }
        if let role = query.role {
            conditions.append("u.role = ?")
            arguments.append(role.rawValue)
        }
        switch query.state {
        case .any: break
        case .active: conditions.append("u.active = 1")
        case .inactive: conditions.append("u.active = 0")
        case .pending: conditions.append("e.approval = 'pending'")
        case .unverified: conditions.append("u.emailVerified = 0")
        }
        let order = switch query.order {
        case .newest: "u.createdAt DESC, u.id DESC"
        case .name: "u.displayName COLLATE NOCASE, u.id"
        case .lastSeen: "u.lastSeenAt IS NULL, u.lastSeenAt DESC, u.id DESC"
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), arguments, order)
    }

    public func adminUser(id: Int64) throws -> AdminUserRow? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "\(Self.adminUserColumns) \(Self.adminUserTables) WHERE u.id = ?", arguments: [id]).map(Self.adminUserRow)
        }
    }

    /// The audit log's lines about a user (what was done to the account, and by whom), newest first.
    public func auditEntries(userId: Int64, limit: Int = 100) throws -> [(entry: AuditEntry, actor: String?)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.*, u.displayName AS actorName FROM auditLog a LEFT JOIN user u ON u.id = a.actorId
                WHERE (a.entityType = 'user' AND a.entityId = ?1)
                   OR (a.entityType = 'expert' AND a.entityId IN (SELECT CAST(id AS TEXT) FROM expert WHERE userId = ?1))
                ORDER BY a.createdAt DESC, a.id DESC LIMIT ?2
                """, arguments: [String(userId), limit]).map { row in
                (AuditEntry(id: row["id"], actorId: row["actorId"], action: row["action"], entityType: row["entityType"], entityId: row["entityId"], detail: row["detail"], createdAt: row["createdAt"]),
                 row["actorName"])
            }
        }
    }

    /// Activates or deactivates an account. A deactivation ends every session of the account at
    /// once (the caller closes its live connections); an expert's public page goes with the next
    /// targeted build. An admin cannot deactivate their own account. Returns whether it changed.
    @discardableResult
    public func setUserActive(_ userId: Int64, active: Bool, by admin: Int64, now: Date) throws -> Bool {
        if userId == admin, !active { throw AdminUserActionError.refused("Vous ne pouvez pas désactiver votre propre compte.") }
        let changed = try writer.write { db -> Bool in
            guard let before = try Bool.fetchOne(db, sql: "SELECT active FROM user WHERE id = ?", arguments: [userId]) else { throw AdminUserActionError.unknownUser }
            try Self.refuseDeleted(userId, db: db)
            guard before != active else { return false }
            try db.execute(sql: "UPDATE user SET active = ? WHERE id = ?", arguments: [active, userId])
            var detail: [String: any Sendable] = ["before": before ? "actif" : "désactivé", "after": active ? "actif" : "désactivé"]
            if !active {
                detail["sessionsEnded"] = try Self.revokeSessions(db, userId: userId, except: nil, now: now)
                // A deactivated expert's offers and missions go to the next expert by the rules.
                let moved = try OfferRouting.moveOn(fromExpertUser: userId, why: "L’expert n’est plus disponible (compte désactivé)", now: now, db: db)
                if moved > 0 { detail["missionsMoved"] = moved }
            }
            try Self.audit(db, actor: admin, action: active ? "user.activate" : "user.deactivate", userId: userId, detail: detail, now: now)
            return true
        }
        if changed { sessions.forgetAll() }
        return changed
    }

    /// Changes a user's role. The new role needs its profile (a client's company, an expert's
    /// profile), except admin; an admin cannot drop their own role. Returns whether it changed.
    @discardableResult
    public func setUserRole(_ userId: Int64, to role: Role, by admin: Int64, now: Date) throws -> Bool {
        if userId == admin, role != .admin { throw AdminUserActionError.refused("Vous ne pouvez pas retirer votre propre rôle d’administrateur : demandez-le à un autre administrateur.") }
        let changed = try writer.write { db -> Bool in
            guard let before = try String.fetchOne(db, sql: "SELECT role FROM user WHERE id = ?", arguments: [userId]) else { throw AdminUserActionError.unknownUser }
            try Self.refuseDeleted(userId, db: db)
            guard before != role.rawValue else { return false }
            switch role {
            case .client where try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM client WHERE userId = ?)", arguments: [userId]) != true:
                throw AdminUserActionError.refused("Ce compte n’a pas de fiche entreprise : il ne peut pas devenir client.")
            case .expert where try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM expert WHERE userId = ?)", arguments: [userId]) != true:
                throw AdminUserActionError.refused("Ce compte n’a pas de profil d’expert : il ne peut pas devenir expert.")
            default: break
            }
            try db.execute(sql: "UPDATE user SET role = ? WHERE id = ?", arguments: [role.rawValue, userId])
            // What a session may do changes with the role: the account signs in again.
            let ended = try Self.revokeSessions(db, userId: userId, except: nil, now: now)
            try Self.audit(db, actor: admin, action: "user.role", userId: userId, detail: ["before": before, "after": role.rawValue, "sessionsEnded": ended], now: now)
            return true
        }
        if changed { sessions.forgetAll() }
        return changed
    }

    /// Approves or rejects an expert's application (with a reason, for a rejection), and tells the
    /// expert in the app and by e-mail (through the notifications). An approved profile is
    /// published by the next targeted build.
    public func decideExpert(userId: Int64, approve: Bool, reason: String, by admin: Int64, now: Date) throws {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if !approve, reason.isEmpty { throw AdminUserActionError.refused("Indiquez la raison du refus : elle est envoyée à l’expert.") }
        if reason.count > 2_000 || reason.utf8.contains(0) { throw AdminUserActionError.refused("La raison tient en 2 000 caractères au plus.") }
        try writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, approval, slug FROM expert WHERE userId = ?", arguments: [userId]) else {
                throw AdminUserActionError.refused("Ce compte n’a pas de profil d’expert.")
            }
            try Self.refuseDeleted(userId, db: db)
            let expertId: Int64 = row["id"]
            let before: String = row["approval"]
            if approve {
                try db.execute(sql: "UPDATE expert SET approval = 'approved', approvedAt = ?, approvedBy = ?, rejectionReason = NULL, updatedAt = ? WHERE id = ?", arguments: [now, admin, now, expertId])
                try db.execute(sql: """
                    INSERT INTO notification (userId, kind, title, body, target, createdAt) VALUES (?, 'expert_approved', 'Votre profil est validé', ?, ?, ?)
                    """, arguments: [userId, "Votre profil d’expert est validé : il est publié sur FinancialTracker, et les entreprises peuvent vous trouver.", "/experts/\(row["slug"] as String)/", now])
            } else {
                try db.execute(sql: "UPDATE expert SET approval = 'rejected', approvedAt = NULL, approvedBy = NULL, rejectionReason = ?, updatedAt = ? WHERE id = ?", arguments: [reason, now, expertId])
                try db.execute(sql: """
                    INSERT INTO notification (userId, kind, title, body, target, createdAt) VALUES (?, 'system', 'Votre candidature d’expert n’est pas retenue', ?, '/app/index.html', ?)
                    """, arguments: [userId, "Votre candidature n’est pas retenue pour le moment. La raison : \(reason)", now])
            }
            var detail: [String: any Sendable] = ["before": before, "after": approve ? "approved" : "rejected"]
            if !reason.isEmpty { detail["reason"] = reason }
            try Self.audit(db, actor: admin, action: approve ? "expert.approve" : "expert.reject", userId: userId, entityType: "expert", entityId: expertId, detail: detail, now: now)
        }
    }

    private static func adminUserRow(_ row: Row) -> AdminUserRow {
        AdminUserRow(
            id: row["id"], displayName: row["displayName"], email: row["email"], role: Role(rawValue: row["role"]) ?? .client,
            active: row["active"], emailVerified: row["emailVerified"], createdAt: row["createdAt"], lastSeenAt: row["lastSeenAt"],
            company: row["company"], approval: row["approval"], expertSlug: row["slug"], rejectionReason: row["rejectionReason"]
        )
    }

    /// An account deleted at its owner's request is not brought back, nor changed.
    static func refuseDeleted(_ userId: Int64, db: Database) throws {
        if try Date.fetchOne(db, sql: "SELECT deletedAt FROM user WHERE id = ?", arguments: [userId]) != nil {
            throw AdminUserActionError.refused("Ce compte a été supprimé à la demande de son titulaire : il ne peut plus être réactivé ni modifié.")
        }
    }
}
