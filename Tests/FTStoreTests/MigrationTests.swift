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

@Suite struct EnumSpellingTests {
    /// The values a CHECK constraint's IN list allows.
    static func allowedValues(constraint: String) throws -> Set<String> {
        let database = try AppDatabase.inMemory()
        let sql = try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL").joined(separator: "\n")
        }
        guard let start = sql.range(of: "CONSTRAINT \(constraint)") else { return [] }
        let rest = sql[start.upperBound...]
        guard let open = rest.range(of: #"IN\s*\("#, options: .regularExpression), let close = rest[open.upperBound...].range(of: ")") else { return [] }
        return Set(rest[open.upperBound..<close.lowerBound].split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        })
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
