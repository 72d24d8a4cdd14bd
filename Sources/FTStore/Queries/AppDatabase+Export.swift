public import Foundation
internal import GRDB
public import FTModel
public import FTSync

/// Everything a dossier's export holds, read in one transaction.
public struct DossierExport: Sendable {
    public struct Line: Sendable {
        public var date: Date
        public var author: String
        public var body: String
        public var edited: Bool
        public var deleted: Bool
    }

    public var dossier: Dossier
    public var productName: String
    public var documents: [(document: Document, versions: [DocumentVersion])]
    public var uploaders: [Int64: String]
    public var conversation: [Line]
}

extension AppDatabase {
    /// The dossier's documents (versions oldest first by HLC) and its conversation, if `actor`
    /// may see the dossier; nil otherwise.
    public func dossierExport(_ dossierId: Int64, for actor: SyncActor) throws -> DossierExport? {
        try writer.read { db in
            guard let dossier = try Dossier.fetchOne(db, key: dossierId), try SyncLocator.visible(dossier: dossierId, actor: actor, db: db) else { return nil }
            let productName = try String.fetchOne(db, sql: "SELECT name FROM eligibleProduct WHERE id = ?", arguments: [dossier.productId]) ?? ""
            let documents = try Document.fetchAll(db, sql: "SELECT * FROM document WHERE dossierId = ? ORDER BY createdAt, id", arguments: [dossierId])
            var grouped: [(Document, [DocumentVersion])] = []
            for document in documents {
                grouped.append((document, try DocumentVersion.fetchAll(db, sql: "SELECT * FROM documentVersion WHERE documentId = ? ORDER BY hlc, id", arguments: [document.id])))
            }
            var names: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, displayName FROM user") { names[row[0]] = row[1] }
            let lines = try Row.fetchAll(db, sql: """
                SELECT m.createdAt, m.authorId, m.body, m.editedAt, m.deletedAt FROM message m JOIN conversation c ON c.id = m.conversationId
                WHERE c.dossierId = ? ORDER BY m.createdAt, m.id
                """, arguments: [dossierId]).map { row in
                DossierExport.Line(date: row[0], author: names[row[1]] ?? "?", body: row[2], edited: (row[3] as Date?) != nil, deleted: (row[4] as Date?) != nil)
            }
            return DossierExport(dossier: dossier, productName: productName, documents: grouped, uploaders: names, conversation: lines)
        }
    }
}
