internal import GRDB

extension Schema {
    /// What deleting an account at its owner's request needs (`AppDatabase.deleteAccount`):
    ///
    /// - `user.deletedAt`: the account was deleted; the row stays, anonymized, for the dossiers
    ///   and the audit log that point at it.
    /// - `documentVersion.erasedAt`: the version's contents were erased (its uploader deleted
    ///   their account); the row stays in its dossier's history, its bytes are gone (410).
    /// - `accountMail.kind` gains `deleted`, the e-mail that confirms a deletion to the old
    ///   address (SQLite cannot change a CHECK in place: the small table is rebuilt).
    /// - Refusals stored under an id longer than 64 bytes, or quoting a megabyte-long field name,
    ///   are dropped (see `AppDatabase.refuse`).
    static func addAccountDeletion(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE user ADD COLUMN deletedAt DATETIME;
            ALTER TABLE documentVersion ADD COLUMN erasedAt DATETIME;

            CREATE TABLE accountMail_rebuilt (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL CONSTRAINT account_mail_kind CHECK (kind IN ('verify', 'reset', 'signupTaken', 'resetUnknown', 'deleted')),
                email TEXT NOT NULL COLLATE NOCASE CONSTRAINT account_mail_email CHECK (email LIKE '_%@_%.__%' AND length(email) <= 254),
                userId INTEGER REFERENCES user(id) ON DELETE CASCADE,
                nonce TEXT NOT NULL CONSTRAINT account_mail_nonce CHECK (length(nonce) = 32),
                tokenHash BLOB NOT NULL CONSTRAINT account_mail_token_unique UNIQUE CONSTRAINT account_mail_token_hash CHECK (length(tokenHash) = 32),
                createdAt DATETIME NOT NULL,
                expiresAt DATETIME NOT NULL,
                usedAt DATETIME,
                sentAt DATETIME,
                attempts INTEGER NOT NULL DEFAULT 0,
                notBefore DATETIME NOT NULL,
                lastError TEXT,
                failedAt DATETIME,
                CONSTRAINT account_mail_link_needs_user CHECK (kind NOT IN ('verify', 'reset') OR userId IS NOT NULL)
            );
            INSERT INTO accountMail_rebuilt (id, kind, email, userId, nonce, tokenHash, createdAt, expiresAt, usedAt, sentAt, attempts, notBefore, lastError, failedAt)
                SELECT id, kind, email, userId, nonce, tokenHash, createdAt, expiresAt, usedAt, sentAt, attempts, notBefore, lastError, failedAt FROM accountMail;
            DROP TABLE accountMail;
            ALTER TABLE accountMail_rebuilt RENAME TO accountMail;
            CREATE INDEX accountMail_due ON accountMail(notBefore) WHERE sentAt IS NULL AND failedAt IS NULL;
            CREATE INDEX accountMail_user ON accountMail(userId, kind);

            -- Refusals kept under ids no operation can have (before pushes stopped keeping them):
            -- each look-up passing one in the index read it whole.
            DELETE FROM syncRejection WHERE length(CAST(operationId AS BLOB)) NOT BETWEEN 1 AND 64 OR length(message) > 1000 OR length(field) > 200;
            """)
    }
}
