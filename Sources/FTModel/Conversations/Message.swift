public import Foundation

/// One chat message. Created once with a device-made id; the body may be edited by its author
/// (last writer wins by HLC); deletion leaves a tombstone.
public struct Message: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    public var conversationId: Int64
    public var authorId: Int64
    public var body: String
    public var createdAt: Date
    public var editedAt: Date?
    public var deletedAt: Date?
    /// Hybrid-logical-clock timestamp of the last write to this message.
    public var hlc: String

    public init(
        id: String,
        conversationId: Int64,
        authorId: Int64,
        body: String,
        createdAt: Date,
        editedAt: Date? = nil,
        deletedAt: Date? = nil,
        hlc: String
    ) {
        self.id = id
        self.conversationId = conversationId
        self.authorId = authorId
        self.body = body
        self.createdAt = createdAt
        self.editedAt = editedAt
        self.deletedAt = deletedAt
        self.hlc = hlc
    }

    /// The longest body accepted, in characters.
    public static let maximumBodyLength = 20_000
}

/// A document attached to a message.
public struct MessageAttachment: Sendable, Codable, Equatable, Hashable {
    public var messageId: String
    public var documentId: String

    public init(messageId: String, documentId: String) {
        self.messageId = messageId
        self.documentId = documentId
    }
}

/// How far one user has read a conversation. Only ever moves forward.
public struct ReadReceipt: Sendable, Codable, Equatable {
    public var conversationId: Int64
    public var userId: Int64
    public var readUpTo: Date

    public init(conversationId: Int64, userId: Int64, readUpTo: Date) {
        self.conversationId = conversationId
        self.userId = userId
        self.readUpTo = readUpTo
    }
}
