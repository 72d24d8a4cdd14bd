internal import Foundation
internal import FTModel
internal import FTStore

/// The machine-read files: sitemap, Atom feed of newly approved experts, robots.txt.
enum Feeds {
    static func sitemap(paths: [String], baseURL: String) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + #"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">"# + "\n"
        for path in paths {
            xml += "  <url><loc>\(escape(baseURL + "/" + path))</loc></url>\n"
        }
        return xml + "</urlset>\n"
    }

    /// The 50 most recently approved experts, newest first.
    /// The experts in the feed: the 50 most recently approved, newest first.
    static func recent(_ model: SiteModel) -> [Int] {
        model.experts.indices
            .filter { model.experts[$0].expert.approvedAt != nil }
            .sorted { (model.experts[$0].expert.approvedAt ?? .distantPast, -$0) > (model.experts[$1].expert.approvedAt ?? .distantPast, -$1) }
            .prefix(50).map { $0 }
    }

    static func atom(model: SiteModel, baseURL: String, format: FrenchFormat) -> String {
        let recent = recent(model)
        let updated = recent.first.flatMap { model.experts[$0].expert.approvedAt } ?? Date(timeIntervalSince1970: 0)
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + #"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">"# + "\n"
        xml += "  <title>\(escape(format.string("feed_title")))</title>\n"
        xml += "  <subtitle>\(escape(format.string("feed_subtitle")))</subtitle>\n"
        xml += "  <id>\(escape(baseURL + "/flux/nouveaux-experts.xml"))</id>\n"
        xml += #"  <link rel="self" href="\#(escape(baseURL + "/flux/nouveaux-experts.xml"))"/>"# + "\n"
        xml += #"  <link rel="alternate" type="text/html" href="\#(escape(baseURL + "/"))"/>"# + "\n"
        xml += "  <updated>\(FrenchFormat.iso8601(updated))</updated>\n"
        for index in recent {
            let published = model.experts[index]
            let expert = published.expert
            let url = baseURL + "/experts/\(expert.slug)/"
            let products = published.productIds.compactMap { model.productsById[$0]?.code }.joined(separator: ", ")
            xml += "  <entry>\n"
            xml += "    <title>\(escape(expert.fullName + " — " + expert.city))</title>\n"
            xml += "    <id>\(escape(url))</id>\n"
            xml += #"    <link rel="alternate" type="text/html" href="\#(escape(url))"/>"# + "\n"
            xml += "    <updated>\(FrenchFormat.iso8601(expert.approvedAt ?? updated))</updated>\n"
            xml += "    <author><name>\(escape(expert.company))</name></author>\n"
            xml += "    <summary>\(escape(expert.headline + " (" + products + ")"))</summary>\n"
            xml += "  </entry>\n"
        }
        return xml + "</feed>\n"
    }

    static func robots(baseURL: String) -> String {
        "User-agent: *\nAllow: /\nDisallow: /app/\nSitemap: \(baseURL)/sitemap.xml\n"
    }

    /// XML text and attribute escaping.
    static func escape(_ text: String) -> String {
        text.markupEscaped
    }
}
