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

    private func token(_ context: AppRequestContext) throws -> Data {
        guard let token = context.parameters.get("token"), (20...100).contains(token.count),
            token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { throw HTTPError(.notFound, message: "no such unsubscribe link") }
        return LinkTokens.hash(token)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let hash = try token(context)
        guard let link = try database.unsubscribeLink(tokenHash: hash) else {
            return Self.page(.notFound, title: "Lien inconnu", text: "Ce lien de désinscription n’existe pas. Vous pouvez choisir vos notifications depuis l’application.")
        }
        if link.used {
            return Self.page(.gone, title: "Lien déjà utilisé", text: "Ce lien a déjà servi : vous ne recevez plus \(link.kind.frenchLabel) par e-mail.")
        }
        let path = request.uri.path
        return Self.page(.ok, title: "Se désinscrire", text: "Ne plus recevoir \(link.kind.frenchLabel) par e-mail ?", form: path)
    }

    @Sendable func unsubscribe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let hash = try token(context)
        switch try database.unsubscribe(tokenHash: hash, at: now()) {
        case .unsubscribed(_, _, let kind, _):
            return Self.page(.ok, title: "C’est fait", text: "Vous ne recevrez plus \(kind.frenchLabel) par e-mail. Vous pouvez changer d’avis depuis l’application.")
        case .alreadyUsed(let kind):
            return Self.page(.gone, title: "Lien déjà utilisé", text: "Ce lien a déjà servi : vous ne recevez plus \(kind.frenchLabel) par e-mail.")
        case .unknown:
            return Self.page(.notFound, title: "Lien inconnu", text: "Ce lien de désinscription n’existe pas.")
        }
    }

    /// A small page in French (every text here is the server's own; nothing from the request
    /// but the path, which the router matched as a token of safe characters).
    static func page(_ status: HTTPResponse.Status, title: String, text: String, form: String? = nil) -> Response {
        let button = form.map { #"<form method="post" action="\#($0)"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Me désinscrire</button></form>"# } ?? ""
        let html = """
            <!DOCTYPE html>
            <html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex"><title>\(title) — FinancialTracker</title>
            <style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1c2733}button{font-size:1rem;padding:.6rem 1.2rem;background:#1f4e79;color:#fff;border:0;border-radius:6px}</style>
            </head><body><h1>\(title)</h1><p>\(text)</p>\(button)<p><a href="/app/">Ouvrir FinancialTracker</a></p></body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
