public import FTModel
public import Foundation
internal import GRDB
internal import FTSync

/// What a one-click unsubscribe link did.
public enum UnsubscribeOutcome: Sendable, Equatable {
    /// The user no longer gets `kind` on `channel`.
    case unsubscribed(userId: Int64, email: String, kind: NotificationKind, channel: NotificationChannel)
    /// The link was used before (it works once).
    case alreadyUsed(kind: NotificationKind)
    /// No such link.
    case unknown
}

/// An unsubscribe link about to be sent: the hash of its token, and what it turns off for whom.
public struct UnsubscribeToken: Sendable, Equatable {
    public var hash: Data
    public var userId: Int64
    public var kind: NotificationKind
    public var channel: NotificationChannel

    public init(hash: Data, userId: Int64, kind: NotificationKind, channel: NotificationChannel) {
        self.hash = hash
        self.userId = userId
        self.kind = kind
        self.channel = channel
    }
}

extension AppDatabase {
    /// Remembers the hash of an unsubscribe link about to be sent (again: nothing changes).
    public func recordUnsubscribeToken(hash: Data, userId: Int64, kind: NotificationKind, channel: NotificationChannel, at date: Date) throws {
        try recordUnsubscribeTokens([UnsubscribeToken(hash: hash, userId: userId, kind: kind, channel: channel)], at: date)
    }

    /// Remembers the hashes of the unsubscribe links of a round of e-mails about to be sent, in one
    /// transaction (again: nothing changes).
    public func recordUnsubscribeTokens(_ tokens: [UnsubscribeToken], at date: Date) throws {
        guard !tokens.isEmpty else { return }
        try writer.write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO unsubscribeToken (tokenHash, userId, kind, channel, createdAt) VALUES (?, ?, ?, ?, ?)
                """)
            for token in tokens {
                try insert.execute(arguments: [token.hash, token.userId, token.kind.rawValue, token.channel.rawValue, date])
            }
        }
    }

    /// What an unsubscribe link is about, without using it: nil when there is no such link.
    public func unsubscribeLink(tokenHash: Data) throws -> (kind: NotificationKind, channel: NotificationChannel, used: Bool)? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT kind, channel, usedAt FROM unsubscribeToken WHERE tokenHash = ?", arguments: [tokenHash]),
                let kind = NotificationKind(rawValue: row["kind"]), let channel = NotificationChannel(rawValue: row["channel"])
            else { return nil }
            return (kind, channel, (row["usedAt"] as Date?) != nil)
        }
    }

    /// Uses an unsubscribe link: that user's preference for that kind on that channel turns off,
    /// and nothing else; the link is spent, and the change is in the audit log.
    public func unsubscribe(tokenHash: Data, at date: Date) throws -> UnsubscribeOutcome {
        try writer.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT t.userId, t.kind, t.channel, t.usedAt, u.email, u.role FROM unsubscribeToken t JOIN user u ON u.id = t.userId WHERE t.tokenHash = ?
                """, arguments: [tokenHash]),
                let kind = NotificationKind(rawValue: row["kind"]), let channel = NotificationChannel(rawValue: row["channel"]),
                let role = Role(rawValue: row["role"])
            else { return .unknown }
            if (row["usedAt"] as Date?) != nil { return .alreadyUsed(kind: kind) }
            let userId: Int64 = row["userId"]
            try db.execute(sql: "UPDATE unsubscribeToken SET usedAt = ? WHERE tokenHash = ?", arguments: [date, tokenHash])
            // Through sync, as if the user had unticked it in the app: their devices learn of it.
            let operation = SyncOperation(
                id: "unsubscribe:" + tokenHash.prefix(16).map { String(format: "%02x", $0) }.joined(),
                collection: .preference, action: .update, record: RecordID.preference(user: userId, kind: kind, channel: channel),
                fields: ["enabled": .bool(false)], hlc: HLCTimestamp(milliseconds: DatabaseDate.milliseconds(date), node: "server"),
                actor: SyncActor(user: userId, role: role)
            )
            let result = try Self.pushOnBehalf(operation, now: date, db: db)
            if let rejection = result.rejection {
                throw StoreError.constraintViolated(table: "notificationPreference", constraint: "sync", detail: rejection.message)
            }
            try db.execute(sql: """
                INSERT INTO auditLog (actorId, action, entityType, entityId, detail, createdAt)
                VALUES (?, 'preference.unsubscribe', 'user', ?, json_object('kind', ?, 'channel', ?, 'by', 'link'), ?)
                """, arguments: [userId, String(userId), kind.rawValue, channel.rawValue, date])
            return .unsubscribed(userId: userId, email: row["email"], kind: kind, channel: channel)
        }
    }

    /// A user's stated preferences (what they never changed takes the role's default).
    public func notificationPreferences(userId: Int64) throws -> [NotificationPreference] {
        try writer.read { db in
            try NotificationPreference.filter(Column("userId") == userId).order(Column("kind"), Column("channel")).fetchAll(db)
        }
    }
}
