internal import Dispatch
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
    /// Published experts per product id, and in all (the home page's figures).
    let productCounts: [Int64: Int]
    let publishedCount: Int

    struct Listing: Sendable {
        enum Kind: String, Sendable { case all, product, category, region }
        let kind: Kind
        /// Folder under the site root, e.g. `dispositifs/ticpe/`.
        let path: String
        let title: String
        let intro: String
        /// Positions in `experts`: the whole listing, or (in a partial model) one page of it,
        /// starting at `firstPosition`.
        let members: [Int]
        var firstPosition = 0
        /// Experts in the whole listing.
        let total: Int

        init(kind: Kind, path: String, title: String, intro: String, members: [Int], firstPosition: Int = 0, total: Int? = nil) {
            self.kind = kind
            self.path = path
            self.title = title
            self.intro = intro
            self.members = members
            self.firstPosition = firstPosition
            self.total = total ?? members.count
        }
    }

    init(snapshot: SiteSnapshot, format: FrenchFormat) {
        products = snapshot.products
        productsById = Dictionary(uniqueKeysWithValues: snapshot.products.compactMap { product in product.id.map { ($0, product) } })
        // French order (`FrenchCollation`): last name, first name, then the id.
        let sorted = snapshot.experts
            .map { (last: FrenchCollation.key($0.expert.lastName), first: FrenchCollation.key($0.expert.firstName), expert: $0) }
            .sorted {
                ($0.last, $0.first, $0.expert.expert.lastName, $0.expert.expert.firstName, $0.expert.expert.id ?? 0)
                    < ($1.last, $1.first, $1.expert.expert.lastName, $1.expert.expert.firstName, $1.expert.expert.id ?? 0)
            }
            .map(\.expert)
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
        for region in FrenchCollation.sorted(byRegion.keys) {
            let path = "regions/\(Slug.make(region))/"
            regionPaths[region] = path
            listings.append(Listing(kind: .region, path: path, title: region, intro: format.fill("listing_region_intro", ["region": region]), members: byRegion[region] ?? []))
        }
        self.listings = listings
        self.regionPaths = regionPaths
        productCounts = byProduct.mapValues(\.count)
        publishedCount = sorted.count
        similar = SimilarExperts(
            products: sorted.map { $0.productIds.filter { productsById[$0] != nil } },
            latitudes: sorted.map(\.expert.latitude), longitudes: sorted.map(\.expert.longitude)
        ).all()

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

    /// A model of a few experts for re-rendering some pages: where each expert appears (listing
    /// pages, similar experts, the home page's selections) comes from the previous build's
    /// state, which a change of rating or profile text does not move. `listingPages` become
    /// this model's listings, in that order.
    init(partial snapshot: SiteSnapshot, state: SiteState, listingPages: [SiteState.ListingPage], topRated: [Int64], pageSize: Int) {
        products = snapshot.products
        productsById = Dictionary(uniqueKeysWithValues: snapshot.products.compactMap { product in product.id.map { ($0, product) } })
        var position: [Int64: Int] = [:]
        for (index, id) in state.order.enumerated() { position[id] = index }
        let sorted = snapshot.experts.filter { $0.expert.id.flatMap { position[$0] } != nil }
            .sorted { position[$0.expert.id ?? 0] ?? 0 < position[$1.expert.id ?? 0] ?? 0 }
        experts = sorted
        var local: [Int64: Int] = [:]
        for (index, published) in sorted.enumerated() { if let id = published.expert.id { local[id] = index } }
        listings = listingPages.map { page in
            Listing(
                kind: Listing.Kind(rawValue: page.kind) ?? .all, path: page.path, title: page.title, intro: page.intro,
                members: page.members.values.compactMap { local[$0] }, firstPosition: (page.page - 1) * pageSize, total: page.total
            )
        }
        similar = sorted.map { published in
            guard let id = published.expert.id, let at = position[id] else { return [] }
            return state.similar(at: at).compactMap { local[$0] }
        }
        self.topRated = topRated.compactMap { local[$0] }
        newest = state.newest.compactMap { local[$0] }
        regionPaths = state.regionPaths
        productCounts = Dictionary(uniqueKeysWithValues: state.productCounts.compactMap { key, value in Int64(key).map { ($0, value) } })
        publishedCount = state.order.count
    }
}
