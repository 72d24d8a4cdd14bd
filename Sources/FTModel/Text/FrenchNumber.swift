/// Whole numbers as French writes them: groups of three digits set apart by a narrow no-break
/// space ("12 500"), for the server's own sentences (notifications, a dossier's history).
public enum FrenchNumber {
    public static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: "\u{202F}")
    }
}
