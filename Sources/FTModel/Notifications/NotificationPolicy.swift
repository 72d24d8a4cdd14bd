public import Foundation

/// Who is told what, where and when: the pure part of the notifications pipeline. Given a
/// notification (its kind, when it was made), its recipient's role and preferences, it decides
/// the outside channels (e-mail, push) it goes out on and the earliest moment for each. No I/O;
/// time comes in as arguments.
public struct NotificationPolicy: Sendable {
    /// Kinds that bypass preferences and quiet hours: account and security messages.
    public static let critical: Set<NotificationKind> = [.system]

    public var quietHours: QuietHours
    /// Messages wait this long before their e-mail leaves, so that a conversation's messages of
    /// the next minutes go out together ("5 nouveaux messages dans le dossier n° 12").
    public var digestWindow: TimeInterval
    /// At most this many e-mails per recipient per hour; beyond, they wait and go out together.
    public var mailsPerHour: Int
    public var retry: RetryPolicy

    public init(quietHours: QuietHours = QuietHours(), digestWindow: TimeInterval = 120, mailsPerHour: Int = 12, retry: RetryPolicy = RetryPolicy()) {
        self.quietHours = quietHours
        self.digestWindow = digestWindow
        self.mailsPerHour = mailsPerHour
        self.retry = retry
    }

    /// The kinds of notification a role can receive, as its preferences page lists them.
    public static func kinds(for role: Role) -> [NotificationKind] {
        switch role {
        case .client: [.message, .assignment, .stepDue, .stepOverdue, .stepChanged, .document, .newExpert, .announcement, .system]
        case .expert: [.message, .assignment, .stepDue, .stepOverdue, .stepChanged, .document, .rating, .expertApproved, .announcement, .system]
        case .admin: [.message, .assignment, .stepDue, .stepOverdue, .document, .newExpert, .reportDaily, .reportWeekly, .reportMonthly, .announcement, .system]
        }
    }

    /// Whether a recipient who said nothing gets `kind` on `channel`. In the app, everything;
    /// by e-mail and push, what asks something of the recipient or concerns their dossiers
    /// (experts are not sent an e-mail per rating, clients per new expert; a step's moves go by push only). Reports go by e-mail
    /// only to the admins who asked for them; announcements everywhere, until turned off.
    public static func defaultEnabled(_ kind: NotificationKind, on channel: NotificationChannel, for role: Role) -> Bool {
        if channel == .inApp || critical.contains(kind) { return true }
        switch kind {
        case .message, .assignment, .stepDue, .stepOverdue, .document: return true
        case .rating: return role == .expert && channel == .push
        case .expertApproved: return role == .expert
        case .newExpert: return role == .admin
        case .system: return true
        case .reportDaily, .reportWeekly, .reportMonthly: return false
        case .announcement: return true
        // A step moved: on the phone, not one e-mail per move.
        case .stepChanged: return channel == .push
        }
    }

    /// One outside delivery to make: on `channel`, not before `notBefore`; deliveries of one
    /// recipient with the same `digestKey` go out as one.
    public struct Delivery: Sendable, Equatable {
        public var channel: NotificationChannel
        public var notBefore: Date
        public var digestKey: String?
    }

    /// The outside deliveries of one notification. `preferences`: what the recipient chose per
    /// channel for this kind (a channel missing takes the role's default); `target` groups a
    /// conversation's messages.
    public func deliveries(kind: NotificationKind, createdAt: Date, target: String?, role: Role, preferences: [NotificationChannel: Bool]) -> [Delivery] {
        let critical = Self.critical.contains(kind)
        var planned: [Delivery] = []
        for channel in [NotificationChannel.email, .push] {
            let wanted = critical || (preferences[channel] ?? Self.defaultEnabled(kind, on: channel, for: role))
            guard wanted else { continue }
            var notBefore = createdAt
            var digestKey: String?
            if kind == .message && channel == .email {
                notBefore = createdAt.addingTimeInterval(digestWindow)
                digestKey = target
            }
            if !critical { notBefore = quietHours.nextAllowed(notBefore) }
            planned.append(Delivery(channel: channel, notBefore: notBefore, digestKey: digestKey))
        }
        return planned
    }
}

/// Hours during which nothing but critical kinds goes out (21:00–08:00 in Paris by default);
/// what falls in them waits for their end and leaves then, together.
public struct QuietHours: Sendable {
    public var startHour: Int
    public var endHour: Int
    public var timeZone: TimeZone

    public init(startHour: Int = 21, endHour: Int = 8, timeZone: TimeZone = TimeZone(identifier: "Europe/Paris") ?? .gmt) {
        self.startHour = startHour
        self.endHour = endHour
        self.timeZone = timeZone
    }

    /// Whether `date` falls in the quiet hours.
    public func contains(_ date: Date) -> Bool {
        let hour = calendar.component(.hour, from: date)
        return startHour > endHour ? (hour >= startHour || hour < endHour) : (hour >= startHour && hour < endHour)
    }

    /// `date` itself outside the quiet hours, else their end (local time, summer time included).
    public func nextAllowed(_ date: Date) -> Date {
        guard contains(date) else { return date }
        let hour = calendar.component(.hour, from: date)
        let day = calendar.startOfDay(for: date)
        // Before midnight the end is tomorrow morning; after midnight, this morning.
        let endDay = (startHour > endHour && hour >= startHour) ? (calendar.date(byAdding: .day, value: 1, to: day) ?? day) : day
        return calendar.date(bySettingHour: endHour, minute: 0, second: 0, of: endDay) ?? date
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}

/// When a failed delivery is tried again: exponential backoff with jitter, and after
/// `maximumAttempts` failures none — a dead letter, for the admins to see and retry.
public struct RetryPolicy: Sendable {
    public var maximumAttempts: Int
    public var firstDelay: TimeInterval
    public var longestDelay: TimeInterval

    public init(maximumAttempts: Int = 6, firstDelay: TimeInterval = 30, longestDelay: TimeInterval = 3_600) {
        self.maximumAttempts = maximumAttempts
        self.firstDelay = firstDelay
        self.longestDelay = longestDelay
    }

    /// The next try after the `attempts`-th failure (1 for the first), or nil when it was the last.
    /// `jitter` in 0..<1 (random in production) spreads retries between 50 % and 150 % of the delay.
    public func nextAttempt(after attempts: Int, at now: Date, jitter: Double) -> Date? {
        guard attempts < maximumAttempts else { return nil }
        let delay = min(longestDelay, firstDelay * pow(2, Double(max(0, attempts - 1))))
        return now.addingTimeInterval(delay * (0.5 + min(max(jitter, 0), 1)))
    }
}
