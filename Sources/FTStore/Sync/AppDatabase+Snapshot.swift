internal import Foundation
internal import GRDB
internal import FTModel
public import FTSync

extension AppDatabase {
    /// Everything `actor` may see of the synced collections, as operations a new device applies
    /// through the same merge as the rest (ids `snapshot:…`, timestamps from the rows), so that a
    /// device starting from cursor 0 holds a complete replica. Records written before sync existed
    /// (the seed, imports) are included; later changes come from the log and win by timestamp.
    ///
    /// Admins get no snapshot: they see every dossier, which is not a replica for a phone; their
    /// dashboards are rendered on the server.
    public func snapshot(for actor: SyncActor) throws -> [SyncOperation] {
        guard actor.role != .admin else { return [] }
        return try writer.read { db in
            let scope = SyncLocator.visibleDossiersCondition(column: "d.id", actor: actor)
            // Records created through sync whose whole story is still in the log come from the log.
            let horizon = try Self.syncHorizon(db)
            func fromLogOnly(_ collection: SyncCollection, _ column: String) -> String {
                "NOT EXISTS (SELECT 1 FROM syncRecord sr WHERE sr.collection = '\(collection.rawValue)' AND sr.record = \(column) AND sr.firstSeq > \(horizon))"
            }
            // A message made through sync names its insert (`MessageMergeState`): while that insert
            // is in the log (compaction removes what is at or below the horizon), so is its story.
            let messageFromLogOnly = "NOT EXISTS (SELECT 1 FROM syncChange sc WHERE sc.operationId = m.contentOperation)"

            var operations: [SyncOperation] = []
            func stamp(_ date: Date) -> HLCTimestamp { SnapshotStamp.of(date) }
            func op(_ id: String, _ collection: SyncCollection, _ action: SyncAction, _ record: String, _ fields: [String: FieldValue], _ hlc: HLCTimestamp, _ user: Int64, _ role: Role) {
                operations.append(SyncOperation(id: SnapshotStamp.operation(id), collection: collection, action: action, record: record, fields: fields, hlc: hlc, actor: SyncActor(user: user, role: role)))
            }
            var roles: [Int64: Role] = [:]
            func cachedRole(_ userId: Int64) throws -> Role {
                if let known = roles[userId] { return known }
                let found = Role(rawValue: try String.fetchOne(db, sql: "SELECT role FROM user WHERE id = ?", arguments: [userId]) ?? "") ?? .client
                roles[userId] = found
                return found
            }

            for row in try Row.fetchAll(db, sql: """
                SELECT m.id, m.conversationId, m.authorId, m.body, m.createdAt, m.editedAt, m.deletedAt, m.hlc
                FROM message m JOIN conversation c ON c.id = m.conversationId JOIN dossier d ON d.id = c.dossierId
                WHERE \(scope.sql) AND \(messageFromLogOnly) ORDER BY m.createdAt, m.id
                """, arguments: scope.arguments)
            {
                let id: String = row["id"]
                let author: Int64 = row["authorId"]
                let authorRole = try cachedRole(author)
                let created = stamp(row["createdAt"])
                let deleted: Date? = row["deletedAt"]
                let edited: Date? = row["editedAt"]
                let body: String = row["body"]
                op("m:\(id)", .message, .insert, id, ["conversation": .int(row["conversationId"]), "body": .string(SnapshotStamp.insertedBody(body))], created, author, authorRole)
                if let edited {
                    op("me:\(id)", .message, .update, id, ["body": .string(body)], stamp(edited), author, authorRole)
                }
                if let deleted {
                    op("md:\(id)", .message, .delete, id, [:], stamp(deleted), author, authorRole)
                }
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT r.conversationId, r.userId, r.readUpTo FROM readReceipt r JOIN conversation c ON c.id = r.conversationId
                JOIN dossier d ON d.id = c.dossierId WHERE \(scope.sql)
                """, arguments: scope.arguments)
            {
                let readUpTo: Date = row["readUpTo"]
                let user: Int64 = row["userId"]
                let record = "\(row["conversationId"] as Int64):\(user)"
                op("r:\(record)", .readReceipt, .update, record, ["readUpTo": .int(Int64((readUpTo.timeIntervalSince1970 * 1_000).rounded(.down)))], stamp(readUpTo), user, try cachedRole(user))
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT s.id, s.status, s.progress, s.priority, s.dueAt, s.updatedAt FROM dossierStep s JOIN dossier d ON d.id = s.dossierId
                WHERE \(scope.sql) ORDER BY s.id
                """, arguments: scope.arguments)
            {
                let id: Int64 = row["id"]
                var fields: [String: FieldValue] = ["status": .string(row["status"]), "progress": .int(row["progress"]), "priority": .string(row["priority"])]
                if let due: Date = row["dueAt"] { fields["dueAt"] = .int(Int64((due.timeIntervalSince1970 * 1_000).rounded(.down))) }
                op("s:\(id)", .step, .update, String(id), fields, stamp(row["updatedAt"]), 0, .admin)
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT doc.id, doc.dossierId, doc.category, doc.title, doc.createdBy, doc.createdAt FROM document doc
                JOIN dossier d ON d.id = doc.dossierId WHERE \(scope.sql) AND \(fromLogOnly(.document, "doc.id")) ORDER BY doc.createdAt, doc.id
                """, arguments: scope.arguments)
            {
                let id: String = row["id"]
                let author: Int64 = row["createdBy"]
                op("d:\(id)", .document, .insert, id, ["dossier": .int(row["dossierId"]), "category": .string(row["category"]), "title": .string(row["title"])], stamp(row["createdAt"]), author, try cachedRole(author))
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT v.* FROM documentVersion v JOIN document doc ON doc.id = v.documentId JOIN dossier d ON d.id = doc.dossierId
                WHERE \(scope.sql) AND \(fromLogOnly(.documentVersion, "v.id")) ORDER BY v.uploadedAt, v.id
                """, arguments: scope.arguments)
            {
                let id: String = row["id"]
                let uploader: Int64 = row["uploadedBy"]
                op("v:\(id)", .documentVersion, .insert, id, [
                    "document": .string(row["documentId"]), "fileName": .string(row["fileName"]), "mediaType": .string(row["mediaType"]),
                    "byteCount": .int(row["byteCount"]), "sha256": .string(row["sha256"]),
                ], stamp(row["uploadedAt"]), uploader, try cachedRole(uploader))
                let validation: String = row["validation"]
                if validation != ValidationState.pending.rawValue, let by: Int64 = row["validatedBy"], let at: Date = row["validatedAt"] {
                    var fields: [String: FieldValue] = ["validation": .string(validation)]
                    if let reason: String = row["validationReason"] { fields["reason"] = .string(reason) }
                    op("vv:\(id)", .documentVersion, .update, id, fields, stamp(at), by, try cachedRole(by))
                }
            }
            let ratingCondition: (String, StatementArguments) = actor.role == .client
                ? ("c.userId = ?", [actor.user]) : ("e.userId = ?", [actor.user])
            for row in try Row.fetchAll(db, sql: """
                SELECT r.clientId, r.expertId, r.score, r.comment, r.updatedAt, c.userId AS clientUser FROM rating r
                JOIN client c ON c.id = r.clientId JOIN expert e ON e.id = r.expertId WHERE \(ratingCondition.0)
                """, arguments: ratingCondition.1)
            {
                let record = "\(row["clientId"] as Int64):\(row["expertId"] as Int64)"
                op("g:\(record)", .rating, .update, record, ["score": .int(row["score"]), "comment": .string(row["comment"])], stamp(row["updatedAt"]), row["clientUser"], .client)
            }
            return operations
        }
    }
}
