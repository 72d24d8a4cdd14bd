public import Foundation

/// Something a user must see, shown in the notification centre.
public struct UserNotification: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64?
    public var userId: Int64
    public var kind: NotificationKind
    public var title: String
    public var body: String
    /// The app path the notification leads to, e.g. `/app/dossiers/12`.
    public var target: String?
    public var createdAt: Date
    public var readAt: Date?

    public init(
        id: Int64? = nil,
        userId: Int64,
        kind: NotificationKind,
        title: String,
        body: String,
        target: String? = nil,
        createdAt: Date,
        readAt: Date? = nil
    ) {
        self.id = id
        self.userId = userId
        self.kind = kind
        self.title = title
        self.body = body
        self.target = target
        self.createdAt = createdAt
        self.readAt = readAt
    }
}

public enum NotificationKind: String, Sendable, Codable, CaseIterable {
    case message
    case assignment
    case stepDue = "step_due"
    case stepOverdue = "step_overdue"
    case document
    case rating
    case expertApproved = "expert_approved"
    case newExpert = "new_expert"
    case system
    /// A scheduled report is ready (daily, weekly, monthly): for the admins who asked for it by
    /// e-mail, with its XLSX and PDF attached.
    case reportDaily = "report_daily"
    case reportWeekly = "report_weekly"
    case reportMonthly = "report_monthly"
    /// A message an admin sent to a segment of the users.
    case announcement
    /// A step of one of the recipient's dossiers moved (started, completed, reopened) by someone else.
    case stepChanged = "step_changed"
}

extension NotificationKind {
    /// A scheduled report's notice (its e-mail carries the report's files).
    public var isReport: Bool {
        self == .reportDaily || self == .reportWeekly || self == .reportMonthly
    }

    /// What this kind is, in French, as "ne plus recevoir … par e-mail" says it.
    public var frenchLabel: String {
        switch self {
        case .message: "les nouveaux messages"
        case .assignment: "les nouvelles missions"
        case .stepDue: "les rappels d’échéance"
        case .stepOverdue: "les alertes de retard"
        case .document: "les nouvelles des documents"
        case .rating: "les nouveaux avis"
        case .expertApproved: "les nouvelles de votre profil"
        case .newExpert: "les nouveaux experts"
        case .system: "les messages du compte"
        case .reportDaily: "le rapport quotidien"
        case .reportWeekly: "le rapport hebdomadaire"
        case .reportMonthly: "le rapport mensuel"
        case .announcement: "les annonces de FinancialTracker"
        case .stepChanged: "l’avancement de vos dossiers"
        }
    }
}

public enum NotificationChannel: String, Sendable, Codable, CaseIterable {
    case inApp = "in_app"
    case email
    case push
}

/// Whether a user wants one kind of notification on one channel.
public struct NotificationPreference: Sendable, Codable, Equatable {
    public var userId: Int64
    public var kind: NotificationKind
    public var channel: NotificationChannel
    public var enabled: Bool

    public init(userId: Int64, kind: NotificationKind, channel: NotificationChannel, enabled: Bool) {
        self.userId = userId
        self.kind = kind
        self.channel = channel
        self.enabled = enabled
    }
}
