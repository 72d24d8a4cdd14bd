public import Foundation
internal import Crypto
internal import GRDB
public import FTModel
internal import FTSync

/// What deleting an account did, for the person's confirmation, the audit line and the server's
/// follow-up (contents to erase from disk, devices to tell).
public struct AccountDeletion: Sendable, Equatable {
    public var messagesDeleted = 0
    public var commentsErased = 0
    public var dossiersCancelled = 0
    public var assignmentsCancelled = 0
    /// The versions whose contents must now leave the disk (`DocumentArchiver.erase`).
    public var versionsErased: [DocumentVersion] = []
    /// The newest change written (the devices of the dossiers concerned are told), or nil.
    public var newestSeq: Int64?
}

/// Why an account cannot be deleted.
public enum AccountDeletionError: Error, Equatable, CustomStringConvertible {
    case unknownUser
    case alreadyDeleted
    case lastAdmin

    public var description: String {
        switch self {
        case .unknownUser: "Ce compte n’existe pas."
        case .alreadyDeleted: "Ce compte est déjà supprimé."
        case .lastAdmin: "Vous êtes le dernier administrateur actif : nommez-en un autre avant de supprimer votre compte."
        }
    }
}

extension AppDatabase {
    /// Deletes an account at its owner's request (RGPD, article 17), in one transaction:
    ///
    /// - **deleted**: the messages they wrote (through sync, as a deletion every device applies;
    ///   the bodies also leave the change log and the notifications that quoted them), their
    ///   ratings' comments (the score stays, without their name), the contents of the files they
    ///   uploaded (marked erased here; the caller removes the bytes, `DocumentArchiver.erase`),
    ///   those files' search terms, an expert's profile (unpublished, every descriptive field
    ///   emptied, the schemes dropped), their sessions, notifications, preferences, push
    ///   subscriptions, search alerts and pending e-mails;
    /// - **cancelled**: the client's open dossiers and the expert's open assignments;
    /// - **kept, anonymized**: the account row (address, name and password replaced: nobody can
    ///   sign in as it; `deletedAt` set), the dossiers and their history, the company of a client
    ///   (a business record), the audit log (the address erased from it), and one line saying
    ///   what was done.
    ///
    /// `nonce` and `tokenHash` make the row of the "your account is deleted" e-mail, which goes to
    /// the old address (the account no longer holds it). Admins may delete theirs unless no other active admin remains.
    public func deleteAccount(userId: Int64, nonce: String, tokenHash: Data, now: Date) throws -> AccountDeletion {
        let deletion = try writer.write { db -> AccountDeletion in
            guard let row = try Row.fetchOne(db, sql: "SELECT email, displayName, role, deletedAt FROM user WHERE id = ?", arguments: [userId]) else {
                throw AccountDeletionError.unknownUser
            }
            guard (row["deletedAt"] as Date?) == nil else { throw AccountDeletionError.alreadyDeleted }
            let email: String = row["email"]
            let name: String = row["displayName"]
            let role = Role(rawValue: row["role"]) ?? .client
            if role == .admin {
                let others = try Int.fetchOne(db, sql: "SELECT count(*) FROM user WHERE role = 'admin' AND active = 1 AND deletedAt IS NULL AND id <> ?", arguments: [userId]) ?? 0
                if others == 0 { throw AccountDeletionError.lastAdmin }
            }
            var done = AccountDeletion()
            let stamp = HLCTimestamp(milliseconds: DatabaseDate.milliseconds(now), node: "server")
            let actor = SyncActor(user: userId, role: role)
            try Self.deleteMessages(of: userId, name: name, actor: actor, stamp: stamp, now: now, into: &done, db: db)
            try Self.eraseComments(of: userId, actor: actor, stamp: stamp, now: now, into: &done, db: db)
            try Self.eraseUploads(of: userId, now: now, into: &done, db: db)
            try Self.closeWork(of: userId, now: now, into: &done, db: db)
            try Self.eraseDossierTexts(of: userId, name: name, db: db)
            try Self.removeExpertProfile(of: userId, now: now, db: db)
            try Self.forgetAccount(userId, email: email, now: now, db: db)
            try db.execute(sql: "UPDATE auditLog SET detail = replace(detail, ?, '(adresse effacée)') WHERE instr(detail, ?) > 0", arguments: [email, email])
            try Self.audit(db, actor: userId, action: "user.delete", userId: userId, detail: [
                "messagesDeleted": done.messagesDeleted, "commentsErased": done.commentsErased, "filesErased": done.versionsErased.count,
                "dossiersCancelled": done.dossiersCancelled, "assignmentsCancelled": done.assignmentsCancelled,
            ], now: now)
            try Self.insertAccountMail(db, kind: .deleted, email: email, userId: nil, nonce: nonce, tokenHash: tokenHash, now: now, window: 7 * 86_400)
            return done
        }
        sessions.forgetAll()
        return deletion
    }

    /// A change the server makes for a person who is leaving: pushed as theirs (the same checks
    /// and merge as their own devices'), or, when they could no longer make it themselves (a
    /// dossier they left), as the server's.
    private static func pushForLeaving(_ operation: SyncOperation, now: Date, db: Database) throws -> Int64? {
        let result = try pushOnBehalf(operation, now: now, db: db)
        if result.status == .accepted { return result.seq }
        var own = operation
        own.actor = .server
        return try applyFromServer(own, now: now, statements: PushStatements(db), db: db)
    }

    /// The id of one erasure: the same record erased twice is one change.
    private static func erasureOperation(_ collection: SyncCollection, _ record: String) -> String {
        let digest = SHA256.hash(data: Data("\(collection.rawValue):\(record)".utf8))
        return "erase-" + digest.prefix(20).map { String(format: "%02x", $0) }.joined()
    }

    private static func deleteMessages(of userId: Int64, name: String, actor: SyncActor, stamp: HLCTimestamp, now: Date, into done: inout AccountDeletion, db: Database) throws {
        let messages = try Row.fetchAll(db, sql: "SELECT id, conversationId, body FROM message WHERE authorId = ? AND deletedAt IS NULL ORDER BY id", arguments: [userId])
        for message in messages {
            let id: String = message["id"]
            let operation = SyncOperation(id: erasureOperation(.message, id), collection: .message, action: .delete, record: id, fields: [:], hlc: stamp, actor: actor)
            done.newestSeq = try pushForLeaving(operation, now: now, db: db) ?? done.newestSeq
            // The others' notifications quoted the first 140 characters.
            try db.execute(sql: """
                UPDATE notification SET body = 'Message supprimé', title = replace(title, ?, 'un compte supprimé')
                WHERE kind = 'message' AND target = 'conversation:' || ? AND body = substr(?, 1, 140)
                """, arguments: [name, message["conversationId"] as Int64, message["body"] as String])
            done.messagesDeleted += 1
        }
        // Every message of theirs, deleted before or now: no body stays in the change log.
        try db.execute(sql: """
            UPDATE syncChange SET fields = json_set(fields, '$.body', '')
            WHERE collection = 'message' AND json_type(fields, '$.body') = 'text' AND json_extract(fields, '$.body') <> ''
              AND record IN (SELECT id FROM message WHERE authorId = ?)
            """, arguments: [userId])
    }

    private static func eraseComments(of userId: Int64, actor: SyncActor, stamp: HLCTimestamp, now: Date, into done: inout AccountDeletion, db: Database) throws {
        let ratings = try Row.fetchAll(db, sql: """
            SELECT r.clientId, r.expertId, r.score, r.hlc FROM rating r JOIN client c ON c.id = r.clientId WHERE c.userId = ? AND r.comment <> ''
            """, arguments: [userId])
        for rating in ratings {
            let record = "\(rating["clientId"] as Int64):\(rating["expertId"] as Int64)"
            // After the stored value, whatever clock wrote it: the erasure must win.
            let stored = HLCTimestamp(rating["hlc"] as String)
            let hlc = stored.map { $0 >= stamp ? HLCTimestamp(milliseconds: $0.milliseconds + 1, node: "server") : stamp } ?? stamp
            let operation = SyncOperation(
                id: erasureOperation(.rating, record), collection: .rating, action: .update, record: record,
                fields: ["score": .int(rating["score"]), "comment": .string("")], hlc: hlc, actor: actor
            )
            done.newestSeq = try pushForLeaving(operation, now: now, db: db) ?? done.newestSeq
            done.commentsErased += 1
        }
        try db.execute(sql: """
            UPDATE syncChange SET fields = json_set(fields, '$.comment', '')
            WHERE collection = 'rating' AND json_type(fields, '$.comment') = 'text' AND json_extract(fields, '$.comment') <> ''
              AND record IN (SELECT r.clientId || ':' || r.expertId FROM rating r JOIN client c ON c.id = r.clientId WHERE c.userId = ?)
            """, arguments: [userId])
    }

    private static func eraseUploads(of userId: Int64, now: Date, into done: inout AccountDeletion, db: Database) throws {
        done.versionsErased = try DocumentVersion.fetchAll(db, sql: "SELECT * FROM documentVersion WHERE uploadedBy = ? AND erasedAt IS NULL ORDER BY id", arguments: [userId])
        guard !done.versionsErased.isEmpty else { return }
        try db.execute(sql: "UPDATE documentVersion SET erasedAt = ? WHERE uploadedBy = ? AND erasedAt IS NULL", arguments: [now, userId])
        try db.execute(sql: "DELETE FROM documentTerm WHERE versionId IN (SELECT id FROM documentVersion WHERE uploadedBy = ?)", arguments: [userId])
        try db.execute(sql: "DELETE FROM documentText WHERE versionId IN (SELECT id FROM documentVersion WHERE uploadedBy = ?)", arguments: [userId])
        for index in done.versionsErased.indices { done.versionsErased[index].erasedAt = now }
    }

    /// The client's open dossiers and the expert's open assignments end: nobody waits on a person
    /// who left; an expert's dossiers are offered to the next expert by the rules.
    private static func closeWork(of userId: Int64, now: Date, into done: inout AccountDeletion, db: Database) throws {
        // An expert's dossiers go on with the next expert by the rules.
        done.assignmentsCancelled = try OfferRouting.moveOn(fromExpertUser: userId, why: "L’expert a supprimé son compte", now: now, db: db)
        try db.execute(sql: """
            UPDATE expertAssignment SET status = 'cancelled', cancelledAt = ?2
            WHERE status IN ('pending', 'assigned', 'in_progress')
              AND (expertId IN (SELECT id FROM expert WHERE userId = ?1) OR dossierId IN (SELECT d.id FROM dossier d JOIN client c ON c.id = d.clientId WHERE c.userId = ?1))
            """, arguments: [userId, now])
        done.assignmentsCancelled += db.changesCount
        try db.execute(sql: """
            UPDATE dossier SET status = 'cancelled', closedAt = ?2, updatedAt = ?2
            WHERE status IN ('eligible', 'in_progress') AND clientId IN (SELECT id FROM client WHERE userId = ?1)
            """, arguments: [userId, now])
        done.dossiersCancelled = db.changesCount
    }

    /// What a client wrote about its situation when it opened a dossier goes, from the dossier,
    /// its request's merge state and the change log (the answers to the scheme's questions stay:
    /// they are the dossier's eligibility record); the person's name leaves the dossiers' history.
    private static func eraseDossierTexts(of userId: Int64, name: String, db: Database) throws {
        let own = "SELECT d.id FROM dossier d JOIN client c ON c.id = d.clientId WHERE c.userId = ?1"
        try db.execute(sql: "UPDATE dossier SET description = '' WHERE description <> '' AND id IN (\(own))", arguments: [userId])
        try db.execute(sql: """
            UPDATE syncRecord SET state = json_set(state, '$.dossier._0.content.value.description', '')
            WHERE collection = 'dossier' AND dossierId IN (\(own))
            """, arguments: [userId])
        try db.execute(sql: """
            UPDATE syncChange SET fields = json_set(fields, '$.description', '')
            WHERE collection = 'dossier' AND json_extract(fields, '$.description') <> '' AND (actorId = ?1 OR dossierId IN (\(own)))
            """, arguments: [userId])
        guard !name.isEmpty else { return }
        try db.execute(sql: "UPDATE dossierEvent SET text = replace(text, ?1, 'un compte supprimé') WHERE instr(text, ?1) > 0", arguments: [name])
    }

    private static func removeExpertProfile(of userId: Int64, now: Date, db: Database) throws {
        guard let expertId = try Int64.fetchOne(db, sql: "SELECT id FROM expert WHERE userId = ?", arguments: [userId]) else { return }
        try db.execute(sql: "DELETE FROM expertSpecialty WHERE expertId = ?", arguments: [expertId])
        try db.execute(sql: """
            UPDATE expert SET slug = 'expert-supprime-' || id, firstName = 'Expert', lastName = 'supprimé', company = '', headline = '',
                bioMarkdown = '', certifications = '[]', languages = '[]', portfolio = '[]', siret = NULL, rejectionReason = NULL,
                dayRate = NULL, successFeePercent = NULL, active = 0, updatedAt = ?
            WHERE id = ?
            """, arguments: [now, expertId])
    }

    /// The account row stays (the dossiers and the audit log point at it), with nothing of the person.
    private static func forgetAccount(_ userId: Int64, email: String, now: Date, db: Database) throws {
        try db.execute(sql: "DELETE FROM session WHERE userId = ?", arguments: [userId])
        try db.execute(sql: "DELETE FROM notificationDelivery WHERE userId = ?", arguments: [userId])
        try db.execute(sql: "DELETE FROM notification WHERE userId = ?", arguments: [userId])
        try db.execute(sql: "DELETE FROM unsubscribeToken WHERE userId = ?", arguments: [userId])
        try db.execute(sql: "DELETE FROM notificationPreference WHERE userId = ?", arguments: [userId])
        try db.execute(sql: "DELETE FROM syncChange WHERE ownerId = ?", arguments: [userId])
        try db.execute(sql: "DELETE FROM syncRejection WHERE userId = ?", arguments: [userId])
        try db.execute(sql: "DELETE FROM pushSubscription WHERE userId = ?", arguments: [userId])
        try db.execute(sql: "DELETE FROM searchAlert WHERE email = ?", arguments: [email])
        try db.execute(sql: "DELETE FROM accountMail WHERE userId = ? OR email = ?", arguments: [userId, email])
        try db.execute(sql: """
            UPDATE user SET email = 'compte-supprime-' || id || '@financialtracker.invalid', displayName = 'Compte supprimé', phone = NULL,
                passwordHash = NULL, active = 0, lastSeenAt = NULL, deletedAt = ?
            WHERE id = ?
            """, arguments: [now, userId])
    }
}
