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
}

extension AppDatabase {
    /// Versions the indexer has not looked at yet, oldest first.
    public func versionsToIndex(limit: Int) throws -> [DocumentVersion] {
        try writer.read { db in
            try DocumentVersion.fetchAll(db, sql: """
                SELECT v.* FROM documentVersion v LEFT JOIN documentText t ON t.versionId = v.id
                WHERE t.id IS NULL ORDER BY v.uploadedAt, v.id LIMIT ?
                """, arguments: [limit])
        }
    }

    /// Records what was extracted from a version (once: a second call changes nothing): its
    /// status, and the blind terms of its file name and text (`BlindIndex`), never the text.
    public func recordText(_ extraction: TextExtraction, versionId: String, fileName: String, index: BlindIndex, at date: Date) throws {
        let (status, detail, body): (String, String?, String?) = switch extraction {
        case .text(let body): ("indexed", nil, body)
        case .empty(let why): ("empty", why, nil)
        case .failed(let why): ("failed", why, nil)
        }
        let terms = index.terms(of: fileName + "\n" + (body ?? ""))
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO documentText (versionId, status, detail, characterCount, extractedAt)
                SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM documentVersion WHERE id = ?)
                ON CONFLICT (versionId) DO NOTHING
                """, arguments: [versionId, status, detail, body?.count ?? 0, date, versionId])
            guard db.changesCount > 0 else { return }
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO documentTerm (term, versionId) VALUES (?, ?)")
            for term in terms { try insert.execute(arguments: [term, versionId]) }
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
