internal import Foundation
internal import FTModel

/// Text helpers for the demo data: slugs, SIREN numbers, French money.
enum DemoText {
    /// Lowercase ASCII with hyphens: "Hélène Dupont-Moreau" → "helene-dupont-moreau".
    static func slug(_ text: String) -> String { Slug.make(text) }

    /// A valid 14-digit SIRET (Luhn over the 14 digits): an expert's firm, SIRENs apart from the
    /// clients', establishment 0001 and the key digit.
    static func siret(index: Int) -> String {
        let base = siren(index: 60_000_000 + index) + "0001"
        for key in 0...9 where SIREN.luhn(base + String(key)) { return base + String(key) }
        return base + "0"
    }

    /// A valid 9-digit SIREN (Luhn checksum), unique for each `index` below 10⁸.
    static func siren(index: Int) -> String {
        let base = String(10_000_000 + index * 7 % 89_999_999).leftPadded(to: 8)
        let digits = base.compactMap(\.wholeNumberValue)
        // Luhn: double every second digit from the right, counting the check digit as the first.
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            if offset % 2 == 0 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return base + String((10 - sum % 10) % 10)
    }

    /// "42 300 €" (French grouping with a narrow no-break space).
    static func euros(_ amount: Int) -> String {
        var digits = String(amount)
        var groups: [String] = []
        while digits.count > 3 {
            groups.insert(String(digits.suffix(3)), at: 0)
            digits = String(digits.dropLast(3))
        }
        groups.insert(digits, at: 0)
        return groups.joined(separator: "\u{202F}") + "\u{00A0}€"
    }
}
