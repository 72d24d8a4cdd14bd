public import Foundation

/// A client's review of an expert. One per (client, expert): a later rating replaces the earlier.
public struct Rating: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64?
    public var clientId: Int64
    public var expertId: Int64
    /// The assignment that earned the right to rate, when known.
    public var assignmentId: Int64?
    /// 1 to 5 stars.
    public var score: Int
    public var comment: String
    public var createdAt: Date
    public var updatedAt: Date
    public var hlc: String

    public init(
        id: Int64? = nil,
        clientId: Int64,
        expertId: Int64,
        assignmentId: Int64? = nil,
        score: Int,
        comment: String,
        createdAt: Date,
        updatedAt: Date,
        hlc: String
    ) {
        self.id = id
        self.clientId = clientId
        self.expertId = expertId
        self.assignmentId = assignmentId
        self.score = score
        self.comment = comment
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.hlc = hlc
    }

    /// The valid range of `score`.
    public static let scoreRange = 1...5
}
