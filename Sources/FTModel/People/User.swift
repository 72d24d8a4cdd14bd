public import Foundation

/// A login. Every person who signs in is a `User`; a client or an expert profile hangs off it.
public struct User: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64?
    public var email: String
    /// A self-describing salted hash (see `PasswordHash` in FTStore), or `nil` for an account that
    /// has no password yet and therefore cannot sign in.
    public var passwordHash: String?
    public var role: Role
    public var displayName: String
    public var phone: String?
    /// A deactivated user cannot sign in and disappears from public pages.
    public var active: Bool
    public var createdAt: Date
    public var lastSeenAt: Date?
    /// False from a sign-up until the link of its e-mail is followed: such an account cannot sign in.
    public var emailVerified: Bool

    public init(
        id: Int64? = nil,
        email: String,
        passwordHash: String? = nil,
        role: Role,
        displayName: String,
        phone: String? = nil,
        active: Bool = true,
        createdAt: Date,
        lastSeenAt: Date? = nil,
        emailVerified: Bool = true
    ) {
        self.id = id
        self.email = email
        self.passwordHash = passwordHash
        self.role = role
        self.displayName = displayName
        self.phone = phone
        self.active = active
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.emailVerified = emailVerified
    }
}
