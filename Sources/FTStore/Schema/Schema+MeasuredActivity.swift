internal import GRDB

extension Schema {
    /// What a profile says about an expert's activity is measured, not written: the seeded
    /// `responseTimeHours` goes (the response time is now the median of the expert's real first
    /// answers, computed by the site's build from the messages), and `lastActiveDay` holds the day
    /// of the expert's latest real action.
    ///
    /// Runtime actions all arrive through sync, so one trigger on the change log keeps the day: it
    /// moves only forward and only when the day changes, so the update it makes (which notes a
    /// `profile` site change through `siteChange_expert_profile`) rebuilds a profile at most once a
    /// day. A second trigger notes a site change when an expert's message may be a conversation's
    /// first answer, which is what the median is made of. Read receipts and preferences are not
    /// actions anyone sees.
    static func measureExpertActivity(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE expert DROP COLUMN responseTimeHours;
            ALTER TABLE expert ADD COLUMN lastActiveDay DATETIME;
            \(lastActiveDaysFromHistory)
            CREATE TRIGGER expert_last_active AFTER INSERT ON syncChange
            WHEN NEW.actorRole = 'expert' AND NEW.collection NOT IN ('readReceipt', 'preference') BEGIN
                UPDATE expert SET lastActiveDay = date(NEW.receivedAt)
                WHERE userId = NEW.actorId AND (lastActiveDay IS NULL OR date(lastActiveDay) < date(NEW.receivedAt));
            END;
            CREATE TRIGGER siteChange_expert_answer AFTER INSERT ON syncChange
            WHEN NEW.actorRole = 'expert' AND NEW.collection = 'message' AND NEW.action = 'insert' BEGIN
                INSERT INTO siteChange (expertId, kind)
                SELECT expert.id, 'profile' FROM expert
                WHERE expert.userId = NEW.actorId AND NOT EXISTS (
                    SELECT 1 FROM message answer JOIN message earlier
                        ON earlier.conversationId = answer.conversationId AND earlier.authorRole = 'expert'
                        AND earlier.id <> answer.id AND earlier.createdAt <= answer.createdAt
                    WHERE answer.id = NEW.record
                );
            END;
            """)
    }

    /// Sets every expert's `lastActiveDay` from what the database holds: messages written,
    /// document versions uploaded or judged, and the change log (steps and the rest). One pass per
    /// table, grouped by user.
    static let lastActiveDaysFromHistory = """
        WITH acts(userId, at) AS (
            SELECT authorId, createdAt FROM message
            UNION ALL SELECT uploadedBy, uploadedAt FROM documentVersion
            UNION ALL SELECT validatedBy, validatedAt FROM documentVersion WHERE validatedBy IS NOT NULL
            UNION ALL SELECT actorId, receivedAt FROM syncChange
                WHERE actorRole = 'expert' AND collection NOT IN ('readReceipt', 'preference')
        ), latest AS (
            SELECT userId, date(max(at)) AS day FROM acts WHERE userId IS NOT NULL GROUP BY userId
        )
        UPDATE expert SET lastActiveDay = latest.day FROM latest
        WHERE latest.userId = expert.userId AND expert.lastActiveDay IS NOT latest.day;
        """
}
