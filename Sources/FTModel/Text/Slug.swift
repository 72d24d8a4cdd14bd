internal import Foundation

/// URL path components made from names: lowercase ASCII letters, digits and single hyphens.
public enum Slug {
    /// "Hélène Dupont-Moreau" → "helene-dupont-moreau"; "Provence-Alpes-Côte d'Azur" →
    /// "provence-alpes-cote-d-azur".
    public static func make(_ text: String) -> String {
        let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "fr_FR"))
            .lowercased()
        var result = ""
        var lastWasHyphen = true
        for scalar in folded.unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                result.unicodeScalars.append(scalar)
                lastWasHyphen = false
            } else if scalar == "œ" {
                result += "oe"
                lastWasHyphen = false
            } else if !lastWasHyphen {
                result.append("-")
                lastWasHyphen = true
            }
        }
        return result.hasSuffix("-") ? String(result.dropLast()) : result
    }
}
