internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import NIOCore

/// A page that does not exist gets the site's own "page introuvable" (`404.html`, made by
/// `ft generate`) with status 404, not an empty body. The API keeps its JSON errors; anything but
/// GET and HEAD keeps the plain 404.
struct NotFoundPageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let publicDirectory: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard request.method == .get || request.method == .head, !request.uri.path.hasPrefix("/api/"),
                  let page = FileManager.default.contents(atPath: publicDirectory + "/404.html")
            else { throw error }
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.cacheControl] = "no-cache"
            headers[.contentLength] = String(page.count)
            return Response(
                status: .notFound, headers: headers,
                body: request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: page))
            )
        }
    }
}
