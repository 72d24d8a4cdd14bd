internal import GRDB

extension Schema {
    /// Notifications leave the app. A `notification` row is the outbox: it is written in the
    /// transaction of its cause. The fan-out turns each into deliveries per outside channel
    /// (`notificationDelivery`: e-mail, push), by the recipient's preferences, and remembers how far
    /// it went (`notificationFanout`, one row: the last notification fanned out; the notifications
    /// already there when this migration runs are history, not sent). Deliveries that go out
    /// together share a `mailId` (the e-mail's Message-ID, fixed before the first try, so that a
    /// retry after a crash is the same e-mail). `unsubscribeToken`: the hashes of the one-click
    /// unsubscribe links sent, each usable once.
    static func createNotificationDeliveries(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE notificationDelivery (
                id INTEGER PRIMARY KEY,
                notificationId INTEGER NOT NULL REFERENCES notification(id) ON DELETE CASCADE,
                userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                channel TEXT NOT NULL CONSTRAINT notification_delivery_channel CHECK (channel IN ('email', 'push')),
                digestKey TEXT,
                status TEXT NOT NULL DEFAULT 'pending' CONSTRAINT notification_delivery_status CHECK (status IN ('pending', 'sent', 'dead')),
                attempts INTEGER NOT NULL DEFAULT 0,
                notBefore DATETIME NOT NULL,
                mailId TEXT,
                lastError TEXT,
                sentAt DATETIME,
                UNIQUE (notificationId, channel)
            );
            CREATE INDEX notificationDelivery_due ON notificationDelivery(channel, notBefore) WHERE status = 'pending';
            CREATE INDEX notificationDelivery_mail ON notificationDelivery(mailId) WHERE mailId IS NOT NULL;
            CREATE INDEX notificationDelivery_user ON notificationDelivery(userId, channel, sentAt);

            CREATE TABLE notificationFanout (lastNotificationId INTEGER NOT NULL);
            INSERT INTO notificationFanout (lastNotificationId) SELECT coalesce(max(id), 0) FROM notification;

            CREATE TABLE unsubscribeToken (
                tokenHash BLOB PRIMARY KEY NOT NULL,
                userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                channel TEXT NOT NULL,
                createdAt DATETIME NOT NULL,
                usedAt DATETIME
            ) WITHOUT ROWID;
            CREATE INDEX unsubscribeToken_userId ON unsubscribeToken(userId);
            """)
    }
}
