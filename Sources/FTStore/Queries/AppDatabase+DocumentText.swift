internal import GRDB
public import FTModel
public import FTSync
public import Foundation

/// What the indexer made of one version.
public enum TextExtraction: Sendable, Equatable {
    case text(String)
    /// A type with no text to extract (an image, say).
    case empty(String)
    case failed(String)
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
    /// Some words around the match; each matching term between U+0002 and U+0003.
    public var snippet: String
}

extension AppDatabase {
    /// Versions uploaded through this server that the indexer has not looked at yet, oldest
    /// first (the demo data's versions, which came without content, are not among them).
    public func versionsToIndex(limit: Int) throws -> [DocumentVersion] {
        try writer.read { db in
            try DocumentVersion.fetchAll(db, sql: """
                SELECT v.* FROM documentVersion v LEFT JOIN documentText t ON t.versionId = v.id
                WHERE t.id IS NULL AND EXISTS (SELECT 1 FROM syncRecord r WHERE r.collection = 'documentVersion' AND r.record = v.id)
                ORDER BY v.uploadedAt, v.id LIMIT ?
                """, arguments: [limit])
        }
    }

    /// Records what was extracted from a version (once: a second call changes nothing).
    public func recordText(_ extraction: TextExtraction, versionId: String, fileName: String, at date: Date) throws {
        try writer.write { db in
            let (status, detail, body): (String, String?, String?) = switch extraction {
            case .text(let body): ("indexed", nil, body)
            case .empty(let why): ("empty", why, nil)
            case .failed(let why): ("failed", why, nil)
            }
            try db.execute(sql: """
                INSERT INTO documentText (versionId, status, detail, characterCount, extractedAt)
                SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM documentVersion WHERE id = ?)
                ON CONFLICT (versionId) DO NOTHING
                """, arguments: [versionId, status, detail, body?.count ?? 0, date, versionId])
            guard db.changesCount > 0 else { return }
            try db.execute(sql: "INSERT INTO documentTextSearch (rowid, fileName, body) VALUES (?, ?, ?)", arguments: [db.lastInsertedRowID, fileName, body ?? ""])
        }
    }

    /// The indexer's verdict on a version (nil if not looked at yet): status and detail.
    public func textStatus(versionId: String) throws -> (status: String, detail: String?)? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT status, detail FROM documentText WHERE versionId = ?", arguments: [versionId]).map { ($0[0], $0[1]) }
        }
    }

    /// Versions whose file name or text matches every word of `text` (accents and case ignored,
    /// each word a prefix), best first — only in dossiers `actor` may see.
    public func searchDocuments(_ text: String, for actor: SyncActor, limit: Int = 20) throws -> [DocumentHit] {
        guard let pattern = FullTextQuery.pattern(text) else { return [] }
        return try writer.read { db in
            let scope = SyncLocator.visibleDossiersCondition(column: "d.dossierId", actor: actor)
            return try Row.fetchAll(db, sql: """
                SELECT v.id, v.documentId, d.title, v.fileName, d.dossierId,
                    NOT EXISTS (SELECT 1 FROM documentVersion w WHERE w.documentId = v.documentId AND (w.hlc > v.hlc OR (w.hlc = v.hlc AND w.id > v.id))) AS current,
                    snippet(documentTextSearch, 1, char(2), char(3), '…', 16) AS snippet
                FROM documentTextSearch s
                JOIN documentText t ON t.id = s.rowid
                JOIN documentVersion v ON v.id = t.versionId
                JOIN document d ON d.id = v.documentId
                WHERE documentTextSearch MATCH ? AND \(scope.sql)
                ORDER BY bm25(documentTextSearch, 2.0, 1.0) LIMIT ?
                """, arguments: StatementArguments([pattern]) + scope.arguments + StatementArguments([limit])).map { row in
                DocumentHit(version: row[0], document: row[1], title: row[2], fileName: row[3], dossier: row[4], current: row[5], snippet: row[6] ?? "")
            }
        }
    }
}
