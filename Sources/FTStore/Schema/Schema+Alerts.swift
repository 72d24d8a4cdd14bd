internal import GRDB

extension Schema {
    /// Alert rules and the alerts they open (`AppDatabase.evaluateAlerts`).
    ///
    /// - `alertRule`: one per kind of condition, with its threshold, recipients, channels and
    ///   reminder cadence; admins edit them. The defaults are written here (`updatedAt` NULL: as
    ///   shipped).
    /// - `alert`: one per rule and subject (`step:12`, `assignment:4`, `conversation:7`,
    ///   `version:…`, `expert:3`) while its condition holds (at most one unresolved per rule and
    ///   subject), with the reminders sent; resolved when the condition stops holding, kept as
    ///   history. It goes with its dossier (CASCADE).
    /// - `notification.channels`: the outside channels a notification may go out on (comma
    ///   separated; NULL: any), for alerts whose rule names fewer than all.
    static func createAlerts(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE alertRule (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL UNIQUE CONSTRAINT alert_rule_kind CHECK (kind IN
                    ('sla_at_risk', 'sla_breached', 'message_unanswered', 'step_due', 'step_overdue', 'document_waiting', 'expert_inactive')),
                threshold INTEGER NOT NULL CONSTRAINT alert_rule_threshold CHECK (threshold BETWEEN 0 AND 10000),
                recipients TEXT NOT NULL,
                channels TEXT NOT NULL,
                reminderHours INTEGER NOT NULL CONSTRAINT alert_rule_reminder_hours CHECK (reminderHours BETWEEN 1 AND 720),
                maxReminders INTEGER NOT NULL CONSTRAINT alert_rule_max_reminders CHECK (maxReminders BETWEEN 0 AND 10),
                active INTEGER NOT NULL CONSTRAINT alert_rule_active CHECK (active IN (0, 1)),
                updatedAt DATETIME
            );
            INSERT INTO alertRule (kind, threshold, recipients, channels, reminderHours, maxReminders, active) VALUES
                ('sla_at_risk', 75, 'expert,admins', 'email,push', 24, 3, 1),
                ('sla_breached', 0, 'expert,admins', 'email,push', 24, 3, 1),
                ('message_unanswered', 4, 'expert', 'email,push', 24, 3, 1),
                ('step_due', 2, 'client,expert', 'email,push', 24, 1, 1),
                ('step_overdue', 0, 'client,expert,admins', 'email,push', 24, 3, 1),
                ('document_waiting', 3, 'expert', 'email,push', 24, 3, 1),
                ('expert_inactive', 7, 'expert,admins', 'email', 72, 3, 1);

            CREATE TABLE alert (
                id INTEGER PRIMARY KEY,
                ruleId INTEGER NOT NULL REFERENCES alertRule(id) ON DELETE CASCADE,
                subject TEXT NOT NULL,
                dossierId INTEGER REFERENCES dossier(id) ON DELETE CASCADE,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                openedAt DATETIME NOT NULL,
                lastNotifiedAt DATETIME NOT NULL,
                reminders INTEGER NOT NULL DEFAULT 0,
                acknowledgedAt DATETIME,
                acknowledgedBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
                resolvedAt DATETIME
            );
            CREATE UNIQUE INDEX alert_open ON alert(ruleId, subject) WHERE resolvedAt IS NULL;
            CREATE INDEX alert_dossierId ON alert(dossierId);
            CREATE INDEX alert_acknowledgedBy ON alert(acknowledgedBy);
            CREATE INDEX alert_openedAt ON alert(openedAt);

            ALTER TABLE notification ADD COLUMN channels TEXT;
            """)
    }

    /// Two rules on the running server (`ServiceHealth`): the API's p95 over five minutes above
    /// 50 ms (the user's target), and any 5xx. The kind's CHECK is widened by rebuilding the table
    /// (SQLite cannot alter a CHECK); `alert` refers to it by name and keeps its rows.
    static func addPerformanceAlerts(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE alertRule_new (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL UNIQUE CONSTRAINT alert_rule_kind CHECK (kind IN
                    ('sla_at_risk', 'sla_breached', 'message_unanswered', 'step_due', 'step_overdue', 'document_waiting', 'expert_inactive',
                     'api_slow', 'server_errors')),
                threshold INTEGER NOT NULL CONSTRAINT alert_rule_threshold CHECK (threshold BETWEEN 0 AND 10000),
                recipients TEXT NOT NULL,
                channels TEXT NOT NULL,
                reminderHours INTEGER NOT NULL CONSTRAINT alert_rule_reminder_hours CHECK (reminderHours BETWEEN 1 AND 720),
                maxReminders INTEGER NOT NULL CONSTRAINT alert_rule_max_reminders CHECK (maxReminders BETWEEN 0 AND 10),
                active INTEGER NOT NULL CONSTRAINT alert_rule_active CHECK (active IN (0, 1)),
                updatedAt DATETIME
            );
            INSERT INTO alertRule_new SELECT id, kind, threshold, recipients, channels, reminderHours, maxReminders, active, updatedAt FROM alertRule;
            DROP TABLE alertRule;
            ALTER TABLE alertRule_new RENAME TO alertRule;
            INSERT INTO alertRule (kind, threshold, recipients, channels, reminderHours, maxReminders, active) VALUES
                ('api_slow', 50, 'admins', 'email,push', 1, 3, 1),
                ('server_errors', 1, 'admins', 'email,push', 1, 3, 1);
            """)
    }
}
