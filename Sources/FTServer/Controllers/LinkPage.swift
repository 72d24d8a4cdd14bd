internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import FTModel
internal import FTStore

/// The small French pages that links in e-mails open without signing in (unsubscribe, a saved
/// search's confirmation): a title, a sentence, and maybe a button that posts to `form`. The
/// sentence is escaped (it may quote what a visitor typed), and so is `form` (the request's own
/// path, as sent).
enum LinkPage {
    /// The hash of the `token` path parameter of a link sent by e-mail (base64url, 20 to 100
    /// characters).
    static func tokenHash(_ context: AppRequestContext) throws -> Data {
        let token = context.parameters.get("token") ?? ""
        // A token of another shape is none of ours: the hash of what was sent matches no row, so
        // the page says the link is unknown, as for a well-formed one that is not in the database.
        return hash(of: token) ?? LinkTokens.hash("malformed:" + token)
    }

    /// The hash of a link token as the e-mails carry them (base64url, 20 to 100 characters); nil
    /// for anything else.
    static func hash(of token: String) -> Data? {
        guard (20...100).contains(token.count), token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        return LinkTokens.hash(token)
    }

    /// `link`: a button-like link onwards (a path of this server, and its text).
    static func response(_ status: HTTPResponse.Status, title: String, text: String, form: String? = nil, button: String = "Me désinscrire", link: (path: String, text: String)? = nil) -> Response {
        var action = form.map { #"<form method="post" action="\#($0.markupEscaped)"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">\#(button.markupEscaped)</button></form>"# } ?? ""
        if let link { action += #"<p><a class="button" href="\#(link.path.markupEscaped)">\#(link.text.markupEscaped)</a></p>"# }
        let html = """
            <!DOCTYPE html>
            <html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex"><title>\(title.markupEscaped) — FinancialTracker</title>
            <style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1c2733;line-height:1.5}button,a.button{display:inline-block;font-size:1rem;padding:.6rem 1.2rem;background:#1f4e79;color:#fff;border:0;border-radius:6px;cursor:pointer;text-decoration:none}a{color:#1f4e79}</style>
            </head><body><h1>\(title.markupEscaped)</h1><p>\(text.markupEscaped)</p>\(action)<p><a href="/">Retour à FinancialTracker</a></p></body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
