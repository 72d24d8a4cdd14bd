internal import GRDB
public import Foundation

/// A conversation's first answer: from the client's first message to the first expert message
/// after it, with what the reports group it by.
public struct FirstResponse: Sendable {
    /// The client's first message, as stored (`YYYY-MM-DD HH:MM:SS.SSS`, UTC: it sorts as time).
    public var askedAt: String
    public var seconds: Double
    public var expertId: Int64
    public var expertName: String
    public var productCode: String
    public var productName: String
    public var region: String
}

extension AppDatabase {
    /// Every conversation that has a client question and an expert answer after it. One pass
    /// over the messages, shared by the dashboard and the reports made with it.
    public func firstResponses() throws -> [FirstResponse] {
        try writer.read { db in
            try Array(Row.fetchCursor(db, sql: """
                SELECT x.askedAt, (julianday(m.createdAt) - julianday(x.askedAt)) * 86400.0, e.id, e.firstName || ' ' || e.lastName, p.code, p.name, cl.region
                FROM (\(Self.firstAnswersSQL())) x JOIN message m ON m.rowid = x.answer JOIN expert e ON e.userId = m.authorId
                JOIN dossier d ON d.id = x.dossierId JOIN eligibleProduct p ON p.id = d.productId JOIN client cl ON cl.id = d.clientId
                """).map { row in
                FirstResponse(askedAt: row[0], seconds: row[1], expertId: row[2], expertName: row[3], productCode: row[4], productName: row[5], region: row[6])
            })
        }
    }

    /// The definition of a first answer, shared by the dashboard, the reports and the profiles'
    /// response times: rows `conversationId, dossierId, askedAt` (the client's first message) and
    /// `answer` (the rowid of the first expert message after it, NULL if none) for each
    /// conversation with a client question. `conversations`: what follows `FROM conversation c`
    /// (a `WHERE` on `c`), empty for all.
    static func firstAnswersSQL(conversations: String = "") -> String {
        """
        SELECT a.conversationId, a.dossierId, a.at AS askedAt, (
            SELECT m.rowid FROM message m
            WHERE m.conversationId = a.conversationId AND m.authorRole = 'expert' AND m.createdAt > a.at ORDER BY m.createdAt LIMIT 1
        ) AS answer FROM (
            SELECT c.id AS conversationId, c.dossierId,
                (SELECT min(m.createdAt) FROM message m WHERE m.conversationId = c.id AND m.authorRole = 'client') AS at
            FROM conversation c \(conversations)
        ) a WHERE a.at IS NOT NULL
        """
    }
}
