internal import GRDB

extension Schema {
    /// Notifications, notification preferences and the audit log.
    ///
    /// Delete rules: a user's notifications and preferences go with the user (CASCADE); the audit
    /// log outlives everyone (SET NULL on the actor: the line stays, the name goes).
    static func createNotifications(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE notification (
                id INTEGER PRIMARY KEY,
                userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CONSTRAINT notification_kind CHECK (kind IN
                    ('message', 'assignment', 'step_due', 'step_overdue', 'document', 'rating', 'expert_approved', 'new_expert', 'system')),
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                target TEXT,
                createdAt DATETIME NOT NULL,
                readAt DATETIME
            );
            CREATE INDEX notification_userId ON notification(userId, createdAt);
            CREATE INDEX notification_unread ON notification(userId) WHERE readAt IS NULL;

            CREATE TABLE notificationPreference (
                userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CONSTRAINT notification_preference_kind CHECK (kind IN
                    ('message', 'assignment', 'step_due', 'step_overdue', 'document', 'rating', 'expert_approved', 'new_expert', 'system')),
                channel TEXT NOT NULL CONSTRAINT notification_preference_channel CHECK (channel IN ('in_app', 'email', 'push')),
                enabled INTEGER NOT NULL CONSTRAINT notification_preference_enabled CHECK (enabled IN (0, 1)),
                PRIMARY KEY (userId, kind, channel)
            ) WITHOUT ROWID;

            CREATE TABLE auditLog (
                id INTEGER PRIMARY KEY,
                actorId INTEGER REFERENCES user(id) ON DELETE SET NULL,
                action TEXT NOT NULL CONSTRAINT audit_log_action CHECK (action GLOB '[a-z]*.[a-z]*'),
                entityType TEXT NOT NULL,
                entityId TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT '{}' CONSTRAINT audit_log_detail CHECK (json_valid(detail)),
                createdAt DATETIME NOT NULL
            );
            CREATE INDEX auditLog_entity ON auditLog(entityType, entityId, createdAt);
            CREATE INDEX auditLog_actorId ON auditLog(actorId, createdAt);
            CREATE INDEX auditLog_createdAt ON auditLog(createdAt);
            """)
    }
}
