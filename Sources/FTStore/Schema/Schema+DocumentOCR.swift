internal import GRDB

extension Schema {
    /// Search in documents reads scans and photos (Tesseract): the versions the indexer passed over
    /// before — pictures recorded as having no text, PDFs with almost none (scans) — are looked at
    /// again by the indexer. Their file names' terms stay; the text's are added.
    static func rereadScannedDocuments(_ db: Database) throws {
        try db.execute(sql: """
            DELETE FROM documentText WHERE versionId IN (
                SELECT t.versionId FROM documentText t JOIN documentVersion v ON v.id = t.versionId
                WHERE (v.mediaType LIKE 'image/%' AND t.status = 'empty' AND t.detail LIKE 'no text is extracted from %')
                   OR (v.mediaType = 'application/pdf' AND t.status = 'indexed' AND t.characterCount < 16)
            )
            """)
    }
}
