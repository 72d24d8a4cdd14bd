internal import Foundation
internal import GRDB
internal import FTModel
internal import FTSync

/// A record written outside sync (the seed, an import) as the operations a snapshot gives a
/// device for it: its row's values, stamped with the row's dates (`SnapshotStamp`). When sync
/// first changes such a record, its merge state starts from these same operations
/// (`state(of:record:db:)`), so the server and every device merge the change against the same
/// stamped values. Messages keep their state on their row instead (`MessageMergeState`).
enum RecordBase {
    /// The start of a query for `step(_:)`, on `dossierStep s`.
    static let stepColumns = "SELECT s.id, s.status, s.progress, s.priority, s.dueAt, s.updatedAt"
    /// On `document doc`.
    static let documentColumns = "SELECT doc.id, doc.dossierId, doc.category, doc.title, doc.createdBy, doc.createdAt"
    /// On `documentVersion v`.
    static let versionColumns = "SELECT v.*"
    /// On `rating r JOIN client c`.
    static let ratingColumns = "SELECT r.clientId, r.expertId, r.score, r.comment, r.updatedAt, c.userId AS clientUser"

    private static func operation(_ key: String, _ collection: SyncCollection, _ action: SyncAction, _ record: String, _ fields: [String: FieldValue], _ date: Date, _ user: Int64, _ role: Role) -> SyncOperation {
        SyncOperation(id: SnapshotStamp.operation(key), collection: collection, action: action, record: record, fields: fields, hlc: SnapshotStamp.of(date), actor: SyncActor(user: user, role: role))
    }

    static func step(_ row: Row) -> SyncOperation {
        let id: Int64 = row["id"]
        var fields: [String: FieldValue] = ["status": .string(row["status"]), "progress": .int(row["progress"]), "priority": .string(row["priority"])]
        if let due: Date = row["dueAt"] { fields["dueAt"] = .int(DatabaseDate.milliseconds(due)) }
        return operation("s:\(id)", .step, .update, String(id), fields, row["updatedAt"], 0, .admin)
    }

    static func document(_ row: Row, role: Role) -> SyncOperation {
        let id: String = row["id"]
        return operation("d:\(id)", .document, .insert, id, ["dossier": .int(row["dossierId"]), "category": .string(row["category"]), "title": .string(row["title"])], row["createdAt"], row["createdBy"], role)
    }

    static func version(_ row: Row, role: (Int64) throws -> Role) throws -> [SyncOperation] {
        let id: String = row["id"]
        let uploader: Int64 = row["uploadedBy"]
        var operations = [operation("v:\(id)", .documentVersion, .insert, id, [
            "document": .string(row["documentId"]), "fileName": .string(row["fileName"]), "mediaType": .string(row["mediaType"]),
            "byteCount": .int(row["byteCount"]), "sha256": .string(row["sha256"]),
        ], row["uploadedAt"], uploader, try role(uploader))]
        let validation: String = row["validation"]
        if validation != ValidationState.pending.rawValue, let by: Int64 = row["validatedBy"], let at: Date = row["validatedAt"] {
            var fields: [String: FieldValue] = ["validation": .string(validation)]
            if let reason: String = row["validationReason"] { fields["reason"] = .string(reason) }
            operations.append(operation("vv:\(id)", .documentVersion, .update, id, fields, at, by, try role(by)))
        }
        return operations
    }

    /// A read receipt's row (`conversationId`, `userId`, `readUpTo`); it holds no stamp of its
    /// own, so it is always given this way.
    static func readReceipt(_ row: Row, role: Role) -> SyncOperation {
        let readUpTo: Date = row["readUpTo"]
        let user: Int64 = row["userId"]
        let record = "\(row["conversationId"] as Int64):\(user)"
        return operation("r:\(record)", .readReceipt, .update, record, ["readUpTo": .int(DatabaseDate.milliseconds(readUpTo))], readUpTo, user, role)
    }

    static func rating(_ row: Row) -> SyncOperation {
        let record = "\(row["clientId"] as Int64):\(row["expertId"] as Int64)"
        return operation("g:\(record)", .rating, .update, record, ["score": .int(row["score"]), "comment": .string(row["comment"])], row["updatedAt"], row["clientUser"], .client)
    }

    /// `user`'s preferences for the kinds and channels `pairs` names (given the user's role and
    /// the kinds they stored a choice for), as the operations that give their current values: the
    /// stamp and id of the write that won when sync wrote it; otherwise the stored value (or,
    /// with none, the role's default) stamped with the account's creation, which any change made
    /// since wins over. `nil` when there is no such user. One read of the user, one of their rows.
    static func preferences(of user: Int64, db: Database, _ pairs: (Role, [NotificationKind]) -> [(NotificationKind, NotificationChannel)]) throws -> [SyncOperation]? {
        guard let owner = try Row.fetchOne(db.cachedStatement(sql: "SELECT role, createdAt FROM user WHERE id = ?"), arguments: [user]) else { return nil }
        let role = Role(rawValue: owner["role"]) ?? .client
        var stored: [String: Row] = [:]
        var storedKinds: [NotificationKind] = []
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT kind, channel, enabled, hlc, operationId FROM notificationPreference WHERE userId = ?"), arguments: [user]) {
            guard let kind = NotificationKind(rawValue: row["kind"]), let channel = NotificationChannel(rawValue: row["channel"]) else { continue }
            stored[RecordID.preference(user: user, kind: kind, channel: channel)] = row
            if !storedKinds.contains(kind) { storedKinds.append(kind) }
        }
        return pairs(role, storedKinds).map { kind, channel in
            let record = RecordID.preference(user: user, kind: kind, channel: channel)
            let row = stored[record]
            let enabled: Bool = row?["enabled"] ?? NotificationPolicy.defaultEnabled(kind, on: channel, for: role)
            if let row, let text: String = row["hlc"], let hlc = HLCTimestamp(text), let id: String = row["operationId"] {
                return SyncOperation(id: id, collection: .preference, action: .update, record: record, fields: ["enabled": .bool(enabled)], hlc: hlc, actor: SyncActor(user: user, role: role))
            }
            return operation("p:\(record)", .preference, .update, record, ["enabled": .bool(enabled)], owner["createdAt"], user, role)
        }
    }

    /// The merge state of a record sync has not changed yet, from its row; `nil` when it has no row.
    static func state(of collection: SyncCollection, record: String, db: Database) throws -> RecordState? {
        let operations: [SyncOperation]
        switch collection {
        case .message, .readReceipt, .dossier, .offer:
            return nil
        case .preference:
            guard let (user, kind, channel) = RecordID.preference(record),
                let found = try preferences(of: user, db: db, { _, _ in [(kind, channel)] })
            else { return nil }
            operations = found
        case .step:
            guard let id = RecordID.number(record),
                let row = try Row.fetchOne(db.cachedStatement(sql: "\(stepColumns) FROM dossierStep s WHERE s.id = ?"), arguments: [id])
            else { return nil }
            operations = [step(row)]
        case .document:
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "\(documentColumns) FROM document doc WHERE doc.id = ?"), arguments: [record]) else { return nil }
            operations = [document(row, role: .client)]
        case .documentVersion:
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "\(versionColumns) FROM documentVersion v WHERE v.id = ?"), arguments: [record]) else { return nil }
            operations = try version(row) { _ in .client }
        case .rating:
            guard let (client, expert) = RecordID.pair(record),
                let row = try Row.fetchOne(db.cachedStatement(sql: "\(ratingColumns) FROM rating r JOIN client c ON c.id = r.clientId WHERE r.clientId = ? AND r.expertId = ?"), arguments: [client, expert])
            else { return nil }
            operations = [rating(row)]
        }
        var state: RecordState?
        for operation in operations {
            guard let delta = Replica.delta(of: operation) else { continue }
            state = state.map { $0.merged(with: delta) } ?? delta
        }
        return state
    }
}
