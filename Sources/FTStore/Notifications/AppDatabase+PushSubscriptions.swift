internal import Crypto
public import FTModel
public import Foundation
internal import GRDB

/// A browser's Web Push subscription: where its push service takes messages, and its keys.
public struct PushSubscriptionRecord: Sendable, Equatable {
    public var id: Int64
    public var userId: Int64
    public var endpoint: String
    /// The browser's P-256 public key, uncompressed (65 bytes).
    public var p256dh: Data
    /// The browser's authentication secret (16 bytes).
    public var auth: Data
}

/// Why a subscription was refused, naming the field.
public struct PushSubscriptionError: Error, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    public var description: String { message }

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

extension AppDatabase {
    /// Records a browser's subscription for `userId` (again, with new keys or for another user:
    /// the endpoint is the browser's, so the row follows it). The keys are checked: `p256dh` must be
    /// a point of P-256, uncompressed, and `auth` 16 bytes. Returns its id.
    @discardableResult
    public func addPushSubscription(userId: Int64, endpoint: String, p256dh: Data, auth: Data, at date: Date) throws -> Int64 {
        guard p256dh.count == 65, p256dh.first == 0x04, (try? P256.KeyAgreement.PublicKey(x963Representation: p256dh)) != nil else {
            throw PushSubscriptionError(field: "keys.p256dh", message: "keys.p256dh must be an uncompressed P-256 public key (65 bytes, base64url)")
        }
        guard auth.count == 16 else {
            throw PushSubscriptionError(field: "keys.auth", message: "keys.auth must be 16 bytes (base64url), not \(auth.count)")
        }
        return try writer.write { db in
            try db.execute(sql: """
                INSERT INTO pushSubscription (userId, endpoint, p256dh, auth, createdAt) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (endpoint) DO UPDATE SET userId = excluded.userId, p256dh = excluded.p256dh, auth = excluded.auth, createdAt = excluded.createdAt
                """, arguments: [userId, endpoint, p256dh, auth, date])
            return try Int64.fetchOne(db, sql: "SELECT id FROM pushSubscription WHERE endpoint = ?", arguments: [endpoint]) ?? 0
        }
    }

    /// Removes `userId`'s subscription at `endpoint`; false when they have none there.
    @discardableResult
    public func removePushSubscription(userId: Int64, endpoint: String) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM pushSubscription WHERE userId = ? AND endpoint = ?", arguments: [userId, endpoint])
            return db.changesCount > 0
        }
    }

    /// Removes a subscription the push service says is gone (404, 410).
    public func removePushSubscription(id: Int64) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM pushSubscription WHERE id = ?", arguments: [id]) }
    }

    /// A user's subscriptions, oldest first.
    public func pushSubscriptions(userId: Int64) throws -> [PushSubscriptionRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, userId, endpoint, p256dh, auth FROM pushSubscription WHERE userId = ? ORDER BY id", arguments: [userId])
                .map(PushSubscriptionRecord.init(row:))
        }
    }
}

extension PushSubscriptionRecord {
    init(row: Row) {
        self.init(id: row["id"], userId: row["userId"], endpoint: row["endpoint"], p256dh: row["p256dh"], auth: row["auth"])
    }
}
