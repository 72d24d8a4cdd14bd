internal import Foundation
internal import FTMarkdown
internal import FTModel
internal import FTStore

/// Turns the site model into the dictionaries the Mustache templates read. Every value here is
/// plain text that the templates escape (`{{…}}`), except `bioHTML` and `jsonLD`, which are
/// produced by cmark-gfm (safe mode) and by `JSONLD` (with `<` escaped) respectively.
struct SiteViews: Sendable {
    let model: SiteModel
    let format: FrenchFormat
    let configuration: SiteConfiguration
    let stylesheetPath: String
    let markdown = MarkdownRenderer()

    // MARK: Shared parts

    /// What every page has: strings, navigation, stylesheet, the page's own metadata.
    func page(title: String, description: String, path: String, extra: [String: Any] = [:]) -> [String: Any] {
        var page: [String: Any] = [
            "title": title,
            "description": description,
            "canonical": configuration.baseURL + "/" + path,
            "path": "/" + path,
        ]
        for (key, value) in extra { page[key] = value }
        return [
            "t": format.strings,
            "site": [
                "stylesheet": "/" + stylesheetPath,
                "categories": ProductCategory.allCases.map { ["code": $0.rawValue, "name": format.string("category_\($0.rawValue)"), "url": "/categories/\($0.rawValue)/"] },
                "feed": "/flux/nouveaux-experts.xml",
            ] as [String: Any],
            "page": page,
        ]
    }

    /// One expert as a card in a list.
    func card(_ index: Int) -> [String: Any] {
        let published = model.experts[index]
        let expert = published.expert
        let specialties = published.productIds.compactMap { model.productsById[$0] }
        return [
            "url": "/experts/\(expert.slug)/",
            "name": expert.fullName,
            "initials": String(expert.firstName.prefix(1)) + String(expert.lastName.prefix(1)),
            "headline": expert.headline,
            "city": expert.city,
            "region": expert.region,
            "specialties": specialties.prefix(3).map { ["name": $0.code, "title": $0.name, "url": "/dispositifs/\(Slug.make($0.code))/"] },
            "rating": ratingView(published.rating),
            "price": price(expert),
            "response": format.fill("card_response", ["hours": format.integer(expert.responseTimeHours)]),
        ]
    }

    func ratingView(_ rating: RatingSummary) -> [String: Any] {
        guard let average = rating.average, rating.count > 0 else {
            return ["has": false, "label": format.string("rating_none")]
        }
        let rounded = Int(average.rounded())
        return [
            "has": true,
            "stars": String(repeating: "★", count: rounded) + String(repeating: "☆", count: 5 - rounded),
            "average": format.decimal(average),
            "count": format.count("reviews", rating.count),
            "label": format.fill("rating_label", ["average": format.decimal(average), "count": format.integer(rating.count)]),
        ]
    }

    func price(_ expert: Expert) -> String {
        if let dayRate = expert.dayRate { return format.fill("price_day_rate", ["amount": format.euros(dayRate)]) }
        if let fee = expert.successFeePercent { return format.fill("price_success_fee", ["percent": format.integer(fee)]) }
        return format.string("price_on_request")
    }

    // MARK: Pages

    func home() -> [String: Any] {
        var context = page(title: format.string("home_title"), description: format.string("home_description"), path: "")
        var counts: [Int64: Int] = [:]
        for published in model.experts {
            for productId in published.productIds { counts[productId, default: 0] += 1 }
        }
        context["products"] = model.products.compactMap { product -> [String: Any]? in
            guard let id = product.id else { return nil }
            return [
                "name": product.name, "code": product.code, "url": "/dispositifs/\(Slug.make(product.code))/",
                "category": format.string("category_\(product.category.rawValue)"),
                "count": format.count("experts", counts[id] ?? 0),
            ]
        }
        context["topRated"] = model.topRated.map(card)
        context["newest"] = model.newest.map(card)
        context["regions"] = model.regionPaths.keys.sorted().map { ["name": $0, "url": "/" + (model.regionPaths[$0] ?? "")] }
        context["expertCount"] = format.count("experts", model.experts.count)
        return context
    }

    func listing(_ listing: SiteModel.Listing, page number: Int, pageCount: Int) -> [String: Any] {
        let size = configuration.pageSize
        let members = listing.members.dropFirst((number - 1) * size).prefix(size)
        let title = number == 1 ? listing.title : format.fill("listing_page_title", ["title": listing.title, "page": String(number)])
        var context = page(title: title, description: listing.intro, path: Self.listingPath(listing.path, page: number))
        context["listing"] = [
            "title": listing.title,
            "intro": listing.intro,
            "count": format.count("experts", listing.members.count),
            "empty": listing.members.isEmpty,
        ] as [String: Any]
        context["cards"] = members.map(card)
        if pageCount > 1 {
            var pagination: [String: Any] = [
                "label": format.fill("pagination_label", ["page": String(number), "pages": String(pageCount)]),
                "pages": (1...pageCount).map { ["number": String($0), "url": "/" + Self.listingPath(listing.path, page: $0), "current": $0 == number] },
            ]
            if number > 1 { pagination["previous"] = "/" + Self.listingPath(listing.path, page: number - 1) }
            if number < pageCount { pagination["next"] = "/" + Self.listingPath(listing.path, page: number + 1) }
            context["pagination"] = pagination
        }
        return context
    }

    /// `experts/` for the first page, `experts/page/2/` after.
    static func listingPath(_ base: String, page: Int) -> String {
        page == 1 ? base : "\(base)page/\(page)/"
    }

    func expert(_ index: Int) -> [String: Any] {
        let published = model.experts[index]
        let expert = published.expert
        let path = "experts/\(expert.slug)/"
        let description = "\(expert.headline) — \(expert.city)"
        var context = page(
            title: "\(expert.fullName) — \(expert.company)", description: description, path: path,
            extra: ["ogType": "profile", "jsonLD": JSONLD.expert(published, url: configuration.baseURL + "/" + path, products: model.productsById)]
        )
        var view = card(index)
        view["company"] = expert.company
        view["bioHTML"] = Self.demoteHeadings(markdown.html(from: expert.bioMarkdown))
        view["regionURL"] = "/" + (model.regionPaths[expert.region] ?? "")
        view["products"] = published.productIds.compactMap { model.productsById[$0] }.map { ["name": $0.name, "code": $0.code, "url": "/dispositifs/\(Slug.make($0.code))/"] }
        view["certifications"] = expert.certifications
        view["languages"] = expert.languages.map { format.string("language_\($0)") }
        view["years"] = format.count("years", expert.yearsOfExperience)
        view["portfolio"] = expert.portfolio.map { item -> [String: Any] in
            var entry: [String: Any] = ["title": item.title, "summary": item.summary, "year": String(item.year)]
            if let amount = item.amountRecovered { entry["amount"] = format.fill("portfolio_amount", ["amount": format.euros(amount)]) }
            return entry
        }
        let rating = published.rating
        view["ratingBars"] = (1...5).reversed().map { stars -> [String: Any] in
            let count = rating.histogram[stars - 1]
            let percent = rating.count == 0 ? 0 : Int((Double(count) * 100 / Double(rating.count)).rounded())
            return ["label": format.count("stars", stars), "count": format.integer(count), "percent": String(percent)]
        }
        view["reviews"] = published.latestReviews.map { review -> [String: Any] in
            let rounded = max(1, min(5, review.score))
            return [
                "stars": String(repeating: "★", count: rounded) + String(repeating: "☆", count: 5 - rounded),
                "score": format.fill("review_score", ["score": String(review.score)]),
                "date": format.monthYear(review.date),
                "comment": review.comment,
                "hasComment": !review.comment.isEmpty,
            ]
        }
        view["completed"] = format.count("completed", published.completedAssignments)
        if rating.count > 0 {
            let satisfied = rating.histogram[3] + rating.histogram[4]
            view["satisfaction"] = format.fill("satisfaction", ["percent": String(Int((Double(satisfied) * 100 / Double(rating.count)).rounded()))])
        }
        view["similar"] = model.similar[index].map(card)
        view["hasSimilar"] = !model.similar[index].isEmpty
        view["hasPortfolio"] = !expert.portfolio.isEmpty
        context["expert"] = view
        return context
    }

    /// The bio sits under the page's h2 sections: its headings start at h3.
    static func demoteHeadings(_ html: String) -> String {
        var result = html
        for level in (1...4).reversed() {
            result = result.replacingOccurrences(of: "<h\(level)>", with: "<h\(level + 2)>")
                .replacingOccurrences(of: "</h\(level)>", with: "</h\(level + 2)>")
        }
        return result
    }

    func notFound() -> [String: Any] {
        page(title: format.string("not_found_title"), description: format.string("not_found_text"), path: "404.html")
    }

    func search() -> [String: Any] {
        var context = page(title: format.string("search_title"), description: format.string("search_description"), path: "recherche/")
        context["regions"] = model.regionPaths.keys.sorted().map { ["name": $0] }
        context["products"] = model.products.map { ["name": $0.name, "code": $0.code] }
        context["languages"] = FrenchFormat.languageCodes.map { ["code": $0, "name": format.string("language_\($0)")] }
        return context
    }
}

extension FrenchFormat {
    static let languageCodes = ["fr", "en", "de", "es", "it", "pt", "ar", "nl", "zh", "ro", "pl"]
}
