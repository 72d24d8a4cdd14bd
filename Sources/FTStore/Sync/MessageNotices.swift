internal import Foundation
internal import GRDB

/// The notifications of the messages one push adds, written once after its operations: one per
/// conversation, author and recipient, however many messages the push carried ("3 nouveaux
/// messages de …", with the latest message's start). A device back from a day offline sends its
/// messages in one push; its correspondents get one notification per conversation rather than
/// one per message, and the writer runs the participants query once per conversation. Pushes
/// that share a transaction (`push(group:now:)`) are still notified one by one.
final class MessageNotices {
    struct Notice {
        var conversation: Int64
        var dossier: Int64
        var author: Int64
        var body: String
    }

    private struct Key: Hashable {
        var conversation: Int64
        var author: Int64
    }

    private struct Pending {
        var dossier: Int64
        var count: Int
        var latestBody: String
    }

    private var order: [Key] = []
    private var pending: [Key: Pending] = [:]

    /// Notes a message the transaction has stored (call it only once the message is in).
    func record(_ notice: Notice) {
        let key = Key(conversation: notice.conversation, author: notice.author)
        if var entry = pending[key] {
            entry.count += 1
            entry.latestBody = notice.body
            pending[key] = entry
        } else {
            order.append(key)
            pending[key] = Pending(dossier: notice.dossier, count: 1, latestBody: notice.body)
        }
    }

    /// Writes the notifications noted so far and forgets them: each participant of the dossier (its client and its assigned
    /// experts) but the author gets one per conversation and author.
    func write(now: Date, db: Database) throws {
        let createdAt = DatabaseDate.string(from: now)
        for key in order {
            guard let entry = pending[key] else { continue }
            try db.cachedStatement(sql: """
                INSERT INTO notification (userId, kind, title, body, target, createdAt)
                SELECT p.userId, 'message',
                    CASE WHEN ?6 = 1 THEN 'Nouveau message de ' ELSE ?6 || ' nouveaux messages de ' END
                        || coalesce((SELECT displayName FROM user WHERE id = ?1), '?'),
                    substr(?2, 1, 140), 'conversation:' || ?3, ?4
                FROM (SELECT c.userId AS userId FROM dossier d JOIN client c ON c.id = d.clientId WHERE d.id = ?5
                      UNION SELECT e.userId FROM expertAssignment a JOIN expert e ON e.id = a.expertId WHERE a.dossierId = ?5 AND a.status <> 'cancelled') p
                WHERE p.userId <> ?1
                """).execute(arguments: [key.author, entry.latestBody, key.conversation, createdAt, entry.dossier, entry.count])
        }
        order.removeAll()
        pending.removeAll()
    }
}
