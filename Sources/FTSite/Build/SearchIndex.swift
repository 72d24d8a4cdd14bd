internal import Foundation
internal import FTModel
internal import FTStore

/// The compact search index the browser loads on the search page: one array per expert, in
/// listing order, with the products, categories and regions as small integers.
///
/// `{"v":1, "products":[[code,name,categoryIndex]], "categories":[…], "regions":[…], "languages":[…],
///   "experts":[[slug, name, city, regionIndex, lat, lon, rating×10, reviews, [productIndex], [languageIndex],
///               responseHours, searchText]]}`
/// where `searchText` is the lowercase, accent-free text a query matches (name, company, headline,
/// town, region, the codes and names of the expert's schemes); and
/// `"places":[[name, postcode, lat, lon]]`, the towns where experts work, for "near a town or postcode".
enum SearchIndex {
    static func build(model: SiteModel) -> Data {
        let categories = ProductCategory.allCases.map(\.rawValue)
        let productPosition = Dictionary(uniqueKeysWithValues: model.products.enumerated().compactMap { item in item.element.id.map { ($0, item.offset) } })
        let regions = model.regionPaths.keys.sorted()
        let regionPosition = Dictionary(uniqueKeysWithValues: regions.enumerated().map { ($1, $0) })
        let languages = FrenchFormat.languageCodes
        let languagePosition = Dictionary(uniqueKeysWithValues: languages.enumerated().map { ($1, $0) })

        var experts: [[Any]] = []
        experts.reserveCapacity(model.experts.count)
        for published in model.experts {
            let expert = published.expert
            let specialties = published.productIds.compactMap { model.productsById[$0] }.flatMap { [$0.code, $0.name] }
            let text = ([expert.fullName, expert.company, expert.headline, expert.city, expert.region] + specialties)
                .joined(separator: " ")
            experts.append([
                expert.slug,
                expert.fullName,
                expert.city,
                regionPosition[expert.region] ?? -1,
                expert.latitude,
                expert.longitude,
                Int(((published.rating.average ?? 0) * 10).rounded()),
                published.rating.count,
                published.productIds.compactMap { productPosition[$0] },
                expert.languages.compactMap { languagePosition[$0] },
                expert.responseTimeHours,
                fold(text),
            ])
        }
        var places: [String: (postcode: String, latitude: Double, longitude: Double, count: Int)] = [:]
        for published in model.experts {
            let expert = published.expert
            var place = places[expert.city] ?? (expert.postcode, 0, 0, 0)
            place.latitude += expert.latitude
            place.longitude += expert.longitude
            place.count += 1
            places[expert.city] = place
        }
        let placeList: [[Any]] = places.keys.sorted().compactMap { name in
            guard let place = places[name] else { return nil }
            let latitude = (place.latitude / Double(place.count) * 10_000).rounded() / 10_000
            let longitude = (place.longitude / Double(place.count) * 10_000).rounded() / 10_000
            return [name, place.postcode, latitude, longitude]
        }
        let object: [String: Any] = [
            "places": placeList,
            "v": 1,
            "products": model.products.map { [$0.code, $0.name, categories.firstIndex(of: $0.category.rawValue) ?? 0] as [Any] },
            "categories": categories,
            "regions": regions,
            "languages": languages,
            "experts": experts,
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    /// Lowercase without accents, as the browser folds the query.
    static func fold(_ text: String) -> String {
        text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "fr_FR")).lowercased()
    }
}
