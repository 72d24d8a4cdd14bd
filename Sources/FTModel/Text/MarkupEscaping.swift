extension String {
    /// The text safe inside HTML, XML or SVG content and attribute values: `&`, `<`, `>`, `"` and
    /// `'` as entities.
    public var markupEscaped: String {
        // Most texts (every sitemap address) have nothing to escape: kept whole, not walked
        // character by character.
        if !utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) { return self }
        var result = ""
        result.reserveCapacity(utf8.count + 16)
        for character in self {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}
