internal import GRDB

extension Schema {
    /// Saved searches' new-expert alerts (`searchAlert`), made by visitors who have no account:
    /// the address, the criteria (`SearchCriteria` as JSON), and the alert's own little outbox —
    /// its confirmation e-mail (double opt-in: nothing else is sent before the link in it is
    /// followed), then one e-mail per round of new experts approved after `seenUpTo`. `nonce`
    /// with the server's key makes the link token (`LinkTokens.searchAlertToken`); the database
    /// keeps only the token's hash. Retries: `attempts`, `notBefore`, `lastError`; after the
    /// policy's last try, `failedAt` (the alert stops).
    static func createSearchAlerts(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE searchAlert (
                id INTEGER PRIMARY KEY,
                email TEXT NOT NULL COLLATE NOCASE CONSTRAINT search_alert_email CHECK (email LIKE '_%@_%.__%' AND length(email) <= 254),
                criteria TEXT NOT NULL CONSTRAINT search_alert_criteria CHECK (json_valid(criteria) AND json_type(criteria) = 'object'),
                nonce TEXT NOT NULL CONSTRAINT search_alert_nonce CHECK (length(nonce) = 32),
                tokenHash BLOB NOT NULL CONSTRAINT search_alert_token_unique UNIQUE CONSTRAINT search_alert_token_hash CHECK (length(tokenHash) = 32),
                createdAt DATETIME NOT NULL,
                confirmationSentAt DATETIME,
                confirmedAt DATETIME,
                cancelledAt DATETIME,
                seenUpTo DATETIME,
                attempts INTEGER NOT NULL DEFAULT 0,
                notBefore DATETIME NOT NULL,
                lastError TEXT,
                failedAt DATETIME,
                lastSentAt DATETIME,
                CONSTRAINT search_alert_confirmed_has_cursor CHECK (confirmedAt IS NULL OR seenUpTo IS NOT NULL)
            );
            CREATE INDEX searchAlert_email ON searchAlert(email, createdAt);
            CREATE INDEX searchAlert_due ON searchAlert(notBefore) WHERE cancelledAt IS NULL AND failedAt IS NULL;
            """)
    }
}
