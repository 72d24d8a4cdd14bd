public import FTModel
public import FTStore
public import Foundation

/// The admins' announcements page (`/admin/annonces.html`), rendered on each request by
/// `ft serve`: the form (title, text, segment, channels) and the announcements sent.
public struct AnnouncementsPage: Sendable {
    public let configuration: AdminConfiguration

    public init(configuration: AdminConfiguration) {
        self.configuration = configuration
    }

    /// `sent`: the number of users the announcement just sent reached; `audience`: the number a
    /// count found; `problem`: why a send was refused, as is; `draft`: the form as typed.
    public func page(from database: AppDatabase, now: Date, draft: AnnouncementDraft = AnnouncementDraft(), sent: Int? = nil, audience: Int? = nil, problem: String? = nil) throws -> String {
        let templates = try AdminTemplates(directory: configuration.templatesDirectory, locale: configuration.locale)
        let views = AdminViews(format: FrenchFormat(strings: templates.strings), now: now)
        let format = views.format
        // Absolute: the page is also shown at the address a form was posted to.
        var context = views.base(title: format.string("admin_announcements_title"), root: "/admin/")
        if let sent { context["notice"] = .text(format.fill(sent == 1 ? "admin_announcement_sent_one" : "admin_announcement_sent", ["count": format.integer(sent)])) }
        if let audience {
            let key = audience == 0 ? "admin_announcement_audience_none" : audience == 1 ? "admin_announcement_audience_one" : "admin_announcement_audience"
            context["audience"] = .text(format.fill(key, ["count": format.integer(audience)]))
        }
        if let problem { context["problem"] = .text(problem) }
        context["draft"] = [
            "title": .text(draft.title), "body": .text(draft.body), "since": .text(draft.since),
            "email": .flag(draft.channels.contains(.email)), "push": .flag(draft.channels.contains(.push)),
        ]
        context["roles"] = .list((["", "client", "expert", "admin"]).map { role in
            ["value": .text(role), "label": .text(format.string("admin_announcement_role_" + (role.isEmpty ? "all" : role))), "selected": .flag(draft.role == role)]
        })
        let choices = try database.announcementChoices()
        context["products"] = .list(choices.products.map { product in
            ["value": .text(String(product.id)), "label": .text(product.name), "selected": .flag(draft.product == String(product.id))]
        })
        context["regions"] = .list(choices.regions.map { region in ["value": .text(region), "label": .text(region), "selected": .flag(draft.region == region)] })
        let productNames = Dictionary(choices.products.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let history = try database.announcements(limit: 50)
        context["has_history"] = .flag(!history.isEmpty)
        context["history"] = .list(history.map { announcement in
            [
                "id": .text(String(announcement.id)), "date": .text(views.dateTime(announcement.createdAt)), "title": .text(announcement.title),
                "excerpt": .text(announcement.body.count > 160 ? String(announcement.body.prefix(160)) + "…" : announcement.body),
                "segment": .text(Self.describe(announcement.segment, products: productNames, format: format)),
                "channels": .text(NotificationChannel.allCases.filter(announcement.channels.contains).map { format.string("admin_alert_by_" + $0.rawValue) }.joined(separator: ", ")),
                "recipients": .text(format.integer(announcement.recipients)), "author": .text(announcement.author ?? "—"),
            ]
        })
        return templates.render(.object(context), template: "announcements")
    }

    /// A segment in French: "Clients · Crédit d'impôt recherche · Bretagne · actifs depuis le 1 décembre 2026".
    static func describe(_ segment: AnnouncementSegment, products: [Int64: String], format: FrenchFormat) -> String {
        var parts: [String] = []
        if let role = segment.role { parts.append(format.string("admin_announcement_role_" + role.rawValue)) }
        if let product = segment.productId { parts.append(products[product] ?? "dispositif n° \(product)") }
        if let region = segment.region { parts.append(region) }
        if let since = segment.activeSince { parts.append(format.fill("admin_announcement_active_since", ["day": format.day(since)])) }
        return parts.isEmpty ? format.string("admin_announcement_everyone") : parts.joined(separator: " · ")
    }
}
