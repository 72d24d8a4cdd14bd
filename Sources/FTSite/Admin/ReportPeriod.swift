public import Foundation
public import FTModel

/// A report's period: a day, an ISO week (Monday to Sunday) or a calendar month, in UTC.
public enum ReportPeriod: String, Sendable, CaseIterable {
    case daily
    case weekly
    case monthly

    /// The notice that tells the admins a report of this period is ready.
    public var notificationKind: NotificationKind {
        switch self {
        case .daily: .reportDaily
        case .weekly: .reportWeekly
        case .monthly: .reportMonthly
        }
    }

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar
    }()

    /// The period holding `day`: its start, its end (excluded) and the name its files take
    /// (`2026-11-24`, `2026-W48`, `2026-11`).
    public func range(containing day: Date) -> (from: Date, to: Date, slug: String) {
        let calendar = Self.calendar
        switch self {
        case .daily:
            let start = calendar.startOfDay(for: day)
            let parts = calendar.dateComponents([.year, .month, .day], from: start)
            return (start, start.addingTimeInterval(86_400), String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0))
        case .weekly:
            let interval = calendar.dateInterval(of: .weekOfYear, for: day) ?? DateInterval(start: day, duration: 7 * 86_400)
            let parts = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: interval.start)
            return (interval.start, interval.end, String(format: "%04d-W%02d", parts.yearForWeekOfYear ?? 0, parts.weekOfYear ?? 0))
        case .monthly:
            let interval = calendar.dateInterval(of: .month, for: day) ?? DateInterval(start: day, duration: 30 * 86_400)
            let parts = calendar.dateComponents([.year, .month], from: interval.start)
            return (interval.start, interval.end, String(format: "%04d-%02d", parts.year ?? 0, parts.month ?? 0))
        }
    }

    /// The period in French, as people name it: "mardi 24 novembre 2026", "semaine 48, du 23 au
    /// 29 novembre 2026", "novembre 2026". (File names keep `slug`.)
    public func label(containing day: Date) -> String {
        let (from, to, _) = range(containing: day)
        let calendar = Self.calendar
        let start = calendar.dateComponents([.year, .month, .day, .weekday, .weekOfYear], from: from)
        let end = calendar.dateComponents([.year, .month, .day], from: to.addingTimeInterval(-1))
        let month = { (number: Int?) in Self.months[((number ?? 1) - 1 + 12) % 12] }
        switch self {
        case .daily:
            return "\(Self.weekdays[((start.weekday ?? 1) - 1 + 7) % 7]) \(Self.dayNumber(start.day)) \(month(start.month)) \(start.year ?? 0)"
        case .weekly:
            let first = start.month == end.month ? Self.dayNumber(start.day) : start.year == end.year
                ? "\(Self.dayNumber(start.day)) \(month(start.month))" : "\(Self.dayNumber(start.day)) \(month(start.month)) \(start.year ?? 0)"
            return "semaine \(start.weekOfYear ?? 0), du \(first) au \(Self.dayNumber(end.day)) \(month(end.month)) \(end.year ?? 0)"
        case .monthly:
            return "\(month(start.month)) \(start.year ?? 0)"
        }
    }

    /// The period whose files are named `slug`, in French (`label`); nil for a name this build
    /// does not make.
    public func label(slug: String) -> String? {
        let parts = slug.split(separator: "-")
        var components = DateComponents()
        switch self {
        case .daily:
            guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return nil }
            (components.year, components.month, components.day) = (year, month, day)
        case .weekly:
            guard parts.count == 2, let year = Int(parts[0]), parts[1].hasPrefix("W"), let week = Int(parts[1].dropFirst()) else { return nil }
            (components.yearForWeekOfYear, components.weekOfYear, components.weekday) = (year, week, 2)
        case .monthly:
            guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]) else { return nil }
            (components.year, components.month, components.day) = (year, month, 1)
        }
        guard let day = Self.calendar.date(from: components), range(containing: day).slug == slug else { return nil }
        return label(containing: day)
    }

    private static let months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]
    private static let weekdays = ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"]
    private static func dayNumber(_ day: Int?) -> String { day == 1 ? "1er" : String(day ?? 0) }

    /// The last complete period before `now` (yesterday, last week, last month): what `ft serve`
    /// produces on schedule.
    public func lastComplete(before now: Date) -> Date {
        range(containing: now).from.addingTimeInterval(-1)
    }
}
