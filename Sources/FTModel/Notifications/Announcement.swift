public import Foundation

/// Whom an admin's announcement goes to: the active users matching every criterion given (none:
/// everyone active). `product`: clients with a dossier for that scheme and experts who hold it;
/// `region`: the client's or the expert's region; `activeSince`: seen in the app since that day.
public struct AnnouncementSegment: Sendable, Codable, Equatable {
    public var role: Role?
    public var productId: Int64?
    public var region: String?
    public var activeSince: Date?

    public init(role: Role? = nil, productId: Int64? = nil, region: String? = nil, activeSince: Date? = nil) {
        self.role = role
        self.productId = productId
        self.region = region
        self.activeSince = activeSince
    }
}

/// A message an admin sent to a segment, as the announcements page lists it.
public struct Announcement: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var title: String
    public var body: String
    public var segment: AnnouncementSegment
    /// The outside channels asked for (the app always).
    public var channels: Set<NotificationChannel>
    public var recipients: Int
    public var author: String?
    public var createdAt: Date

    public init(id: Int64, title: String, body: String, segment: AnnouncementSegment, channels: Set<NotificationChannel>, recipients: Int, author: String?, createdAt: Date) {
        self.id = id
        self.title = title
        self.body = body
        self.segment = segment
        self.channels = channels
        self.recipients = recipients
        self.author = author
        self.createdAt = createdAt
    }

    /// The longest title and text an announcement takes (the e-mail's subject, the push's text).
    public static let titleLimit = 120
    public static let bodyLimit = 4_000
}

/// What the admin typed in the announcement form, shown again after a count or a refusal so
/// that nothing is lost.
public struct AnnouncementDraft: Sendable, Equatable {
    public var title = ""
    public var body = ""
    public var role = ""
    public var product = ""
    public var region = ""
    /// `YYYY-MM-DD`, as the date field sends it.
    public var since = ""
    public var channels: Set<NotificationChannel> = [.email, .push]

    public init() {}
}

extension AnnouncementDraft {
    /// The segment the draft names, or why it names none (in French, with the field): an unknown
    /// role, a scheme that is not a number, a day not written `YYYY-MM-DD`. Whether the scheme and
    /// the region exist is for the store to say.
    public func segment() -> Result<AnnouncementSegment, AnnouncementDraftProblem> {
        var segment = AnnouncementSegment()
        if !role.isEmpty {
            guard let role = Role(rawValue: role) else {
                return .failure(AnnouncementDraftProblem("Rôle inconnu « \(role) » (champ « role » : client, expert ou admin)."))
            }
            segment.role = role
        }
        if !product.isEmpty {
            guard let product = Int64(product), product > 0 else {
                return .failure(AnnouncementDraftProblem("Le dispositif est donné par son numéro, pas « \(product) » (champ « product »)."))
            }
            segment.productId = product
        }
        if !region.isEmpty { segment.region = region }
        if !since.isEmpty {
            guard let date = DayParser.date(from: since) else {
                return .failure(AnnouncementDraftProblem("« Actifs depuis » est une date écrite AAAA-MM-JJ (par exemple 2026-11-24), pas « \(since) » (champ « since »)."))
            }
            segment.activeSince = date
        }
        return .success(segment)
    }
}

/// Why a draft names no segment, in French.
public struct AnnouncementDraftProblem: Error, Sendable, Equatable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }
}
