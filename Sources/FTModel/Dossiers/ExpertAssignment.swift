public import Foundation

/// An expert working on a dossier. The dates measure the SLA.
public struct ExpertAssignment: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64?
    public var dossierId: Int64
    public var expertId: Int64
    public var status: AssignmentStatus
    public var requestedAt: Date
    public var acceptedAt: Date?
    public var startedAt: Date?
    public var completedAt: Date?
    public var cancelledAt: Date?

    public init(
        id: Int64? = nil,
        dossierId: Int64,
        expertId: Int64,
        status: AssignmentStatus,
        requestedAt: Date,
        acceptedAt: Date? = nil,
        startedAt: Date? = nil,
        completedAt: Date? = nil,
        cancelledAt: Date? = nil
    ) {
        self.id = id
        self.dossierId = dossierId
        self.expertId = expertId
        self.status = status
        self.requestedAt = requestedAt
        self.acceptedAt = acceptedAt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.cancelledAt = cancelledAt
    }
}

public enum AssignmentStatus: String, Sendable, Codable, CaseIterable {
    case pending
    case assigned
    case inProgress = "in_progress"
    case completed
    case cancelled

    /// Open assignments count against the SLA.
    public var isOpen: Bool {
        switch self {
        case .pending, .assigned, .inProgress: true
        case .completed, .cancelled: false
        }
    }
}
