public import Foundation
internal import GRDB
internal import FTModel
public import FTSync

/// The server's answer to one pushed operation.
public struct PushResult: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case accepted
        case rejected
    }

    public var operation: String
    public var status: Status
    /// The server sequence number of an accepted operation.
    public var seq: Int64?
    public var rejection: Rejection?

    public init(operation: String, status: Status, seq: Int64? = nil, rejection: Rejection? = nil) {
        self.operation = operation
        self.status = status
        self.seq = seq
        self.rejection = rejection
    }
}

/// One device's push: its operations and who made them.
///
/// Made on the caller's thread, it also works out what each operation's write needs that the
/// database does not decide (`PreparedOperation`), so that the single writer does less.
public struct PushBatch: Sendable {
    /// The operations, each with `actor` as its author whatever the device claimed.
    public let operations: [SyncOperation]
    public let actor: SyncActor
    let prepared: [PreparedOperation]

    public init(operations: [SyncOperation], actor: SyncActor) {
        self.operations = operations.map { operation in
            var operation = operation
            operation.actor = actor
            return operation
        }
        self.actor = actor
        prepared = self.operations.map(PreparedOperation.init)
    }

    private init(operations: [SyncOperation], actor: SyncActor, prepared: [PreparedOperation]) {
        self.operations = operations
        self.actor = actor
        self.prepared = prepared
    }

    /// Part of a batch, and where its operations were in the whole.
    public struct Slice: Sendable {
        public let batch: PushBatch
        public let indices: [Int]

        /// The whole batch as one slice (the server orders it by timestamp itself).
        public init(whole batch: PushBatch) {
            self.batch = batch
            indices = Array(batch.operations.indices)
        }

        init(batch: PushBatch, indices: [Int]) {
            self.batch = batch
            self.indices = indices
        }
    }

    /// The batch in parts of at most `size` operations, in the order they are applied (their
    /// timestamps'): written one after the other, each part finds what the earlier ones wrote, as
    /// the whole batch would have (an edit sent before the insert it edits).
    public func slices(of size: Int) -> [Slice] {
        precondition(size > 0, "a slice holds at least one operation")
        let order = operations.indices.sorted { a, b in
            operations[a].hlc != operations[b].hlc ? operations[a].hlc < operations[b].hlc : a < b
        }
        return stride(from: 0, to: order.count, by: size).map { start in
            let indices = Array(order[start..<min(start + size, order.count)])
            return Slice(batch: PushBatch(operations: indices.map { operations[$0] }, actor: actor, prepared: indices.map { prepared[$0] }), indices: indices)
        }
    }
}

extension AppDatabase {
    /// Applies a batch of operations made by `actor` in one transaction, through the merge rules,
    /// and answers each one: accepted with its sequence number, or rejected with a reason. A refused
    /// operation does not stop the others. An operation seen before gets the answer it got then and
    /// changes nothing. The answers exist only once the transaction has committed.
    ///
    /// The author of every operation is `actor`, whatever the device claimed.
    public func push(_ operations: [SyncOperation], actor: SyncActor, now: Date) throws -> [PushResult] {
        try push(group: [PushBatch(operations: operations, actor: actor)], now: now)[0]
    }

    /// Several pushes (from several devices) in one transaction: each is answered as `push` would
    /// answer it alone, and all are durable at once — one commit instead of one per push, which is
    /// what keeps many small concurrent pushes fast. If the transaction fails as a whole, nothing
    /// of it is stored; the caller may then push each batch on its own.
    ///
    /// Operations are first applied without a savepoint each: a savepoint makes SQLite copy every
    /// page an operation touches into its statement journal again, which was most of what a push
    /// wrote. The merge rules and the validator refuse what the schema would, so a constraint
    /// failure is rare; when one happens, the transaction is rolled back and the group applied
    /// again with one savepoint per operation, so that the failing operation alone is refused.
    public func push(group: [PushBatch], now: Date) throws -> [[PushResult]] {
        do {
            return try writer.write { db in try Self.apply(group, now: now, guarded: false, db: db) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            return try writer.write { db in try Self.apply(group, now: now, guarded: true, db: db) }
        }
    }

    /// Throws `StoreError.operationIdTaken` if another user's operation holds one of the batch's
    /// ids: a batch written in slices is checked whole first, so that it is refused whole.
    public func requireOwnOperationIds(_ batch: PushBatch) throws {
        _ = try writer.read { db in try Self.earlierAnswers(to: batch.operations, user: batch.actor.user, db: db) }
    }

    /// A change the server makes on a user's behalf (an unsubscribe link), inside a write the
    /// caller has open: the same checks, merge and log as the user's own push, so that every
    /// device of the user learns of it.
    static func pushOnBehalf(_ operation: SyncOperation, now: Date, db: Database) throws -> PushResult {
        try apply([PushBatch(operations: [operation], actor: operation.actor)], now: now, guarded: false, db: db)[0][0]
    }

    /// A change the server makes by itself (a step found past its due date): merged, projected and
    /// logged as a device's change is, so that every device learns of it by pull, but not
    /// validated (no device sent it; its fields are ones devices may not send) and logged with no
    /// author. Returns its sequence number, or nil when the record is gone.
    static func applyFromServer(_ operation: SyncOperation, now: Date, statements: PushStatements, db: Database) throws -> Int64? {
        let located = try SyncLocator.locate(operation, db: db, cache: SyncLocator.Cache(), statements: statements)
        guard located.dossierId != nil else { return nil }
        return try commit(operation, prepared: PreparedOperation(operation), located: located, now: now, receivedAt: DatabaseDate.string(from: now), statements: statements, db: db).seq
    }

    /// The group's messages are indexed for search once, at the end (`DeferredMessageSearch`); each
    /// push's messages are notified once per conversation and author (`MessageNotices`).
    private static func apply(_ group: [PushBatch], now: Date, guarded: Bool, db: Database) throws -> [[PushResult]] {
        try DeferredMessageSearch.begin(db)
        let context = Context(cache: SyncLocator.Cache(), statements: PushStatements(db), notices: MessageNotices(), guarded: guarded, receivedAt: DatabaseDate.string(from: now))
        let results = try group.map { batch in
            let results = try apply(batch, now: now, context: context, db: db)
            try context.notices.write(now: now, db: db)
            return results
        }
        try DeferredMessageSearch.finish(db)
        return results
    }

    /// What the operations of one push transaction share.
    private struct Context {
        var cache: SyncLocator.Cache
        var statements: PushStatements
        var notices: MessageNotices
        /// Each operation in its own savepoint (see `push(group:now:)`).
        var guarded: Bool
        /// The transaction's time as the database stores dates.
        var receivedAt: String
    }

    /// The batch is applied in the order of its timestamps, not the order it came in: an edit sent
    /// before the insert it edits (a device may queue them in any order) finds the record. Answers
    /// keep the batch's order.
    private static func apply(_ batch: PushBatch, now: Date, context: Context, db: Database) throws -> [PushResult] {
        let nowMilliseconds = Int64((now.timeIntervalSince1970 * 1_000).rounded(.down))
        let operations = batch.operations
        var results = [PushResult?](repeating: nil, count: operations.count)
        // Operations seen before (a retry) get the answer they got then; repeats within the batch too.
        var seen = try earlierAnswers(to: operations, user: batch.actor.user, db: db)
        let order = operations.indices.sorted { a, b in
            operations[a].hlc != operations[b].hlc ? operations[a].hlc < operations[b].hlc : a < b
        }
        for index in order {
            let operation = operations[index]
            if let earlier = seen[operation.id] {
                results[index] = earlier
                continue
            }
            let result = try Self.apply(operation, prepared: batch.prepared[index], nowMilliseconds: nowMilliseconds, now: now, context: context, db: db)
            seen[operation.id] = result
            results[index] = result
        }
        // Every index is in `order`, so every answer is there.
        return zip(operations, results).map { operation, result in
            result ?? PushResult(operation: operation.id, status: .rejected, rejection: Rejection(.invalidField, "refused"))
        }
    }

    /// The answers already given to any of `operations`: accepted (in the log, or compacted out of
    /// it) or refused. An id that another user's operation holds is a clash, not a retry: the push
    /// is refused whole (`StoreError.operationIdTaken`). Two queries for the whole batch rather
    /// than two per operation; for a few operations, one lookup each (the list's `json_each` costs
    /// more than they do).
    private static func earlierAnswers(to operations: [SyncOperation], user: Int64, db: Database) throws -> [String: PushResult] {
        // Nothing is kept under an id that cannot be one: no look-up for it.
        let operations = operations.filter { OperationValidator.isIdentifier($0.id) }
        if operations.count < 8 {
            var answers: [String: PushResult] = [:]
            for operation in operations {
                if let answer = try earlierAnswer(to: operation.id, user: user, db: db) { answers[operation.id] = answer }
            }
            return answers
        }
        var ids: [UInt8] = [UInt8(ascii: "[")]
        ids.reserveCapacity(operations.count * 40)
        for (index, operation) in operations.enumerated() {
            if index > 0 { ids.append(UInt8(ascii: ",")) }
            StateJSON.writeString(operation.id) { ids.append(contentsOf: $0) }
        }
        ids.append(UInt8(ascii: "]"))
        let list = String(decoding: ids, as: UTF8.self)
        var answers: [String: PushResult] = [:]
        let accepted = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT operationId, seq, actorId FROM syncChange WHERE operationId IN (SELECT value FROM json_each(?1))
            UNION ALL SELECT operationId, seq, actorId FROM syncCompacted WHERE operationId IN (SELECT value FROM json_each(?1))
            """), arguments: [list])
        while let row = try accepted.next() {
            let id: String = row[0]
            try requireOwn(id, owner: row[2], user: user)
            answers[id] = PushResult(operation: id, status: .accepted, seq: row[1])
        }
        let refused = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT operationId, code, field, message, userId FROM syncRejection WHERE operationId IN (SELECT value FROM json_each(?1))
            """), arguments: [list])
        while let row = try refused.next() {
            let id: String = row[0]
            guard answers[id] == nil else { continue }
            try requireOwn(id, owner: row[4], user: user)
            let code = Rejection.Code(rawValue: row[1]) ?? .invalidField
            answers[id] = PushResult(operation: id, status: .rejected, rejection: Rejection(code, field: row[2], row[3]))
        }
        return answers
    }

    /// One statement: accepted (in the log or compacted out of it) comes before refused.
    private static func earlierAnswer(to id: String, user: Int64, db: Database) throws -> PushResult? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT seq, NULL, NULL, NULL, actorId FROM syncChange WHERE operationId = ?1
            UNION ALL SELECT seq, NULL, NULL, NULL, actorId FROM syncCompacted WHERE operationId = ?1
            UNION ALL SELECT NULL, code, field, message, userId FROM syncRejection WHERE operationId = ?1
            LIMIT 1
            """), arguments: [id])
        else { return nil }
        try requireOwn(id, owner: row[4], user: user)
        if let seq: Int64 = row[0] {
            return PushResult(operation: id, status: .accepted, seq: seq)
        }
        let code = Rejection.Code(rawValue: row[1]) ?? .invalidField
        return PushResult(operation: id, status: .rejected, rejection: Rejection(code, field: row[2], row[3]))
    }

    /// An earlier answer is `user`'s only if `user` sent that operation. No owner: an operation
    /// compacted before owners were kept, or whose author was deleted; answered as before.
    private static func requireOwn(_ id: String, owner: Int64?, user: Int64) throws {
        if let owner, owner != user { throw StoreError.operationIdTaken(id) }
    }

    /// A refusal is stored, so that a retry gets the same answer, when it will not change: a
    /// malformed operation, a forbidden one. One on a record the server cannot find is not: the
    /// record may arrive (its insert later in the same device's queue), and the retry then succeeds.
    private static func apply(_ operation: SyncOperation, prepared: PreparedOperation, nowMilliseconds: Int64, now: Date, context: Context, db: Database) throws -> PushResult {
        if let malformed = OperationValidator.checkForm(operation, nowMilliseconds: nowMilliseconds) {
            return try refuse(operation, malformed, store: true, context: context, db: db)
        }
        let located = try SyncLocator.locate(operation, db: db, cache: context.cache, statements: context.statements)
        guard located.dossierId != nil || located.ownerId != nil else {
            // Unknown and invisible are answered alike: nothing leaks about other dossiers.
            let refusal = operation.collection == .preference ? Rejection(.forbidden, "a user changes only their own preferences")
                : operation.actor.role == .admin && operation.action != .insert
                ? Rejection(.unknownRecord, "no such record") : Rejection(.forbidden, "not allowed on this dossier")
            return try refuse(operation, refusal, store: false, context: context, db: db)
        }
        if let refusal = OperationValidator.checkPermission(operation, facts: located.facts) {
            return try refuse(operation, refusal, store: refusal.code != .unknownRecord, context: context, db: db)
        }
        defer { context.cache.forgetVisibility(after: operation.collection) }
        if !context.guarded {
            let committed = try commit(operation, prepared: prepared, located: located, now: now, receivedAt: context.receivedAt, statements: context.statements, db: db)
            committed.notice.map(context.notices.record)
            return PushResult(operation: operation.id, status: .accepted, seq: committed.seq)
        }
        // In a savepoint: a change the schema still refuses is answered, not thrown.
        var committed: Committed?
        do {
            try db.inSavepoint {
                committed = try commit(operation, prepared: prepared, located: located, now: now, receivedAt: context.receivedAt, statements: context.statements, db: db)
                return .commit
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            return try refuse(operation, Rejection(.invalidField, "the change breaks a rule of the record (\(error.message ?? "constraint"))"), store: true, context: context, db: db)
        }
        guard let committed else {
            return try refuse(operation, Rejection(.invalidField, "refused"), store: true, context: context, db: db)
        }
        committed.notice.map(context.notices.record)
        return PushResult(operation: operation.id, status: .accepted, seq: committed.seq)
    }

    private static func refuse(_ operation: SyncOperation, _ refusal: Rejection, store: Bool, context: Context, db: Database) throws -> PushResult {
        // An id that cannot be one (a megabyte of it, say) is refused again by its form alone:
        // kept as a key, it would be read whole at every look-up that passes it in the index,
        // and every push of every user would wait on those reads.
        if store, OperationValidator.isIdentifier(operation.id) {
            try db.execute(
                sql: "INSERT INTO syncRejection (operationId, userId, code, field, message, receivedAt) VALUES (?, ?, ?, ?, ?, ?)",
                // Bounded whatever a sentence quotes: a kept row is read whole at each look-up passing it.
                arguments: [operation.id, operation.actor.user, refusal.code.rawValue, refusal.field.map { String($0.prefix(200)) }, String(refusal.message.prefix(1_000)), context.receivedAt]
            )
        }
        return PushResult(operation: operation.id, status: .rejected, rejection: refusal)
    }

    private struct Committed {
        /// The operation's sequence number.
        var seq: Int64
        var notice: MessageNotices.Notice?
    }

    /// Merges, projects into the domain tables, logs. `message`: the merge state of the message
    /// the operation changes, as the locator read it from the message's row (messages keep their
    /// state there, every other collection in `syncRecord`).
    private static func commit(_ operation: SyncOperation, prepared: PreparedOperation, located: SyncLocator.Located, now: Date, receivedAt: String, statements: PushStatements, db: Database) throws -> Committed {
        guard let delta = prepared.delta else {
            throw StoreError.constraintViolated(table: "syncRecord", constraint: "merge", detail: "operation \(operation.id) carries no state")
        }
        var located = located
        if case .dossier(let request) = delta, let content = request.content, located.dossierId == nil {
            // A new dossier is opened first: its request is then logged and kept under it, so
            // that whoever may see the dossier (its client, the expert it is offered to) pulls it.
            located.dossierId = try DossierOpening.open(content.value, record: operation.record, now: now, statements: statements, db: db)
            located.ownerId = nil
        }
        // Messages and preferences keep their merge state on their own row.
        let keepsStateOnRow = operation.collection == .message || operation.collection == .preference
        // A record written before sync (the seed) starts from what the snapshot gave every device.
        let current = operation.collection == .message
            ? located.message.map(RecordState.message)
            : operation.collection == .preference
            ? try RecordBase.state(of: .preference, record: operation.record, db: db)
            : try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM syncRecord WHERE collection = ? AND record = ?"), arguments: [operation.collection.rawValue, operation.record])
                .flatMap { try? Coders.decoder.decode(RecordState.self, from: Data($0.utf8)) }
                ?? RecordBase.state(of: operation.collection, record: operation.record, db: db)
        let merged = current.map { $0.merged(with: delta) } ?? delta
        let log = try statements.logChange()
        log.reset()
        log.bind(1, operation.id)
        log.bind(2, operation.collection.rawValue)
        log.bind(3, operation.record)
        log.bind(4, operation.action.rawValue)
        log.bind(5, prepared.fieldsJSON)
        log.bind(6, prepared.stamp.text)
        // User 0 is the server itself (`SyncActor.server`): no user row to point to.
        log.bind(7, operation.actor.user == SyncActor.server.user ? nil : operation.actor.user)
        log.bind(8, operation.actor.role.rawValue)
        log.bind(9, located.dossierId)
        log.bind(10, receivedAt)
        log.bind(11, located.ownerId)
        try log.execute()
        let seq = db.lastInsertedRowID
        guard !keepsStateOnRow, let dossierId = located.dossierId else {
            let notice = try SyncProjection.project(merged, operation: operation, stamp: prepared.stamp, dossierId: located.dossierId ?? 0, now: now, statements: statements, db: db)
            return Committed(seq: seq, notice: notice)
        }
        // `firstSeq`: the record was created by this insert, so the log holds its whole story
        // (a snapshot can leave it out while the log is not compacted past it).
        let encoded = try (current == nil ? prepared.deltaJSON : StateJSON.text(merged)) ?? String(decoding: Coders.encoder.encode(merged), as: UTF8.self)
        try db.cachedStatement(sql: """
            INSERT INTO syncRecord (collection, record, dossierId, state, firstSeq) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (collection, record) DO UPDATE SET state = excluded.state
            """).execute(arguments: [operation.collection.rawValue, operation.record, dossierId, encoded, current == nil && operation.action == .insert ? seq : nil])
        let notice = try SyncProjection.project(merged, operation: operation, stamp: prepared.stamp, dossierId: dossierId, now: now, statements: statements, db: db)
        return Committed(seq: seq, notice: notice)
    }
}

/// JSON coders shared by the writes (they hold no state between calls; making one per operation
/// showed in profiles).
private enum Coders {
    static let encoder = JSONEncoder()
    static let decoder = JSONDecoder()
}
