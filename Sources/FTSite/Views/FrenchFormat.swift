internal import Foundation
internal import FTStore

/// Numbers, money and dates as a French reader expects them, with words from the locale.
struct FrenchFormat: Sendable {
    let strings: [String: String]

    func string(_ key: String) -> String { strings[key] ?? key }

    /// "4,6"
    func decimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10),\(abs(tenths % 10))"
    }

    /// "42 300" with a narrow no-break space between thousands.
    func integer(_ value: Int) -> String {
        if (0..<1_000).contains(value) { return String(value) }
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
        if let civil = Self.civilDate(date) { return "\(string("month_\(civil.month)")) \(civil.year)" }
        let parts = Self.calendar.dateComponents([.year, .month], from: date)
        return "\(string("month_\(parts.month ?? 1)")) \(parts.year ?? 0)"
    }

    /// Year, month and day in UTC by arithmetic (the days-from-civil inverse of H. Hinnant's
    /// `chrono` algorithms), for dates from 1900 to 9999, where the Gregorian calendar's answer
    /// is the same; nil outside (the calendar answers). `Calendar.dateComponents` was most of a
    /// profile page's review dates.
    static func civilDate(_ date: Date) -> (year: Int, month: Int, day: Int)? {
        let seconds = date.timeIntervalSince1970
        // 1900-01-01T00:00:00Z ..< 10000-01-01T00:00:00Z
        guard seconds >= -2_208_988_800, seconds < 253_402_300_800 else { return nil }
        return CivilDate.from(daysSince1970: Int((seconds / 86_400).rounded(.down)))
    }

    /// "12 mars 2026"
    func day(_ date: Date) -> String {
        if let civil = Self.civilDate(date) { return "\(civil.day) \(string("month_\(civil.month)")) \(civil.year)" }
        let parts = Self.calendar.dateComponents([.year, .month, .day], from: date)
        return "\(parts.day ?? 1) \(string("month_\(parts.month ?? 1)")) \(parts.year ?? 0)"
    }

    /// A `{count}` placeholder filled in, singular or plural by the count: keys `name_one`, `name_other`.
    func count(_ key: String, _ value: Int) -> String {
        fill(value == 1 || value == 0 ? "\(key)_one" : "\(key)_other", ["count": integer(value)])
    }

    /// A locale string with its `{name}` placeholders filled in; an unknown placeholder stays as it is.
    /// (One pass over the text: Foundation's `replacingOccurrences` dominated a whole build's profile.)
    /// (Pairs, not a dictionary: most strings have one or two placeholders, and hashing them was
    /// a visible part of building a profile page's values.)
    func fill(_ key: String, _ values: KeyValuePairs<String, String>) -> String {
        let template = string(key)
        var result = ""
        result.reserveCapacity(template.utf8.count + 16)
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            if let value = values.first(where: { $0.key == name })?.value {
                result += value
            } else {
                result += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return result
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
