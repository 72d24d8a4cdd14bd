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
