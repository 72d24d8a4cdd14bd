internal import Foundation
internal import FTModel
internal import FTStore

/// schema.org structured data for a profile, as a string safe inside `<script>`.
enum JSONLD {
    static func expert(_ published: PublishedExpert, url: String, products: [Int64: EligibleProduct]) -> String {
        let expert = published.expert
        var service: [String: Any] = [
            "@context": "https://schema.org",
            "@type": "ProfessionalService",
            "name": expert.company,
            "url": url,
            "description": expert.headline,
            "areaServed": expert.region,
            "address": ["@type": "PostalAddress", "addressLocality": expert.city, "postalCode": expert.postcode, "addressRegion": expert.region, "addressCountry": "FR"],
            "geo": ["@type": "GeoCoordinates", "latitude": expert.latitude, "longitude": expert.longitude],
            "employee": [
                "@type": "Person",
                "name": expert.fullName,
                "jobTitle": expert.headline,
                "knowsLanguage": expert.languages,
                "knowsAbout": published.productIds.compactMap { products[$0]?.name },
            ] as [String: Any],
        ]
        if let average = published.rating.average, published.rating.count > 0 {
            service["aggregateRating"] = [
                "@type": "AggregateRating",
                "ratingValue": (average * 10).rounded() / 10,
                "reviewCount": published.rating.count,
                "bestRating": 5,
                "worstRating": 1,
            ] as [String: Any]
        }
        return encode(service)
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
