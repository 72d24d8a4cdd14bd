internal import GRDB
public import FTModel
public import FTSync

extension AppDatabase {
    /// The dossier of `documentId` if `actor` may see it; nil when the document does not exist or
    /// is not theirs (the two are answered alike).
    public func dossierOfDocument(_ documentId: String, for actor: SyncActor) throws -> Int64? {
        try writer.read { db in
            guard let dossier = try Int64.fetchOne(db, sql: "SELECT dossierId FROM document WHERE id = ?", arguments: [documentId]) else { return nil }
            return try SyncLocator.visible(dossier: dossier, actor: actor, db: db) ? dossier : nil
        }
    }

    /// Whether a version with this id exists, whoever may see it: version ids are the idempotency
    /// keys of their uploader's retries, and another user may not reuse one.
    public func versionExists(_ versionId: String) throws -> Bool {
        try writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM documentVersion WHERE id = ?", arguments: [versionId]) ?? false
        }
    }

    /// A version `actor` may see (through its document's dossier); nil otherwise.
    public func version(_ versionId: String, for actor: SyncActor) throws -> DocumentVersion? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT v.*, d.dossierId AS visibleDossier FROM documentVersion v JOIN document d ON d.id = v.documentId WHERE v.id = ?
                """, arguments: [versionId]),
                try SyncLocator.visible(dossier: row["visibleDossier"], actor: actor, db: db)
            else { return nil }
            return try DocumentVersion(row: row)
        }
    }
}

/// A stored version as `ft verify` sees it.
public struct StoredVersion: Sendable {
    public var id: String
    public var sha256: String
    /// Uploaded through this server (the demo data's versions name content that was never stored).
    public var uploaded: Bool
}

extension AppDatabase {
    /// Every version kept as a blob.
    public func storedVersions() throws -> [StoredVersion] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT v.id, v.sha256, EXISTS (SELECT 1 FROM syncRecord r WHERE r.collection = 'documentVersion' AND r.record = v.id) AS uploaded
                FROM documentVersion v WHERE v.storage = 'blob' AND v.erasedAt IS NULL ORDER BY v.uploadedAt, v.id
                """).map { StoredVersion(id: $0[0], sha256: $0[1], uploaded: $0[2]) }
        }
    }
}
