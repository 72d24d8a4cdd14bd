public import FTModel

/// The record ids the server names rather than the device: numbers written the one way
/// `String(Int64)` writes a positive one, alone (a step) or in pairs (`"3:204"`).
public enum RecordID {
    /// The number `text` spells, if it is spelled canonically: digits only, no sign, no leading
    /// zero, greater than zero, within `Int64`.
    public static func number(_ text: Substring) -> Int64? {
        let bytes = text.utf8
        guard let first = bytes.first, (0x31...0x39).contains(first), bytes.count <= 19,
            bytes.allSatisfy({ (0x30...0x39).contains($0) })
        else { return nil }
        return Int64(text)
    }

    public static func number(_ text: String) -> Int64? {
        number(Substring(text))
    }

    /// The two numbers of `"<a>:<b>"`, each spelled canonically.
    public static func pair(_ text: String) -> (Int64, Int64)? {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let first = number(parts[0]), let second = number(parts[1]) else { return nil }
        return (first, second)
    }
}

extension RecordID {
    /// The user, kind and channel of a preference's `"<user>:<kind>:<channel>"`.
    public static func preference(_ text: String) -> (user: Int64, kind: NotificationKind, channel: NotificationChannel)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let user = number(parts[0]), let kind = NotificationKind(rawValue: String(parts[1])),
            let channel = NotificationChannel(rawValue: String(parts[2]))
        else { return nil }
        return (user, kind, channel)
    }

    /// A preference's record id.
    public static func preference(user: Int64, kind: NotificationKind, channel: NotificationChannel) -> String {
        "\(user):\(kind.rawValue):\(channel.rawValue)"
    }
}
