public import Foundation

/// What the server accepts as an e-mail address to write into a header and an SMTP command.
public enum EmailAddress {
    /// One `@` with something before it, a dot after it; printable ASCII only, with no spaces,
    /// angle brackets, quotes, commas or other characters that would break a header or a command.
    public static func isDeliverable(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && address.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) && !"<>\"(),;:\\[]".unicodeScalars.contains($0) }
    }

    /// An address as a person typed it, checked: trimmed, at most 254 bytes, deliverable, its
    /// domain neither starting nor ending with a dot; nil when it is not one.
    public static func checked(_ text: String) -> String? {
        let address = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let domain = address.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        guard address.utf8.count <= 254, isDeliverable(address), !domain.hasPrefix("."), !domain.hasSuffix(".") else { return nil }
        return address
    }

    /// What the forms say of an address that is not one.
    public static func refusal(_ text: String) -> String {
        "L’adresse e-mail « \(String(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(80))) » n’est pas valide."
    }
}
