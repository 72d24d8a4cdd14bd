internal import Foundation
internal import GRDB
public import FTModel

extension AppDatabase {
    /// The user with this email (case-insensitive), if any.
    public func user(email: String) throws -> User? {
        try writer.read { db in
            try User.filter(sql: "email = ?", arguments: [email]).fetchOne(db)
        }
    }

    public func user(id: Int64) throws -> User? {
        try writer.read { db in try User.fetchOne(db, key: id) }
    }

    /// The active user whose email and password match, or `nil`. Deactivated users and accounts
    /// without a password never match.
    public func authenticate(email: String, password: String) throws -> User? {
        guard let user = try user(email: email), user.active, let stored = user.passwordHash else { return nil }
        return PasswordHasher.verify(password, against: stored) ? user : nil
    }

    /// `authenticate`, taking about the same time whether the address has an account or not: an
    /// unknown or deactivated one is checked against a decoy hash of the same cost.
    public func authenticateEvenly(email: String, password: String) throws -> User? {
        guard let user = try user(email: email), user.active, let stored = user.passwordHash else {
            _ = PasswordHasher.verify(password, against: Self.decoyHash)
            return nil
        }
        return PasswordHasher.verify(password, against: stored) ? user : nil
    }

    /// A hash of nothing anyone types, at the cost new passwords get.
    static let decoyHash: String = (try? PasswordHasher().hash(UUID().uuidString)) ?? ""

    public func client(userId: Int64) throws -> Client? {
        try writer.read { db in try Client.filter(sql: "userId = ?", arguments: [userId]).fetchOne(db) }
    }

    public func unreadNotificationCount(userId: Int64) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM notification n WHERE userId = ?1 AND readAt IS NULL AND \(Self.shownInApp)", arguments: [userId]) ?? 0
        }
    }
}
