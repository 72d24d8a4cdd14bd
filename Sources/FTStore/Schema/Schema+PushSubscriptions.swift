internal import GRDB

extension Schema {
    /// Web Push: each browser a user turned notifications on in (`pushSubscription`: the push
    /// service's endpoint URL and the browser's keys, RFC 8291). An endpoint belongs to one browser,
    /// hence to one user at a time: the same browser signing in as someone else takes it over.
    /// A push delivery (`notificationDelivery` with channel 'push') goes to each of its user's
    /// subscriptions; the push service's 404 or 410 removes one.
    static func createPushSubscriptions(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE pushSubscription (
                id INTEGER PRIMARY KEY,
                userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                endpoint TEXT NOT NULL UNIQUE CONSTRAINT push_subscription_endpoint CHECK (length(endpoint) BETWEEN 12 AND 2048),
                p256dh BLOB NOT NULL CONSTRAINT push_subscription_p256dh CHECK (length(p256dh) = 65),
                auth BLOB NOT NULL CONSTRAINT push_subscription_auth CHECK (length(auth) = 16),
                createdAt DATETIME NOT NULL,
                lastSentAt DATETIME
            );
            CREATE INDEX pushSubscription_userId ON pushSubscription(userId);
            """)
    }
}
