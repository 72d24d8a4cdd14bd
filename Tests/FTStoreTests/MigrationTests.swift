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
        guard let open = rest.range(of: "IN ("), let close = rest[open.upperBound...].range(of: ")") else { return [] }
        return Set(rest[open.upperBound..<close.lowerBound].split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        })
    }

    @Test(arguments: [
        ("user_role", Set(Role.allCases.map(\.rawValue))),
        ("eligible_product_category", Set(ProductCategory.allCases.map(\.rawValue))),
        ("expert_approval", Set(ApprovalStatus.allCases.map(\.rawValue))),
        ("dossier_status", Set(DossierStatus.allCases.map(\.rawValue))),
        ("expert_assignment_status", Set(AssignmentStatus.allCases.map(\.rawValue))),
        ("dossier_step_type", Set(StepType.allCases.map(\.rawValue))),
        ("dossier_step_status", Set(StepStatus.allCases.map(\.rawValue))),
        ("dossier_step_priority", Set(StepPriority.allCases.map(\.rawValue))),
        ("dossier_step_assignee_role", Set(Role.allCases.map(\.rawValue))),
        ("document_category", Set(DocumentCategory.allCases.map(\.rawValue))),
        ("document_version_validation", Set(ValidationState.allCases.map(\.rawValue))),
        ("document_version_storage", Set(VersionStorage.allCases.map(\.rawValue))),
        ("notification_kind", Set(NotificationKind.allCases.map(\.rawValue))),
        ("notification_preference_kind", Set(NotificationKind.allCases.map(\.rawValue))),
        ("notification_preference_channel", Set(NotificationChannel.allCases.map(\.rawValue))),
    ])
    func swiftEnumsAndCheckListsAgree(constraint: String, swiftValues: Set<String>) throws {
        #expect(try Self.allowedValues(constraint: constraint) == swiftValues)
    }
}
