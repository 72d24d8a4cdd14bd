internal import Foundation

/// French alphabetical order, as a reader expects it: accents and case do not decide ("Île-de-France"
/// between "Hauts-de-France" and "Normandie", "Émilie" beside "Emma"), hyphens and apostrophes count
/// as spaces, "œ" is "oe". Strings equal by that rule keep a fixed order (their own bytes), so a sort
/// is the same on every run. Plain byte order put every accented capital after "Z".
public enum FrenchCollation {
    /// The key two strings are compared by.
    public static func key(_ text: String) -> String {
        var key = String.UnicodeScalarView()
        for scalar in text.decomposedStringWithCanonicalMapping.lowercased().unicodeScalars {
            switch scalar.value {
            case 0x300...0x36F: continue
            case 0x2D, 0x27, 0x2019, 0x2010, 0x2011: key.append(" ")
            case 0x153: key.append(contentsOf: "oe".unicodeScalars)
            case 0xE6: key.append(contentsOf: "ae".unicodeScalars)
            default: key.append(scalar)
            }
        }
        return String(key)
    }

    public static func areInIncreasingOrder(_ a: String, _ b: String) -> Bool {
        let (keyA, keyB) = (key(a), key(b))
        return keyA != keyB ? keyA < keyB : a < b
    }

    /// `texts` in French order (each key made once).
    public static func sorted(_ texts: some Sequence<String>) -> [String] {
        texts.map { (key: key($0), text: $0) }.sorted { ($0.key, $0.text) < ($1.key, $1.text) }.map(\.text)
    }
}
