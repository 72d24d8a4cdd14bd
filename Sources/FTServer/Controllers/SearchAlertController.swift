internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import FTModel
internal import FTStore

/// Saved searches' new-expert alerts, for visitors (no account needed), with double opt-in:
///
/// - `POST /api/v1/search-alerts` (JSON: `email` and the search page's `q`, `dispositif`,
///   `categorie`, `region`, `langue`): saves the search and sends a confirmation e-mail; 202.
///   The same answer whether the address has other alerts or none.
/// - `GET /api/v1/search-alerts/{token}/confirm`: a French page with a button (a GET changes
///   nothing: mail scanners follow links); `POST` confirms. From then on, each expert approved
///   that meets the search is e-mailed.
/// - `GET`/`POST /api/v1/search-alerts/{token}/cancel`: the same for stopping it (`POST` is also
///   the e-mails' one-click `List-Unsubscribe-Post`).
struct SearchAlertController {
    let database: AppDatabase
    let tokens: LinkTokens
    let now: @Sendable () -> Date

    static let maximumBody = 4_096

    func add(to group: RouterGroup<AppRequestContext>) {
        group.post("search-alerts", use: create)
        group.get("search-alerts/:token/confirm", use: showConfirm)
        group.post("search-alerts/:token/confirm", use: confirm)
        group.get("search-alerts/:token/cancel", use: showCancel)
        group.post("search-alerts/:token/cancel", use: cancel)
    }

    struct Form: Decodable {
        var email: String
        var q: String?
        var dispositif: String?
        var categorie: String?
        var region: String?
        var langue: String?
    }

    struct Accepted: ResponseEncodable {
        var message: String
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<Accepted> {
        let form = try await JSONForm.decode(Form.self, from: request, maximum: Self.maximumBody)
        let email: String
        switch SearchAlert.address(form.email) {
        case .success(let address): email = address
        case .failure(let problem): throw APIError(.badRequest, "invalid_field", problem.message, field: problem.field)
        }
        let criteria: SearchCriteria
        switch SearchAlert.criteria(words: form.q ?? "", product: form.dispositif ?? "", category: form.categorie ?? "", region: form.region ?? "", language: form.langue ?? "") {
        case .success(let checked): criteria = checked
        case .failure(let problem): throw APIError(.badRequest, "invalid_field", problem.message, field: problem.field)
        }
        let nonce = LinkTokens.nonce()
        let hash = LinkTokens.hash(tokens.searchAlertToken(nonce: nonce))
        switch try database.createSearchAlert(email: email, criteria: criteria, nonce: nonce, tokenHash: hash, now: now()) {
        case .success:
            return EditedResponse(status: .accepted, response: Accepted(
                message: "C’est presque fini : un e-mail vient de partir vers \(email). Ouvrez le lien qu’il contient pour confirmer l’alerte."
            ))
        case .failure(let problem) where problem.isLimit:
            throw APIError(.tooManyRequests, "too_many_alerts", problem.message, field: problem.field)
        case .failure(let problem):
            throw APIError(.badRequest, "invalid_field", problem.message, field: problem.field)
        }
    }

    private static var expired: Response {
        LinkPage.response(.gone, title: "Lien expiré", text: "Ce lien de confirmation a plus de 7 jours. Créez l’alerte à nouveau depuis la page de recherche.")
    }

    private static let unknown = (title: "Lien inconnu", text: "Ce lien d’alerte n’existe pas, ou l’alerte a été supprimée.")

    @Sendable func showConfirm(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let alert = try database.searchAlert(tokenHash: try LinkPage.tokenHash(context)) else {
            return LinkPage.response(.notFound, title: Self.unknown.title, text: Self.unknown.text)
        }
        if alert.cancelledAt != nil { return LinkPage.response(.gone, title: "Alerte arrêtée", text: "Cette alerte a été arrêtée : vous ne recevez plus rien pour elle.") }
        if alert.confirmedAt != nil { return LinkPage.response(.ok, title: "Alerte déjà confirmée", text: "Vous recevez déjà les nouveaux experts de cette recherche : \(alert.criteria.frenchDescription).") }
        if alert.createdAt <= now().addingTimeInterval(-SearchAlert.confirmationWindow) { return Self.expired }
        return LinkPage.response(.ok, title: "Confirmer l’alerte", text: "Recevoir par e-mail, à \(alert.email), les nouveaux experts de cette recherche : \(alert.criteria.frenchDescription) ?", form: request.uri.path, button: "Confirmer l’alerte")
    }

    @Sendable func confirm(_ request: Request, context: AppRequestContext) async throws -> Response {
        switch try database.confirmSearchAlert(tokenHash: try LinkPage.tokenHash(context), now: now()) {
        case .done(let alert), .alreadyDone(let alert):
            return LinkPage.response(.ok, title: "Alerte confirmée", text: "C’est fait : chaque nouvel expert de cette recherche (\(alert.criteria.frenchDescription)) vous sera envoyé par e-mail. Chaque e-mail contient le lien pour arrêter l’alerte.")
        case .cancelled:
            return LinkPage.response(.gone, title: "Alerte arrêtée", text: "Cette alerte a été arrêtée : vous ne recevez plus rien pour elle.")
        case .expired:
            return Self.expired
        case .unknown:
            return LinkPage.response(.notFound, title: Self.unknown.title, text: Self.unknown.text)
        }
    }

    @Sendable func showCancel(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let alert = try database.searchAlert(tokenHash: try LinkPage.tokenHash(context)) else {
            return LinkPage.response(.notFound, title: Self.unknown.title, text: Self.unknown.text)
        }
        if alert.cancelledAt != nil { return LinkPage.response(.gone, title: "Alerte déjà arrêtée", text: "Vous ne recevez plus rien pour cette alerte.") }
        return LinkPage.response(.ok, title: "Arrêter l’alerte", text: "Ne plus recevoir les nouveaux experts de cette recherche (\(alert.criteria.frenchDescription)) ?", form: request.uri.path, button: "Arrêter l’alerte")
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> Response {
        switch try database.cancelSearchAlert(tokenHash: try LinkPage.tokenHash(context), now: now()) {
        case .done, .cancelled:
            return LinkPage.response(.ok, title: "Alerte arrêtée", text: "C’est fait : vous ne recevrez plus d’e-mail pour cette alerte.")
        case .alreadyDone:
            return LinkPage.response(.gone, title: "Alerte déjà arrêtée", text: "Vous ne recevez plus rien pour cette alerte.")
        case .expired, .unknown:
            return LinkPage.response(.notFound, title: Self.unknown.title, text: Self.unknown.text)
        }
    }
}
