@testable import FTStore
import Foundation
import GRDB
import Testing

@Suite struct MigrationTests {
    @Test func everyMigrationRunsFromEmpty() throws {
        let database = try AppDatabase.inMemory()
        #expect(try database.appliedMigrations() == Schema.migrator.migrations)
        #expect(try database.isEmpty())
        let tables = try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        for table in Schema.dataTables + ["expertSearch", "messageSearch"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
    }

    @Test func aFileDatabaseMigratesOnceAndReopens() throws {
        let folder = try Fixtures.temporaryDirectory()
        let path = folder + "/db.sqlite"
        let first = try AppDatabase.open(path: path)
        try first.close()
        let second = try AppDatabase.open(path: path)
        #expect(try second.appliedMigrations() == Schema.migrator.migrations)
        try second.close()
    }

    @Test func foreignKeysAreEnforcedAndEveryRelationHasAnIndex() throws {
        let database = try AppDatabase.inMemory()
        try database.writer.read { db in
            #expect(try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") == true)
            for table in Schema.dataTables {
                let keys = try Row.fetchAll(db, sql: "SELECT \"from\", on_delete FROM pragma_foreign_key_list(?)", arguments: [table])
                for key in keys {
                    let column: String = key["from"]
                    let onDelete: String = key["on_delete"]
                    // A delete rule chosen on purpose: SQLite's implicit default is NO ACTION, and
                    // we write it out wherever we want it (the schema text says so).
                    let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [table]) ?? ""
                    #expect(sql.contains("ON DELETE \(onDelete)"), "\(table).\(column) has no explicit delete rule")
                    // Some index must start with the foreign key column (or it is the primary key's first column).
                    let indexed = try db.indexes(on: table).contains { $0.columns.first == column }
                        || (try db.primaryKey(table).columns.first == column)
                    #expect(indexed, "\(table).\(column) has no index")
                }
            }
        }
    }
}

import FTModel
import FTSync

@Suite struct EnumSpellingTests {
    /// The values a CHECK constraint allows: the quoted words of its `IN (…)` list, or of its
    /// comparisons joined by OR.
    static func allowedValues(constraint: String) throws -> Set<String> {
        let database = try AppDatabase.inMemory()
        let sql = try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL").joined(separator: "\n")
        }
        guard let start = sql.range(of: "CONSTRAINT \(constraint)\\s", options: .regularExpression), let check = sql[start.upperBound...].range(of: "CHECK (") else { return [] }
        // The check's own parentheses, however they nest.
        var depth = 1
        var end = check.upperBound
        while depth > 0, end < sql.endIndex {
            if sql[end] == "(" { depth += 1 } else if sql[end] == ")" { depth -= 1 }
            end = sql.index(after: end)
        }
        let body = sql[check.upperBound..<end]
        let quoted = body.split(separator: "'", omittingEmptySubsequences: false)
        return Set(stride(from: 1, to: quoted.count, by: 2).map { String(quoted[$0]) })
    }

    static func spellings<E: RawRepresentable & CaseIterable>(_ type: E.Type) -> Set<String> where E.RawValue == String {
        Set(E.allCases.map(\.rawValue))
    }

    static let cases: [(String, Set<String>)] = [
        ("user_role", spellings(Role.self)),
        ("eligible_product_category", spellings(ProductCategory.self)),
        ("expert_approval", spellings(ApprovalStatus.self)),
        ("dossier_status", spellings(DossierStatus.self)),
        ("expert_assignment_status", spellings(AssignmentStatus.self)),
        ("dossier_step_type", spellings(StepType.self)),
        ("dossier_step_status", spellings(StepStatus.self)),
        ("dossier_step_priority", spellings(StepPriority.self)),
        ("dossier_step_assignee_role", spellings(Role.self)),
        ("document_category", spellings(DocumentCategory.self)),
        ("document_version_validation", spellings(ValidationState.self)),
        ("document_version_storage", spellings(VersionStorage.self)),
        ("notification_kind", spellings(NotificationKind.self)),
        ("notification_preference_kind", spellings(NotificationKind.self)),
        ("notification_preference_channel", spellings(NotificationChannel.self)),
        ("sync_change_collection", spellings(SyncCollection.self)),
        ("sync_change_action", spellings(SyncAction.self)),
        ("sync_change_actor_role", spellings(Role.self)),
    ]

    @Test(arguments: cases)
    func swiftEnumsAndCheckListsAgree(constraint: String, swiftValues: Set<String>) throws {
        #expect(try Self.allowedValues(constraint: constraint) == swiftValues)
    }
}

@Suite struct BulkLoadTests {
    private func schema(_ database: AppDatabase) throws -> [String] {
        try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
        }
    }

    @Test func aBatchThatDefersIndexesLeavesTheSchemaAsItWas() throws {
        let empty = try AppDatabase.inMemory()
        let seeded = try Fixtures.seededDatabase(experts: 4, clients: 6)
        #expect(try schema(seeded) == schema(empty))
        try seeded.writer.read { (db: Database) throws -> Void in
            #expect(try Row.fetchAll(db, sql: "PRAGMA integrity_check").map { $0[0] as String } == ["ok"])
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
        }
    }

    @Test func aUniqueRuleStillRefusesDuringADeferredBatch() throws {
        let database = try AppDatabase.inMemory()
        #expect(throws: StoreError.self) {
            try database.batch(deferIndexes: true) { batch in
                for _ in 0..<2 {
                    try batch.insert(User(email: "meme@exemple.example", role: .client, displayName: "Double", createdAt: Fixtures.today))
                }
            }
        }
        #expect(try database.isEmpty())
        #expect(try schema(database) == schema(try AppDatabase.inMemory()))
    }
}

/// `v8-sync-write-cost` rebuilds the sync log: nothing in it may change but the cost of a write.
@Suite struct SyncLogRebuildTests {
    /// A file database at v7 holding one dossier and three logged operations, the last of them
    /// `seq` 3; `compacted`: the log was then compacted down to nothing.
    private func version7Database(compacted: Bool) throws -> String {
        let path = try Fixtures.temporaryDirectory() + "/v7.sqlite"
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v7-message-search-deferral")
        try queue.write { db in
            try Fixtures.insertOneDossier(db)
            for n in 1...3 {
                try db.execute(sql: """
                    INSERT INTO syncChange (operationId, collection, record, action, fields, hlc, actorId, actorRole, dossierId, receivedAt)
                    VALUES (?, 'message', ?, 'insert', '{"body":"Bonjour"}', '0001795132800000-00000-test', 1, 'client', 1, '2026-11-20 00:00:00.000')
                    """, arguments: ["op-\(n)", "m-\(n)"])
            }
            if compacted { try db.execute(sql: "DELETE FROM syncChange") }
        }
        try queue.close()
        return path
    }

    @Test func theLogKeepsItsRowsAndItsRules() throws {
        let database = try AppDatabase.open(path: try version7Database(compacted: false))
        defer { try? database.close() }
        try database.writer.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, operationId, record FROM syncChange ORDER BY seq")
            #expect(rows.map { $0[0] as Int64 } == [1, 2, 3])
            #expect(rows.map { $0[1] as String } == ["op-1", "op-2", "op-3"])
            let indexes = try db.indexes(on: "syncChange").map(\.name).sorted()
            #expect(indexes.contains("syncChange_dossierId") && indexes.contains("syncChange_actorId"))
            #expect(!indexes.contains("syncChange_record"))
            // The same checks, under the same names.
            for (column, value, constraint) in [("collection", "photo", "sync_change_collection"), ("action", "upsert", "sync_change_action"), ("actorRole", "robot", "sync_change_actor_role")] {
                let values = ["collection": "message", "action": "insert", "actorRole": "client"].merging([column: value]) { $1 }
                do {
                    try db.execute(sql: """
                        INSERT INTO syncChange (operationId, collection, record, action, fields, hlc, actorId, actorRole, dossierId, receivedAt)
                        VALUES ('bad', ?, 'r', ?, '{}', 'h', 1, ?, 1, '2026-11-20 00:00:00.000')
                        """, arguments: [values["collection"], values["action"], values["actorRole"]])
                    Issue.record("\(column) = \(value) was accepted")
                } catch let error as DatabaseError {
                    #expect(error.message?.contains(constraint) == true, "\(error)")
                }
            }
        }
    }

    @Test func aLogCompactedToNothingNeverHandsASequenceNumberOutTwice() throws {
        let database = try AppDatabase.open(path: try version7Database(compacted: true))
        defer { try? database.close() }
        let seq = try database.writer.write { db -> Int64 in
            try db.execute(sql: """
                INSERT INTO syncChange (operationId, collection, record, action, fields, hlc, actorId, actorRole, dossierId, receivedAt)
                VALUES ('op-4', 'message', 'm-4', 'insert', '{}', 'h', 1, 'client', 1, '2026-11-20 00:00:00.000')
                """)
            return db.lastInsertedRowID
        }
        #expect(seq == 4)
    }
}
