internal import GRDB

extension AppDatabase {
    /// Runs one SQL statement that writes to `table`, mapping a refused row to a `StoreError` that
    /// names the table and the constraint. Internal: the modules above use typed methods.
    func execute(sql: String, arguments: StatementArguments = [], table: String) throws {
        try writer.write { db in
            do {
                try db.execute(sql: sql, arguments: arguments)
            } catch let error as DatabaseError where error.isForeignKeyViolation {
                let constraint = try ConstraintDiagnosis.brokenForeignKey(sql: sql, arguments: arguments, table: table, db: db)
                throw StoreError.constraintViolated(table: table, constraint: constraint ?? "foreign key", detail: "the referenced row does not exist")
            } catch let error as DatabaseError {
                throw ConstraintDiagnosis.storeError(from: error, table: table, values: [:], db: db) ?? error
            }
        }
    }
}
