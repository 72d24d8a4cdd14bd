internal import GRDB

extension Schema {
    /// Documents and their versions, conversations, messages, attachments, read receipts, ratings.
    ///
    /// Delete rules: everything here goes with its dossier (CASCADE). Authorship columns use
    /// NO ACTION: deleting a user who wrote into someone else's dossier fails (deactivate instead),
    /// while deleting a client whose dossiers hold their own writings succeeds, because the cascade
    /// removes those rows within the same statement, before NO ACTION is checked.
    static func createExchanges(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE document (
                id TEXT PRIMARY KEY NOT NULL CONSTRAINT document_id CHECK (length(id) BETWEEN 1 AND 64),
                dossierId INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
                category TEXT NOT NULL CONSTRAINT document_category
                    CHECK (category IN ('invoice', 'contract', 'report', 'certificate', 'other')),
                title TEXT NOT NULL CONSTRAINT document_title CHECK (length(trim(title)) BETWEEN 1 AND 300),
                createdBy INTEGER NOT NULL REFERENCES user(id) ON DELETE NO ACTION,
                createdAt DATETIME NOT NULL
            );
            CREATE INDEX document_dossierId ON document(dossierId, category);
            CREATE INDEX document_createdBy ON document(createdBy);

            CREATE TABLE documentVersion (
                id TEXT PRIMARY KEY NOT NULL CONSTRAINT document_version_id CHECK (length(id) BETWEEN 1 AND 64),
                documentId TEXT NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                fileName TEXT NOT NULL CONSTRAINT document_version_file_name
                    CHECK (length(fileName) BETWEEN 1 AND 255 AND instr(fileName, '/') = 0 AND instr(fileName, char(0)) = 0),
                mediaType TEXT NOT NULL,
                byteCount INTEGER NOT NULL CONSTRAINT document_version_byte_count CHECK (byteCount >= 0),
                sha256 TEXT NOT NULL CONSTRAINT document_version_sha256
                    CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
                uploadedBy INTEGER NOT NULL REFERENCES user(id) ON DELETE NO ACTION,
                uploadedAt DATETIME NOT NULL,
                hlc TEXT NOT NULL,
                validation TEXT NOT NULL DEFAULT 'pending' CONSTRAINT document_version_validation
                    CHECK (validation IN ('pending', 'validated', 'rejected')),
                validationReason TEXT,
                validatedBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
                validatedAt DATETIME,
                storage TEXT NOT NULL DEFAULT 'blob' CONSTRAINT document_version_storage CHECK (storage IN ('blob', 'archived')),
                CONSTRAINT document_version_rejected_has_reason
                    CHECK (validation <> 'rejected' OR length(trim(coalesce(validationReason, ''))) > 0)
            );
            CREATE INDEX documentVersion_documentId ON documentVersion(documentId, hlc);
            CREATE INDEX documentVersion_sha256 ON documentVersion(sha256);
            CREATE INDEX documentVersion_uploadedBy ON documentVersion(uploadedBy);
            CREATE INDEX documentVersion_validatedBy ON documentVersion(validatedBy);

            CREATE TABLE conversation (
                id INTEGER PRIMARY KEY,
                dossierId INTEGER NOT NULL CONSTRAINT conversation_dossier_unique UNIQUE
                    REFERENCES dossier(id) ON DELETE CASCADE,
                createdAt DATETIME NOT NULL
            );

            CREATE TABLE message (
                id TEXT PRIMARY KEY NOT NULL CONSTRAINT message_id CHECK (length(id) BETWEEN 1 AND 64),
                conversationId INTEGER NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
                authorId INTEGER NOT NULL REFERENCES user(id) ON DELETE NO ACTION,
                body TEXT NOT NULL CONSTRAINT message_body CHECK (length(body) <= 20000),
                createdAt DATETIME NOT NULL,
                editedAt DATETIME,
                deletedAt DATETIME,
                hlc TEXT NOT NULL,
                CONSTRAINT message_deleted_is_empty CHECK (deletedAt IS NULL OR body = '')
            );
            CREATE INDEX message_conversationId ON message(conversationId, createdAt);
            CREATE INDEX message_authorId ON message(authorId);

            CREATE TABLE messageAttachment (
                messageId TEXT NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                documentId TEXT NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                PRIMARY KEY (messageId, documentId)
            ) WITHOUT ROWID;
            CREATE INDEX messageAttachment_documentId ON messageAttachment(documentId);

            CREATE TABLE readReceipt (
                conversationId INTEGER NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
                userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                readUpTo DATETIME NOT NULL,
                PRIMARY KEY (conversationId, userId)
            ) WITHOUT ROWID;
            CREATE INDEX readReceipt_userId ON readReceipt(userId);

            CREATE TABLE rating (
                id INTEGER PRIMARY KEY,
                clientId INTEGER NOT NULL REFERENCES client(id) ON DELETE CASCADE,
                expertId INTEGER NOT NULL REFERENCES expert(id) ON DELETE CASCADE,
                assignmentId INTEGER REFERENCES expertAssignment(id) ON DELETE SET NULL,
                score INTEGER NOT NULL CONSTRAINT rating_score CHECK (score BETWEEN 1 AND 5),
                comment TEXT NOT NULL CONSTRAINT rating_comment CHECK (length(comment) <= 5000),
                createdAt DATETIME NOT NULL,
                updatedAt DATETIME NOT NULL,
                hlc TEXT NOT NULL,
                CONSTRAINT rating_one_per_client_and_expert UNIQUE (clientId, expertId)
            );
            CREATE INDEX rating_expertId ON rating(expertId, updatedAt);
            CREATE INDEX rating_assignmentId ON rating(assignmentId);
            """)
    }
}
