internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import NIOCore
internal import FTModel
internal import FTStore

/// The alert centre's forms: acknowledge an alert, change a rule, send a dead e-mail again.
enum AlertAction: String, CaseIterable {
    case acknowledge = "acquitter"
    case rule = "regle"
    case retry = "relancer"
}

extension AdminController {
    /// The largest admin form: an announcement's 4,000 characters, percent-encoded.
    static let maximumForm = 65_536

    /// A form posted by a signed-in admin (`postedForm`). Done: 303 back to the page, which says
    /// what was done; refused: 400, the page saying why.
    @Sendable func act(_ action: AlertAction, request: Request, context: AppRequestContext) async throws -> Response {
        guard let alertCentre else { return Self.page(.notFound, AdminPages.notFound) }
        let admin: Int64
        let form: [String: [String]]
        switch try await postedForm(request, tooLarge: { try alertCentre(nil, $0) }) {
        case .success(let posted): (admin, form) = posted
        case .failure(let refusal): return refusal.response
        }
        func refuse(_ problem: String) throws -> Response {
            Self.page(.badRequest, try alertCentre(nil, problem))
        }
        let done: String
        switch action {
        case .acknowledge:
            guard let id = form["id"]?.first.flatMap({ Int64($0) }) else { return try refuse("Quelle alerte acquitter ? Le champ « id » manque ou n’est pas un nombre.") }
            guard try database.acknowledgeAlert(id, by: admin, at: now()) else { return try refuse("L’alerte n° \(id) n’est pas ouverte, ou elle est déjà acquittée.") }
            done = "acknowledged"
        case .retry:
            guard let mail = form["mail"]?.first, !mail.isEmpty else { return try refuse("Quel e-mail renvoyer ? Le champ « mail » manque.") }
            guard try database.retryDeadMail(mail, at: now()) else { return try refuse("Aucun e-mail abandonné ne porte l’identifiant « \(mail) ».") }
            done = "retried"
        case .rule:
            guard let kind = form["kind"]?.first.flatMap(AlertRuleKind.init(rawValue:)),
                var rule = try database.alertRules().first(where: { $0.kind == kind })
            else { return try refuse("Le champ « kind » ne nomme aucune règle d’alerte.") }
            for (field, name) in [("threshold", "Le seuil"), ("reminderHours", "L’intervalle des relances"), ("maxReminders", "Le nombre de relances")] {
                guard let text = form[field]?.first, let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                    return try refuse("\(name) de la règle « \(kind.frenchName) » doit être un nombre entier (champ « \(field) »).")
                }
                switch field {
                case "threshold": rule.threshold = value
                case "reminderHours": rule.reminderHours = value
                default: rule.maxReminders = value
                }
            }
            let recipients = form["recipients"] ?? []
            let channels = form["channels"] ?? []
            if let unknown = recipients.first(where: { AlertRecipient(rawValue: $0) == nil }) {
                return try refuse("Destinataire inconnu « \(unknown) » (champ « recipients » : client, expert ou admins).")
            }
            if let unknown = channels.first(where: { NotificationChannel(rawValue: $0) == nil }) {
                return try refuse("Canal inconnu « \(unknown) » (champ « channels » : email ou push).")
            }
            rule.recipients = Set(recipients.compactMap(AlertRecipient.init(rawValue:)))
            rule.channels = Set(channels.compactMap(NotificationChannel.init(rawValue:)))
            rule.active = form["active"]?.first == "1"
            do {
                try database.updateAlertRule(rule, by: admin, at: now())
            } catch let error as AlertRuleError {
                return try refuse(error.message)
            }
            done = "saved:\(kind.rawValue)"
        }
        return Response(status: .seeOther, headers: [.location: "/admin/alertes.html?fait=\(done)", .cacheControl: "no-store"])
    }

    /// The fields of a form posted by a signed-in admin, with the admin's id. The session cookie
    /// is `SameSite=Strict`, and a post from a browser must also say it comes from this server
    /// (`Origin`), so that another site cannot make an admin's browser act. Refused: a visitor's
    /// sign-in page (401), a refusal (403), or, for a body over `maximumForm`, the page
    /// `tooLarge` renders with the problem (413).
    func postedForm(_ request: Request, tooLarge: (String) throws -> String) async throws -> Result<(admin: Int64, form: [String: [String]]), Refusal> {
        let admin: Int64
        switch try self.admin(request) {
        case .success(let id): admin = id
        case .failure(let refusal): return .failure(refusal)
        }
        if Self.cookieToken(request) != nil, !Self.sameOrigin(request) {
            return .failure(Refusal(response: Self.page(.forbidden, AdminPages.forbidden)))
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumForm)
        } catch {
            return .failure(Refusal(response: Self.page(.contentTooLarge, try tooLarge("Le formulaire dépasse \(Self.maximumForm / 1_024) Kio."))))
        }
        return .success((admin, Self.formFields(String(buffer: body))))
    }

    /// Whether a browser's post comes from this server: its `Origin` names this host (with the
    /// port), or, without one, `Sec-Fetch-Site` says same-origin.
    static func sameOrigin(_ request: Request) -> Bool {
        let host = request.head.authority
        if let origin = request.headers[.origin] {
            guard let host, let url = URL(string: origin), let scheme = url.scheme, scheme == "http" || scheme == "https", let name = url.host else { return false }
            return (url.port.map { "\(name):\($0)" } ?? name) == host
        }
        return request.headers[HTTPField.Name("Sec-Fetch-Site")!] == "same-origin"
    }

    /// `application/x-www-form-urlencoded` fields, each name with its values in order.
    static func formFields(_ body: String) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first.map(decode), !name.isEmpty else { continue }
            fields[name, default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return fields
    }
}
