internal import Foundation
internal import GRDB

/// Turns SQLite's constraint errors into `StoreError`s that name the table and the constraint.
///
/// SQLite names CHECK constraints (ours are all named `table_rule`) and the columns of NOT NULL and
/// UNIQUE failures, but says only "FOREIGN KEY constraint failed" for a foreign key; for those, the
/// offending relation is found by looking up each parent row.
enum ConstraintDiagnosis {
    static func storeError(
        from error: DatabaseError,
        table: String,
        values: [String: DatabaseValue],
        db: Database
    ) -> StoreError? {
        guard error.resultCode == .SQLITE_CONSTRAINT else { return nil }
        let message = error.message ?? "constraint failed"
        if error.isForeignKeyViolation {
            let constraint = (try? missingParent(table: table, values: values, db: db)) ?? nil
            return .constraintViolated(
                table: table,
                constraint: constraint ?? "foreign key",
                detail: constraint == nil ? message : "the referenced row does not exist"
            )
        }
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_CHECK:
            let name = message.replacingOccurrences(of: "CHECK constraint failed: ", with: "")
            return .constraintViolated(table: table, constraint: name, detail: "a value is outside what \(name) allows")
        case .SQLITE_CONSTRAINT_NOTNULL:
            let column = message.replacingOccurrences(of: "NOT NULL constraint failed: ", with: "")
            return .constraintViolated(table: table, constraint: "\(column) NOT NULL", detail: "\(column) is required")
        case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
            let columns = message
                .replacingOccurrences(of: "UNIQUE constraint failed: ", with: "")
            return .constraintViolated(table: table, constraint: "\(columns) UNIQUE", detail: "another row already has this value")
        default:
            return .constraintViolated(table: table, constraint: "constraint", detail: message)
        }
    }

    /// The first foreign key of `table` whose parent row is missing for `values`.
    private static func missingParent(table: String, values: [String: DatabaseValue], db: Database) throws -> String? {
        for foreignKey in try db.foreignKeys(on: table) {
            var conditions: [String] = []
            var arguments: [DatabaseValue] = []
            for (origin, destination) in foreignKey.mapping {
                let value = values[origin] ?? .null
                if value.isNull { break }
                conditions.append("\(destination.quotedDatabaseIdentifier) = ?")
                arguments.append(value)
            }
            guard conditions.count == foreignKey.mapping.count else { continue }
            let sql = "SELECT 1 FROM \(foreignKey.destinationTable.quotedDatabaseIdentifier) WHERE \(conditions.joined(separator: " AND "))"
            if try Int.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)) == nil {
                let origins = foreignKey.mapping.map(\.origin).joined(separator: ", ")
                let destinations = foreignKey.mapping.map(\.destination).joined(separator: ", ")
                return "foreign key \(table).\(origins) → \(foreignKey.destinationTable).\(destinations)"
            }
        }
        return nil
    }

    /// For a statement refused by a foreign key: runs it again with foreign keys deferred, inside a
    /// savepoint that is rolled back, and asks SQLite which relation of `table` it broke.
    static func brokenForeignKey(sql: String, arguments: StatementArguments, table: String, db: Database) throws -> String? {
        var found: String?
        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
        defer { try? db.execute(sql: "PRAGMA defer_foreign_keys = OFF") }
        try db.inSavepoint {
            try db.execute(sql: sql, arguments: arguments)
            if let violation = try Row.fetchOne(db, sql: "SELECT fkid FROM pragma_foreign_key_check(?)", arguments: [table]) {
                let fkid: Int = violation["fkid"]
                let columns = try Row.fetchAll(db, sql: "SELECT \"from\", \"to\", \"table\" FROM pragma_foreign_key_list(?) WHERE id = ?", arguments: [table, fkid])
                if let parent: String = columns.first?["table"] {
                    let origins = columns.map { $0["from"] as String }.joined(separator: ", ")
                    let destinations = columns.map { $0["to"] as String }.joined(separator: ", ")
                    found = "foreign key \(table).\(origins) → \(parent).\(destinations)"
                }
            }
            return .rollback
        }
        return found
    }

    /// For a refused delete: the first relation whose delete rule (RESTRICT or NO ACTION) forbids
    /// removing the row `id` of `table` because a child row still points at it.
    static func blockingChildren(table: String, id: DatabaseValue, db: Database) throws -> String? {
        for child in Schema.dataTables {
            let rows = try Row.fetchAll(db, sql: "SELECT \"from\", \"to\", \"table\", on_delete FROM pragma_foreign_key_list(?)", arguments: [child])
            for row in rows {
                let parent: String = row["table"]
                let onDelete: String = row["on_delete"]
                guard parent == table, onDelete == "RESTRICT" || onDelete == "NO ACTION" else { continue }
                let origin: String = row["from"]
                let destination: String = row["to"]
                let sql = "SELECT 1 FROM \(child.quotedDatabaseIdentifier) WHERE \(origin.quotedDatabaseIdentifier) = ? LIMIT 1"
                if try Int.fetchOne(db, sql: sql, arguments: [id]) != nil {
                    return "foreign key \(child).\(origin) → \(table).\(destination) (ON DELETE \(onDelete))"
                }
            }
        }
        return nil
    }
}

extension DatabaseError {
    /// SQLite reports a RESTRICT or NO ACTION failure with the plain constraint code, so the
    /// message is the reliable sign.
    var isForeignKeyViolation: Bool {
        resultCode == .SQLITE_CONSTRAINT
            && (extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY || (message ?? "").contains("FOREIGN KEY constraint failed"))
    }
}
