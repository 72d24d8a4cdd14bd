public import Foundation

/// One step of a dossier's workflow.
public struct DossierStep: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64?
    public var dossierId: Int64
    /// Order within the dossier, from 1.
    public var position: Int
    public var type: StepType
    public var status: StepStatus
    public var priority: StepPriority
    /// Who is expected to act on this step.
    public var assigneeRole: Role
    /// 0 to 100.
    public var progress: Int
    public var dueAt: Date?
    public var completedAt: Date?
    public var updatedAt: Date

    public init(
        id: Int64? = nil,
        dossierId: Int64,
        position: Int,
        type: StepType,
        status: StepStatus,
        priority: StepPriority,
        assigneeRole: Role,
        progress: Int,
        dueAt: Date? = nil,
        completedAt: Date? = nil,
        updatedAt: Date
    ) {
        self.id = id
        self.dossierId = dossierId
        self.position = position
        self.type = type
        self.status = status
        self.priority = priority
        self.assigneeRole = assigneeRole
        self.progress = progress
        self.dueAt = dueAt
        self.completedAt = completedAt
        self.updatedAt = updatedAt
    }

    /// The valid range of `progress`.
    public static let progressRange = 0...100
}

public enum StepType: String, Sendable, Codable, CaseIterable {
    case validation
    case documentation
    case expertise
    case approval
    case payment
}

public enum StepStatus: String, Sendable, Codable, CaseIterable {
    case pending
    case inProgress = "in_progress"
    case completed
    case overdue
}

public enum StepPriority: String, Sendable, Codable, CaseIterable {
    case low
    case normal
    case high
    case urgent
}
