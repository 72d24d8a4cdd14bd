public import FTModel
public import Foundation
internal import GRDB

/// One account e-mail to send (`accountMail`).
public struct AccountMail: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The link that confirms a new account's address.
        case verify
        /// The link that sets a new password.
        case reset
        /// A sign-up with an address (or a SIREN) that already has an account: no link, what to do.
        case signupTaken
        /// A reset asked for an address that has no account: no link, what to do.
        case resetUnknown
        /// The account was deleted at its owner's request: the confirmation, to the old address.
        case deleted
    }

    public var id: Int64
    public var kind: Kind
    public var email: String
    /// The account's contact name, when there is an account.
    public var displayName: String?
    /// With the server's key, makes the link's token (`LinkTokens.accountToken`).
    public var nonce: String
    public var createdAt: Date
    public var expiresAt: Date
    public var attempts: Int

    /// Fixed by the row: a retry after a crash is the same e-mail.
    public func mailId(domain: String) -> String { "ft-compte-\(id)@\(domain)" }
}

/// What a sign-up did. The caller answers the same in every case, so that nobody learns from it
/// whether an address has an account; the e-mail sent differs.
public enum SignUpOutcome: Sendable, Equatable {
    case created(userId: Int64)
    /// The address or the SIREN has an account already: that address is told so by e-mail.
    case taken
}

/// What following an account e-mail's link found.
public enum AccountLink: Sendable, Equatable {
    case done(User)
    /// The link was used already.
    case used
    case expired
    case unknown
}

extension AppDatabase {
    /// How long a verification link works.
    public static let verificationWindow: TimeInterval = 7 * 86_400
    /// How long a password reset link works.
    public static let resetWindow: TimeInterval = 30 * 60

    /// Opens a client's account, not yet verified, with its verification e-mail — or, when the
    /// address or the SIREN already has an account, writes the e-mail that says so to the address
    /// instead. One transaction either way. `passwordHash` is the caller's (slow) hash of the password.
    public func signUp(_ form: SignUp, place: FrenchPostcodes.Place, passwordHash: String, nonce: String, tokenHash: Data, now: Date) throws -> SignUpOutcome {
        try writer.write { db in
            let taken = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM user WHERE email = ?) OR EXISTS (SELECT 1 FROM client WHERE siren = ?)
                """, arguments: [form.email, form.siren]) ?? false
            if taken {
                try Self.insertAccountMail(db, kind: .signupTaken, email: form.email, userId: nil, nonce: nonce, tokenHash: tokenHash, now: now, window: Self.verificationWindow)
                return .taken
            }
            try db.execute(sql: """
                INSERT INTO user (email, passwordHash, role, displayName, active, createdAt, emailVerified) VALUES (?, ?, 'client', ?, 1, ?, 0)
                """, arguments: [form.email, passwordHash, form.contactName, now])
            let userId = db.lastInsertedRowID
            try db.execute(sql: """
                INSERT INTO client (userId, companyName, siren, city, postcode, region, sector, employeeCount, createdAt, latitude, longitude)
                VALUES (?, ?, ?, ?, ?, ?, 'non renseigné', 0, ?, ?, ?)
                """, arguments: [userId, form.company, form.siren, place.city, form.postcode, place.region, now,
                                 // A town the place list does not know has no coordinates (0, 0): none stored.
                                 place.latitude == 0 && place.longitude == 0 ? nil : place.latitude, place.latitude == 0 && place.longitude == 0 ? nil : place.longitude])
            try Self.insertAccountMail(db, kind: .verify, email: form.email, userId: userId, nonce: nonce, tokenHash: tokenHash, now: now, window: Self.verificationWindow)
            try Self.audit(db, actor: userId, action: "account.signup", userId: userId, detail: ["siren": form.siren], now: now)
            return .created(userId: userId)
        }
    }

    /// A verification e-mail for an account that signed in with the right password before
    /// following its link: at most one every ten minutes. Returns whether one was written.
    @discardableResult
    public func resendVerification(userId: Int64, nonce: String, tokenHash: Data, now: Date) throws -> Bool {
        try writer.write { db in
            guard let email = try String.fetchOne(db, sql: "SELECT email FROM user WHERE id = ? AND emailVerified = 0", arguments: [userId]) else { return false }
            let recent = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM accountMail WHERE userId = ? AND kind = 'verify' AND createdAt > ?)
                """, arguments: [userId, now.addingTimeInterval(-600)]) ?? false
            if recent { return false }
            try Self.insertAccountMail(db, kind: .verify, email: email, userId: userId, nonce: nonce, tokenHash: tokenHash, now: now, window: Self.verificationWindow)
            return true
        }
    }

    /// Follows a verification link: the account's address is confirmed; it can sign in.
    public func verifyEmail(tokenHash: Data, now: Date) throws -> AccountLink {
        try useLink(kind: .verify, tokenHash: tokenHash, now: now) { db, user in
            try db.execute(sql: "UPDATE user SET emailVerified = 1 WHERE id = ?", arguments: [user])
            try Self.audit(db, actor: user, action: "account.verify", userId: user, detail: [:], now: now)
        }
    }

    /// Asks for a password reset: the reset e-mail to an account's address, or, to an address
    /// without one, the e-mail that says so. Either way one row, so that both take the same time.
    public func requestPasswordReset(email: String, nonce: String, tokenHash: Data, now: Date) throws {
        try writer.write { db in
            if let userId = try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE email = ? AND active = 1", arguments: [email]) {
                try Self.insertAccountMail(db, kind: .reset, email: email, userId: userId, nonce: nonce, tokenHash: tokenHash, now: now, window: Self.resetWindow)
            } else {
                try Self.insertAccountMail(db, kind: .resetUnknown, email: email, userId: nil, nonce: nonce, tokenHash: tokenHash, now: now, window: Self.resetWindow)
            }
        }
    }

    /// The account a reset link is for, if it can still be used (to show the form).
    public func passwordResetLink(tokenHash: Data, now: Date) throws -> AccountLink {
        try writer.read { db in try Self.link(db, kind: .reset, tokenHash: tokenHash, now: now) }
    }

    /// Follows a reset link with the new password's hash: the password is replaced, every
    /// session of the account ends, the account's other reset links stop working, and its
    /// address counts as verified (the e-mail reached it).
    public func resetPassword(tokenHash: Data, passwordHash: String, now: Date) throws -> AccountLink {
        var revoked = 0
        let link = try useLink(kind: .reset, tokenHash: tokenHash, now: now) { db, user in
            try db.execute(sql: "UPDATE user SET passwordHash = ?, emailVerified = 1 WHERE id = ?", arguments: [passwordHash, user])
            try db.execute(sql: "UPDATE accountMail SET usedAt = ? WHERE userId = ? AND kind = 'reset' AND usedAt IS NULL", arguments: [now, user])
            revoked = try Self.revokeSessions(db, userId: user, except: nil, now: now)
            try Self.audit(db, actor: user, action: "account.password.reset", userId: user, detail: ["sessionsEnded": revoked], now: now)
        }
        if revoked > 0 { sessions.forgetAll() }
        return link
    }

    /// Replaces a signed-in user's password (the caller checked the current one): the other
    /// sessions end (how many is returned), the one in use stays.
    public func changePassword(userId: Int64, passwordHash: String, keeping token: String, now: Date) throws -> Int {
        let kept = SessionToken.hash(token)
        let revoked = try writer.write { db in
            try db.execute(sql: "UPDATE user SET passwordHash = ? WHERE id = ?", arguments: [passwordHash, userId])
            let revoked = try Self.revokeSessions(db, userId: userId, except: kept, now: now)
            try Self.audit(db, actor: userId, action: "account.password.change", userId: userId, detail: ["sessionsEnded": revoked], now: now)
            return revoked
        }
        sessions.forgetAll()
        return revoked
    }

    /// Ends every session of a user ("se déconnecter partout"); returns how many.
    public func signOutEverywhere(userId: Int64, now: Date) throws -> Int {
        let revoked = try writer.write { db in
            let revoked = try Self.revokeSessions(db, userId: userId, except: nil, now: now)
            try Self.audit(db, actor: userId, action: "account.signout.everywhere", userId: userId, detail: ["sessionsEnded": revoked], now: now)
            return revoked
        }
        sessions.forgetAll()
        return revoked
    }

    /// The account e-mails to send now, oldest first.
    public func accountMails(now: Date, limit: Int = 200) throws -> [AccountMail] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.*, u.displayName FROM accountMail m LEFT JOIN user u ON u.id = m.userId
                WHERE m.sentAt IS NULL AND m.failedAt IS NULL AND m.notBefore <= ? AND m.expiresAt > ?
                ORDER BY m.id LIMIT ?
                """, arguments: [now, now, limit]).map { row in
                AccountMail(
                    id: row["id"], kind: AccountMail.Kind(rawValue: row["kind"]) ?? .resetUnknown, email: row["email"], displayName: row["displayName"],
                    nonce: row["nonce"], createdAt: row["createdAt"], expiresAt: row["expiresAt"], attempts: row["attempts"]
                )
            }
        }
    }

    public func markAccountMailsSent(_ ids: [Int64], at date: Date) throws {
        guard !ids.isEmpty else { return }
        try writer.write { db in
            let sent = try db.cachedStatement(sql: "UPDATE accountMail SET sentAt = ?, lastError = NULL WHERE id = ?")
            for id in ids { try sent.execute(arguments: [date, id]) }
        }
    }

    /// A try that failed: again at `retryAt`, or, without one, given up.
    public func markAccountMailFailed(_ id: Int64, error: String, retryAt: Date?, now: Date) throws {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE accountMail SET attempts = attempts + 1, lastError = ?, notBefore = coalesce(?, notBefore), failedAt = CASE WHEN ? IS NULL THEN ? END WHERE id = ?
                """, arguments: [String(error.prefix(500)), retryAt, retryAt, now, id])
        }
    }

    // MARK: - Shared

    private func useLink(kind: AccountMail.Kind, tokenHash: Data, now: Date, _ body: @escaping (Database, Int64) throws -> Void) throws -> AccountLink {
        try writer.write { db in
            let link = try Self.link(db, kind: kind, tokenHash: tokenHash, now: now)
            guard case .done(let user) = link, let id = user.id else { return link }
            try db.execute(sql: "UPDATE accountMail SET usedAt = ? WHERE tokenHash = ?", arguments: [now, tokenHash])
            try body(db, id)
            return .done(try User.fetchOne(db, key: id) ?? user)
        }
    }

    private static func link(_ db: Database, kind: AccountMail.Kind, tokenHash: Data, now: Date) throws -> AccountLink {
        guard let row = try Row.fetchOne(db, sql: "SELECT userId, expiresAt, usedAt FROM accountMail WHERE tokenHash = ? AND kind = ?", arguments: [tokenHash, kind.rawValue]),
            let userId = row["userId"] as Int64?, let user = try User.fetchOne(db, key: userId), user.active
        else { return .unknown }
        if row["usedAt"] as Date? != nil { return .used }
        if (row["expiresAt"] as Date) <= now { return .expired }
        return .done(user)
    }

    static func insertAccountMail(_ db: Database, kind: AccountMail.Kind, email: String, userId: Int64?, nonce: String, tokenHash: Data, now: Date, window: TimeInterval) throws {
        try db.execute(sql: """
            INSERT INTO accountMail (kind, email, userId, nonce, tokenHash, createdAt, expiresAt, notBefore) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [kind.rawValue, email, userId, nonce, tokenHash, now, now.addingTimeInterval(window), now])
    }

    /// Revokes a user's open sessions but the one whose hash is `kept`; returns how many.
    static func revokeSessions(_ db: Database, userId: Int64, except kept: String?, now: Date) throws -> Int {
        try db.execute(sql: """
            UPDATE session SET revokedAt = ? WHERE userId = ? AND revokedAt IS NULL AND expiresAt > ? AND tokenHash IS NOT ?
            """, arguments: [now, userId, now, kept])
        return db.changesCount
    }

    /// A line of the audit log about a user (`entityType` 'user', or 'expert' with the expert's id);
    /// `detail`'s values written as text.
    static func audit(_ db: Database, actor: Int64?, action: String, userId: Int64, entityType: String = "user", entityId: Int64? = nil, detail: [String: any Sendable], now: Date) throws {
        let json = (try? JSONSerialization.data(withJSONObject: detail.mapValues { "\($0)" }, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        try db.execute(sql: """
            INSERT INTO auditLog (actorId, action, entityType, entityId, detail, createdAt) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [actor, action, entityType, String(entityId ?? userId), json, now])
    }
}
