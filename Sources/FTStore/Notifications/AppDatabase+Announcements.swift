public import FTModel
public import Foundation
internal import GRDB
internal import FTSync

/// Why an announcement was not sent, in French, with the form field it is about.
public struct AnnouncementError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public var description: String { "\(field): \(message)" }
}

/// What the announcement form offers to choose from.
public struct AnnouncementChoices: Sendable {
    public var products: [(id: Int64, name: String)]
    public var regions: [String]
}

extension AppDatabase {
    /// The active users an announcement to `segment` reaches, as a condition on `user u` and its
    /// arguments.
    static func audience(_ segment: AnnouncementSegment) -> (sql: String, arguments: StatementArguments) {
        var conditions = ["u.active = 1"]
        var arguments: StatementArguments = []
        if let role = segment.role {
            conditions.append("u.role = ?")
            arguments += [role.rawValue]
        }
        if let product = segment.productId {
            conditions.append("""
                ((u.role = 'client' AND EXISTS (SELECT 1 FROM client c JOIN dossier d ON d.clientId = c.id WHERE c.userId = u.id AND d.productId = ?))
                 OR (u.role = 'expert' AND EXISTS (SELECT 1 FROM expert e JOIN expertSpecialty s ON s.expertId = e.id WHERE e.userId = u.id AND s.productId = ?)))
                """)
            arguments += [product, product]
        }
        if let region = segment.region {
            conditions.append("""
                (EXISTS (SELECT 1 FROM client c WHERE c.userId = u.id AND c.region = ?) OR EXISTS (SELECT 1 FROM expert e WHERE e.userId = u.id AND e.region = ?))
                """)
            arguments += [region, region]
        }
        if let since = segment.activeSince {
            conditions.append("u.lastSeenAt >= ?")
            arguments += [since]
        }
        return (conditions.joined(separator: " AND "), arguments)
    }

    /// How many users an announcement to `segment` would reach now.
    public func announcementAudience(_ segment: AnnouncementSegment) throws -> Int {
        let (condition, arguments) = Self.audience(segment)
        return try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM user u WHERE \(condition)", arguments: arguments) ?? 0 }
    }

    /// The schemes and regions the form offers (regions where a client or an expert is).
    public func announcementChoices() throws -> AnnouncementChoices {
        try writer.read { db in
            let products = try Row.fetchAll(db, sql: "SELECT id, name FROM eligibleProduct ORDER BY name").map { (id: $0["id"] as Int64, name: $0["name"] as String) }
            let regions = try String.fetchAll(db, sql: "SELECT region FROM client UNION SELECT region FROM expert")
            return AnnouncementChoices(
                products: products.sorted { FrenchCollation.key($0.name) < FrenchCollation.key($1.name) },
                regions: regions.sorted { FrenchCollation.key($0) < FrenchCollation.key($1) }
            )
        }
    }

    /// Sends an announcement: in one transaction, the announcement, one in-app notification per
    /// user of the segment (which the notification workers then send on `channels`, e-mail and
    /// push, within each user's preferences) and a line in the audit log. Refused, with nothing
    /// written, when a field is wrong or when the segment reaches nobody.
    @discardableResult
    public func sendAnnouncement(title: String, body: String, segment: AnnouncementSegment, channels: Set<NotificationChannel>, by admin: Int64, at date: Date) throws -> Announcement {
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = body.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\r\n", with: "\n")
        if title.isEmpty { throw AnnouncementError(field: "title", message: "L’annonce n’a pas de titre (champ « title »).") }
        if title.count > Announcement.titleLimit || title.contains(where: \.isNewline) {
            throw AnnouncementError(field: "title", message: "Le titre tient sur une ligne d’au plus \(Announcement.titleLimit) caractères (il en a \(title.count)).")
        }
        if body.isEmpty { throw AnnouncementError(field: "body", message: "L’annonce n’a pas de texte (champ « body »).") }
        if body.count > Announcement.bodyLimit {
            throw AnnouncementError(field: "body", message: "Le texte de l’annonce fait au plus \(Announcement.bodyLimit) caractères (il en a \(body.count)).")
        }
        if title.containsNUL || body.containsNUL { throw AnnouncementError(field: "body", message: "L’annonce contient un caractère nul.") }
        if let since = segment.activeSince, since > date {
            throw AnnouncementError(field: "activeSince", message: "« Actifs depuis » est une date passée, pas une date à venir.")
        }
        let outside = NotificationChannel.allCases.filter { $0 != .inApp && channels.contains($0) }.map(\.rawValue).joined(separator: ",")
        return try writer.write { db in
            if let product = segment.productId, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM eligibleProduct WHERE id = ?)", arguments: [product]) != true {
                throw AnnouncementError(field: "product", message: "Aucun dispositif ne porte le numéro \(product) (champ « product »).")
            }
            if let region = segment.region, try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM client WHERE region = ?1) OR EXISTS (SELECT 1 FROM expert WHERE region = ?1)
                """, arguments: [region]) != true {
                throw AnnouncementError(field: "region", message: "Aucun client ni expert n’est dans la région « \(region) » (champ « region »).")
            }
            let segmentJSON = String(decoding: try JSONEncoder.sortedISO8601.encode(segment), as: UTF8.self)
            try db.execute(sql: """
                INSERT INTO announcement (authorId, title, body, segment, channels, recipients, createdAt) VALUES (?, ?, ?, ?, ?, 0, ?)
                """, arguments: [admin, title, body, segmentJSON, outside, date])
            let id = db.lastInsertedRowID
            let (condition, arguments) = Self.audience(segment)
            try db.execute(sql: """
                INSERT INTO notification (userId, kind, title, body, target, createdAt, channels)
                SELECT u.id, 'announcement', ?, ?, '/app/index.html', ?, ? FROM user u WHERE \(condition) ORDER BY u.id
                """, arguments: [title, body, date, outside] + arguments)
            let recipients = db.changesCount
            guard recipients > 0 else {
                throw AnnouncementError(field: "segment", message: "Aucun utilisateur actif ne correspond à ce segment : rien n’a été envoyé.")
            }
            try db.execute(sql: "UPDATE announcement SET recipients = ? WHERE id = ?", arguments: [recipients, id])
            try db.execute(sql: """
                INSERT INTO auditLog (actorId, action, entityType, entityId, detail, createdAt)
                VALUES (?, 'announcement.send', 'announcement', ?, json_object('segment', json(?), 'channels', ?, 'recipients', ?), ?)
                """, arguments: [admin, String(id), segmentJSON, outside, recipients, date])
            let author = try String.fetchOne(db, sql: "SELECT displayName FROM user WHERE id = ?", arguments: [admin])
            return Announcement(
                id: id, title: title, body: body, segment: segment, channels: channels.union([.inApp]),
                recipients: recipients, author: author, createdAt: date
            )
        }
    }

    /// The announcements sent, newest first.
    public func announcements(limit: Int = 50) throws -> [Announcement] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.id, a.title, a.body, a.segment, a.channels, a.recipients, a.createdAt, u.displayName
                FROM announcement a LEFT JOIN user u ON u.id = a.authorId ORDER BY a.createdAt DESC, a.id DESC LIMIT ?
                """, arguments: [limit]).map { row in
                let segment = (try? JSONDecoder.iso8601.decode(AnnouncementSegment.self, from: Data((row["segment"] as String).utf8))) ?? AnnouncementSegment()
                let channels = (row["channels"] as String).split(separator: ",").compactMap { NotificationChannel(rawValue: String($0)) }
                return Announcement(
                    id: row["id"], title: row["title"], body: row["body"], segment: segment, channels: Set(channels).union([.inApp]),
                    recipients: row["recipients"], author: row["displayName"], createdAt: row["createdAt"]
                )
            }
        }
    }

    /// Tells every active admin that a scheduled report is ready (`kind`: `report_daily`,
    /// `report_weekly` or `report_monthly`; `target`: the report's page under `/admin/`), once:
    /// an admin told of that report already is not told again. The e-mail, with the report's
    /// files, goes to those who asked for it (their preference; off by default). Returns how many
    /// were told now.
    @discardableResult
    public func notifyAdminsOfReport(kind: NotificationKind, title: String, body: String, target: String, at date: Date) throws -> Int {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO notification (userId, kind, title, body, target, createdAt)
                SELECT u.id, ?1, ?2, ?3, ?4, ?5 FROM user u WHERE u.role = 'admin' AND u.active = 1
                  AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.userId = u.id AND n.kind = ?1 AND n.target = ?4)
                ORDER BY u.id
                """, arguments: [kind.rawValue, title, body, target, date])
            return db.changesCount
        }
    }
}

extension JSONEncoder {
    fileprivate static var sortedISO8601: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

extension JSONDecoder {
    fileprivate static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
