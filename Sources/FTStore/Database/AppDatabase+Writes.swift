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
    public func batch<T>(_ body: (inout StoreBatch) throws -> T) throws -> T {
        try writer.write { db in
            var batch = StoreBatch(db: db)
            return try body(&batch)
        }
    }

    func insertRecord<R: MutablePersistableRecord>(_ record: R) throws -> R {
        try writer.write { db in try StoreBatch.insert(record, db: db) }
    }

    private func deleteRow(table: String, id: Int64) throws {
        try writer.write { db in
            do {
                try db.execute(sql: "DELETE FROM \(table.quotedDatabaseIdentifier) WHERE id = ?", arguments: [id])
                if db.changesCount == 0 { throw StoreError.notFound(table: table, id: "\(id)") }
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
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

/// A run of inserts inside one transaction (see `AppDatabase.batch`).
public struct StoreBatch {
    let db: Database

    @discardableResult public mutating func insert(_ user: User) throws -> User { try Self.insert(user, db: db) }
    @discardableResult public mutating func insert(_ client: Client) throws -> Client { try Self.insert(client, db: db) }
    @discardableResult public mutating func insert(_ expert: Expert) throws -> Expert { try Self.insert(expert, db: db) }
    @discardableResult public mutating func insert(_ specialty: ExpertSpecialty) throws -> ExpertSpecialty { try Self.insert(specialty, db: db) }
    @discardableResult public mutating func insert(_ product: EligibleProduct) throws -> EligibleProduct { try Self.insert(product, db: db) }
    @discardableResult public mutating func insert(_ dossier: Dossier) throws -> Dossier { try Self.insert(dossier, db: db) }
    @discardableResult public mutating func insert(_ assignment: ExpertAssignment) throws -> ExpertAssignment { try Self.insert(assignment, db: db) }
    @discardableResult public mutating func insert(_ step: DossierStep) throws -> DossierStep { try Self.insert(step, db: db) }
    @discardableResult public mutating func insert(_ document: Document) throws -> Document { try Self.insert(document, db: db) }
    @discardableResult public mutating func insert(_ version: DocumentVersion) throws -> DocumentVersion { try Self.insert(version, db: db) }
    @discardableResult public mutating func insert(_ conversation: Conversation) throws -> Conversation { try Self.insert(conversation, db: db) }
    @discardableResult public mutating func insert(_ message: Message) throws -> Message { try Self.insert(message, db: db) }
    @discardableResult public mutating func insert(_ attachment: MessageAttachment) throws -> MessageAttachment { try Self.insert(attachment, db: db) }
    @discardableResult public mutating func insert(_ receipt: ReadReceipt) throws -> ReadReceipt { try Self.insert(receipt, db: db) }
    @discardableResult public mutating func insert(_ rating: Rating) throws -> Rating { try Self.insert(rating, db: db) }
    @discardableResult public mutating func insert(_ notification: UserNotification) throws -> UserNotification { try Self.insert(notification, db: db) }
    @discardableResult public mutating func insert(_ preference: NotificationPreference) throws -> NotificationPreference { try Self.insert(preference, db: db) }
    @discardableResult public mutating func insert(_ entry: AuditEntry) throws -> AuditEntry { try Self.insert(entry, db: db) }

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
