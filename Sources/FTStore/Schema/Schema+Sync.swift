internal import GRDB

extension Schema {
    /// Sign-in sessions and the sync log.
    ///
    /// - `session`: bearer tokens, stored as their SHA-256 (a stolen database yields no usable
    ///   token); they go with their user (CASCADE).
    /// - `syncChange`: every accepted operation, with the server's sequence number (`seq`, the pull
    ///   cursor) and the dossier it belongs to (what row-level security filters on). Goes with its
    ///   dossier (CASCADE); the actor becomes NULL if the user is deleted.
    /// - `syncRejection`: refused operations, so that a retry gets the same answer.
    /// - `syncRecord`: each synced record's merge state (the lattice of `FTSync`), from which the
    ///   domain tables are projected.
    static func createSync(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE session (
                tokenHash TEXT PRIMARY KEY NOT NULL CONSTRAINT session_token_hash CHECK (length(tokenHash) = 64),
                userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                createdAt DATETIME NOT NULL,
                expiresAt DATETIME NOT NULL,
                revokedAt DATETIME,
                CONSTRAINT session_expiry CHECK (expiresAt > createdAt)
            ) WITHOUT ROWID;
            CREATE INDEX session_userId ON session(userId);

            CREATE TABLE syncChange (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                operationId TEXT NOT NULL CONSTRAINT sync_change_operation_unique UNIQUE
                    CONSTRAINT sync_change_operation_id CHECK (length(operationId) BETWEEN 1 AND 64),
                collection TEXT NOT NULL CONSTRAINT sync_change_collection
                    CHECK (collection IN ('message', 'readReceipt', 'rating', 'document', 'documentVersion', 'step')),
                record TEXT NOT NULL,
                action TEXT NOT NULL CONSTRAINT sync_change_action CHECK (action IN ('insert', 'update', 'delete')),
                fields TEXT NOT NULL CONSTRAINT sync_change_fields CHECK (json_valid(fields)),
                hlc TEXT NOT NULL,
                actorId INTEGER REFERENCES user(id) ON DELETE SET NULL,
                actorRole TEXT NOT NULL CONSTRAINT sync_change_actor_role CHECK (actorRole IN ('client', 'expert', 'admin')),
                dossierId INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
                receivedAt DATETIME NOT NULL
            );
            CREATE INDEX syncChange_dossierId ON syncChange(dossierId, seq);
            CREATE INDEX syncChange_actorId ON syncChange(actorId);
            CREATE INDEX syncChange_record ON syncChange(collection, record);

            CREATE TABLE syncRejection (
                operationId TEXT PRIMARY KEY NOT NULL,
                userId INTEGER REFERENCES user(id) ON DELETE CASCADE,
                code TEXT NOT NULL,
                field TEXT,
                message TEXT NOT NULL,
                receivedAt DATETIME NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX syncRejection_userId ON syncRejection(userId);

            CREATE TABLE syncRecord (
                collection TEXT NOT NULL,
                record TEXT NOT NULL,
                dossierId INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
                state TEXT NOT NULL CONSTRAINT sync_record_state CHECK (json_valid(state)),
                PRIMARY KEY (collection, record)
            ) WITHOUT ROWID;
            CREATE INDEX syncRecord_dossierId ON syncRecord(dossierId);
            """)
    }
}
