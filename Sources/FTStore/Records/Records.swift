// GRDB conformances of the domain types. Columns are named like the Swift properties.
//
// Swift makes every conformance of a public type public, so this one file imports GRDB publicly.
// Other modules still never import GRDB: they read and write through `AppDatabase`'s methods.
public import GRDB
public import FTModel

extension User: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "user"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension Client: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "client"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension Expert: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "expert"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension ExpertSpecialty: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "expertSpecialty"
}

extension EligibleProduct: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "eligibleProduct"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension Dossier: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "dossier"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension ExpertAssignment: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "expertAssignment"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension DossierStep: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "dossierStep"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension Document: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "document"
}

extension DocumentVersion: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "documentVersion"
}

extension Conversation: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "conversation"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension Message: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "message"
}

extension MessageAttachment: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "messageAttachment"
}

extension ReadReceipt: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "readReceipt"
}

extension Rating: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "rating"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension UserNotification: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "notification"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension NotificationPreference: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "notificationPreference"
}

extension AuditEntry: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "auditLog"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
