internal import Foundation
internal import FTModel
internal import FTStore

/// schema.org structured data for a profile, as a string safe inside `<script>`.
enum JSONLD {
    /// Written field by field, keys in sorted order (the bytes `encode` gives the same object):
    /// a profile page's JSON-LD through `[String: Any]` cost the runtime's dynamic casts 10,000 times a build.
    static func expert(_ published: PublishedExpert, url: String, products: [Int64: EligibleProduct]) -> String {
        let expert = published.expert
        var output = ""
        output.reserveCapacity(1_024)
        output += #"{"@context":"https://schema.org","@type":"ProfessionalService","address":{"@type":"PostalAddress","addressCountry":"FR","addressLocality":"#
        appendString(expert.city, to: &output)
        output += #","addressRegion":"#
        appendString(expert.region, to: &output)
        output += #","postalCode":"#
        appendString(expert.postcode, to: &output)
        output += "}"
        if let average = published.rating.average, published.rating.count > 0 {
            output += #","aggregateRating":{"@type":"AggregateRating","bestRating":5,"ratingValue":"#
            appendNumber((average * 10).rounded() / 10, to: &output)
            output += #","reviewCount":"#
            output += String(published.rating.count)
            output += #","worstRating":1}"#
        }
        output += #","areaServed":"#
        appendString(expert.region, to: &output)
        output += #","description":"#
        appendString(expert.headline, to: &output)
        output += #","employee":{"@type":"Person","jobTitle":"#
        appendString(expert.headline, to: &output)
        output += #","knowsAbout":["#
        for (index, name) in published.productIds.compactMap({ products[$0]?.name }).enumerated() {
            if index > 0 { output += "," }
            appendString(name, to: &output)
        }
        output += #"],"knowsLanguage":["#
        for (index, language) in expert.languages.enumerated() {
            if index > 0 { output += "," }
            appendString(language, to: &output)
        }
        output += #"],"name":"#
        appendString(expert.fullName, to: &output)
        output += #"},"geo":{"@type":"GeoCoordinates","latitude":"#
        appendNumber(expert.latitude, to: &output)
        output += #","longitude":"#
        appendNumber(expert.longitude, to: &output)
        output += #"},"name":"#
        appendString(expert.company, to: &output)
        output += #","url":"#
        appendString(url, to: &output)
        output += "}"
        return output
    }

    private static func appendNumber(_ number: Double, to output: inout String) {
        output += number.isFinite ? "\(number)" : "null"
    }

    /// Sorted keys for stable bytes; `<`, `>` and `&` escaped so no text can close the script.
    static func encode(_ object: [String: Any]) -> String {
        var output = ""
        output.reserveCapacity(1_024)
        write(object, to: &output)
        return output
    }

    /// A JSON string literal safe inside an HTML `<script>`: quotes, backslashes and control
    /// characters escaped, and `<`, `>`, `&`, U+2028, U+2029 as `\u` escapes.
    static func appendString(_ text: String, to output: inout String) {
        output += "\""
        // Most text needs nothing escaped: appended whole (0xE2 leads U+2028 and U+2029).
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0xE2 }) else {
            output += text
            output += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "<": output += "\\u003c"
            case ">": output += "\\u003e"
            case "&": output += "\\u0026"
            case "\u{2028}": output += "\\u2028"
            case "\u{2029}": output += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    output += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }

    private static func write(_ value: Any, to output: inout String) {
        switch value {
        case let text as String:
            appendString(text, to: &output)
        case let number as Int:
            output += String(number)
        case let number as Double:
            output += number.isFinite ? "\(number)" : "null"
        case let flag as Bool:
            output += flag ? "true" : "false"
        case let list as [Any]:
            output += "["
            for (index, element) in list.enumerated() {
                if index > 0 { output += "," }
                write(element, to: &output)
            }
            output += "]"
        case let object as [String: Any]:
            output += "{"
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                write(key, to: &output)
                output += ":"
                write(object[key] as Any, to: &output)
            }
            output += "}"
        default:
            output += "null"
        }
    }
}
