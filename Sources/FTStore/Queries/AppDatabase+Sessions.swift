public import Foundation
internal import GRDB
public import FTModel

/// A signed-in session: the token to send as `Authorization: Bearer …`, shown once.
public struct SignedIn: Sendable {
    public var token: String
    public var user: User
    public var expiresAt: Date
}

extension AppDatabase {
    /// Checks the password and opens a session. `nil` for an unknown email, a wrong password, a
    /// deactivated user or an account without a password: the caller cannot tell which.
    public func signIn(email: String, password: String, now: Date, lifetime: TimeInterval = 7 * 86_400) throws -> SignedIn? {
        guard let user = try authenticate(email: email, password: password) else { return nil }
        return try openSession(for: user, now: now, lifetime: lifetime)
    }

    /// Opens a session for a user whose password `authenticate` has checked. Apart from it so
    /// that the slow check can run on a thread of its own that never holds the writer.
    public func openSession(for user: User, now: Date, lifetime: TimeInterval = 7 * 86_400) throws -> SignedIn? {
        guard let userId = user.id else { return nil }
        let token = SessionToken.make()
        let expiresAt = now.addingTimeInterval(lifetime)
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO session (tokenHash, userId, createdAt, expiresAt) VALUES (?, ?, ?, ?)",
                arguments: [SessionToken.hash(token), userId, now, expiresAt]
            )
            try db.execute(sql: "UPDATE user SET lastSeenAt = ? WHERE id = ?", arguments: [now, userId])
        }
        return SignedIn(token: token, user: user, expiresAt: expiresAt)
    }

    /// The active user a token belongs to, if the session is neither expired nor revoked.
    /// Recently checked sessions are answered from memory (`SessionCache`).
    public func user(token: String, now: Date) throws -> User? {
        if let user = sessions.user(token: token, now: now) { return user }
        let found = try writer.read { db -> (User, Date)? in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT user.*, session.expiresAt AS sessionExpiresAt FROM session JOIN user ON user.id = session.userId
                WHERE session.tokenHash = ? AND session.revokedAt IS NULL AND session.expiresAt > ? AND user.active = 1
                """, arguments: [SessionToken.hash(token), now]) else { return nil }
            return (try User(row: row), row["sessionExpiresAt"])
        }
        guard let (user, expiresAt) = found else { return nil }
        sessions.remember(token: token, user: user, expiresAt: expiresAt, now: now)
        return user
    }

    /// Revokes a token. Revoking an unknown or revoked token is not an error.
    public func signOut(token: String, now: Date) throws {
        sessions.forget(token: token)
        try writer.write { db in
            try db.execute(sql: "UPDATE session SET revokedAt = ? WHERE tokenHash = ? AND revokedAt IS NULL", arguments: [now, SessionToken.hash(token)])
        }
    }
}
