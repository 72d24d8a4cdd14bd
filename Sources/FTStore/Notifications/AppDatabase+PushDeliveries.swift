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
    /// The push deliveries due at `now`, each with its recipient's subscriptions, read on a snapshot
    /// (the writer is not held). A delivery whose recipient has no subscription any more (turned
    /// off since the fan-out) is dropped: there is nowhere to send it, and nothing failed.
    public func pushesToSend(now: Date, limit: Int = 500) throws -> [PendingPush] {
        let pushes = try writer.read { db in
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
        let nowhere = pushes.filter(\.subscriptions.isEmpty).map(\.deliveryId)
        if !nowhere.isEmpty {
            // Unless a browser subscribed since the snapshot.
            try writer.write { db in
                try db.execute(sql: """
                    DELETE FROM notificationDelivery
                    WHERE id IN (SELECT value FROM json_each(?)) AND status = 'pending'
                      AND NOT EXISTS (SELECT 1 FROM pushSubscription s WHERE s.userId = notificationDelivery.userId)
                    """, arguments: ["[\(nowhere.map(String.init).joined(separator: ","))]"])
            }
        }
        return pushes.filter { !$0.subscriptions.isEmpty }
    }

    /// What a round of pushes did, recorded a hundred deliveries per transaction: deliveries sent (with the
    /// subscriptions that took them), failed (tried again at `retryAt`, or dead without one), and
    /// subscriptions removed (their push service said gone, or their endpoint is no longer allowed).
    public func recordPushes(_ results: [WebPushResult], removedSubscriptions: [Int64], at date: Date) throws {
        guard !results.isEmpty || !removedSubscriptions.isEmpty else { return }
        // A hundred at a time, each in a transaction of its own: a sync push waits for one of
        // these at most, never for a whole round's.
        var start = 0
        repeat {
            let end = min(start + Self.pushesRecordedAtOnce, results.count)
            try recordPushes(results[start..<end], removedSubscriptions: end == results.count ? removedSubscriptions : [], at: date)
            start = end
        } while start < results.count
    }

    static let pushesRecordedAtOnce = 100

    private func recordPushes(_ results: ArraySlice<WebPushResult>, removedSubscriptions: [Int64], at date: Date) throws {
        try writer.write { db in
            let sent = try db.cachedStatement(sql: "UPDATE notificationDelivery SET status = 'sent', sentAt = ?, lastError = NULL WHERE id = ? AND status = 'pending'")
            let touched = try db.cachedStatement(sql: "UPDATE pushSubscription SET lastSentAt = ? WHERE id = ?")
            let retry = try db.cachedStatement(sql: "UPDATE notificationDelivery SET attempts = attempts + 1, lastError = ?, notBefore = ? WHERE id = ? AND status = 'pending'")
            let dead = try db.cachedStatement(sql: "UPDATE notificationDelivery SET attempts = attempts + 1, lastError = ?, status = 'dead' WHERE id = ? AND status = 'pending'")
            let remove = try db.cachedStatement(sql: "DELETE FROM pushSubscription WHERE id = ?")
            for result in results {
                switch result.outcome {
                case .sent(let subscriptions):
                    try sent.execute(arguments: [date, result.deliveryId])
                    for id in subscriptions { try touched.execute(arguments: [date, id]) }
                case .failed(let error, let retryAt?):
                    try retry.execute(arguments: [error, retryAt, result.deliveryId])
                case .failed(let error, nil):
                    try dead.execute(arguments: [error, result.deliveryId])
                }
            }
            for id in removedSubscriptions { try remove.execute(arguments: [id]) }
        }
    }
}

/// How one push delivery went.
public struct WebPushResult: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// Sent to these subscriptions (none when every one was gone).
        case sent(subscriptions: [Int64])
        /// Not sent: tried again at `retryAt`; without one, a dead letter.
        case failed(error: String, retryAt: Date?)
    }

    public var deliveryId: Int64
    public var outcome: Outcome

    public init(deliveryId: Int64, outcome: Outcome) {
        self.deliveryId = deliveryId
        self.outcome = outcome
    }
}
