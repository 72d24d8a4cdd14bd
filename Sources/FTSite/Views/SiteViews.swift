internal import Dispatch
internal import Foundation
internal import FTMarkdown
internal import FTModel
internal import FTStore

/// Turns the site model into the values the Mustache templates read. Every value here is plain
/// text that the templates escape (`{{…}}`), except `bioHTML`, `jsonLD` and `schemeQuestions`,
/// which come from cmark-gfm (safe mode), from `JSONLD` and from `schemeQuestionsJSON` (both with
/// `<` escaped) respectively.
struct SiteViews: Sendable {
    let model: SiteModel
    let format: FrenchFormat
    let configuration: SiteConfiguration
    let stylesheetPath: String
    /// Each expert's card, built once: a card shows on a dozen pages (a `SharedObject`, so its
    /// partial is rendered once too).
    let cards: [TemplateValue]
    let markdown = MarkdownRenderer(headingOffset: 2)
    /// In a full build, the bios rendered ahead of the profile pages.
    let bios: BioPrerenderer?
    private let strings: TemplateValue
    private let site: TemplateValue
    /// Each listing's page links (by listing path), when it has more than one page.
    private let listingLinks: [String: PageLinks]
    /// Each product as a card's specialty and as a profile's product, built once.
    private let products: ProductItems

    /// Texts a profile repeats: the rating bars' labels (1 to 5 stars), and a review's stars
    /// and score label for scores 1 to 5.
    private let starLabels: [TemplateValue]
    private let reviewStars: [TemplateValue]
    private let reviewScores: [TemplateValue]

    struct ProductItems: Sendable {
        var specialties: [Int64: TemplateValue] = [:]
        var profile: [Int64: TemplateValue] = [:]
    }

    /// With `prerenderingBios`, the bios are rendered on a thread of their own from now on
    /// (call `bios?.stop()` once the pages are done).
    init(model: SiteModel, format: FrenchFormat, configuration: SiteConfiguration, stylesheetPath: String, stylesheet: Data, prerenderingBios: Bool = false) {
        bios = prerenderingBios ? BioPrerenderer(bios: model.experts.map { $0.expert.bioMarkdown }, render: { [markdown] in markdown.html(from: $0) }) : nil
        self.model = model
        self.format = format
        self.configuration = configuration
        self.stylesheetPath = stylesheetPath
        strings = .shared(SharedObject(format.strings.mapValues { .text($0) }))
        site = .shared(SharedObject([
            "stylesheet": .text("/" + stylesheetPath),
            // Public pages carry their stylesheet: on a slow network its own request was a
            // second round trip before the first paint (make bench: bench_page_speed.py).
            "inlineStylesheet": .text(String(decoding: stylesheet, as: UTF8.self)),
            "categories": .list(ProductCategory.allCases.map {
                ["code": .text($0.rawValue), "name": .text(format.string("category_\($0.rawValue)")), "url": .text("/categories/\($0.rawValue)/")]
            }),
            "feed": "/flux/nouveaux-experts.xml",
            "feedPage": "/flux/",
        ]))
        var products = ProductItems()
        for product in model.products {
            guard let id = product.id else { continue }
            let url = TemplateValue.text("/dispositifs/\(Slug.make(product.code))/")
            products.specialties[id] = ["name": .text(product.code), "title": .text(product.name), "url": url]
            products.profile[id] = ["name": .text(product.name), "code": .text(product.code), "url": url]
        }
        self.products = products
        var listingLinks: [String: PageLinks] = [:]
        for listing in model.listings {
            let count = max(1, (listing.total + configuration.pageSize - 1) / configuration.pageSize)
            if count > 1 { listingLinks[listing.path] = Self.pageLinks(listing.path, count: count) }
        }
        self.listingLinks = listingLinks
        starLabels = (1...5).map { .text(format.count("stars", $0)) }
        reviewStars = (1...5).map { .text(String(repeating: "★", count: $0) + String(repeating: "☆", count: 5 - $0)) }
        reviewScores = (1...5).map { .text(format.fill("review_score", ["score": String($0)])) }
        cards = Self.buildCards(model: model, format: format, products: products)
    }

    // MARK: Shared parts

    /// What every page has: strings, navigation, stylesheet, the page's own metadata.
    func page(title: String, description: String, path: String, extra: [String: TemplateValue] = [:]) -> [String: TemplateValue] {
        var page: [String: TemplateValue] = [
            "title": .text(title),
            "description": .text(description),
            "canonical": .text(configuration.baseURL + "/" + path),
            "path": .text("/" + path),
        ]
        page.merge(extra) { _, new in new }
        return ["t": strings, "site": site, "page": .object(page)]
    }

    func card(_ index: Int) -> TemplateValue { cards[index] }

    /// Builds every card on all cores.
    private static func buildCards(model: SiteModel, format: FrenchFormat, products: ProductItems) -> [TemplateValue] {
        let count = model.experts.count
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let parts = PartsCollector<TemplateValue>(workers: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            parts.store((count * worker / workers..<count * (worker + 1) / workers).map { makeCard($0, model: model, format: format, products: products) }, at: worker)
        }
        return parts.joined()
    }

    private static func makeCard(_ index: Int, model: SiteModel, format: FrenchFormat, products: ProductItems) -> TemplateValue {
        let published = model.experts[index]
        let expert = published.expert
        let specialties = published.productIds.compactMap { products.specialties[$0] }
        return .shared(SharedObject([
            "url": .text("/experts/\(expert.slug)/"),
            "name": .text(expert.fullName),
            "initials": .text(String(expert.firstName.prefix(1)) + String(expert.lastName.prefix(1))),
            "headline": .text(expert.headline),
            "city": .text(expert.city),
            "region": .text(expert.region),
            "specialties": .list(Array(specialties.prefix(3))),
            "rating": ratingView(published.rating, format: format),
            "price": .text(price(expert, format: format)),
            "response": .text(ActivityText.response(published.responses, format: format)),
        ]))
    }

    static func ratingView(_ rating: RatingSummary, format: FrenchFormat) -> TemplateValue {
        guard let average = rating.average, rating.count > 0 else {
            return ["has": false, "label": .text(format.string("rating_none"))]
        }
        let rounded = Int(average.rounded())
        return [
            "has": true,
            "stars": .text(String(repeating: "★", count: rounded) + String(repeating: "☆", count: 5 - rounded)),
            "average": .text(format.decimal(average)),
            "count": .text(format.count("reviews", rating.count)),
            "label": .text(format.fill("rating_label", ["average": format.decimal(average), "count": format.integer(rating.count)])),
        ]
    }

    static func price(_ expert: Expert, format: FrenchFormat) -> String {
        if let dayRate = expert.dayRate { return format.fill("price_day_rate", ["amount": format.euros(dayRate)]) }
        if let fee = expert.successFeePercent { return format.fill("price_success_fee", ["percent": format.integer(fee)]) }
        return format.string("price_on_request")
    }

    // MARK: Pages

    func home() -> TemplateValue {
        var context = page(title: format.string("home_title"), description: format.string("home_description"), path: "")
        let counts = model.productCounts
        context["products"] = .list(model.products.compactMap { product -> TemplateValue? in
            guard let id = product.id else { return nil }
            return [
                "name": .text(product.name), "code": .text(product.code), "url": .text("/dispositifs/\(Slug.make(product.code))/"),
                "category": .text(format.string("category_\(product.category.rawValue)")),
                "count": .text(format.count("experts", counts[id] ?? 0)),
            ]
        })
        context["topRated"] = .list(model.topRated.map(card))
        context["newest"] = .list(model.newest.map(card))
        context["regions"] = .list(FrenchCollation.sorted(model.regionPaths.keys).map { ["name": .text($0), "url": .text("/" + (model.regionPaths[$0] ?? ""))] })
        context["expertCount"] = .text(format.count("experts", model.publishedCount))
        return .object(context)
    }

    func listing(_ listing: SiteModel.Listing, page number: Int, pageCount: Int) -> TemplateValue {
        let size = configuration.pageSize
        let members = listing.members.dropFirst((number - 1) * size - listing.firstPosition).prefix(size)
        let title = number == 1 ? listing.title : format.fill("listing_page_title", ["title": listing.title, "page": String(number)])
        var context = page(title: title, description: listing.intro, path: Self.listingPath(listing.path, page: number))
        var about: [String: TemplateValue] = [
            "title": .text(listing.title),
            "intro": .text(listing.intro),
            "count": .text(format.count("experts", listing.total)),
            "empty": .flag(listing.total == 0),
        ]
        // A scheme's page leads to a new dossier for it.
        if listing.kind == .product, let product = model.products.first(where: { "dispositifs/\(Slug.make($0.code))/" == listing.path }) {
            about["startURL"] = .text("/app/dossier.html?dispositif=" + Self.queryValue(product.code))
        }
        context["listing"] = .object(about)
        context["cards"] = .list(members.map(card))
        if pageCount > 1 {
            var pagination: [String: TemplateValue] = [
                "label": .text(format.fill("pagination_label", ["page": String(number), "pages": String(pageCount)])),
                "pages": .list(pageLinks(listing.path, count: pageCount, current: number)),
            ]
            if number > 1 { pagination["previous"] = .text("/" + Self.listingPath(listing.path, page: number - 1)) }
            if number < pageCount { pagination["next"] = .text("/" + Self.listingPath(listing.path, page: number + 1)) }
            context["pagination"] = .object(pagination)
        }
        return .object(context)
    }

    /// Links to every page of a listing, page `current` marked. The links are shared objects
    /// built once per listing, so that each renders once for all the listing's pages.
    private func pageLinks(_ path: String, count: Int, current: Int) -> [TemplateValue] {
        let links = listingLinks[path].flatMap { $0.links.count == count ? $0 : nil } ?? Self.pageLinks(path, count: count)
        var pages = links.links
        pages[current - 1] = links.current[current - 1]
        return pages
    }

    /// A listing's page links, plain and as the current page.
    struct PageLinks: Sendable {
        let links: [TemplateValue]
        let current: [TemplateValue]
    }

    private static func pageLinks(_ path: String, count: Int) -> PageLinks {
        func link(_ page: Int, current: Bool) -> TemplateValue {
            .shared(SharedObject(["number": .text(String(page)), "url": .text("/" + listingPath(path, page: page)), "current": .flag(current)]))
        }
        return PageLinks(links: (1...count).map { link($0, current: false) }, current: (1...count).map { link($0, current: true) })
    }

    /// `text` as a URL query value (UTF-8, percent-encoded; "," kept).
    static func queryValue(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~,")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// `experts/` for the first page, `experts/page/2/` after.
    static func listingPath(_ base: String, page: Int) -> String {
        page == 1 ? base : "\(base)page/\(page)/"
    }

    func expert(_ index: Int) -> TemplateValue {
        let published = model.experts[index]
        let expert = published.expert
        let path = "experts/\(expert.slug)/"
        var context = page(
            title: "\(expert.fullName) — \(expert.company)", description: "\(expert.headline) — \(expert.city)", path: path,
            extra: ["ogType": "profile", "jsonLD": .text(JSONLD.expert(published, url: configuration.baseURL + "/" + path, products: model.productsById))]
        )
        guard case .shared(let own) = card(index) else { return .object(context) }
        var view = own.fields
        // Room for the profile's fields at once: one copy of the card's, no growing.
        view.reserveCapacity(own.fields.count + 20)
        view["company"] = .text(expert.company)
        let codes = published.productIds.compactMap { model.productsById[$0]?.code }
        view["contactURL"] = .text("/app/dossier.html?expert=\(expert.id ?? 0)&nom=\(Self.queryValue(expert.fullName))&dispositifs=\(Self.queryValue(codes.joined(separator: ",")))")
        view["bioHTML"] = .text(bios?.html(index) ?? markdown.html(from: expert.bioMarkdown))
        view["regionURL"] = .text("/" + (model.regionPaths[expert.region] ?? ""))
        view["products"] = .list(published.productIds.compactMap { products.profile[$0] })
        view["certifications"] = .list(expert.certifications.map { .text($0) })
        view["languages"] = .list(expert.languages.map { .text(format.string("language_\($0)")) })
        view["years"] = .text(format.count("years", expert.yearsOfExperience))
        view["response"] = .text(ActivityText.profileResponse(published.responses, format: format))
        view["lastActive"] = .text(ActivityText.lastActive(expert.lastActiveDay, format: format))
        view["portfolio"] = .list(expert.portfolio.map { item -> TemplateValue in
            var entry: [String: TemplateValue] = ["title": .text(item.title), "summary": .text(item.summary), "year": .text(String(item.year))]
            if let amount = item.amountRecovered { entry["amount"] = .text(format.fill("portfolio_amount", ["amount": format.euros(amount)])) }
            return .object(entry)
        })
        view["hasPortfolio"] = .flag(!expert.portfolio.isEmpty)
        let rating = published.rating
        view["ratingBars"] = .list((1...5).reversed().map { stars -> TemplateValue in
            let count = rating.histogram[stars - 1]
            let percent = rating.count == 0 ? 0 : Int((Double(count) * 100 / Double(rating.count)).rounded())
            return ["label": starLabels[stars - 1], "count": .text(format.integer(count)), "percent": .text(String(percent))]
        })
        view["reviews"] = .list(published.latestReviews.map { review -> TemplateValue in
            let rounded = max(1, min(5, review.score))
            return [
                "stars": reviewStars[rounded - 1],
                "score": (1...5).contains(review.score) ? reviewScores[review.score - 1] : .text(format.fill("review_score", ["score": String(review.score)])),
                "date": .text(format.monthYear(review.date)),
                "comment": .text(review.comment),
                "hasComment": .flag(!review.comment.isEmpty),
            ]
        })
        view["completed"] = .text(format.count("completed", published.completedAssignments))
        if rating.count > 0 {
            let satisfied = rating.histogram[3] + rating.histogram[4]
            view["satisfaction"] = .text(format.fill("satisfaction", ["percent": String(Int((Double(satisfied) * 100 / Double(rating.count)).rounded()))]))
        }
        view["similar"] = .list(model.similar[index].map(card))
        view["hasSimilar"] = .flag(!model.similar[index].isEmpty)
        context["expert"] = .object(view)
        return .object(context)
    }

    /// One of the offline app's files: the site's strings and stylesheet, and the app's build
    /// fingerprint. The app's pages hold no data: it comes from the sync API, in the browser.
    func app(file: String, build: String) -> TemplateValue {
        var context = page(title: format.string("app_title"), description: format.string("app_description"), path: "app/" + file)
        context["app"] = ["build": .text(build), "file": .text(file)]
        if file == "profile.html" { context["choices"] = profileChoices() }
        if file == "dossier.html" {
            context["schemeGroups"] = schemeGroups { ["id": .text(String($0.id ?? 0)), "code": .text($0.code), "name": .text($0.name)] }
        }
        if file == "dossier.html" || file == "index.html" { context["schemeQuestions"] = .text(schemeQuestionsJSON()) }
        return .object(context)
    }

    /// The active schemes by category, each as `item` makes it; categories without one are left out.
    func schemeGroups(_ item: (EligibleProduct) -> TemplateValue) -> TemplateValue {
        .list(ProductCategory.allCases.compactMap { category in
            let products = model.products.filter { $0.active && $0.category == category }
            guard !products.isEmpty else { return nil }
            return ["name": .text(format.string("category_\(category.rawValue)")), "products": .list(products.map(item))]
        })
    }

    /// Each active scheme's id, code, name and eligibility questions, as JSON that a `<script>` holds
    /// safely (no `<`, `>` or `&`): what the new-dossier form asks (`sync/ui-new-dossier.js`).
    func schemeQuestionsJSON() -> String {
        struct Scheme: Encodable {
            var id: Int64
            var code: String
            var name: String
            var questions: [EligibilityQuestion]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let schemes = model.products.filter(\.active).map { Scheme(id: $0.id ?? 0, code: $0.code, name: $0.name, questions: $0.eligibilityQuestions) }
        let json = (try? encoder.encode(schemes)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        // Outside strings JSON holds none of these: escaping them everywhere changes only strings.
        return json.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e").replacingOccurrences(of: "&", with: "\\u0026")
    }

    /// A legal page: its title and its Markdown, rendered (the operator's own text, trusted as
    /// the templates are).
    func legal(slug: String, title: String, markdown: String) -> TemplateValue {
        var context = page(title: title, description: title, path: slug + "/")
        context["legal"] = ["title": .text(title), "html": .text(MarkdownRenderer(headingOffset: 0).html(from: markdown))]
        return .object(context)
    }

    /// The account pages (`compte/…`): sign-up, "mot de passe oublié", the new password a reset
    /// e-mail leads to. Forms that post to the sync server's account API (`assets/account.js`).
    static let accountPages: [(path: String, kind: String)] = [
        ("compte/inscription/", "signup"), ("compte/mot-de-passe-oublie/", "forgot"), ("compte/nouveau-mot-de-passe/", "reset"),
        ("compte/devenir-expert/", "expert"),
    ]

    func account(path: String, kind: String) -> TemplateValue {
        var context = page(title: format.string("account_\(kind)_title"), description: format.string("account_\(kind)_description"), path: path)
        context["account"] = .object([kind: .flag(true)])
        if kind == "expert" { context["choices"] = profileChoices() }
        return .object(context)
    }

    /// What an expert's profile form offers (`_expert_fields`): the active schemes by category,
    /// the languages (French ticked), and the portfolio's slots.
    func profileChoices() -> TemplateValue {
        let groups = schemeGroups { ["code": .text($0.code), "name": .text($0.name)] }
        let languages: [TemplateValue] = Expert.languageCodes.map { (code: String) -> TemplateValue in
            let language: [String: TemplateValue] = ["code": .text(code), "label": .text(format.string("language_\(code)")), "checked": .flag(code == "fr")]
            return .object(language)
        }
        let slots: [TemplateValue] = (0..<ExpertProfileForm.portfolioLimit).map { (index: Int) -> TemplateValue in
            let number = String(index + 1)
            let label: String = format.fill("expert_form_reference", ["n": number])
            let slot: [String: TemplateValue] = ["index": .text(String(index)), "first": .flag(index == 0), "label": .text(label)]
            return .object(slot)
        }
        return ["schemeGroups": groups, "languages": .list(languages), "slots": .list(slots)]
    }

    func notFound() -> TemplateValue {
        .object(page(title: format.string("not_found_title"), description: format.string("not_found_text"), path: "404.html"))
    }

    /// The feed's readable page: the same experts as the Atom feed, newest first, and how to
    /// follow them in a feed reader.
    func feed() -> TemplateValue {
        var context = page(title: format.string("feed_page_title"), description: format.string("feed_subtitle"), path: "flux/")
        context["experts"] = .list(Feeds.recent(model).map(card))
        context["feedURL"] = .text(configuration.baseURL + "/flux/nouveaux-experts.xml")
        return .object(context)
    }

    func search() -> TemplateValue {
        var context = page(title: format.string("search_title"), description: format.string("search_description"), path: "recherche/")
        context["regions"] = .list(FrenchCollation.sorted(model.regionPaths.keys).map { ["name": .text($0)] })
        context["products"] = .list(model.products.map { ["name": .text($0.name), "code": .text($0.code)] })
        context["languages"] = .list(FrenchFormat.languageCodes.map { ["code": .text($0), "name": .text(format.string("language_\($0)"))] })
        return .object(context)
    }
}

extension FrenchFormat {
    static let languageCodes = Expert.languageCodes
}

/// Per-worker results of a parallel loop, joined in worker order.
final class PartsCollector<Element: Sendable>: @unchecked Sendable {
    private var parts: [[Element]]
    private let lock = NSLock()

    init(workers: Int) {
        parts = Array(repeating: [], count: workers)
    }

    func store(_ part: [Element], at worker: Int) {
        lock.withLock { parts[worker] = part }
    }

    func joined() -> [Element] {
        lock.withLock { parts.flatMap { $0 } }
    }
}
