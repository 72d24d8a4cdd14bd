public import Foundation

/// One line of the audit log: who did what to which record, and when.
public struct AuditEntry: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64?
    /// The acting user; `nil` for the system, or once that user is deleted.
    public var actorId: Int64?
    /// A dotted verb, e.g. `expert.approve`, `document.upload`.
    public var action: String
    public var entityType: String
    public var entityId: String
    /// Extra context as a JSON object.
    public var detail: String
    public var createdAt: Date

    public init(
        id: Int64? = nil,
        actorId: Int64?,
        action: String,
        entityType: String,
        entityId: String,
        detail: String = "{}",
        createdAt: Date
    ) {
        self.id = id
        self.actorId = actorId
        self.action = action
        self.entityType = entityType
        self.entityId = entityId
        self.detail = detail
        self.createdAt = createdAt
    }
}
