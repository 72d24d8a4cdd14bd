/// Builds FTS5 query strings from what a person typed, so that no input is an FTS syntax error.
enum FullTextQuery {
    /// Each word becomes a quoted prefix term; all must match. `nil` when nothing searchable remains.
    static func pattern(_ text: String) -> String? {
        let words = text
            .split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map { "\"\($0)\"*" }
        return words.isEmpty ? nil : words.joined(separator: " ")
    }
}
