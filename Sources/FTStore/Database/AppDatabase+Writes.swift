internal import GRDB
public import FTModel

// Inserting and deleting domain records. Every write maps a refused row to a `StoreError` that
// names the table and the constraint.

extension AppDatabase {
    @discardableResult public func insert(_ user: User) throws -> User { try insertRecord(user) }
    @discardableResult public func insert(_ client: Client) throws -> Client { try insertRecord(client) }
    @discardableResult public func insert(_ expert: Expert) throws -> Expert { try insertRecord(expert) }
    @discardableResult public func insert(_ specialty: ExpertSpecialty) throws -> ExpertSpecialty { try insertRecord(specialty) }
    @discardableResult public func insert(_ product: EligibleProduct) throws -> EligibleProduct { try insertRecord(product) }
    @discardableResult public func insert(_ dossier: Dossier) throws -> Dossier { try insertRecord(dossier) }
    @discardableResult public func insert(_ assignment: ExpertAssignment) throws -> ExpertAssignment { try insertRecord(assignment) }
    @discardableResult public func insert(_ step: DossierStep) throws -> DossierStep { try insertRecord(step) }
    @discardableResult public func insert(_ document: Document) throws -> Document { try insertRecord(document) }
    @discardableResult public func insert(_ version: DocumentVersion) throws -> DocumentVersion { try insertRecord(version) }
    @discardableResult public func insert(_ conversation: Conversation) throws -> Conversation { try insertRecord(conversation) }
    @discardableResult public func insert(_ message: Message) throws -> Message { try insertRecord(message) }
    @discardableResult public func insert(_ attachment: MessageAttachment) throws -> MessageAttachment { try insertRecord(attachment) }
    @discardableResult public func insert(_ receipt: ReadReceipt) throws -> ReadReceipt { try insertRecord(receipt) }
    @discardableResult public func insert(_ rating: Rating) throws -> Rating { try insertRecord(rating) }
    @discardableResult public func insert(_ notification: UserNotification) throws -> UserNotification { try insertRecord(notification) }
    @discardableResult public func insert(_ preference: NotificationPreference) throws -> NotificationPreference { try insertRecord(preference) }
    @discardableResult public func insert(_ entry: AuditEntry) throws -> AuditEntry { try insertRecord(entry) }

    /// Deletes a user; what hangs off it follows the schema's delete rules.
    public func deleteUser(id: Int64) throws { try deleteRow(table: User.databaseTableName, id: id) }
    public func deleteClient(id: Int64) throws { try deleteRow(table: Client.databaseTableName, id: id) }
    public func deleteExpert(id: Int64) throws { try deleteRow(table: Expert.databaseTableName, id: id) }
    public func deleteEligibleProduct(id: Int64) throws { try deleteRow(table: EligibleProduct.databaseTableName, id: id) }
    public func deleteDossier(id: Int64) throws { try deleteRow(table: Dossier.databaseTableName, id: id) }

    /// Runs `body` in one transaction; `StoreBatch` inserts through cached statements. Nothing is
    /// written if `body` throws.
    ///
    /// For bulk loads: `cacheMegabytes` enlarges SQLite's page cache for the duration (a transaction
    /// that writes hundreds of megabytes otherwise spills and reloads pages constantly), and
    /// `deferIndexes` drops the non-unique secondary indexes first and builds them again before the
    /// commit, which is cheaper than maintaining them row by row. Unique indexes stay, so every
    /// constraint is still checked as each row goes in.
    public func batch<T>(cacheMegabytes: Int = 0, deferIndexes: Bool = false, _ body: (inout StoreBatch) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            let previous = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2_000
            if cacheMegabytes > 0 { try db.execute(sql: "PRAGMA cache_size = \(-cacheMegabytes * 1_024)") }
            defer { try? db.execute(sql: "PRAGMA cache_size = \(previous)") }
            var result: T?
            try db.inTransaction {
                let deferred = deferIndexes ? try Self.dropSecondaryIndexes(db) : []
                var batch = StoreBatch(db: db)
                result = try body(&batch)
                for sql in deferred { try db.execute(sql: sql) }
                return .commit
            }
            guard let result else { preconditionFailure("a committed transaction always produced a result") }
            return result
        }
    }

    /// Drops the non-unique indexes of the data tables and returns the SQL that creates them again.
    private static func dropSecondaryIndexes(_ db: Database) throws -> [String] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT name, sql FROM sqlite_master
            WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'
            ORDER BY name
            """)
        for row in rows {
            let name: String = row["name"]
            try db.execute(sql: "DROP INDEX \(name.quotedDatabaseIdentifier)")
        }
        return rows.map { $0["sql"] }
    }

    func insertRecord<R: MutablePersistableRecord>(_ record: R) throws -> R {
        try writer.write { db in try StoreBatch.insert(record, db: db) }
    }

    private func deleteRow(table: String, id: Int64) throws {
        try writer.write { db in
            do {
                try db.execute(sql: "DELETE FROM \(table.quotedDatabaseIdentifier) WHERE id = ?", arguments: [id])
                if db.changesCount == 0 { throw StoreError.notFound(table: table, id: "\(id)") }
            } catch let error as DatabaseError where error.isForeignKeyViolation {
                let constraint = try ConstraintDiagnosis.blockingChildren(table: table, id: id.databaseValue, db: db)
                throw StoreError.constraintViolated(
                    table: table,
                    constraint: constraint ?? "foreign key",
                    detail: "rows in other tables still depend on \(table) \(id); deactivate it instead"
                )
            }
        }
    }
}

/// A run of inserts inside one transaction (see `AppDatabase.batch`). The records written by the
/// hundred thousand go through one cached prepared statement per table.
public struct StoreBatch {
    let db: Database
    private var statements: [ObjectIdentifier: Statement] = [:]

    init(db: Database) {
        self.db = db
    }

    @discardableResult public mutating func insert(_ user: User) throws -> User { try bulkInsert(user) }
    @discardableResult public mutating func insert(_ client: Client) throws -> Client { try bulkInsert(client) }
    @discardableResult public mutating func insert(_ expert: Expert) throws -> Expert { try Self.insert(expert, db: db) }
    @discardableResult public mutating func insert(_ specialty: ExpertSpecialty) throws -> ExpertSpecialty { try Self.insert(specialty, db: db) }
    @discardableResult public mutating func insert(_ product: EligibleProduct) throws -> EligibleProduct { try Self.insert(product, db: db) }
    @discardableResult public mutating func insert(_ dossier: Dossier) throws -> Dossier { try bulkInsert(dossier) }
    @discardableResult public mutating func insert(_ assignment: ExpertAssignment) throws -> ExpertAssignment { try bulkInsert(assignment) }
    @discardableResult public mutating func insert(_ step: DossierStep) throws -> DossierStep { try bulkInsert(step) }
    @discardableResult public mutating func insert(_ document: Document) throws -> Document { try bulkInsert(document) }
    @discardableResult public mutating func insert(_ version: DocumentVersion) throws -> DocumentVersion { try bulkInsert(version) }
    @discardableResult public mutating func insert(_ conversation: Conversation) throws -> Conversation { try bulkInsert(conversation) }
    @discardableResult public mutating func insert(_ message: Message) throws -> Message { try bulkInsert(message) }
    @discardableResult public mutating func insert(_ attachment: MessageAttachment) throws -> MessageAttachment { try bulkInsert(attachment) }
    @discardableResult public mutating func insert(_ receipt: ReadReceipt) throws -> ReadReceipt { try bulkInsert(receipt) }
    @discardableResult public mutating func insert(_ rating: Rating) throws -> Rating { try bulkInsert(rating) }
    @discardableResult public mutating func insert(_ notification: UserNotification) throws -> UserNotification { try bulkInsert(notification) }
    @discardableResult public mutating func insert(_ preference: NotificationPreference) throws -> NotificationPreference { try Self.insert(preference, db: db) }
    @discardableResult public mutating func insert(_ entry: AuditEntry) throws -> AuditEntry { try bulkInsert(entry) }

    private mutating func bulkInsert<R: BulkInsertable>(_ record: R) throws -> R {
        let key = ObjectIdentifier(R.self)
        let statement: Statement
        if let cached = statements[key] {
            statement = cached
        } else {
            statement = try db.makeStatement(sql: R.insertSQL)
            statements[key] = statement
        }
        let values = record.columnValues
        do {
            statement.setUncheckedArguments(StatementArguments(values))
            try statement.execute()
        } catch let error as DatabaseError {
            let dictionary = Dictionary(zip(R.columnNames, values), uniquingKeysWith: { first, _ in first })
            throw ConstraintDiagnosis.storeError(from: error, table: R.databaseTableName, values: dictionary, db: db) ?? error
        }
        var inserted = record
        inserted.didInsert(rowID: db.lastInsertedRowID)
        return inserted
    }

    static func insert<R: MutablePersistableRecord>(_ record: R, db: Database) throws -> R {
        var record = record
        do {
            try record.insert(db)
            return record
        } catch let error as DatabaseError {
            let values = (try? record.databaseDictionary) ?? [:]
            throw ConstraintDiagnosis.storeError(from: error, table: R.databaseTableName, values: values, db: db) ?? error
        }
    }
}
