internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import FTModel
internal import FTStore

/// One-click unsubscribe (RFC 8058) from the links in e-mails, without signing in:
///
/// - `GET /api/v1/unsubscribe/{token}`: a French page that says what the link turns off, with a
///   button (a GET changes nothing: mail scanners follow links);
/// - `POST /api/v1/unsubscribe/{token}` (what mail clients send for `List-Unsubscribe-Post`, and
///   the page's button): that user no longer gets that kind by e-mail; the link is then spent
///   (410 the next time); an unknown link is a 404.
struct UnsubscribeController {
    let database: AppDatabase
    let now: @Sendable () -> Date

    func add(to group: RouterGroup<AppRequestContext>) {
        group.get("unsubscribe/:token", use: show)
        group.post("unsubscribe/:token", use: unsubscribe)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let hash = try LinkPage.tokenHash(context)
        guard let link = try database.unsubscribeLink(tokenHash: hash) else {
            return LinkPage.response(.notFound, title: "Lien inconnu", text: "Ce lien de désinscription n’existe pas. Vous pouvez choisir vos notifications depuis l’application.")
        }
        if link.used {
            return LinkPage.response(.gone, title: "Lien déjà utilisé", text: "Ce lien a déjà servi : vous ne recevez plus \(link.kind.frenchLabel) par e-mail.")
        }
        let path = request.uri.path
        return LinkPage.response(.ok, title: "Se désinscrire", text: "Ne plus recevoir \(link.kind.frenchLabel) par e-mail ?", form: path)
    }

    @Sendable func unsubscribe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let hash = try LinkPage.tokenHash(context)
        switch try database.unsubscribe(tokenHash: hash, at: now()) {
        case .unsubscribed(_, _, let kind, _):
            return LinkPage.response(.ok, title: "C’est fait", text: "Vous ne recevrez plus \(kind.frenchLabel) par e-mail. Vous pouvez changer d’avis depuis l’application.")
        case .alreadyUsed(let kind):
            return LinkPage.response(.gone, title: "Lien déjà utilisé", text: "Ce lien a déjà servi : vous ne recevez plus \(kind.frenchLabel) par e-mail.")
        case .unknown:
            return LinkPage.response(.notFound, title: "Lien inconnu", text: "Ce lien de désinscription n’existe pas.")
        }
    }
}
