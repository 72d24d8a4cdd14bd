public import Foundation

/// A report's period: a day, an ISO week (Monday to Sunday) or a calendar month, in UTC.
public enum ReportPeriod: String, Sendable, CaseIterable {
    case daily
    case weekly
    case monthly

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

    /// The last complete period before `now` (yesterday, last week, last month): what `ft serve`
    /// produces on schedule.
    public func lastComplete(before now: Date) -> Date {
        range(containing: now).from.addingTimeInterval(-1)
    }
}
