internal import Foundation
internal import GRDB
internal import FTModel
public import FTSync

/// Finds the dossier an operation belongs to and the facts its validation needs, and decides
/// whether the actor may see that dossier: row-level security for writes, in one place.
enum SyncLocator {
    struct Located {
        /// `nil` when the record or its parent does not exist, or when the record belongs to a
        /// user rather than a dossier (`ownerId`).
        var dossierId: Int64?
        /// The user a private record (a preference) belongs to; `nil` for a dossier's record.
        var ownerId: Int64?
        var facts: RecordFacts
        /// An existing message's merge state, read with it (`MessageMergeState`).
        var message: MessageState?
    }

    /// What one push transaction has already looked up: a conversation's dossier never changes;
    /// who may see a dossier changes only through a new dossier or an offer's answer, after which
    /// the push forgets what it knew (`forgetVisibility`).
    final class Cache {
        var conversationDossier: [Int64: Int64] = [:]
        var visibility: [VisibilityKey: Bool] = [:]

        /// After an operation that changes who may see a dossier (an offer declined, say).
        func forgetVisibility(after collection: SyncCollection) {
            if collection == .offer || collection == .dossier { visibility.removeAll() }
        }

        struct VisibilityKey: Hashable {
            var dossier: Int64
            var user: Int64
            var role: Role
        }

        /// The conversation's dossier; `nil` for an unknown conversation (looked up again).
        func dossier(ofConversation conversation: Int64, db: Database) throws -> Int64? {
            if let known = conversationDossier[conversation] { return known }
            let dossier = try Int64.fetchOne(db.cachedStatement(sql: "SELECT dossierId FROM conversation WHERE id = ?"), arguments: [conversation])
            conversationDossier[conversation] = dossier
            return dossier
        }
    }

    static func locate(_ operation: SyncOperation, db: Database, cache: Cache, statements: PushStatements) throws -> Located {
        let fields = operation.fields
        var dossierId: Int64?
        var exists = false
        var owner: Int64?
        var stepAssignee: Role?
        var ratingClientUser: Int64?
        var ratingAllowed = false
        var message: MessageState?
        var ownerId: Int64?
        var scheme: RecordFacts.SchemeFacts?
        var offer: RecordFacts.OfferFacts?
        var stepWaitsFor: [Int] = []

        switch operation.collection {
        case .message:
            let find = try statements.findMessage()
            find.reset()
            find.bind(1, operation.record)
            if try find.step() {
                dossierId = find.int64(0)
                owner = find.int64(1)
                exists = true
                message = MessageMergeState.state(.init(find, startingAt: 2), id: operation.record)
                // A statement left on a row keeps its read open (and the log's snapshot with it).
                find.reset()
            } else if operation.action == .insert, let conversation = fields["conversation"]?.int {
                dossierId = try cache.dossier(ofConversation: conversation, db: db)
            }
        case .readReceipt:
            let parts = operation.record.split(separator: ":")
            if parts.count == 2, let conversation = Int64(parts[0]) {
                dossierId = try cache.dossier(ofConversation: conversation, db: db)
                exists = true
            }
        case .rating:
            let parts = operation.record.split(separator: ":")
            if parts.count == 2, let client = Int64(parts[0]), let expert = Int64(parts[1]) {
                ratingClientUser = try Int64.fetchOne(db.cachedStatement(sql: "SELECT userId FROM client WHERE id = ?"), arguments: [client])
                dossierId = try Int64.fetchOne(db.cachedStatement(sql: """
                    SELECT d.id FROM dossier d JOIN expertAssignment a ON a.dossierId = d.id
                    WHERE d.clientId = ? AND a.expertId = ? AND a.status = 'completed'
                    ORDER BY a.requestedAt DESC, a.id DESC LIMIT 1
                    """), arguments: [client, expert])
                // A review follows the work: only an assignment the expert completed opens it.
                ratingAllowed = dossierId != nil
                exists = try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM rating WHERE clientId = ? AND expertId = ?"), arguments: [client, expert]) ?? false
                if dossierId == nil {
                    // Any dossier of the client, so that the refusal says why.
                    dossierId = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM dossier WHERE clientId = ? ORDER BY id LIMIT 1"), arguments: [client])
                }
            }
        case .document:
            if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT dossierId, createdBy FROM document WHERE id = ?"), arguments: [operation.record]) {
                dossierId = row[0]
                owner = row[1]
                exists = true
            } else if operation.action == .insert, let dossier = fields["dossier"]?.int {
                dossierId = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM dossier WHERE id = ?"), arguments: [dossier])
            }
        case .documentVersion:
            if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT d.dossierId, v.uploadedBy FROM documentVersion v JOIN document d ON d.id = v.documentId WHERE v.id = ?"), arguments: [operation.record]) {
                dossierId = row[0]
                owner = row[1]
                exists = true
            } else if operation.action == .insert, let document = fields["document"]?.string {
                dossierId = try Int64.fetchOne(db.cachedStatement(sql: "SELECT dossierId FROM document WHERE id = ?"), arguments: [document])
            }
        case .preference:
            // Every preference exists (unset, it holds the role's default) once its user does.
            if let (user, _, _) = RecordID.preference(operation.record),
                try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM user WHERE id = ?"), arguments: [user]) ?? false {
                ownerId = user
                exists = true
            }
        case .dossier:
            if let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM dossier WHERE requestId = ?"), arguments: [operation.record]) {
                dossierId = id
                exists = true
            } else if operation.action == .insert, operation.actor.role == .client, let product = fields["product"]?.int {
                // No dossier yet: the request is the client's own until `DossierOpening` opens it.
                ownerId = operation.actor.user
                scheme = try DossierOpening.schemeFacts(product: product, expert: fields["expert"]?.int, db: db)
            }
        case .offer:
            if let id = RecordID.number(operation.record), let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT a.dossierId, e.userId, a.status FROM expertAssignment a JOIN expert e ON e.id = a.expertId WHERE a.id = ?
                """), arguments: [id]) {
                dossierId = row[0]
                exists = true
                offer = RecordFacts.OfferFacts(expertUser: row[1], pending: row[2] == "pending")
            }
        case .step:
            if let id = Int64(operation.record), let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT dossierId, assigneeRole, dependsOn FROM dossierStep WHERE id = ?"), arguments: [id]) {
                dossierId = row[0]
                stepAssignee = Role(rawValue: row[1])
                exists = true
                if operation.fields["status"]?.string == StepStatus.completed.rawValue, (row[2] as String) != "[]" {
                    // What it waits for, as the dossier's steps stand in this transaction.
                    stepWaitsFor = try Int.fetchAll(db.cachedStatement(sql: """
                        SELECT position FROM dossierStep WHERE dossierId = ? AND status <> 'completed'
                          AND position IN (SELECT value FROM json_each(?)) ORDER BY position
                        """), arguments: [row[0] as Int64, row[2] as String])
                }
            }
        }

        let sees = try dossierId.map { dossier in
            let key = Cache.VisibilityKey(dossier: dossier, user: operation.actor.user, role: operation.actor.role)
            if let known = cache.visibility[key] { return known }
            let answer = try visible(dossier: dossier, actor: operation.actor, db: db)
            cache.visibility[key] = answer
            return answer
        } ?? (ownerId != nil && ownerId == operation.actor.user)
        return Located(
            dossierId: dossierId,
            ownerId: ownerId,
            facts: RecordFacts(actorSeesDossier: sees, exists: exists, owner: owner, stepAssignee: stepAssignee, ratingClientUser: ratingClientUser, ratingAllowed: ratingAllowed, scheme: scheme, offer: offer, stepWaitsFor: stepWaitsFor),
            message: message
        )
    }

    /// The SQL condition on `syncChange` for the changes `actor` may see: those of the dossiers
    /// `visibleDossiersCondition` lets it see, and its own private records (`ownerId`). An admin
    /// sees every dossier's changes but no one else's private records.
    static func visibleChangesCondition(actor: SyncActor) -> (sql: String, arguments: StatementArguments) {
        let dossiers = actor.role == .admin ? ("dossierId IS NOT NULL", StatementArguments()) : visibleDossiersCondition(column: "dossierId", actor: actor)
        return ("(\(dossiers.0) OR ownerId = ?)", dossiers.1 + [actor.user])
    }

    /// Whether `actor` may see `dossier`: the same rule as `visibleDossiersCondition`.
    static func visible(dossier: Int64, actor: SyncActor, db: Database) throws -> Bool {
        if actor.role == .admin { return true }
        let scope = visibleDossiersCondition(column: "?", actor: actor)
        return try Bool.fetchOne(db.cachedStatement(sql: "SELECT \(scope.sql)"), arguments: [dossier] + scope.arguments) ?? false
    }

    /// The SQL condition (on a column holding dossier ids) for what `actor` may see: a client its
    /// own dossiers, an expert those it is assigned to (not cancelled), an admin all.
    static func visibleDossiersCondition(column: String, actor: SyncActor) -> (sql: String, arguments: StatementArguments) {
        switch actor.role {
        case .admin:
            return ("1", [])
        case .client:
            return ("\(column) IN (SELECT d.id FROM dossier d JOIN client c ON c.id = d.clientId WHERE c.userId = ?)", [actor.user])
        case .expert:
            return ("\(column) IN (SELECT a.dossierId FROM expertAssignment a JOIN expert e ON e.id = a.expertId WHERE e.userId = ? AND a.status <> 'cancelled')", [actor.user])
        }
    }
}

extension AppDatabase {
    /// Whether `actor` may see `conversation`: the dossier rule of sync, for what the live channel
    /// relays without storing (typing, presence). Unknown and invisible answer alike: `false`.
    public func mayAccess(conversation: Int64, actor: SyncActor) throws -> Bool {
        try writer.read { db in
            guard let dossier = try Int64.fetchOne(db.cachedStatement(sql: "SELECT dossierId FROM conversation WHERE id = ?"), arguments: [conversation]) else { return false }
            return try SyncLocator.visible(dossier: dossier, actor: actor, db: db)
        }
    }
}
