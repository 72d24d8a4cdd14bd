/// What the server accepts as an e-mail address to write into a header and an SMTP command.
public enum EmailAddress {
    /// One `@` with something before it, a dot after it; printable ASCII only, with no spaces,
    /// angle brackets, quotes, commas or other characters that would break a header or a command.
    public static func isDeliverable(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && address.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) && !"<>\"(),;:\\[]".unicodeScalars.contains($0) }
    }
}
