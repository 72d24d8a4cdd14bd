internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import FTModel
internal import FTStore
internal import FTSync

/// What the app needs about the signed-in user beyond the sync records:
///
/// - `GET /api/v1/me`: who I am (and my client or expert record);
/// - `GET /api/v1/me/dossiers?limit&offset`: my dossiers with product, status, conversation,
///   experts and steps (by the same rule as sync: a client's own, an expert's assigned, all for an admin);
/// - `GET /api/v1/me/notifications?limit`, `POST /api/v1/me/notifications/read` (`{"ids": […]}` or
///   `{"all": true}`): the notification centre.
struct MeController {
    let database: AppDatabase
    let now: @Sendable () -> Date

    struct Me: ResponseEncodable {
        var id: Int64
        var email: String
        var role: String
        var displayName: String
        var client: Int64?
        var expert: Int64?
        /// A client's town: the app ranks experts near it (on the device).
        var place: Place?
    }

    struct Place: Codable {
        var city: String
        var postcode: String
    }

    struct Dossiers: ResponseEncodable {
        var total: Int
        var offset: Int
        var dossiers: [DossierSummary]
    }

    struct Notifications: ResponseEncodable {
        var unread: Int
        var notifications: [UserNotificationEntry]
    }

    struct ReadRequest: Decodable {
        var ids: [Int64]?
        var all: Bool?
    }

    struct ReadAnswer: ResponseEncodable {
        var changed: Int
        var unread: Int
    }

    struct Availability: ResponseEncodable {
        var full: [String]
    }

    func add(to group: RouterGroup<AppRequestContext>) {
        group.get("experts/availability", use: availability)
        group.get("me", use: me)
        group.get("me/dossiers", use: dossiers)
        group.get("me/notifications", use: notifications)
        group.post("me/notifications/read", use: markRead)
    }

    private func signedIn(_ request: Request, _ context: AppRequestContext) throws -> (User, Int64) {
        guard let user = context.user, let id = user.id else { throw APIError.unauthorized }
        let sent = request.headers[SyncController.protocolHeader]
        guard sent == String(ServerConfiguration.protocolVersion) else { throw APIError.updateRequired(sent) }
        return (user, id)
    }

    static func number(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters[Substring(name)].map(String.init) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError(.badRequest, "invalid_\(name)", "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return number
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Me {
        let (user, id) = try signedIn(request, context)
        let records = try database.roleRecords(user: id)
        return Me(id: id, email: user.email, role: user.role.rawValue, displayName: user.displayName, client: records.client, expert: records.expert,
                  place: records.place.map { Place(city: $0.city, postcode: $0.postcode) })
    }

    /// `GET /api/v1/experts/availability`: the experts at capacity, for the app's recommendations.
    @Sendable func availability(_ request: Request, context: AppRequestContext) async throws -> Availability {
        _ = try signedIn(request, context)
        return Availability(full: try database.expertsAtCapacity())
    }

    @Sendable func dossiers(_ request: Request, context: AppRequestContext) async throws -> Dossiers {
        let (user, id) = try signedIn(request, context)
        let limit = try Self.number(request, "limit", default: 100, range: 1...500)
        let offset = try Self.number(request, "offset", default: 0, range: 0...10_000_000)
        let page = try database.dossierSummaries(for: SyncActor(user: id, role: user.role), limit: limit, offset: offset)
        return Dossiers(total: page.total, offset: offset, dossiers: page.dossiers)
    }

    @Sendable func notifications(_ request: Request, context: AppRequestContext) async throws -> Notifications {
        let (_, id) = try signedIn(request, context)
        let limit = try Self.number(request, "limit", default: 50, range: 1...200)
        let list = try database.notifications(user: id, limit: limit)
        return Notifications(unread: list.unread, notifications: list.entries)
    }

    @Sendable func markRead(_ request: Request, context: AppRequestContext) async throws -> ReadAnswer {
        let (_, id) = try signedIn(request, context)
        let body: ReadRequest
        do {
            body = try await request.decode(as: ReadRequest.self, context: context)
        } catch {
            throw APIError.badBody(error)
        }
        guard body.all == true || !(body.ids ?? []).isEmpty, (body.ids ?? []).count <= 1_000 else {
            throw APIError(.badRequest, "invalid_body", "send {\"ids\": [1, 2]} (at most 1,000) or {\"all\": true}")
        }
        let changed = try database.markNotificationsRead(user: id, ids: body.all == true ? nil : body.ids, now: now())
        return ReadAnswer(changed: changed, unread: try database.notifications(user: id, limit: 1).unread)
    }
}
