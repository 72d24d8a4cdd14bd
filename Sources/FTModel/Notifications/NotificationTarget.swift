/// Where a notification leads in the app, as a path of the site (the same rule as `targetHref`
/// in `sync/notifications.js`): `conversation:<id>` → its conversation page, `dossier:<id>` →
/// the dossier in the list, a path of this site → itself, anything else → nowhere.
public enum NotificationTarget {
    public static func appPath(_ target: String?) -> String? {
        guard let target else { return nil }
        if let id = number(after: "conversation:", in: target) { return "/app/conversation.html?conversation=\(id)" }
        if let id = number(after: "dossier:", in: target) { return "/app/index.html#dossier-\(id)" }
        if target.hasPrefix("/"), !target.hasPrefix("//"), !target.hasPrefix("/\\"), !target.contains(where: \.isWhitespace) { return target }
        return nil
    }

    private static func number(after prefix: String, in target: String) -> String? {
        guard target.hasPrefix(prefix) else { return nil }
        let digits = target.dropFirst(prefix.count)
        guard (1...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return String(digits)
    }
}
