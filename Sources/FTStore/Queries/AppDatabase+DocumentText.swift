internal import GRDB
public import FTModel
public import FTSync
public import Foundation

/// What the indexer made of one version.
public enum TextExtraction: Sendable, Equatable {
    case text(String)
    /// Text read by OCR from a picture or a scanned PDF's pages (recorded as `indexed`, `ocr`).
    case recognized(String)
    /// A type with no text to extract (an image, say).
    case empty(String)
    case failed(String)
}

/// What the indexer made of one version, ready to record.
public struct ExtractedText: Sendable {
    public var versionId: String
    public var fileName: String
    public var extraction: TextExtraction

    public init(versionId: String, fileName: String, extraction: TextExtraction) {
        self.versionId = versionId
        self.fileName = fileName
        self.extraction = extraction
    }

    var status: String {
        switch extraction {
        case .text, .recognized: "indexed"
        case .empty: "empty"
        case .failed: "failed"
        }
    }

    var detail: String? {
        switch extraction {
        case .text: nil
        case .recognized: "ocr"
        case .empty(let why), .failed(let why): why
        }
    }

    var body: String? {
        switch extraction {
        case .text(let body), .recognized(let body): body
        case .empty, .failed: nil
        }
    }
}

/// One version whose text matches a search.
public struct DocumentHit: Sendable, Equatable {
    public var version: String
    public var document: String
    public var title: String
    public var fileName: String
    public var dossier: Int64
    /// Whether it is its document's current (newest) version.
    public var current: Bool
}

extension AppDatabase {
    /// Versions the indexer has not looked at yet, in the order they were stored, from after
    /// `position` (0: from the start); with each, its position, to pass back for the next ones.
    /// A walk along the table's own order: asking for "the oldest unindexed" each time sorted the
    /// whole table per batch, and 172,000 seeded versions kept a core busy for hours.
    public func versionsToIndex(after position: Int64, limit: Int) throws -> [(position: Int64, version: DocumentVersion)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT v.rowid AS position, v.* FROM documentVersion v
                WHERE v.rowid > ? AND v.erasedAt IS NULL AND NOT EXISTS (SELECT 1 FROM documentText t WHERE t.versionId = v.id)
                ORDER BY v.rowid LIMIT ?
                """, arguments: [position, limit]).map { row in (row["position"], try DocumentVersion(row: row)) }
        }
    }

    /// Records what was extracted from a version (once: a second call changes nothing): its
    /// status, and the blind terms of its file name and text (`BlindIndex`), never the text.
    public func recordText(_ extraction: TextExtraction, versionId: String, fileName: String, index: BlindIndex, at date: Date) throws {
        try recordTexts([ExtractedText(versionId: versionId, fileName: fileName, extraction: extraction)], index: index, at: date)
    }

    /// `recordText` for several versions in one transaction: one sync to disk for them all, where
    /// one each made the indexer wait on the disk more than it worked.
    public func recordTexts(_ texts: [ExtractedText], index: BlindIndex, at date: Date) throws {
        let terms = texts.map { text in index.terms(of: text.fileName + "\n" + (text.body ?? "")) }
        try writer.write { db in
            let record = try db.cachedStatement(sql: """
                INSERT INTO documentText (versionId, status, detail, characterCount, extractedAt)
                SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM documentVersion WHERE id = ? AND erasedAt IS NULL)
                ON CONFLICT (versionId) DO NOTHING
                """)
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO documentTerm (term, versionId) VALUES (?, ?)")
            for (text, terms) in zip(texts, terms) {
                try record.execute(arguments: [text.versionId, text.status, text.detail, text.body?.count ?? 0, date, text.versionId])
                guard db.changesCount > 0 else { continue }
                for term in terms { try insert.execute(arguments: [term, text.versionId]) }
            }
        }
    }

    /// The indexer's verdict on a version (nil if not looked at yet): status and detail.
    public func textStatus(versionId: String) throws -> (status: String, detail: String?)? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT status, detail FROM documentText WHERE versionId = ?", arguments: [versionId]).map { ($0[0], $0[1]) }
        }
    }

    /// Versions whose file name or text holds every word of `text` (accents and case ignored,
    /// each word whole or the start of a word), current versions first, then the newest — only in
    /// dossiers `actor` may see.
    public func searchDocuments(_ text: String, index: BlindIndex, for actor: SyncActor, limit: Int = 20) throws -> [DocumentHit] {
        let terms = index.searchTerms(text)
        guard !terms.isEmpty else { return [] }
        return try writer.read { db in
            let scope = SyncLocator.visibleDossiersCondition(column: "d.dossierId", actor: actor)
            let placeholders = Array(repeating: "?", count: terms.count).joined(separator: ", ")
            return try Row.fetchAll(db, sql: """
                SELECT v.id, v.documentId, d.title, v.fileName, d.dossierId,
                    NOT EXISTS (SELECT 1 FROM documentVersion w WHERE w.documentId = v.documentId AND (w.hlc > v.hlc OR (w.hlc = v.hlc AND w.id > v.id))) AS current
                FROM (SELECT versionId FROM documentTerm WHERE term IN (\(placeholders)) GROUP BY versionId HAVING count(*) = ?) m
                JOIN documentVersion v ON v.id = m.versionId
                JOIN document d ON d.id = v.documentId
                WHERE \(scope.sql)
                ORDER BY current DESC, v.uploadedAt DESC, v.id LIMIT ?
                """, arguments: StatementArguments(terms) + StatementArguments([terms.count]) + scope.arguments + StatementArguments([limit])).map { row in
                DocumentHit(version: row[0], document: row[1], title: row[2], fileName: row[3], dossier: row[4], current: row[5])
            }
        }
    }
}
