/// An error from the store, with what went wrong and where, ready to show to a person.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    fileprivate enum Code: Sendable, Equatable {
        case notADatabase
        case newerSchema
        case cannotOpen
        case constraintViolated
        case notFound
        case operationIdTaken
    }

    private let code: Code
    /// The database file concerned, when there is one.
    public let path: String?
    /// The table the failing operation touched.
    public let table: String?
    /// The name of the violated constraint (`dossier_status`, `foreign key dossier.clientId → client.id`, …).
    public let constraint: String?
    /// A human explanation.
    public let detail: String

    private init(_ code: Code, path: String? = nil, table: String? = nil, constraint: String? = nil, detail: String) {
        self.code = code
        self.path = path
        self.table = table
        self.constraint = constraint
        self.detail = detail
    }

    /// The file exists but is not an SQLite database.
    public static func notADatabase(path: String) -> StoreError {
        StoreError(.notADatabase, path: path, detail: "\(path) is not a FinancialTracker database (not an SQLite file); nothing was changed")
    }

    /// The database was written by a newer version of FinancialTracker.
    public static func newerSchema(path: String, unknownMigrations: [String]) -> StoreError {
        StoreError(
            .newerSchema,
            path: path,
            detail: "\(path) was written by a newer FinancialTracker (unknown schema migrations: \(unknownMigrations.joined(separator: ", "))); upgrade ft to open it. Nothing was changed"
        )
    }

    /// The database file or its folder cannot be opened or created.
    public static func cannotOpen(path: String, reason: String) -> StoreError {
        StoreError(.cannotOpen, path: path, detail: "cannot open the database \(path): \(reason)")
    }

    /// A row was refused by a constraint of the schema.
    public static func constraintViolated(table: String, constraint: String, detail: String) -> StoreError {
        StoreError(.constraintViolated, table: table, constraint: constraint, detail: "\(table): \(constraint) refused the row (\(detail))")
    }

    /// A record that an operation needs does not exist.
    public static func notFound(table: String, id: String) -> StoreError {
        StoreError(.notFound, table: table, detail: "no \(table) with id \(id)")
    }

    /// A pushed operation's id is already another user's operation: ids are the idempotency keys
    /// of one user's retries, so the push is refused rather than answered with someone else's answer.
    public static func operationIdTaken(_ id: String) -> StoreError {
        StoreError(.operationIdTaken, table: "syncChange", detail: "the operation id '\(id)' is already used by another user's operation; make a new id for this change")
    }

    /// What kind of failure this is, for `switch`-free comparisons: `error.kind == .newerSchema`.
    public var kind: Kind { Kind(code) }

    public struct Kind: Sendable, Equatable {
        fileprivate let code: Code
        fileprivate init(_ code: Code) { self.code = code }

        public static let notADatabase = Kind(.notADatabase)
        public static let newerSchema = Kind(.newerSchema)
        public static let cannotOpen = Kind(.cannotOpen)
        public static let constraintViolated = Kind(.constraintViolated)
        public static let notFound = Kind(.notFound)
        public static let operationIdTaken = Kind(.operationIdTaken)
    }

    public var description: String { detail }
}
