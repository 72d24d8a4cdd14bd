internal import Foundation
internal import FTModel
internal import FTStore

/// One published expert as the search sees it. A build keeps every row, in listing order, beside
/// the site (`.ft-search.tsv`, one line each) so that a targeted build replaces the changed rows
/// and makes the search files again without reading every expert (`SearchFiles`).
struct SearchRow: Equatable {
    var slug: String
    var name: String
    var city: String
    var region: String
    var latitude: Double
    var longitude: Double
    /// The average rating × 10, rounded.
    var ratingTenths: Int
    var reviews: Int
    /// Product codes, in the expert's order.
    var products: [String]
    /// Language codes.
    var languages: [String]
    /// The measured median response, in whole hours (`ActivityText.hours`); 0: not measured.
    var responseHours: Int
    /// What a query matches, folded (`SearchIndex.fold`): name, company, headline, town, region,
    /// the codes and names of the expert's schemes.
    var text: String

    /// The row as a line of tab-separated fields (tabs and line breaks inside a field become spaces).
    var line: String {
        let fields: [String] = [
            slug, name, city, region, SearchIndex.number(latitude), SearchIndex.number(longitude), String(ratingTenths), String(reviews),
            products.joined(separator: ","), languages.joined(separator: ","), String(responseHours), text,
        ]
        return fields.map(Self.clean).joined(separator: "\t")
    }

    private static func clean(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return field }
        return String(field.map { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
    }
}

extension SearchRow {
    /// A line as `line` writes it; nil if it is not one.
    init?(line: Substring) {
        let fields = line.utf8.split(separator: 0x09, omittingEmptySubsequences: false).map { Substring($0) }
        guard fields.count == 12, let latitude = Double(fields[4]), let longitude = Double(fields[5]),
            let rating = Int(fields[6]), let reviews = Int(fields[7]), let hours = Int(fields[10])
        else { return nil }
        self.init(
            slug: String(fields[0]), name: String(fields[1]), city: String(fields[2]), region: String(fields[3]),
            latitude: latitude, longitude: longitude, ratingTenths: rating, reviews: reviews,
            products: fields[8].split(separator: ",").map(String.init), languages: fields[9].split(separator: ",").map(String.init),
            responseHours: hours, text: String(fields[11])
        )
    }
}

/// The search's rows of a model, and the file a build keeps them in.
enum SearchIndex {
    static let rowsFileName = ".ft-search.tsv"

    /// One row per expert of `model.experts`, in that order.
    static func rows(model: SiteModel) -> [SearchRow] {
        let folds = FoldCache()
        return model.experts.indices.map { row($0, model: model, folds: folds) }
    }

    /// The rows of the experts at `indexes` of `model.experts`.
    static func rows(_ indexes: [Int], model: SiteModel) -> [SearchRow] {
        let folds = FoldCache()
        return indexes.map { row($0, model: model, folds: folds) }
    }

    private static func row(_ index: Int, model: SiteModel, folds: FoldCache) -> SearchRow {
        let published = model.experts[index]
        let expert = published.expert
        let products = published.productIds.compactMap { model.productsById[$0] }
        // Folded part by part (the same text: folding maps each character on its own, and the
        // parts are joined by spaces): first and last names, towns, regions, schemes and
        // headlines repeat.
        let text = ([expert.firstName, expert.lastName, expert.company, expert.headline, expert.city, expert.region] + products.flatMap { [$0.code, $0.name] })
            .map(folds.fold).joined(separator: " ")
        return SearchRow(
            slug: expert.slug, name: expert.fullName, city: expert.city, region: expert.region,
            latitude: expert.latitude, longitude: expert.longitude,
            ratingTenths: Int(((published.rating.average ?? 0) * 10).rounded()), reviews: published.rating.count,
            products: products.map(\.code), languages: expert.languages,
            responseHours: ActivityText.hours(published.responses) ?? 0, text: text
        )
    }

    static func encode(_ rows: [SearchRow]) -> Data {
        Data(rows.map(\.line).joined(separator: "\n").utf8)
    }

    /// The rows of a kept file; nil if any line is not a row.
    static func decode(_ data: Data) -> [SearchRow]? {
        let text = String(decoding: data, as: UTF8.self)
        guard !text.isEmpty else { return [] }
        var rows: [SearchRow] = []
        // On the bytes: the rows are tab- and newline-separated UTF-8, and splitting by characters
        // (grapheme breaking) was a quarter of a targeted build.
        for line in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            guard let row = SearchRow(line: Substring(line)) else { return nil }
            rows.append(row)
        }
        return rows
    }

    /// A coordinate as a row writes it (shortest form that reads back the same).
    static func number(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "0"
    }

    /// Lowercase without accents, as the browser folds the query.
    static func fold(_ text: String) -> String {
        text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: foldingLocale).lowercased()
    }

    private static let foldingLocale = Locale(identifier: "fr_FR")

    /// `fold` remembered per text, for one index (one thread).
    private final class FoldCache {
        private var folded: [String: String] = [:]

        func fold(_ text: String) -> String {
            if let known = folded[text] { return known }
            let result = SearchIndex.fold(text)
            folded[text] = result
            return result
        }
    }
}
