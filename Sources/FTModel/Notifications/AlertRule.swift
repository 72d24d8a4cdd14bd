public import Foundation

/// The conditions `ft serve` watches for and tells people about (`AppDatabase.evaluateAlerts`).
public enum AlertRuleKind: String, Sendable, Codable, CaseIterable {
    /// An open mission has used `threshold` % of its scheme's SLA.
    case slaAtRisk = "sla_at_risk"
    /// An open mission is past its scheme's SLA.
    case slaBreached = "sla_breached"
    /// A client's message has waited `threshold` working hours for an answer.
    case messageUnanswered = "message_unanswered"
    /// A step is due within `threshold` days.
    case stepDue = "step_due"
    /// A step is past its due date.
    case stepOverdue = "step_overdue"
    /// A document version has waited `threshold` days for validation.
    case documentWaiting = "document_waiting"
    /// An expert with open missions has done nothing for `threshold` days.
    case expertInactive = "expert_inactive"
    /// The API's 95th percentile response time over the last five minutes is above `threshold`
    /// milliseconds (`ServiceHealth`, measured by `ft serve`).
    case apiSlow = "api_slow"
    /// At least `threshold` requests were answered with a 5xx in the last five minutes.
    case serverErrors = "server_errors"

    /// What `threshold` counts.
    public enum Unit: String, Sendable { case percent, workingHours = "working_hours", days, milliseconds, errors }

    public var unit: Unit {
        switch self {
        case .slaAtRisk: .percent
        case .messageUnanswered: .workingHours
        case .slaBreached, .stepDue, .stepOverdue, .documentWaiting, .expertInactive: .days
        case .apiSlow: .milliseconds
        case .serverErrors: .errors
        }
    }

    /// Whether the condition is about the running server (`ServiceHealth`), not the database.
    public var watchesTheServer: Bool { self == .apiSlow || self == .serverErrors }

    /// The kind of notification it sends, which the recipients' preferences decide on.
    public var notificationKind: NotificationKind {
        switch self {
        case .slaAtRisk, .slaBreached, .stepOverdue, .expertInactive: .stepOverdue
        case .messageUnanswered: .message
        case .stepDue: .stepDue
        case .documentWaiting: .document
        case .apiSlow, .serverErrors: .system
        }
    }

    /// Its name on the admin pages.
    public var frenchName: String {
        switch self {
        case .slaAtRisk: "Délai de traitement menacé"
        case .slaBreached: "Délai de traitement dépassé"
        case .messageUnanswered: "Message client sans réponse"
        case .stepDue: "Échéance d’étape proche"
        case .stepOverdue: "Étape en retard"
        case .documentWaiting: "Document en attente de validation"
        case .expertInactive: "Expert inactif"
        case .apiSlow: "API lente (95e centile sur 5 min)"
        case .serverErrors: "Erreurs du serveur (5xx sur 5 min)"
        }
    }
}

/// Who an alert goes to: the dossier's client, its assigned experts, every active admin.
public enum AlertRecipient: String, Sendable, Codable, CaseIterable {
    case client
    case expert
    case admins
}

/// One alert rule as admins configure it.
public struct AlertRule: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var kind: AlertRuleKind
    /// In `kind.unit`.
    public var threshold: Int
    public var recipients: Set<AlertRecipient>
    /// The channels it may use (within each recipient's preferences); in-app always.
    public var channels: Set<NotificationChannel>
    /// While unresolved, told again every this many hours…
    public var reminderHours: Int
    /// …at most this many times.
    public var maxReminders: Int
    public var active: Bool

    public init(id: Int64, kind: AlertRuleKind, threshold: Int, recipients: Set<AlertRecipient>, channels: Set<NotificationChannel>, reminderHours: Int = 24, maxReminders: Int = 3, active: Bool = true) {
        self.id = id
        self.kind = kind
        self.threshold = threshold
        self.recipients = recipients
        self.channels = channels
        self.reminderHours = reminderHours
        self.maxReminders = maxReminders
        self.active = active
    }
}

/// Office hours, for "N working hours": Monday to Friday, 9:00 to 18:00, Paris time.
public struct WorkingHours: Sendable {
    public var startHour: Int
    public var endHour: Int
    public var calendar: Calendar

    public init(startHour: Int = 9, endHour: Int = 18, timeZone: TimeZone = TimeZone(identifier: "Europe/Paris") ?? .gmt) {
        self.startHour = startHour
        self.endHour = endHour
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// Working hours between two moments (0 when `end` is not after `start`), at most a year's:
    /// older than that is far past any threshold. Whole weeks count five working days each (a
    /// change of clock happens at night); the last two weeks or less are counted day by day. An
    /// alert evaluation asks this for every unanswered conversation.
    public func hours(from start: Date, to end: Date) -> Double {
        guard end > start else { return 0 }
        let from = max(start, end.addingTimeInterval(-366 * 86_400))
        let weeks = max(0, Int(end.timeIntervalSince(from) / (7 * 86_400)) - 1)
        guard weeks > 0, let later = calendar.date(byAdding: .weekOfYear, value: weeks, to: from), later < end else {
            return dayByDay(from: from, to: end)
        }
        return Double(weeks * 5 * max(0, endHour - startHour)) + dayByDay(from: later, to: end)
    }

    private func dayByDay(from start: Date, to end: Date) -> Double {
        var total: TimeInterval = 0
        var day = calendar.startOfDay(for: start)
        while day < end {
            let weekday = calendar.component(.weekday, from: day)
            // Sunday is 1, Saturday 7.
            if weekday != 1, weekday != 7,
                let open = calendar.date(bySettingHour: startHour, minute: 0, second: 0, of: day),
                let close = calendar.date(bySettingHour: endHour, minute: 0, second: 0, of: day) {
                let from = max(open, start)
                let to = min(close, end)
                if to > from { total += to.timeIntervalSince(from) }
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { break }
            day = next
        }
        return total / 3_600
    }
}

/// How `ft serve` has been answering lately: what the performance rules look at.
public struct ServiceHealth: Sendable, Equatable {
    /// The requests to `/api/` measured (the live channel's long-lived upgrade aside).
    public var requests: Int
    /// Their 95th percentile response time, nil with no request.
    public var p95Milliseconds: Double?
    /// Answers with a 5xx status, every path.
    public var serverErrors: Int
    /// The window they were counted over.
    public var windowSeconds: Int

    public init(requests: Int, p95Milliseconds: Double?, serverErrors: Int, windowSeconds: Int) {
        self.requests = requests
        self.p95Milliseconds = p95Milliseconds
        self.serverErrors = serverErrors
        self.windowSeconds = windowSeconds
    }
}
