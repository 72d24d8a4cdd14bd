internal import Hummingbird
internal import HTTPTypes

/// The app's service worker lives at /app/sw.js but controls the whole site (so that public pages
/// a user visited stay readable offline): browsers allow that only with `Service-Worker-Allowed: /`.
struct ServiceWorkerScopeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    static let path = "/app/sw.js"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if request.uri.path == Self.path {
            response.headers[HTTPField.Name("Service-Worker-Allowed")!] = "/"
        }
        return response
    }
}
