internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import FTModel
internal import FTStore
internal import NIOCore

/// Web Push subscriptions (RFC 8030, 8292):
///
/// - `GET /api/v1/push/key`: the server's VAPID public key, for `pushManager.subscribe`
///   (`applicationServerKey`); 404 when the server sends no push;
/// - `POST /api/v1/me/push-subscriptions`: the browser's `PushSubscription.toJSON()`
///   (`{"endpoint", "keys": {"p256dh", "auth"}}`); the endpoint must be a public `https` URL
///   (server-side request forgery), the keys a P-256 point and 16 bytes; 201 `{"id"}`;
/// - `DELETE /api/v1/me/push-subscriptions` with `{"endpoint"}`: 204, or 404 when the signed-in
///   user has no subscription there.
struct PushSubscriptionController {
    let database: AppDatabase
    let settings: WebPushSettings?
    let now: @Sendable () -> Date

    /// A subscription is a few hundred bytes; more is not one.
    static let maximumBody = 4_096

    struct Key: ResponseEncodable {
        var publicKey: String
    }

    struct Subscription: Decodable {
        struct Keys: Decodable {
            var p256dh: String
            var auth: String
        }
        var endpoint: String
        var keys: Keys
    }

    struct Created: ResponseEncodable {
        var id: Int64
    }

    struct Removal: Decodable {
        var endpoint: String
    }

    func add(to group: RouterGroup<AppRequestContext>) {
        group.get("push/key", use: key)
        group.post("me/push-subscriptions", use: subscribe)
        group.delete("me/push-subscriptions", use: unsubscribe)
    }

    private var enabled: WebPushSettings {
        get throws {
            guard let settings else { throw APIError(.notFound, "push_disabled", "this server sends no push notifications") }
            return settings
        }
    }

    private func signedIn(_ context: AppRequestContext) throws -> Int64 {
        guard let id = context.user?.id else { throw APIError.unauthorized }
        return id
    }

    private func body<T: Decodable>(_ request: Request, as type: T.Type) async throws -> T {
        do {
            let bytes = try await request.body.collect(upTo: Self.maximumBody)
            return try JSONDecoder().decode(type, from: Data(bytes.readableBytesView))
        } catch {
            throw APIError.badBody(error)
        }
    }

    @Sendable func key(_ request: Request, context: AppRequestContext) async throws -> Key {
        Key(publicKey: try enabled.publicKey)
    }

    @Sendable func subscribe(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<Created> {
        let settings = try enabled
        let user = try signedIn(context)
        let subscription = try await body(request, as: Subscription.self)
        guard let p256dh = Data(base64URL: subscription.keys.p256dh) else {
            throw APIError(.badRequest, "invalid_subscription", "keys.p256dh is not base64url", field: "keys.p256dh")
        }
        guard let auth = Data(base64URL: subscription.keys.auth) else {
            throw APIError(.badRequest, "invalid_subscription", "keys.auth is not base64url", field: "keys.auth")
        }
        do {
            try await settings.checkEndpoint(subscription.endpoint)
            let id = try database.addPushSubscription(userId: user, endpoint: subscription.endpoint, p256dh: p256dh, auth: auth, at: now())
            return EditedResponse(status: .created, response: Created(id: id))
        } catch let refused as PushSubscriptionError {
            throw APIError(.badRequest, "invalid_subscription", refused.message, field: refused.field)
        }
    }

    @Sendable func unsubscribe(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try enabled
        let user = try signedIn(context)
        let removal = try await body(request, as: Removal.self)
        guard try database.removePushSubscription(userId: user, endpoint: removal.endpoint) else {
            throw APIError(.notFound, "no_subscription", "you have no push subscription at this endpoint")
        }
        return Response(status: .noContent)
    }
}
