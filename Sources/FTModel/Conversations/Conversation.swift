public import Foundation

/// The chat of one dossier, between its client, its experts and the admins.
public struct Conversation: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64?
    public var dossierId: Int64
    public var createdAt: Date

    public init(id: Int64? = nil, dossierId: Int64, createdAt: Date) {
        self.id = id
        self.dossierId = dossierId
        self.createdAt = createdAt
    }
}
