internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import NIOCore
internal import FTModel
internal import FTStore

/// The announcements page's forms: count the users a segment reaches, send an announcement.
enum AnnouncementAction: String, CaseIterable {
    case count = "compter"
    case send = "envoyer"
}

extension AdminController {
    /// A form posted by a signed-in admin (the same checks as the alert centre's). Counted: 200,
    /// the page with the number; sent: 303 back to the page, which says to how many; refused: 400,
    /// the page saying why, with the form as it was typed.
    @Sendable func announce(_ action: AnnouncementAction, request: Request, context: AppRequestContext) async throws -> Response {
        guard let announcements else { return Self.page(.notFound, AdminPages.notFound) }
        let admin: Int64
        let form: [String: [String]]
        switch try await postedForm(request, tooLarge: { try announcements(AnnouncementDraft(), nil, nil, $0) }) {
        case .success(let posted): (admin, form) = posted
        case .failure(let refusal): return refusal.response
        }
        var draft = AnnouncementDraft()
        draft.title = form["title"]?.first ?? ""
        draft.body = form["body"]?.first ?? ""
        draft.role = form["role"]?.first ?? ""
        draft.product = form["product"]?.first ?? ""
        draft.region = form["region"]?.first ?? ""
        draft.since = form["since"]?.first ?? ""
        let channels = form["channels"] ?? []
        draft.channels = Set(channels.compactMap(NotificationChannel.init(rawValue:)))
        func refuse(_ problem: String) throws -> Response {
            Self.page(.badRequest, try announcements(draft, nil, nil, problem))
        }
        if let unknown = channels.first(where: { $0 != "email" && $0 != "push" }) {
            return try refuse("Canal inconnu « \(unknown) » (champ « channels » : email ou push ; l’application est toujours incluse).")
        }
        let segment: AnnouncementSegment
        switch draft.segment() {
        case .success(let parsed): segment = parsed
        case .failure(let problem): return try refuse(problem.message)
        }
        switch action {
        case .count:
            return Self.page(.ok, try announcements(draft, nil, try database.announcementAudience(segment), nil))
        case .send:
            do {
                let sent = try database.sendAnnouncement(title: draft.title, body: draft.body, segment: segment, channels: draft.channels, by: admin, at: now())
                onCommit()
                return Response(status: .seeOther, headers: [.location: "/admin/annonces.html?envoyee=\(sent.recipients)", .cacheControl: "no-store"])
            } catch let error as AnnouncementError {
                return try refuse(error.message)
            }
        }
    }
}
