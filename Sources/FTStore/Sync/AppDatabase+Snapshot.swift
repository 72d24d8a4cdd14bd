internal import Foundation
internal import GRDB
internal import FTModel
public import FTSync

extension AppDatabase {
    /// Everything `actor` may see of the synced collections, as operations a new device applies
    /// through the same merge as the rest, so that a device starting from cursor 0 holds a
    /// complete replica. A record sync has changed comes from its merge state, with the stamps and
    /// operation ids the server merged (`RecordState.operations`); one it never changed (the seed,
    /// imports) from its row (`RecordBase`, ids `snapshot:…`, timestamps from the row's dates).
    ///
    /// Every user gets their notification preferences: one record per kind their role can receive
    /// and channel (`NotificationPolicy.kinds(for:)`), defaults included, so that the preferences
    /// page shows what the server applies. Admins get nothing more: they see every dossier, which
    /// is not a replica for a phone; their dashboards are rendered on the server.
    public func snapshot(for actor: SyncActor) throws -> [SyncOperation] {
        try writer.read { db in try Self.snapshot(for: actor, db: db) }
    }

    static func snapshot(for actor: SyncActor, db: Database) throws -> [SyncOperation] {
        let preferences = try preferencesSnapshot(for: actor, db: db)
        guard actor.role != .admin else { return preferences }
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
        let decoder = JSONDecoder()
        var roles: [Int64: Role] = [:]
        func cachedRole(_ userId: Int64) throws -> Role {
            if let known = roles[userId] { return known }
            let found = Role(rawValue: try String.fetchOne(db, sql: "SELECT role FROM user WHERE id = ?", arguments: [userId]) ?? "") ?? .client
            roles[userId] = found
            return found
        }

        for row in try Row.fetchAll(db, sql: """
            SELECT m.id, \(MessageMergeState.columns)
            FROM message m JOIN conversation c ON c.id = m.conversationId JOIN dossier d ON d.id = c.dossierId
            WHERE \(scope.sql) AND \(messageFromLogOnly) ORDER BY m.createdAt, m.id
            """, arguments: scope.arguments)
        {
            // With the stamps the server merged (a message written before sync: its row's dates).
            let id: String = row[0]
            let state = MessageMergeState.state(.init(row, startingAt: 1), id: id)
            operations += try RecordState.message(state).operations(collection: .message, record: id, role: cachedRole)
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT r.conversationId, r.userId, r.readUpTo FROM readReceipt r JOIN conversation c ON c.id = r.conversationId
            JOIN dossier d ON d.id = c.dossierId WHERE \(scope.sql)
            """, arguments: scope.arguments)
        {
            operations.append(RecordBase.readReceipt(row, role: try cachedRole(row["userId"])))
        }
        // A record that has a merge state comes from it, with the stamps and operation ids the
        // server merged; one that sync never touched comes from its row (`RecordBase`).
        func fromState(_ collection: SyncCollection, _ record: String, _ state: String?) throws -> Bool {
            guard let state, let decoded = try? decoder.decode(RecordState.self, from: Data(state.utf8)) else { return false }
            operations += try decoded.operations(collection: collection, record: record, role: cachedRole)
            return true
        }
        for row in try Row.fetchAll(db, sql: """
            \(RecordBase.stepColumns), sr.state FROM dossierStep s JOIN dossier d ON d.id = s.dossierId
            LEFT JOIN syncRecord sr ON sr.collection = 'step' AND sr.record = CAST(s.id AS TEXT)
            WHERE \(scope.sql) ORDER BY s.id
            """, arguments: scope.arguments)
        {
            let id: Int64 = row["id"]
            if try !fromState(.step, String(id), row["state"]) { operations.append(RecordBase.step(row)) }
        }
        for row in try Row.fetchAll(db, sql: """
            \(RecordBase.documentColumns), sr.state FROM document doc JOIN dossier d ON d.id = doc.dossierId
            LEFT JOIN syncRecord sr ON sr.collection = 'document' AND sr.record = doc.id
            WHERE \(scope.sql) AND \(fromLogOnly(.document, "doc.id")) ORDER BY doc.createdAt, doc.id
            """, arguments: scope.arguments)
        {
            if try !fromState(.document, row["id"], row["state"]) { operations.append(RecordBase.document(row, role: try cachedRole(row["createdBy"]))) }
        }
        for row in try Row.fetchAll(db, sql: """
            \(RecordBase.versionColumns), sr.state FROM documentVersion v JOIN document doc ON doc.id = v.documentId JOIN dossier d ON d.id = doc.dossierId
            LEFT JOIN syncRecord sr ON sr.collection = 'documentVersion' AND sr.record = v.id
            WHERE \(scope.sql) AND \(fromLogOnly(.documentVersion, "v.id")) ORDER BY v.uploadedAt, v.id
            """, arguments: scope.arguments)
        {
            if try !fromState(.documentVersion, row["id"], row["state"]) { operations += try RecordBase.version(row, role: cachedRole) }
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT r.record, r.state FROM syncRecord r JOIN dossier d ON d.id = r.dossierId
            WHERE r.collection = 'dossier' AND \(scope.sql) AND \(fromLogOnly(.dossier, "r.record")) ORDER BY d.id
            """, arguments: scope.arguments)
        {
            _ = try fromState(.dossier, row[0], row[1])
        }
        // Answered offers: the answer sync made (an offer nobody answered has no record).
        for row in try Row.fetchAll(db, sql: """
            SELECT r.record, r.state FROM syncRecord r JOIN dossier d ON d.id = r.dossierId
            WHERE r.collection = 'offer' AND \(scope.sql) ORDER BY r.record
            """, arguments: scope.arguments)
        {
            _ = try fromState(.offer, row[0], row[1])
        }
        let ratingCondition: (String, StatementArguments) = actor.role == .client
            ? ("c.userId = ?", [actor.user]) : ("e.userId = ?", [actor.user])
        for row in try Row.fetchAll(db, sql: """
            \(RecordBase.ratingColumns), sr.state FROM rating r JOIN client c ON c.id = r.clientId JOIN expert e ON e.id = r.expertId
            LEFT JOIN syncRecord sr ON sr.collection = 'rating' AND sr.record = r.clientId || ':' || r.expertId
            WHERE \(ratingCondition.0)
            """, arguments: ratingCondition.1)
        {
            let record = "\(row["clientId"] as Int64):\(row["expertId"] as Int64)"
            if try !fromState(.rating, record, row["state"]) { operations.append(RecordBase.rating(row)) }
        }
        return operations + preferences
    }

    /// `actor`'s preferences (see `snapshot(for:)`): each kind of the role, and any other they
    /// stored a choice for, × every channel.
    static func preferencesSnapshot(for actor: SyncActor, db: Database) throws -> [SyncOperation] {
        try RecordBase.preferences(of: actor.user, db: db) { role, storedKinds in
            let roleKinds = NotificationPolicy.kinds(for: role)
            let kinds = roleKinds + storedKinds.filter { !roleKinds.contains($0) }
            return kinds.flatMap { kind in NotificationChannel.allCases.map { (kind, $0) } }
        } ?? []
    }
}
