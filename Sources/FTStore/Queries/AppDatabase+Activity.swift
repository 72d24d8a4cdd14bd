internal import GRDB

extension AppDatabase {
    /// Sets what the database's history tells of each person's activity, for data written without
    /// sync (the seed, an import): every expert's `lastActiveDay`, and every user's `lastSeenAt`
    /// moved forward to their latest action (a message, a document version uploaded or judged, an
    /// audited action such as opening a dossier, a rating).
    public func settleActivityFromHistory() throws {
        try writer.write { db in
            try db.execute(sql: Schema.lastActiveDaysFromHistory)
            try db.execute(sql: """
                WITH acts(userId, at) AS (
                    SELECT authorId, createdAt FROM message
                    UNION ALL SELECT uploadedBy, uploadedAt FROM documentVersion
                    UNION ALL SELECT validatedBy, validatedAt FROM documentVersion WHERE validatedBy IS NOT NULL
                    UNION ALL SELECT actorId, createdAt FROM auditLog WHERE actorId IS NOT NULL
                    UNION ALL SELECT client.userId, rating.updatedAt FROM rating JOIN client ON client.id = rating.clientId
                ), latest AS (
                    SELECT userId, max(at) AS at FROM acts WHERE userId IS NOT NULL GROUP BY userId
                )
                UPDATE user SET lastSeenAt = latest.at FROM latest
                WHERE latest.userId = user.id AND (user.lastSeenAt IS NULL OR user.lastSeenAt < latest.at)
                """)
        }
    }
}
