public import FTModel
public import Foundation
internal import GRDB

/// One notification inside an e-mail.
public struct MailItem: Sendable, Equatable {
    public var deliveryId: Int64
    public var kind: NotificationKind
    public var title: String
    public var body: String
    /// The app place it leads to (`conversation:12`, `/app/…`), if any.
    public var target: String?
    public var createdAt: Date
    /// The dossier of a message's conversation.
    public var dossierId: Int64?
}

/// An e-mail to send: its fixed Message-ID, its recipient and the notifications it carries.
public struct PendingMail: Sendable, Equatable {
    public var mailId: String
    public var userId: Int64
    public var email: String
    public var displayName: String
    public var role: Role
    /// Failed tries so far.
    public var attempts: Int
    public var items: [MailItem]
}

/// An e-mail given up on after its last retry, for the admins.
public struct DeadMail: Sendable, Equatable {
    public var mailId: String
    public var email: String
    public var notifications: Int
    public var attempts: Int
    public var lastError: String
}

extension AppDatabase {
    /// Turns the notifications written since the last call into outside deliveries (e-mail, push)
    /// by each recipient's preferences (`policy`), written in one transaction with the cursor that
    /// remembers how far it went: each notification is fanned out once, even across a crash.
    /// Inactive users get none, and users with no browser subscribed no push. `channels`: the
    /// outside channels the server delivers on (others get no deliveries). Returns the deliveries
    /// made.
    @discardableResult
    public func fanOutNotifications(policy: NotificationPolicy, channels: Set<NotificationChannel> = [.email, .push], limit: Int = 5_000) throws -> Int {
        try fanOutBatch(policy: policy, channels: channels, limit: limit).made
    }

    /// Fans out every notification written so far, `batch` at a time, each batch in a
    /// transaction of its own: an event to ten thousand people holds the writer a few
    /// milliseconds at a time, and sync pushes take turns with it. Returns the deliveries made.
    @discardableResult
    public func fanOutAllNotifications(policy: NotificationPolicy, channels: Set<NotificationChannel> = [.email, .push], batch: Int = 500) throws -> Int {
        var made = 0
        while true {
            let round = try fanOutBatch(policy: policy, channels: channels, limit: batch)
            made += round.made
            if round.read < batch { return made }
        }
    }

    /// One batch: what to deliver is worked out on a read snapshot (the recipients' preferences and
    /// subscriptions), and the writer is held only for the inserts and the cursor. If another worker
    /// moved the cursor in between, it fanned these out: nothing is written, and the next batch
    /// starts from where it went.
    private func fanOutBatch(policy: NotificationPolicy, channels: Set<NotificationChannel>, limit: Int) throws -> (made: Int, read: Int) {
        let plan = try writer.read { db in try fanOutPlan(db, policy: policy, channels: channels, limit: limit) }
        guard let last = plan.last else { return (0, 0) }
        let made = try writer.write { db -> Int in
            guard try Int64.fetchOne(db, sql: "SELECT lastNotificationId FROM notificationFanout") ?? 0 == plan.after else { return 0 }
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO notificationDelivery (notificationId, userId, channel, digestKey, notBefore) VALUES (?, ?, ?, ?, ?)
                """)
            var made = 0
            for delivery in plan.deliveries {
                try insert.execute(arguments: [delivery.notificationId, delivery.userId, delivery.channel.rawValue, delivery.digestKey, delivery.notBefore])
                made += db.changesCount
            }
            try db.execute(sql: "UPDATE notificationFanout SET lastNotificationId = ?", arguments: [last])
            return made
        }
        return (made, plan.read)
    }

    private struct FanOutPlan {
        struct Delivery {
            var notificationId: Int64
            var userId: Int64
            var channel: NotificationChannel
            var digestKey: String?
            var notBefore: Date
        }

        /// The cursor it started from, the last notification it read, how many it read.
        var after: Int64
        var last: Int64?
        var read = 0
        var deliveries: [Delivery] = []
    }

    private func fanOutPlan(_ db: Database, policy: NotificationPolicy, channels: Set<NotificationChannel>, limit: Int) throws -> FanOutPlan {
        let after = try Int64.fetchOne(db, sql: "SELECT lastNotificationId FROM notificationFanout") ?? 0
        let rows = try Row.fetchAll(db, sql: """
            SELECT n.id, n.userId, n.kind, n.target, n.createdAt, n.channels, u.role, u.active
            FROM notification n JOIN user u ON u.id = n.userId
            WHERE n.id > ? ORDER BY n.id LIMIT ?
            """, arguments: [after, limit])
        var plan = FanOutPlan(after: after, last: rows.last?["id"], read: rows.count)
        var preferences: [Int64: [String: Bool]] = [:]
        // Push goes only to users with a browser subscribed.
        var subscribed: [Int64: Bool] = [:]
        for row in rows {
            let userId: Int64 = row["userId"]
            guard row["active"] as Bool, let kind = NotificationKind(rawValue: row["kind"]), let role = Role(rawValue: row["role"]) else { continue }
            if preferences[userId] == nil {
                var chosen: [String: Bool] = [:]
                for preference in try Row.fetchAll(db, sql: "SELECT kind, channel, enabled FROM notificationPreference WHERE userId = ?", arguments: [userId]) {
                    chosen["\(preference["kind"] as String)/\(preference["channel"] as String)"] = preference["enabled"]
                }
                preferences[userId] = chosen
            }
            var chosen: [NotificationChannel: Bool] = [:]
            for channel in NotificationChannel.allCases {
                chosen[channel] = preferences[userId]?["\(kind.rawValue)/\(channel.rawValue)"]
            }
            if channels.contains(.push), subscribed[userId] == nil {
                subscribed[userId] = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM pushSubscription WHERE userId = ?)", arguments: [userId]) ?? false
            }
            // An alert's rule may name fewer channels than all (`notification.channels`).
            let allowed = (row["channels"] as String?).map { Set($0.split(separator: ",").compactMap { NotificationChannel(rawValue: String($0)) }) }
            for delivery in policy.deliveries(kind: kind, createdAt: row["createdAt"], target: row["target"], role: role, preferences: chosen)
            where channels.contains(delivery.channel) && (allowed?.contains(delivery.channel) ?? true) && (delivery.channel != .push || subscribed[userId] == true) {
                plan.deliveries.append(.init(notificationId: row["id"], userId: userId, channel: delivery.channel, digestKey: delivery.digestKey, notBefore: delivery.notBefore))
            }
        }
        return plan
    }

    /// Counts every notification written so far as fanned out, without deliveries (history, such as
    /// the seed's, that nobody is to be e-mailed about).
    public func skipNotificationsFannedOut() throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE notificationFanout SET lastNotificationId = (SELECT coalesce(max(id), 0) FROM notification)")
        }
    }

    /// The e-mails to send now. Due e-mail deliveries not yet in an e-mail are first put in one,
    /// per recipient, with that recipient's other pending deliveries of the same digest (a
    /// conversation's later messages go with its first) — unless the recipient already got
    /// `policy.mailsPerHour` e-mails in the last hour: theirs then wait a quarter of an hour and go
    /// out together. Each e-mail's id is fixed there, before any try.
    public func mailsToSend(now: Date, policy: NotificationPolicy, domain: String, limit: Int = 200) throws -> [PendingMail] {
        try writer.write { db in
            let due = try Row.fetchAll(db, sql: """
                SELECT id, userId, digestKey FROM notificationDelivery
                WHERE channel = 'email' AND status = 'pending' AND mailId IS NULL AND notBefore <= ?
                ORDER BY notBefore, id LIMIT ?
                """, arguments: [now, limit * 10])
            var byUser: [Int64: [Row]] = [:]
            var order: [Int64] = []
            for row in due {
                let userId: Int64 = row["userId"]
                if byUser[userId] == nil { order.append(userId) }
                byUser[userId, default: []].append(row)
            }
            let hourAgo = now.addingTimeInterval(-3_600)
            for userId in order.prefix(limit) {
                guard let rows = byUser[userId] else { continue }
                let recent = try Int.fetchOne(db, sql: """
                    SELECT count(DISTINCT mailId) FROM notificationDelivery WHERE userId = ? AND channel = 'email' AND sentAt > ?
                    """, arguments: [userId, hourAgo]) ?? 0
                let ids = rows.map { $0["id"] as Int64 }
                if recent >= policy.mailsPerHour {
                    try db.execute(sql: "UPDATE notificationDelivery SET notBefore = ? WHERE id IN (\(ids.map(String.init).joined(separator: ",")))", arguments: [now.addingTimeInterval(900)])
                    continue
                }
                let mailId = "ft-\(ids.min() ?? 0)-\(userId)@\(domain)"
                let digests = Set(rows.compactMap { $0["digestKey"] as String? })
                try db.execute(sql: "UPDATE notificationDelivery SET mailId = ? WHERE id IN (\(ids.map(String.init).joined(separator: ",")))", arguments: [mailId])
                for digest in digests.sorted() {
                    try db.execute(sql: """
                        UPDATE notificationDelivery SET mailId = ?
                        WHERE userId = ? AND channel = 'email' AND status = 'pending' AND mailId IS NULL AND digestKey = ?
                        """, arguments: [mailId, userId, digest])
                }
            }
            // Every e-mail due: those just made and those waiting for a retry.
            let rows = try Row.fetchAll(db, sql: """
                SELECT d.id, d.mailId, d.attempts, d.userId, u.email, u.displayName, u.role, n.kind, n.title, n.body, n.target, n.createdAt,
                    CASE WHEN n.target LIKE 'conversation:%' THEN (SELECT dossierId FROM conversation WHERE id = CAST(substr(n.target, 14) AS INTEGER)) END AS dossierId
                FROM notificationDelivery d JOIN notification n ON n.id = d.notificationId JOIN user u ON u.id = d.userId
                WHERE d.channel = 'email' AND d.status = 'pending' AND d.mailId IS NOT NULL
                  AND d.mailId IN (SELECT mailId FROM notificationDelivery WHERE channel = 'email' AND status = 'pending' AND mailId IS NOT NULL AND notBefore <= ?)
                ORDER BY d.mailId, n.createdAt, d.id
                """, arguments: [now])
            var mails: [PendingMail] = []
            for row in rows {
                let item = MailItem(
                    deliveryId: row["id"], kind: NotificationKind(rawValue: row["kind"]) ?? .system,
                    title: row["title"], body: row["body"], target: row["target"], createdAt: row["createdAt"], dossierId: row["dossierId"]
                )
                let mailId: String = row["mailId"]
                if mails.last?.mailId == mailId {
                    mails[mails.count - 1].items.append(item)
                    mails[mails.count - 1].attempts = max(mails[mails.count - 1].attempts, row["attempts"])
                } else {
                    mails.append(PendingMail(
                        mailId: mailId, userId: row["userId"], email: row["email"], displayName: row["displayName"],
                        role: Role(rawValue: row["role"]) ?? .client, attempts: row["attempts"], items: [item]
                    ))
                }
            }
            return Array(mails.prefix(limit))
        }
    }

    /// The e-mail left: its deliveries are sent.
    public func markMailSent(_ mailId: String, at date: Date) throws {
        try markMailsSent([mailId], at: date)
    }

    /// The e-mails of a round left: their deliveries are sent, in one transaction.
    public func markMailsSent(_ mailIds: [String], at date: Date) throws {
        guard !mailIds.isEmpty else { return }
        try writer.write { db in
            let sent = try db.cachedStatement(sql: "UPDATE notificationDelivery SET status = 'sent', sentAt = ?, lastError = NULL WHERE mailId = ? AND status = 'pending'")
            for mailId in mailIds {
                try sent.execute(arguments: [date, mailId])
            }
        }
    }

    /// The e-mail failed: tried again at `retryAt`, or, with no retry left (nil), a dead letter.
    public func markMailFailed(_ mailId: String, error: String, retryAt: Date?) throws {
        try writer.write { db in
            if let retryAt {
                try db.execute(sql: "UPDATE notificationDelivery SET attempts = attempts + 1, lastError = ?, notBefore = ? WHERE mailId = ? AND status = 'pending'", arguments: [error, retryAt, mailId])
            } else {
                try db.execute(sql: "UPDATE notificationDelivery SET attempts = attempts + 1, lastError = ?, status = 'dead' WHERE mailId = ? AND status = 'pending'", arguments: [error, mailId])
            }
        }
    }

    /// The e-mails given up on, newest first.
    public func deadMails(limit: Int = 100) throws -> [DeadMail] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.mailId, u.email, count(*) AS notifications, max(d.attempts) AS attempts, max(d.lastError) AS lastError
                FROM notificationDelivery d JOIN user u ON u.id = d.userId
                WHERE d.status = 'dead' AND d.mailId IS NOT NULL GROUP BY d.mailId ORDER BY max(d.id) DESC LIMIT ?
                """, arguments: [limit]).map { row in
                DeadMail(mailId: row["mailId"], email: row["email"], notifications: row["notifications"], attempts: row["attempts"], lastError: row["lastError"] ?? "")
            }
        }
    }

    /// Sends a dead e-mail again (same Message-ID), from `date`, with its retries counted anew.
    /// False when there is no such dead e-mail.
    @discardableResult
    public func retryDeadMail(_ mailId: String, at date: Date) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE notificationDelivery SET status = 'pending', attempts = 0, notBefore = ? WHERE mailId = ? AND status = 'dead'", arguments: [date, mailId])
            return db.changesCount > 0
        }
    }
}

/// How one kind of notification fared on one channel, for the admins.
public struct DeliveryStatistic: Sendable, Equatable {
    public var kind: NotificationKind
    public var channel: NotificationChannel
    public var sent: Int
    /// Waiting (due later, or to be tried again).
    public var pending: Int
    /// Pending after at least one failed try.
    public var failing: Int
    public var dead: Int
    /// One-click unsubscribes used for this kind and channel.
    public var unsubscribes: Int
}

extension AppDatabase {
    /// Deliveries per kind and channel, with the unsubscribes, every kind and channel that has any.
    public func deliveryStatistics() throws -> [DeliveryStatistic] {
        try writer.read { db in
            var table: [String: DeliveryStatistic] = [:]
            func entry(_ kind: String, _ channel: String) -> String? {
                guard let kind = NotificationKind(rawValue: kind), let channel = NotificationChannel(rawValue: channel) else { return nil }
                let key = "\(kind.rawValue)/\(channel.rawValue)"
                if table[key] == nil { table[key] = DeliveryStatistic(kind: kind, channel: channel, sent: 0, pending: 0, failing: 0, dead: 0, unsubscribes: 0) }
                return key
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT n.kind, d.channel, sum(d.status = 'sent') AS sent, sum(d.status = 'pending') AS pending,
                    sum(d.status = 'pending' AND d.attempts > 0) AS failing, sum(d.status = 'dead') AS dead
                FROM notificationDelivery d JOIN notification n ON n.id = d.notificationId GROUP BY n.kind, d.channel
                """) {
                guard let key = entry(row["kind"], row["channel"]) else { continue }
                table[key]?.sent = row["sent"]
                table[key]?.pending = row["pending"]
                table[key]?.failing = row["failing"]
                table[key]?.dead = row["dead"]
            }
            for row in try Row.fetchAll(db, sql: "SELECT kind, channel, count(*) AS used FROM unsubscribeToken WHERE usedAt IS NOT NULL GROUP BY kind, channel") {
                guard let key = entry(row["kind"], row["channel"]) else { continue }
                table[key]?.unsubscribes = row["used"]
            }
            let kinds = NotificationKind.allCases.map(\.rawValue)
            let channels = NotificationChannel.allCases.map(\.rawValue)
            return table.values.sorted {
                ((kinds.firstIndex(of: $0.kind.rawValue) ?? 0), (channels.firstIndex(of: $0.channel.rawValue) ?? 0))
                    < ((kinds.firstIndex(of: $1.kind.rawValue) ?? 0), (channels.firstIndex(of: $1.channel.rawValue) ?? 0))
            }
        }
    }
}
