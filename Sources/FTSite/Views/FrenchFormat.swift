internal import Foundation

/// Numbers, money and dates as a French reader expects them, with words from the locale.
struct FrenchFormat: Sendable {
    let strings: [String: String]

    func string(_ key: String) -> String { strings[key] ?? key }

    /// "4,6"
    func decimal(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        let text = String(format: "%.1f", rounded)
        return text.replacingOccurrences(of: ".", with: ",")
    }

    /// "42 300" with a narrow no-break space between thousands.
    func integer(_ value: Int) -> String {
        var digits = String(abs(value))
        var groups: [String] = []
        while digits.count > 3 {
            groups.insert(String(digits.suffix(3)), at: 0)
            digits = String(digits.dropLast(3))
        }
        groups.insert(digits, at: 0)
        return (value < 0 ? "-" : "") + groups.joined(separator: "\u{202F}")
    }

    /// "42 300 €"
    func euros(_ value: Int) -> String { integer(value) + "\u{00A0}€" }

    /// "mars 2026"
    func monthYear(_ date: Date) -> String {
        let parts = Self.calendar.dateComponents([.year, .month], from: date)
        return "\(string("month_\(parts.month ?? 1)")) \(parts.year ?? 0)"
    }

    /// "12 mars 2026"
    func day(_ date: Date) -> String {
        let parts = Self.calendar.dateComponents([.year, .month, .day], from: date)
        return "\(parts.day ?? 1) \(string("month_\(parts.month ?? 1)")) \(parts.year ?? 0)"
    }

    /// A `{count}` placeholder filled in, singular or plural by the count: keys `name_one`, `name_other`.
    func count(_ key: String, _ value: Int) -> String {
        let template = string(value == 1 || value == 0 ? "\(key)_one" : "\(key)_other")
        return template.replacingOccurrences(of: "{count}", with: integer(value))
    }

    /// A template string with `{name}` placeholders filled in.
    func fill(_ key: String, _ values: [String: String]) -> String {
        var text = string(key)
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar
    }()

    /// ISO 8601 in UTC, for feeds and structured data.
    static func iso8601(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }
}
