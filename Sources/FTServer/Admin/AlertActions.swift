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
}
