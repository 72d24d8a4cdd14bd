public import FTModel
public import Foundation
internal import GRDB

/// An expert new to a saved search, as its e-mail lists it.
public struct NewExpert: Sendable, Equatable {
    public var slug: String
    public var name: String
    public var company: String
    public var headline: String
    public var city: String
    public var approvedAt: Date
}

/// An e-mail a saved search is due to send.
public struct SearchAlertMail: Sendable {
    public enum Content: Sendable, Equatable {
        /// The double opt-in: the link that confirms the alert.
        case confirmation
        /// Experts approved since the last e-mail, oldest first (at most `SearchAlertMail.expertLimit`).
        case experts([NewExpert])
    }

    public var alert: SearchAlert
    /// With the server's key, makes the alert's link token (`LinkTokens.searchAlertToken`).
    public var nonce: String
    public var content: Content
    public var attempts: Int
    /// Fixed by the alert's state, so that a retry after a crash is the same e-mail.
    public var mailId: String

    /// The most experts one e-mail lists; the next e-mail lists the rest.
    public static let expertLimit = 20
}

/// What following an alert's link did.
public enum SearchAlertLink: Sendable, Equatable {
    case done(SearchAlert)
    case alreadyDone(SearchAlert)
    case cancelled(SearchAlert)
    case expired
    case unknown
}

extension AppDatabase {
    /// Saves a visitor's search, waiting for confirmation (its e-mail leaves with the next mail
    /// round). Refused, naming the field: an unknown scheme or region; more than
    /// `SearchAlert.unconfirmedLimit` alerts waiting for confirmation at the address, or
    /// `SearchAlert.activeLimit` confirmed ones. `tokenHash`: the hash of the token made from
    /// `nonce` (the database never holds the token itself).
    public func createSearchAlert(email: String, criteria: SearchCriteria, nonce: String, tokenHash: Data, now: Date) throws -> Result<Int64, SearchAlertProblem> {
        try writer.write { db in
            if let product = criteria.product, try Row.fetchOne(db, sql: "SELECT 1 FROM eligibleProduct WHERE code = ?", arguments: [product]) == nil {
                return .failure(SearchAlertProblem(field: "dispositif", "Dispositif inconnu « \(product) »."))
            }
            if let region = criteria.region, try Row.fetchOne(db, sql: "SELECT 1 FROM expert WHERE region = ? UNION ALL SELECT 1 FROM client WHERE region = ?", arguments: [region, region]) == nil {
                return .failure(SearchAlertProblem(field: "region", "Région inconnue « \(region) »."))
            }
            let since = now.addingTimeInterval(-SearchAlert.confirmationWindow)
            let waiting = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM searchAlert WHERE email = ? AND confirmedAt IS NULL AND cancelledAt IS NULL AND createdAt > ?
                """, arguments: [email, since]) ?? 0
            if waiting >= SearchAlert.unconfirmedLimit {
                return .failure(SearchAlertProblem(field: "email", "Des alertes attendent déjà leur confirmation à cette adresse : suivez le lien de l’e-mail reçu, ou réessayez dans quelques jours.", isLimit: true))
            }
            let active = try Int.fetchOne(db, sql: "SELECT count(*) FROM searchAlert WHERE email = ? AND confirmedAt IS NOT NULL AND cancelledAt IS NULL", arguments: [email]) ?? 0
            if active >= SearchAlert.activeLimit {
                return .failure(SearchAlertProblem(field: "email", "Cette adresse a déjà \(SearchAlert.activeLimit) alertes : désinscrivez-en une depuis ses e-mails avant d’en créer une autre.", isLimit: true))
            }
            try db.execute(sql: """
                INSERT INTO searchAlert (email, criteria, nonce, tokenHash, createdAt, notBefore) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [email, String(decoding: try JSONEncoder().encode(criteria), as: UTF8.self), nonce, tokenHash, now, now])
            return .success(db.lastInsertedRowID)
        }
    }

    /// The alert a link's token names, if any.
    public func searchAlert(tokenHash: Data) throws -> SearchAlert? {
        try writer.read { db in try Self.searchAlert(tokenHash: tokenHash, db: db) }
    }

    /// Confirms the alert (double opt-in): from now on, experts approved after this moment are
    /// e-mailed. A link older than `SearchAlert.confirmationWindow` has expired.
    public func confirmSearchAlert(tokenHash: Data, now: Date) throws -> SearchAlertLink {
        try writer.write { db in
            guard let alert = try Self.searchAlert(tokenHash: tokenHash, db: db) else { return .unknown }
            if alert.cancelledAt != nil { return .cancelled(alert) }
            if alert.confirmedAt != nil { return .alreadyDone(alert) }
            guard alert.createdAt > now.addingTimeInterval(-SearchAlert.confirmationWindow) else { return .expired }
            try db.execute(sql: "UPDATE searchAlert SET confirmedAt = ?, seenUpTo = ?, notBefore = ?, attempts = 0, lastError = NULL WHERE id = ?", arguments: [now, now, now, alert.id])
            return .done(try Self.searchAlert(tokenHash: tokenHash, db: db) ?? alert)
        }
    }

    /// Stops the alert: nothing more is sent.
    public func cancelSearchAlert(tokenHash: Data, now: Date) throws -> SearchAlertLink {
        try writer.write { db in
            guard let alert = try Self.searchAlert(tokenHash: tokenHash, db: db) else { return .unknown }
            if alert.cancelledAt != nil { return .alreadyDone(alert) }
            try db.execute(sql: "UPDATE searchAlert SET cancelledAt = ? WHERE id = ?", arguments: [now, alert.id])
            return .done(try Self.searchAlert(tokenHash: tokenHash, db: db) ?? alert)
        }
    }

    static func searchAlert(tokenHash: Data, db: Database) throws -> SearchAlert? {
        try Row.fetchOne(db, sql: "SELECT * FROM searchAlert WHERE tokenHash = ?", arguments: [tokenHash]).map(searchAlert)
    }

    static func searchAlert(_ row: Row) -> SearchAlert {
        let criteria = (try? JSONDecoder().decode(SearchCriteria.self, from: Data((row["criteria"] as String).utf8))) ?? SearchCriteria()
        return SearchAlert(id: row["id"], email: row["email"], criteria: criteria, createdAt: row["createdAt"], confirmedAt: row["confirmedAt"], cancelledAt: row["cancelledAt"])
    }

    /// The e-mails saved searches are due to send at `now`: confirmations not yet sent (for
    /// links still valid), then, for confirmed alerts, the experts approved since their last
    /// e-mail that meet their criteria. At most `limit`.
    public func searchAlertMails(now: Date, domain: String, limit: Int = 200) throws -> [SearchAlertMail] {
        try writer.read { db in
            var mails: [SearchAlertMail] = []
            let confirmations = try Row.fetchAll(db, sql: """
                SELECT * FROM searchAlert
                WHERE confirmationSentAt IS NULL AND confirmedAt IS NULL AND cancelledAt IS NULL AND failedAt IS NULL AND notBefore <= ? AND createdAt > ?
                ORDER BY id LIMIT ?
                """, arguments: [now, now.addingTimeInterval(-SearchAlert.confirmationWindow), limit])
            for row in confirmations {
                let alert = Self.searchAlert(row)
                mails.append(SearchAlertMail(alert: alert, nonce: row["nonce"], content: .confirmation, attempts: row["attempts"], mailId: "ft-alerte-\(alert.id)-confirmation@\(domain)"))
            }
            // Only alerts that have not seen the newest approval can have anything to tell.
            guard mails.count < limit,
                let newest = try Date.fetchOne(db, sql: "SELECT max(approvedAt) FROM expert WHERE approval = 'approved' AND active = 1")
            else { return mails }
            let waiting = try Row.fetchAll(db, sql: """
                SELECT * FROM searchAlert
                WHERE confirmedAt IS NOT NULL AND cancelledAt IS NULL AND failedAt IS NULL AND notBefore <= ? AND seenUpTo < ?
                ORDER BY id
                """, arguments: [now, newest])
            for row in waiting where mails.count < limit {
                let alert = Self.searchAlert(row)
                let seenUpTo: Date = row["seenUpTo"]
                let experts = try Self.newExperts(for: alert.criteria, after: seenUpTo, db: db)
                guard let last = experts.last else { continue }
                let mailId = "ft-alerte-\(alert.id)-\(DatabaseDate.milliseconds(seenUpTo))-\(DatabaseDate.milliseconds(last.approvedAt))@\(domain)"
                mails.append(SearchAlertMail(alert: alert, nonce: row["nonce"], content: .experts(experts), attempts: row["attempts"], mailId: mailId))
            }
            return mails
        }
    }

    /// The published experts approved after `after` that meet `criteria`, oldest first.
    static func newExperts(for criteria: SearchCriteria, after: Date, db: Database) throws -> [NewExpert] {
        var conditions = ["e.approval = 'approved'", "e.active = 1", "e.approvedAt > ?"]
        var arguments: StatementArguments = [after]
        if let product = criteria.product {
            conditions.append("EXISTS (SELECT 1 FROM expertSpecialty s JOIN eligibleProduct p ON p.id = s.productId WHERE s.expertId = e.id AND p.code = ?)")
            arguments += [product]
        }
        if let category = criteria.category {
            conditions.append("EXISTS (SELECT 1 FROM expertSpecialty s JOIN eligibleProduct p ON p.id = s.productId WHERE s.expertId = e.id AND p.category = ?)")
            arguments += [category.rawValue]
        }
        if let region = criteria.region {
            conditions.append("e.region = ?")
            arguments += [region]
        }
        if let language = criteria.language {
            conditions.append("EXISTS (SELECT 1 FROM json_each(e.languages) WHERE value = ?)")
            arguments += [language]
        }
        let words = criteria.wordList
        if !words.isEmpty {
            // Letters and digits only (`wordList`): each a prefix, all of them required.
            conditions.append("e.id IN (SELECT rowid FROM expertSearch WHERE expertSearch MATCH ?)")
            arguments += [words.map { "\"\($0)\"*" }.joined(separator: " ")]
        }
        return try Row.fetchAll(db, sql: """
            SELECT e.slug, e.firstName || ' ' || e.lastName AS name, e.company, e.headline, e.city, e.approvedAt FROM expert e
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY e.approvedAt, e.id LIMIT \(SearchAlertMail.expertLimit)
            """, arguments: arguments).map { row in
            NewExpert(slug: row["slug"], name: row["name"], company: row["company"], headline: row["headline"], city: row["city"], approvedAt: row["approvedAt"])
        }
    }

    /// The mails were taken by the transport: recorded in one transaction.
    public func markSearchAlertMailsSent(_ mails: [SearchAlertMail], at now: Date) throws {
        try writer.write { db in
            for mail in mails {
                switch mail.content {
                case .confirmation:
                    try db.execute(sql: "UPDATE searchAlert SET confirmationSentAt = ?, attempts = 0, lastError = NULL WHERE id = ?", arguments: [now, mail.alert.id])
                case .experts(let experts):
                    try db.execute(sql: """
                        UPDATE searchAlert SET seenUpTo = max(seenUpTo, ?), lastSentAt = ?, attempts = 0, lastError = NULL WHERE id = ?
                        """, arguments: [experts.last?.approvedAt, now, mail.alert.id])
                }
            }
        }
    }

    /// The mail failed: tried again at `retryAt`, or, with none, the alert stops (`failedAt`).
    public func markSearchAlertMailFailed(_ mail: SearchAlertMail, error: String, retryAt: Date?, now: Date) throws {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE searchAlert SET attempts = attempts + 1, lastError = ?, notBefore = coalesce(?, notBefore), failedAt = CASE WHEN ? IS NULL THEN ? END WHERE id = ?
                """, arguments: [String(error.prefix(500)), retryAt, retryAt, now, mail.alert.id])
        }
    }
}
