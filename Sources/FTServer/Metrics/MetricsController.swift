internal import Foundation
internal import FTModel
internal import FTStore
public import Hummingbird
internal import HTTPTypes
internal import NIOCore

/// `GET /metrics`: the server's measures in Prometheus' text format, for a scraper on the same
/// machine or a signed-in admin. A request that came through a proxy (`Forwarded` or
/// `X-Forwarded-For`) is not the machine's own even when the proxy connects from loopback.
struct MetricsController {
    let database: AppDatabase
    let metrics: ServerMetrics
    let now: @Sendable () -> Date

    func add(to router: Router<AppRequestContext>) {
        router.get("metrics", use: serve)
    }

    @Sendable func serve(_ request: Request, context: AppRequestContext) async throws -> Response {
        if !Self.fromThisMachine(request, context: context) {
            let user = try AdminController.token(request).flatMap { try database.user(token: $0, now: now()) }
            guard let user else { throw APIError.unauthorized }
            guard user.role == .admin else {
                throw APIError(.forbidden, "forbidden", "the metrics are for admins, or for a scraper on the server's own machine")
            }
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition()))
        )
    }

    static let forwarded = HTTPField.Name("Forwarded")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    static func fromThisMachine(_ request: Request, context: AppRequestContext) -> Bool {
        guard request.headers[Self.forwarded] == nil, request.headers[Self.forwardedFor] == nil,
            let address = context.channel.remoteAddress?.ipAddress
        else { return false }
        return address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }
}
