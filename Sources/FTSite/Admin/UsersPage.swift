internal import FTMarkdown
internal import FTModel
public import FTStore
public import Foundation

/// The admins' users pages, rendered on each request by `ft serve`: `/admin/comptes.html` (search,
/// filters, order, pages, and the actions of each row) and `/admin/comptes/{id}.html` (one account:
/// what it is, the actions, and its audit log). Every form carries `csrf`, the session's token for
/// forms (`AdminController.csrfToken`).
public struct UsersPage: Sendable {
    public let configuration: AdminConfiguration

    public init(configuration: AdminConfiguration) {
        self.configuration = configuration
    }

    /// The list. `notice`: what an action just did; `problem`: why one was refused.
    public func list(from database: AppDatabase, query: UserQuery, csrf: String, me: Int64, now: Date, notice: UsersMessage? = nil, problem: UsersMessage? = nil) throws -> String {
        let templates = try AdminTemplates(directory: configuration.templatesDirectory, locale: configuration.locale)
        let views = AdminViews(format: FrenchFormat(strings: templates.strings), now: now)
        let format = views.format
        var context = views.base(title: format.string("admin_users_title"), root: "/admin/")
        let (rows, total) = try database.adminUsers(query)
        context["csrf"] = .text(csrf)
        if let notice { context["notice"] = .text(Self.say(notice, strings: templates.strings)) }
        if let problem { context["problem"] = .text(Self.say(problem, strings: templates.strings)) }
        context["words"] = .text(query.words)
        context["total"] = .text(format.fill(total == 1 ? "admin_users_found_one" : "admin_users_found", ["count": format.integer(total)]))
        context["roles"] = .list(([nil] + Role.allCases.map(Optional.some)).map { role in
            ["value": .text(role?.rawValue ?? ""), "label": .text(format.string(role.map { "admin_role_\($0.rawValue)" } ?? "admin_users_all_roles")), "selected": .flag(query.role == role)]
        })
        context["states"] = .list(UserQuery.State.allCases.map { state in
            ["value": .text(state.rawValue), "label": .text(format.string("admin_users_state_" + (state.rawValue.isEmpty ? "any" : state.rawValue))), "selected": .flag(query.state == state)]
        })
        context["orders"] = .list(UserQuery.Order.allCases.map { order in
            ["value": .text(order.rawValue), "label": .text(format.string("admin_users_order_" + order.rawValue)), "selected": .flag(query.order == order)]
        })
        context["users"] = .list(rows.map { row(views: views, $0, me: me) })
        context["empty"] = .flag(rows.isEmpty)
        let pages = max(1, (total + UserQuery.pageSize - 1) / UserQuery.pageSize)
        context["paginated"] = .flag(pages > 1)
        context["pagination"] = .list(Self.pageNumbers(current: query.page, count: pages).map { number in
            var page = query
            page.page = number
            return ["number": .text(String(number)), "url": .text(Self.address(page)), "current": .flag(number == query.page)]
        })
        var csv = query
        csv.page = 1
        context["csvURL"] = .text(Self.address(csv, file: "comptes.csv"))
        context["back"] = .text(Self.address(query))
        return templates.render(.object(context), template: "accounts")
    }

    /// A message in words, from the strings the page was rendered with.
    static func say(_ message: UsersMessage, strings: [String: String]) -> String {
        switch message {
        case .text(let text):
            return text
        case .key(let key, let values):
            var text = strings[key] ?? key
            for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
            return text
        }
    }

    /// One account's page, with its audit log.
    public func account(from database: AppDatabase, id: Int64, csrf: String, me: Int64, now: Date, notice: UsersMessage? = nil, problem: UsersMessage? = nil) throws -> String? {
        guard let user = try database.adminUser(id: id) else { return nil }
        let templates = try AdminTemplates(directory: configuration.templatesDirectory, locale: configuration.locale)
        let views = AdminViews(format: FrenchFormat(strings: templates.strings), now: now)
        let format = views.format
        var context = views.base(title: user.displayName, root: "/admin/")
        context["csrf"] = .text(csrf)
        if let notice { context["notice"] = .text(Self.say(notice, strings: templates.strings)) }
        if let problem { context["problem"] = .text(Self.say(problem, strings: templates.strings)) }
        context["user"] = row(views: views, user, me: me)
        if let profile = try database.expertProfile(userId: id) {
            context["application"] = application(profile, choices: try database.schemeChoices(), format: format)
        }
        // The actions bring the admin back here.
        context["back"] = .text("/admin/comptes/\(id).html")
        context["list"] = .text("/admin/comptes.html")
        let audit = try database.auditEntries(userId: id)
        context["has_audit"] = .flag(!audit.isEmpty)
        context["audit"] = .list(audit.map { entry, actor in
            [
                "date": .text(views.dateTime(entry.createdAt)), "action": .text(format.strings["admin_audit_" + entry.action.replacingOccurrences(of: ".", with: "_")] ?? entry.action),
                "actor": .text(actor ?? format.string("admin_audit_system")), "detail": .text(Self.detail(entry.detail)),
            ]
        })
        return templates.render(.object(context), template: "account")
    }

    /// The list as CSV (every match, not one page): French headers, semicolons, as French
    /// spreadsheets open them.
    public func csv(from database: AppDatabase, query: UserQuery) throws -> String {
        var lines = ["Nom;E-mail;Rôle;Entreprise;Actif;Adresse confirmée;Candidature;Créé le;Dernière activité"]
        for user in try database.allAdminUsers(query) {
            let cells = [
                user.displayName, user.email, user.role.rawValue, user.company ?? "", user.active ? "oui" : "non", user.emailVerified ? "oui" : "non",
                user.approval ?? "", Self.csvDate(user.createdAt), user.lastSeenAt.map(Self.csvDate) ?? "",
            ]
            lines.append(cells.map(Self.csvCell).joined(separator: ";"))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// An expert's profile as the admins review it: what the public page would show, and the
    /// SIRET that it does not.
    private func application(_ expert: ExpertProfile, choices: [SchemeChoice], format: FrenchFormat) -> TemplateValue {
        let profile = expert.profile
        let names = Dictionary(choices.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
        var rates: [String] = []
        if let rate = profile.dayRate { rates.append(format.fill("admin_application_day_rate", ["amount": format.integer(rate)])) }
        if let fee = profile.successFeePercent { rates.append(format.fill("admin_application_fee", ["percent": String(fee)])) }
        return .object([
            "headline": .text(profile.headline), "siret": .text(profile.siret.isEmpty ? "—" : profile.siret),
            "place": .text("\(expert.city) (\(profile.postcode)), \(expert.region)"),
            "schemes": .text(profile.schemes.map { names[$0] ?? $0 }.joined(separator: ", ")),
            "rates": .text(rates.joined(separator: " · ")), "years": .text(format.integer(profile.yearsOfExperience)),
            "languages": .text(profile.languages.map { format.strings["language_\($0)"] ?? $0 }.joined(separator: ", ")),
            "has_certifications": .flag(!profile.certifications.isEmpty), "has_portfolio": .flag(!profile.portfolio.isEmpty),
            "certifications": .list(profile.certifications.map { .text($0) }),
            "portfolio": .list(profile.portfolio.map { item in
                ["title": .text(item.title), "summary": .text(item.summary), "year": .text(String(item.year))]
            }),
            "bio": .text(Self.bioRenderer.html(from: profile.bio)),
        ])
    }

    /// As the public profile renders a bio.
    private static let bioRenderer = MarkdownRenderer(headingOffset: 2)

    private func row(views: AdminViews, _ user: AdminUserRow, me: Int64) -> TemplateValue {
        let format = views.format
        var value: [String: TemplateValue] = [
            "id": .text(String(user.id)), "name": .text(user.displayName), "email": .text(user.email), "company": .text(user.company ?? ""),
            "role": .text(format.string("admin_role_" + user.role.rawValue)), "active": .flag(user.active), "verified": .flag(user.emailVerified),
            "created": .text(format.day(user.createdAt)), "seen": .text(user.lastSeenAt.map(views.dateTime) ?? format.string("admin_never")),
            "me": .flag(user.id == me), "pending": .flag(user.approval == "pending"), "rejected": .flag(user.approval == "rejected"),
            "approved": .flag(user.approval == "approved"), "reason": .text(user.rejectionReason ?? ""),
        ]
        value["roleChoices"] = .list(Role.allCases.filter { $0 != user.role }.map { role in ["value": .text(role.rawValue), "label": .text(format.string("admin_role_" + role.rawValue))] })
        if let slug = user.expertSlug, user.approval == "approved", user.active { value["profile"] = .text("/experts/\(slug)/") }
        return .object(value)
    }

    /// Every page near the current one, the first and the last.
    static func pageNumbers(current: Int, count: Int) -> [Int] {
        (1...count).filter { $0 == 1 || $0 == count || abs($0 - current) <= 2 }
    }

    /// The users page's address for a query.
    public static func address(_ query: UserQuery, file: String = "comptes.html") -> String {
        var components = URLComponents()
        components.path = "/admin/" + file
        var items: [URLQueryItem] = []
        if !query.words.isEmpty { items.append(URLQueryItem(name: "q", value: query.words)) }
        if let role = query.role { items.append(URLQueryItem(name: "role", value: role.rawValue)) }
        if query.state != .any { items.append(URLQueryItem(name: "etat", value: query.state.rawValue)) }
        if query.order != .newest { items.append(URLQueryItem(name: "tri", value: query.order.rawValue)) }
        if query.page > 1 { items.append(URLQueryItem(name: "page", value: String(query.page))) }
        components.queryItems = items.isEmpty ? nil : items
        return components.string ?? "/admin/" + file
    }

    /// An audit line's JSON detail in French: "actif → désactivé · sessions fermées : 1".
    static func detail(_ json: String) -> String {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return "" }
        let names = ["reason": "raison", "sessionsEnded": "sessions fermées", "siren": "SIREN"]
        let values = ["pending": "en attente", "approved": "validée", "rejected": "refusée", "client": "client", "expert": "expert", "admin": "administrateur"]
        func text(_ value: Any) -> String { values["\(value)"] ?? "\(value)" }
        var parts: [String] = []
        if let before = object["before"], let after = object["after"] { parts.append("\(text(before)) → \(text(after))") }
        for key in object.keys.sorted() where key != "before" && key != "after" {
            guard let value = object[key], !(value is NSNull) else { continue }
            parts.append("\(names[key] ?? key) : \(text(value))")
        }
        return parts.joined(separator: " · ")
    }

    static func csvDate(_ date: Date) -> String {
        let parts = FrenchFormat.calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }

    /// A cell that a spreadsheet reads as text: quoted when it holds a separator, a quote or a
    /// line break; a leading =, +, - or @ made inert.
    static func csvCell(_ text: String) -> String {
        var cell = text
        if let first = cell.first, "=+-@".contains(first) { cell = "'" + cell }
        return cell.contains(where: { $0 == ";" || $0 == "\"" || $0.isNewline }) ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
    }
}
