internal import GRDB

extension Schema {
    /// Search in documents: the text extracted from each version (PDF through `pdftotext`, text
    /// files as they are), in an accent-insensitive FTS5 index.
    ///
    /// - `documentText`: one row per version the indexer has looked at — `indexed`, `empty` (a type
    ///   with no text to extract) or `failed` (with why) — so that nothing is extracted twice. It
    ///   goes with its version (CASCADE), and its index row with it (trigger).
    /// - `documentTextSearch`: file name and text, under the `documentText` row's id.
    static func createDocumentText(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE documentText (
                id INTEGER PRIMARY KEY,
                versionId TEXT NOT NULL CONSTRAINT document_text_version UNIQUE REFERENCES documentVersion(id) ON DELETE CASCADE,
                status TEXT NOT NULL CONSTRAINT document_text_status CHECK (status IN ('indexed', 'empty', 'failed')),
                detail TEXT,
                characterCount INTEGER NOT NULL DEFAULT 0,
                extractedAt DATETIME NOT NULL
            );
            CREATE VIRTUAL TABLE documentTextSearch USING fts5(
                fileName, body,
                tokenize='unicode61 remove_diacritics 2'
            );
            CREATE TRIGGER document_text_delete AFTER DELETE ON documentText BEGIN
                DELETE FROM documentTextSearch WHERE rowid = old.id;
            END;
            """)
    }
}
