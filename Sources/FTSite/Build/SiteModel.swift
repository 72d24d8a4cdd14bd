internal import Foundation
internal import FTModel
internal import FTStore

/// The snapshot arranged for rendering: listings, similar experts, home selections. Built once per
/// build, shared read-only by the rendering workers.
struct SiteModel: Sendable {
    let products: [EligibleProduct]
    let productsById: [Int64: EligibleProduct]
    /// Published experts in listing order (last name, first name).
    let experts: [PublishedExpert]
    /// Every listing of the site: all experts, per product, per category, per region.
    let listings: [Listing]
    /// For each expert (by position in `experts`), up to four similar experts.
    let similar: [[Int]]
    let topRated: [Int]
    let newest: [Int]
    /// Region name → listing path.
    let regionPaths: [String: String]

    struct Listing: Sendable {
        enum Kind: String, Sendable { case all, product, category, region }
        let kind: Kind
        /// Folder under the site root, e.g. `dispositifs/ticpe/`.
        let path: String
        let title: String
        let intro: String
        let members: [Int]
    }

    init(snapshot: SiteSnapshot, format: FrenchFormat) {
        products = snapshot.products
        productsById = Dictionary(uniqueKeysWithValues: snapshot.products.compactMap { product in product.id.map { ($0, product) } })
        let sorted = snapshot.experts.sorted {
            ($0.expert.lastName, $0.expert.firstName, $0.expert.id ?? 0) < ($1.expert.lastName, $1.expert.firstName, $1.expert.id ?? 0)
        }
        experts = sorted

        var byProduct: [Int64: [Int]] = [:]
        var byCategory: [ProductCategory: [Int]] = [:]
        var byRegion: [String: [Int]] = [:]
        let productsById = self.productsById
        for (index, published) in sorted.enumerated() {
            var categories = Set<ProductCategory>()
            for productId in published.productIds {
                guard let product = productsById[productId] else { continue }
                byProduct[productId, default: []].append(index)
                categories.insert(product.category)
            }
            for category in categories { byCategory[category, default: []].append(index) }
            byRegion[published.expert.region, default: []].append(index)
        }

        var listings = [Listing(kind: .all, path: "experts/", title: format.string("listing_all_title"), intro: format.string("listing_all_intro"), members: Array(sorted.indices))]
        for product in snapshot.products {
            guard let id = product.id else { continue }
            listings.append(Listing(kind: .product, path: "dispositifs/\(Slug.make(product.code))/", title: product.name, intro: product.description, members: byProduct[id] ?? []))
        }
        for category in ProductCategory.allCases {
            listings.append(Listing(
                kind: .category, path: "categories/\(category.rawValue)/",
                title: format.string("category_\(category.rawValue)"), intro: format.string("category_\(category.rawValue)_intro"),
                members: byCategory[category] ?? []
            ))
        }
        var regionPaths: [String: String] = [:]
        for region in byRegion.keys.sorted() {
            let path = "regions/\(Slug.make(region))/"
            regionPaths[region] = path
            listings.append(Listing(kind: .region, path: path, title: region, intro: format.fill("listing_region_intro", ["region": region]), members: byRegion[region] ?? []))
        }
        self.listings = listings
        self.regionPaths = regionPaths
        similar = Self.similarExperts(sorted, byProduct: byProduct)

        topRated = sorted.indices
            .filter { sorted[$0].rating.count >= 3 }
            .sorted {
                let a = sorted[$0].rating, b = sorted[$1].rating
                return ((a.average ?? 0), a.count, -$0) > ((b.average ?? 0), b.count, -$1)
            }
            .prefix(8).map { $0 }
        newest = sorted.indices
            .sorted { (sorted[$0].expert.approvedAt ?? .distantPast, -$0) > (sorted[$1].expert.approvedAt ?? .distantPast, -$1) }
            .prefix(8).map { $0 }
    }

    /// Experts sharing the most specialties, nearest first among equals, four at most. Counting
    /// goes through one reused array instead of a dictionary: 10,000 experts in a few tens of ms.
    private static func similarExperts(_ experts: [PublishedExpert], byProduct: [Int64: [Int]]) -> [[Int]] {
        var shared = [Int](repeating: 0, count: experts.count)
        var touched: [Int] = []
        var result: [[Int]] = []
        result.reserveCapacity(experts.count)
        for (index, published) in experts.enumerated() {
            touched.removeAll(keepingCapacity: true)
            for productId in published.productIds {
                for other in byProduct[productId] ?? [] where other != index {
                    if shared[other] == 0 { touched.append(other) }
                    shared[other] += 1
                }
            }
            let latitude = published.expert.latitude
            let longitude = published.expert.longitude
            let scale = cos(latitude * .pi / 180)
            var best: [(shared: Int, distance: Double, index: Int)] = []
            for other in touched {
                let dy = experts[other].expert.latitude - latitude
                let dx = (experts[other].expert.longitude - longitude) * scale
                let candidate = (shared: shared[other], distance: dx * dx + dy * dy, index: other)
                shared[other] = 0
                if best.count < 4 || Self.better(candidate, than: best[best.count - 1]) {
                    let position = best.firstIndex { Self.better(candidate, than: $0) } ?? best.count
                    best.insert(candidate, at: position)
                    if best.count > 4 { best.removeLast() }
                }
            }
            result.append(best.map(\.index))
        }
        return result
    }

    private static func better(_ a: (shared: Int, distance: Double, index: Int), than b: (shared: Int, distance: Double, index: Int)) -> Bool {
        if a.shared != b.shared { return a.shared > b.shared }
        if a.distance != b.distance { return a.distance < b.distance }
        return a.index < b.index
    }
}
