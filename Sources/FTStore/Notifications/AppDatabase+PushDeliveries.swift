public import FTModel
public import Foundation
internal import GRDB

/// A push notification to deliver: one notification, to every browser its recipient subscribed.
public struct PendingPush: Sendable, Equatable {
    public var deliveryId: Int64
    public var notificationId: Int64
    public var userId: Int64
    public var kind: NotificationKind
    public var title: String
    public var body: String
    public var target: String?
    /// Failed tries so far.
    public var attempts: Int
    public var subscriptions: [PushSubscriptionRecord]
}

extension AppDatabase {
    /// The push deliveries due at `now`, each with its recipient's subscriptions. A delivery whose
    /// recipient has no subscription any more (turned off since the fan-out) is dropped: there is
    /// nowhere to send it, and nothing failed.
    public func pushesToSend(now: Date, limit: Int = 500) throws -> [PendingPush] {
        try writer.write { db in
            try db.execute(sql: """
                DELETE FROM notificationDelivery
                WHERE channel = 'push' AND status = 'pending' AND notBefore <= ?
                  AND NOT EXISTS (SELECT 1 FROM pushSubscription s WHERE s.userId = notificationDelivery.userId)
                """, arguments: [now])
            let rows = try Row.fetchAll(db, sql: """
                SELECT d.id, d.notificationId, d.userId, d.attempts, n.kind, n.title, n.body, n.target
                FROM notificationDelivery d JOIN notification n ON n.id = d.notificationId
                WHERE d.channel = 'push' AND d.status = 'pending' AND d.notBefore <= ?
                ORDER BY d.notBefore, d.id LIMIT ?
                """, arguments: [now, limit])
            var subscriptions: [Int64: [PushSubscriptionRecord]] = [:]
            for userId in Set(rows.map { $0["userId"] as Int64 }) {
                subscriptions[userId] = try Row.fetchAll(db, sql: "SELECT id, userId, endpoint, p256dh, auth FROM pushSubscription WHERE userId = ? ORDER BY id", arguments: [userId])
                    .map(PushSubscriptionRecord.init(row:))
            }
            return rows.map { row in
                PendingPush(
                    deliveryId: row["id"], notificationId: row["notificationId"], userId: row["userId"],
                    kind: NotificationKind(rawValue: row["kind"]) ?? .system, title: row["title"], body: row["body"], target: row["target"],
                    attempts: row["attempts"], subscriptions: subscriptions[row["userId"]] ?? []
                )
            }
        }
    }

    /// The push left for every subscription that was reachable.
    public func markPushSent(deliveryId: Int64, subscriptions: [Int64], at date: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE notificationDelivery SET status = 'sent', sentAt = ?, lastError = NULL WHERE id = ? AND status = 'pending'", arguments: [date, deliveryId])
            for id in subscriptions {
                try db.execute(sql: "UPDATE pushSubscription SET lastSentAt = ? WHERE id = ?", arguments: [date, id])
            }
        }
    }

    /// The push failed: tried again at `retryAt`, or, with no retry left (nil), a dead letter.
    public func markPushFailed(deliveryId: Int64, error: String, retryAt: Date?) throws {
        try writer.write { db in
            if let retryAt {
                try db.execute(sql: "UPDATE notificationDelivery SET attempts = attempts + 1, lastError = ?, notBefore = ? WHERE id = ? AND status = 'pending'", arguments: [error, retryAt, deliveryId])
            } else {
                try db.execute(sql: "UPDATE notificationDelivery SET attempts = attempts + 1, lastError = ?, status = 'dead' WHERE id = ? AND status = 'pending'", arguments: [error, deliveryId])
            }
        }
    }
}
