public import Foundation
internal import GRDB

/// What the database holds about one person, as the right of access and to portability asks
/// (RGPD articles 15 and 20): a JSON object of sections, each the rows of one table that are
/// theirs, column by column — except the secrets that protect the account (password and token
/// hashes, link nonces, push encryption keys), which say nothing about the person and would help
/// whoever gets the file.
extension AppDatabase {
    /// One section of the export: a table, the rows that belong to the user (`owned`, with `?`
    /// bound to the user's id, the client's or the expert's as `arguments` says), and the columns left out.
    private struct Section {
        var name: String
        var sql: String
        var arguments: [Owner]
        var secret: Set<String> = []

        enum Owner { case user, client, expert, email }
    }

    private static let sections: [Section] = [
        Section(name: "account", sql: "SELECT * FROM user WHERE id = ?", arguments: [.user], secret: ["passwordHash"]),
        Section(name: "client", sql: "SELECT * FROM client WHERE id = ?", arguments: [.client]),
        Section(name: "expert", sql: "SELECT * FROM expert WHERE id = ?", arguments: [.expert]),
        Section(name: "expertSchemes", sql: """
            SELECT p.code, p.name FROM expertSpecialty s JOIN eligibleProduct p ON p.id = s.productId WHERE s.expertId = ? ORDER BY p.name
            """, arguments: [.expert]),
        Section(name: "dossiers", sql: """
            SELECT d.*, p.name AS productName, '/api/v1/dossiers/' || d.id || '/export.zip' AS export FROM dossier d JOIN eligibleProduct p ON p.id = d.productId
            WHERE d.clientId = ? OR d.id IN (SELECT dossierId FROM expertAssignment WHERE expertId = ?) ORDER BY d.id
            """, arguments: [.client, .expert]),
        Section(name: "assignments", sql: "SELECT * FROM expertAssignment WHERE expertId = ? ORDER BY id", arguments: [.expert]),
        Section(name: "messagesWritten", sql: """
            SELECT id, conversationId, body, createdAt, editedAt, deletedAt FROM message WHERE authorId = ? ORDER BY createdAt, id
            """, arguments: [.user]),
        Section(name: "readReceipts", sql: "SELECT * FROM readReceipt WHERE userId = ?", arguments: [.user]),
        Section(name: "ratingsGiven", sql: """
            SELECT r.score, r.comment, r.createdAt, r.updatedAt, e.firstName || ' ' || e.lastName AS expert FROM rating r JOIN expert e ON e.id = r.expertId
            WHERE r.clientId = ? ORDER BY r.createdAt
            """, arguments: [.client]),
        Section(name: "ratingsReceived", sql: "SELECT score, comment, createdAt, updatedAt FROM rating WHERE expertId = ? ORDER BY createdAt", arguments: [.expert]),
        Section(name: "documentsCreated", sql: "SELECT * FROM document WHERE createdBy = ? ORDER BY id", arguments: [.user]),
        Section(name: "documentVersionsUploaded", sql: """
            SELECT id, documentId, fileName, mediaType, byteCount, sha256, uploadedAt, validation, validationReason, validatedAt FROM documentVersion
            WHERE uploadedBy = ? ORDER BY uploadedAt
            """, arguments: [.user]),
        Section(name: "notifications", sql: "SELECT * FROM notification WHERE userId = ? ORDER BY createdAt, id", arguments: [.user]),
        Section(name: "notificationPreferences", sql: "SELECT kind, channel, enabled FROM notificationPreference WHERE userId = ? ORDER BY kind, channel", arguments: [.user]),
        Section(name: "pushSubscriptions", sql: "SELECT * FROM pushSubscription WHERE userId = ?", arguments: [.user], secret: ["p256dh", "auth"]),
        Section(name: "searchAlerts", sql: "SELECT * FROM searchAlert WHERE email = ? ORDER BY createdAt", arguments: [.email], secret: ["nonce", "tokenHash"]),
        Section(name: "sessions", sql: "SELECT * FROM session WHERE userId = ? ORDER BY createdAt", arguments: [.user], secret: ["tokenHash"]),
        Section(name: "accountEmails", sql: "SELECT * FROM accountMail WHERE userId = ? ORDER BY createdAt", arguments: [.user], secret: ["nonce", "tokenHash"]),
        Section(name: "history", sql: """
            SELECT createdAt, action, entityType, entityId, detail, actorId = ?1 AS byYou FROM auditLog
            WHERE actorId = ?1 OR (entityType = 'user' AND entityId = CAST(?1 AS TEXT))
               OR (entityType = 'expert' AND entityId = CAST(?2 AS TEXT)) ORDER BY createdAt, id
            """, arguments: [.user, .expert]),
    ]

    /// The export of `userId` as JSON (sorted keys, dates as stored); nil when there is no such user.
    public func personalData(userId: Int64, now: Date) throws -> Data? {
        try writer.read { db in
            guard let email = try String.fetchOne(db, sql: "SELECT email FROM user WHERE id = ?", arguments: [userId]) else { return nil }
            let client = try Int64.fetchOne(db, sql: "SELECT id FROM client WHERE userId = ?", arguments: [userId])
            let expert = try Int64.fetchOne(db, sql: "SELECT id FROM expert WHERE userId = ?", arguments: [userId])
            var export: [String: Any] = [
                "exportedAt": ISO8601DateFormatter().string(from: now),
                "about": "Les données que FinancialTracker conserve sur vous (RGPD, articles 15 et 20). Les documents eux-mêmes sont dans l’export de chaque dossier (champ « export »).",
            ]
            for section in Self.sections {
                let values: [(any DatabaseValueConvertible)?] = section.arguments.map { owner in
                    switch owner {
                    case .user: userId
                    // No client or expert record: an id no row has.
                    case .client: client ?? -1
                    case .expert: expert ?? -1
                    case .email: email
                    }
                }
                let rows = try Row.fetchAll(db, sql: section.sql, arguments: StatementArguments(values))
                let objects = rows.map { row in
                    var object: [String: Any] = [:]
                    for (column, value) in row where !section.secret.contains(column) {
                        object[column] = Self.plain(value)
                    }
                    return object
                }
                export[section.name] = ["account", "client", "expert"].contains(section.name) ? (objects.first ?? NSNull()) : objects
            }
            return try JSONSerialization.data(withJSONObject: export, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        }
    }

    /// A column's value as JSON: text that holds a JSON array or object (the expert's lists, an
    /// audit line's detail) as that structure, blobs as base64.
    private static func plain(_ value: DatabaseValue) -> Any {
        switch value.storage {
        case .null: return NSNull()
        case .int64(let number): return number
        case .double(let number): return number
        case .string(let text):
            if let first = text.first, first == "[" || first == "{", let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8)) { return parsed }
            return text
        case .blob(let data): return data.base64EncodedString()
        }
    }
}
