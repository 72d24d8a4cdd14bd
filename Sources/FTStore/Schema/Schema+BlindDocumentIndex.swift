internal import GRDB

extension Schema {
    /// Search in documents stores no text: the full-text table of extracted text
    /// (`documentTextSearch`, plaintext inside an encrypted-at-rest store) is dropped for
    /// `documentTerm`, the keyed hashes of each version's words (`BlindIndex`). The terms need the
    /// document key, which a migration does not have: every version is indexed again by the
    /// server's indexer (`documentText` emptied). The dropped pages are overwritten with zeros
    /// (`secure_delete`), so the old text does not linger in the file's free pages.
    static func createBlindDocumentIndex(_ db: Database) throws {
        try db.execute(sql: """
            PRAGMA secure_delete = ON;
            DROP TRIGGER document_text_delete;
            DROP TABLE documentTextSearch;
            DELETE FROM documentText;
            PRAGMA secure_delete = OFF;
            CREATE TABLE documentTerm (
                term BLOB NOT NULL,
                versionId TEXT NOT NULL REFERENCES documentVersion(id) ON DELETE CASCADE,
                PRIMARY KEY (term, versionId)
            ) WITHOUT ROWID;
            CREATE INDEX documentTerm_versionId ON documentTerm(versionId);
            """)
    }
}
