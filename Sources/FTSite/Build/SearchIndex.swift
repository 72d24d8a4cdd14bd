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
/// town, region, the codes and names of the expert's schemes). The places a visitor may search
/// around are files of their own (`PlaceShards`).
enum SearchIndex {
    /// The index, and the byte range of each expert's entry (aligned with `model.experts`, plus
    /// the end of the last), so that a later build can replace one entry without the others.
    static func build(model: SiteModel) -> (data: Data, offsets: [Int]) {
        let encoder = EntryEncoder(model: model)
        let categories = ProductCategory.allCases.map(\.rawValue)
        // Keys in sorted order, each part serialized on its own.
        var data = Data(#"{"categories":"#.utf8)
        data.append(json(categories))
        data.append(Data(#","experts":["#.utf8))
        var offsets: [Int] = []
        offsets.reserveCapacity(model.experts.count + 1)
        for index in model.experts.indices {
            if index > 0 { data.append(UInt8(ascii: ",")) }
            offsets.append(data.count)
            data.append(encoder.entry(index))
        }
        offsets.append(data.count)
        data.append(Data(#"],"languages":"#.utf8))
        data.append(json(FrenchFormat.languageCodes))
        data.append(Data(#","products":"#.utf8))
        data.append(json(model.products.map { [$0.code, $0.name, categories.firstIndex(of: $0.category.rawValue) ?? 0] as [Any] }))
        data.append(Data(#","regions":"#.utf8))
        data.append(json(encoder.regions))
        data.append(Data(#","v":1}"#.utf8))
        return (data, offsets)
    }

    /// `index` with the entries of `changed` (positions in `order` → the expert's position in
    /// `model.experts`) replaced; returns the new bytes and offsets, or nil if `index` does not
    /// match `offsets`.
    static func patch(_ index: Data, offsets: [Int], changed: [(position: Int, modelIndex: Int)], model: SiteModel) -> (data: Data, offsets: [Int])? {
        guard let last = offsets.last, last <= index.count else { return nil }
        let encoder = EntryEncoder(model: model)
        var data = Data()
        data.reserveCapacity(index.count + 256)
        var newOffsets = offsets
        var copied = 0
        var shift = 0
        var changedAt = 0
        let sorted = changed.sorted { $0.position < $1.position }
        for (position, modelIndex) in sorted where position + 1 < offsets.count {
            let start = offsets[position]
            let end = position + 1 == offsets.count - 1 ? offsets[position + 1] : offsets[position + 1] - 1
            data.append(index[index.startIndex + copied ..< index.startIndex + start])
            let entry = encoder.entry(modelIndex)
            data.append(entry)
            copied = end
            let delta = entry.count - (end - start)
            for later in changedAt...position { newOffsets[later] = offsets[later] + shift }
            shift += delta
            changedAt = position + 1
        }
        data.append(index[index.startIndex + copied ..< index.endIndex])
        for later in changedAt..<offsets.count { newOffsets[later] = offsets[later] + shift }
        return (data, newOffsets)
    }

    private static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
    }

    /// One expert's entry: `[slug, name, city, regionIndex, lat, lon, rating×10, reviews,
    /// [productIndex], [languageIndex], responseHours, searchText]`.
    private struct EntryEncoder {
        let model: SiteModel
        let regions: [String]
        let regionPosition: [String: Int]
        let productPosition: [Int64: Int]
        let languagePosition: [String: Int]
        let folds = FoldCache()

        init(model: SiteModel) {
            self.model = model
            regions = FrenchCollation.sorted(model.regionPaths.keys)
            regionPosition = Dictionary(uniqueKeysWithValues: regions.enumerated().map { ($1, $0) })
            productPosition = Dictionary(uniqueKeysWithValues: model.products.enumerated().compactMap { item in item.element.id.map { ($0, item.offset) } })
            languagePosition = Dictionary(uniqueKeysWithValues: FrenchFormat.languageCodes.enumerated().map { ($1, $0) })
        }

        func entry(_ index: Int) -> Data {
            let published = model.experts[index]
            let expert = published.expert
            let specialties = published.productIds.compactMap { model.productsById[$0] }.flatMap { [$0.code, $0.name] }
            // Folded part by part (the same text: folding maps each character on its own, and the
            // parts are joined by spaces): first and last names, towns, regions, schemes and
            // headlines repeat (the full name is the first and last names joined by a space).
            let text = ([expert.firstName, expert.lastName, expert.company, expert.headline, expert.city, expert.region] + specialties).map(folds.fold).joined(separator: " ")
            // Written by hand: JSONSerialization took a tenth of a full build for these 10,000 arrays.
            var out = "["
            out.reserveCapacity(256)
            JSONLD.appendString(expert.slug, to: &out)
            out += ","
            JSONLD.appendString(expert.fullName, to: &out)
            out += ","
            JSONLD.appendString(expert.city, to: &out)
            out += ",\(regionPosition[expert.region] ?? -1),\(SearchIndex.number(expert.latitude)),\(SearchIndex.number(expert.longitude)),"
            out += "\(Int(((published.rating.average ?? 0) * 10).rounded())),\(published.rating.count),["
            out += published.productIds.compactMap { productPosition[$0] }.map(String.init).joined(separator: ",")
            out += "],["
            out += expert.languages.compactMap { languagePosition[$0] }.map(String.init).joined(separator: ",")
            out += "],\(expert.responseTimeHours),"
            JSONLD.appendString(text, to: &out)
            out += "]"
            return Data(out.utf8)
        }
    }

    /// A JSON number (shortest form that reads back the same).
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
