internal import GRDB

extension Schema {
    /// Accounts that people open themselves.
    ///
    /// - `user.emailVerified`: 0 from a sign-up until its e-mail's link is followed (the account
    ///   cannot sign in before); every account made another way (seed, admin) is 1.
    /// - `accountMail`: the e-mails of accounts (the address's verification, a password reset,
    ///   and the two that answer without telling whether an account exists: "this address already
    ///   has an account", "no account has this address"), each its own outbox row. `nonce` with
    ///   the server's key makes the link's token (`LinkTokens.accountToken`); the database keeps
    ///   only the token's hash. A link works once (`usedAt`) and until `expiresAt`. Retries:
    ///   `attempts`, `notBefore`, `lastError`, then `failedAt`.
    static func createAccounts(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE user ADD COLUMN emailVerified INTEGER NOT NULL DEFAULT 1 CONSTRAINT user_email_verified CHECK (emailVerified IN (0, 1));

            CREATE TABLE accountMail (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL CONSTRAINT account_mail_kind CHECK (kind IN ('verify', 'reset', 'signupTaken', 'resetUnknown')),
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
            CREATE INDEX accountMail_due ON accountMail(notBefore) WHERE sentAt IS NULL AND failedAt IS NULL;
            CREATE INDEX accountMail_user ON accountMail(userId, kind);
            """)
    }

    /// `expert.rejectionReason`: why an admin refused an application (e-mailed to the expert).
    /// Apart from `v21-accounts`, which databases already hold without it.
    static func addExpertRejectionReason(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE expert ADD COLUMN rejectionReason TEXT CONSTRAINT expert_rejection_reason CHECK (rejectionReason IS NULL OR length(rejectionReason) <= 2000);
            """)
    }

    /// `expert.siret`: the establishment an applicant declares (14 digits, checked by the form),
    /// for the admins who review the application; never published. NULL for the experts that
    /// came before applications.
    static func addExpertSIRET(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE expert ADD COLUMN siret TEXT CONSTRAINT expert_siret CHECK (siret IS NULL OR (length(siret) = 14 AND siret NOT GLOB '*[^0-9]*'));
            """)
    }
}
