public import FTStore

/// Where a running seed is, for a progress bar.
public struct SeedProgress: Sendable, Equatable {
    public var phase: String
    public var done: Int
    public var total: Int
}

/// What a seed produced.
public struct SeedReport: Sendable {
    public var counts: [TableCount]
    public var seconds: Double
    public var accounts: [String]
}
