public import GRDB
public import FTModel

// Records written by the hundred thousand (steps, messages, documents…) list their columns and
// values by hand: `StoreBatch` inserts them through one cached prepared statement per table, and
// their GRDB encoding is derived from the same lists, so the two cannot disagree. Reading still
// goes through Codable; the round-trip tests fetch each of these records back and compare.

extension User: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["id", "email", "passwordHash", "role", "displayName", "phone", "active", "createdAt", "lastSeenAt"]
    var columnValues: [DatabaseValue] {
        [
            id.bulkValue,
            email.bulkValue,
            passwordHash.bulkValue,
            role.rawValue.bulkValue,
            displayName.bulkValue,
            phone.bulkValue,
            active.bulkValue,
            createdAt.bulkValue,
            lastSeenAt.bulkValue,
        ]
    }
    mutating func didInsert(rowID: Int64) { id = rowID }
}

extension Client: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["id", "userId", "companyName", "siren", "city", "postcode", "region", "sector", "employeeCount", "createdAt", "latitude", "longitude"]
    var columnValues: [DatabaseValue] {
        [
            id.bulkValue,
            userId.bulkValue,
            companyName.bulkValue,
            siren.bulkValue,
            city.bulkValue,
            postcode.bulkValue,
            region.bulkValue,
            sector.bulkValue,
            employeeCount.bulkValue,
            createdAt.bulkValue,
            latitude.bulkValue,
            longitude.bulkValue,
        ]
    }
    mutating func didInsert(rowID: Int64) { id = rowID }
}

extension Dossier: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["id", "clientId", "productId", "status", "estimatedCents", "obtainedCents", "createdAt", "updatedAt", "closedAt"]
    var columnValues: [DatabaseValue] {
        [
            id.bulkValue,
            clientId.bulkValue,
            productId.bulkValue,
            status.rawValue.bulkValue,
            estimatedCents.bulkValue,
            obtainedCents.bulkValue,
            createdAt.bulkValue,
            updatedAt.bulkValue,
            closedAt.bulkValue,
        ]
    }
    mutating func didInsert(rowID: Int64) { id = rowID }
}

extension ExpertAssignment: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["id", "dossierId", "expertId", "status", "requestedAt", "acceptedAt", "startedAt", "completedAt", "cancelledAt"]
    var columnValues: [DatabaseValue] {
        [
            id.bulkValue,
            dossierId.bulkValue,
            expertId.bulkValue,
            status.rawValue.bulkValue,
            requestedAt.bulkValue,
            acceptedAt.bulkValue,
            startedAt.bulkValue,
            completedAt.bulkValue,
            cancelledAt.bulkValue,
        ]
    }
    mutating func didInsert(rowID: Int64) { id = rowID }
}

extension DossierStep: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["id", "dossierId", "position", "type", "status", "priority", "assigneeRole", "progress", "dueAt", "completedAt", "updatedAt"]
    var columnValues: [DatabaseValue] {
        [
            id.bulkValue,
            dossierId.bulkValue,
            position.bulkValue,
            type.rawValue.bulkValue,
            status.rawValue.bulkValue,
            priority.rawValue.bulkValue,
            assigneeRole.rawValue.bulkValue,
            progress.bulkValue,
            dueAt.bulkValue,
            completedAt.bulkValue,
            updatedAt.bulkValue,
        ]
    }
    mutating func didInsert(rowID: Int64) { id = rowID }
}

extension Document: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["id", "dossierId", "category", "title", "createdBy", "createdAt"]
    var columnValues: [DatabaseValue] {
        [
            id.bulkValue,
            dossierId.bulkValue,
            category.rawValue.bulkValue,
            title.bulkValue,
            createdBy.bulkValue,
            createdAt.bulkValue,
        ]
    }
}

extension DocumentVersion: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["id", "documentId", "fileName", "mediaType", "byteCount", "sha256", "uploadedBy", "uploadedAt", "hlc", "validation", "validationReason", "validatedBy", "validatedAt", "storage"]
    var columnValues: [DatabaseValue] {
        [
            id.bulkValue,
            documentId.bulkValue,
            fileName.bulkValue,
            mediaType.bulkValue,
            byteCount.bulkValue,
            sha256.bulkValue,
            uploadedBy.bulkValue,
            uploadedAt.bulkValue,
            hlc.bulkValue,
            validation.rawValue.bulkValue,
            validationReason.bulkValue,
            validatedBy.bulkValue,
            validatedAt.bulkValue,
            storage.rawValue.bulkValue,
        ]
    }
}

extension Conversation: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["id", "dossierId", "createdAt"]
    var columnValues: [DatabaseValue] {
        [
            id.bulkValue,
            dossierId.bulkValue,
            createdAt.bulkValue,
        ]
    }
    mutating func didInsert(rowID: Int64) { id = rowID }
}

extension Message: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["id", "conversationId", "authorId", "body", "createdAt", "editedAt", "deletedAt", "hlc"]
    var columnValues: [DatabaseValue] {
        [
            id.bulkValue,
            conversationId.bulkValue,
            authorId.bulkValue,
            body.bulkValue,
            createdAt.bulkValue,
            editedAt.bulkValue,
            deletedAt.bulkValue,
            hlc.bulkValue,
        ]
    }
}

extension MessageAttachment: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["messageId", "documentId"]
    var columnValues: [DatabaseValue] {
        [
            messageId.bulkValue,
            documentId.bulkValue,
        ]
    }
}

extension ReadReceipt: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["conversationId", "userId", "readUpTo"]
    var columnValues: [DatabaseValue] {
        [
            conversationId.bulkValue,
            userId.bulkValue,
            readUpTo.bulkValue,
        ]
    }
}

extension Rating: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["id", "clientId", "expertId", "assignmentId", "score", "comment", "createdAt", "updatedAt", "hlc"]
    var columnValues: [DatabaseValue] {
        [
            id.bulkValue,
            clientId.bulkValue,
            expertId.bulkValue,
            assignmentId.bulkValue,
            score.bulkValue,
            comment.bulkValue,
            createdAt.bulkValue,
            updatedAt.bulkValue,
            hlc.bulkValue,
        ]
    }
    mutating func didInsert(rowID: Int64) { id = rowID }
}

extension UserNotification: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["id", "userId", "kind", "title", "body", "target", "createdAt", "readAt"]
    var columnValues: [DatabaseValue] {
        [
            id.bulkValue,
            userId.bulkValue,
            kind.rawValue.bulkValue,
            title.bulkValue,
            body.bulkValue,
            target.bulkValue,
            createdAt.bulkValue,
            readAt.bulkValue,
        ]
    }
    mutating func didInsert(rowID: Int64) { id = rowID }
}

extension AuditEntry: BulkInsertable {
    public func encode(to container: inout PersistenceContainer) { encodeColumns(to: &container) }
    static let columnNames = ["id", "actorId", "action", "entityType", "entityId", "detail", "createdAt"]
    var columnValues: [DatabaseValue] {
        [
            id.bulkValue,
            actorId.bulkValue,
            action.bulkValue,
            entityType.bulkValue,
            entityId.bulkValue,
            detail.bulkValue,
            createdAt.bulkValue,
        ]
    }
    mutating func didInsert(rowID: Int64) { id = rowID }
}
