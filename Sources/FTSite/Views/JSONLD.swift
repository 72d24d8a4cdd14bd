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
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
            .replacingOccurrences(of: "<", with: "\\u003c")
            .replacingOccurrences(of: ">", with: "\\u003e")
            .replacingOccurrences(of: "&", with: "\\u0026")
    }
}
