internal import Foundation
internal import Hummingbird
internal import FTStore

/// Reads `Authorization: Bearer <token>` and, if the session is valid, puts its user in the
/// context. It refuses nothing itself: each route decides whether it needs a user.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let database: AppDatabase
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
            if !token.isEmpty, token.count <= 200, let user = try database.user(token: token, now: now()) {
                context.user = user
                context.token = token
            }
        }
        return try await next(request, context)
    }
}
