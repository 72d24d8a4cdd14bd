internal import Foundation
internal import GRDB
internal import FTModel
public import FTSync

/// One accepted change, as a device receives it.
public struct PulledChange: Sendable, Equatable, Codable {
    public var seq: Int64
    public var operation: SyncOperation
}

/// A page of changes after a cursor.
public struct PullPage: Sendable, Equatable, Codable {
    public var changes: [PulledChange]
    /// Pass it as the next cursor.
    public var cursor: Int64
    /// Whether more changes wait after this page.
    public var hasMore: Bool
}

extension AppDatabase {
    /// The accepted changes after `cursor` that `actor` may see, oldest first, at most `limit`.
    public func pull(for actor: SyncActor, after cursor: Int64, limit: Int = 500) throws -> PullPage {
        let limit = max(1, min(limit, 5_000))
        return try writer.read { db in
            let scope = SyncLocator.visibleDossiersCondition(column: "dossierId", actor: actor)
            let rows = try Row.fetchAll(db, sql: """
                SELECT seq, operationId, collection, record, action, fields, hlc, actorId, actorRole FROM syncChange
                WHERE seq > ? AND \(scope.sql) ORDER BY seq LIMIT ?
                """, arguments: [cursor] + scope.arguments + [limit + 1])
            let decoder = JSONDecoder()
            var changes: [PulledChange] = []
            for row in rows.prefix(limit) {
                guard let collection = SyncCollection(rawValue: row["collection"]), let action = SyncAction(rawValue: row["action"]),
                    let hlc = HLCTimestamp(row["hlc"] as String), let role = Role(rawValue: row["actorRole"])
                else { continue }
                let fields = (try? decoder.decode([String: FieldValue].self, from: Data((row["fields"] as String).utf8))) ?? [:]
                let operation = SyncOperation(
                    id: row["operationId"], collection: collection, action: action, record: row["record"], fields: fields, hlc: hlc,
                    actor: SyncActor(user: row["actorId"] ?? 0, role: role)
                )
                changes.append(PulledChange(seq: row["seq"], operation: operation))
            }
            let next = changes.last?.seq ?? max(cursor, 0)
            return PullPage(changes: changes, cursor: next, hasMore: rows.count > limit)
        }
    }
}

extension AppDatabase {
    /// The sequence number of the newest change, 0 when there is none.
    public func latestSequence() throws -> Int64 {
        try writer.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM syncChange") ?? 0 }
    }
}
