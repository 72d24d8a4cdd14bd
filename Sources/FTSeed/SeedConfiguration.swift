public import Foundation
public import FTStore

/// What `DemoSeeder` generates. Identical configurations give identical databases.
public struct SeedConfiguration: Sendable {
    public var experts: Int
    public var clients: Int
    public var seed: UInt64
    /// The day the demo data is laid out around: every date falls on or before it.
    public var today: Date
    /// The password of the demo accounts (see `DemoAccounts`).
    public var demoPassword: String
    /// How the demo accounts' passwords are hashed; tests use fewer iterations.
    public var passwordHasher: PasswordHasher
    /// Where the demo documents' contents go, encrypted like any upload. `nil`: versions are
    /// written without content (tests that need only rows).
    public var documents: BlobStore?

    public init(
        experts: Int = 200,
        clients: Int = 1_000,
        seed: UInt64 = 42,
        today: Date,
        demoPassword: String = DemoAccounts.defaultPassword,
        passwordHasher: PasswordHasher = PasswordHasher(),
        documents: BlobStore? = nil
    ) {
        self.documents = documents
        self.experts = experts
        self.clients = clients
        self.seed = seed
        self.today = today
        self.demoPassword = demoPassword
        self.passwordHasher = passwordHasher
    }

    /// The largest counts `ft seed` accepts.
    public static let maximumExperts = 1_000_000
    public static let maximumClients = 5_000_000
}

/// The fixed sign-in accounts of the demo data, one per role plus a second client.
///
/// Only these accounts get a password: hashing one costs about a quarter of a second by design,
/// so the generated users have none and cannot sign in until an admin sets one.
public enum DemoAccounts {
    public static let defaultPassword = "demo-financialtracker"
    public static let admin = "admin@financialtracker.example"
    /// The first expert; approved, and assigned to the first client's dossier in progress.
    public static let expert = "expert@financialtracker.example"
    /// The first client; owns a dossier in progress handled by the demo expert.
    public static let client = "client@financialtracker.example"
    /// A second client who must never see the first client's data.
    public static let otherClient = "client2@financialtracker.example"
}
