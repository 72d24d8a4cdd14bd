public import Foundation
internal import GRDB
internal import FTModel

/// The store's side of `ExpertRouting`: reads the candidates for a dossier's scheme and offers the
/// dossier to the best of them (a pending assignment, a notification, the reason in the
/// dossier's history); and moves offers on when they lapse.
enum OfferRouting {
    /// Offers an open dossier to the best eligible expert it was never offered to. Returns the
    /// expert's id, or nil when nobody is eligible (the history says so).
    @discardableResult
    static func offerNext(dossier: Int64, now: Date, db: Database) throws -> Int64? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT d.productId, d.status, d.estimatedCents, p.name AS scheme, p.offerHours, p.routingDistanceKm,
                c.companyName, c.region, c.latitude, c.longitude
            FROM dossier d JOIN eligibleProduct p ON p.id = d.productId JOIN client c ON c.id = d.clientId WHERE d.id = ?
            """), arguments: [dossier]), row["status"] == "eligible" || row["status"] == "in_progress"
        else { return nil }
        // An assignment under way already: nothing to offer.
        let busy = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM expertAssignment WHERE dossierId = ? AND status IN ('pending', 'assigned', 'in_progress'))
            """), arguments: [dossier]) ?? false
        guard !busy else { return nil }
        let excluded = Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT expertId FROM expertAssignment WHERE dossierId = ?"), arguments: [dossier]))
        let point: GeoPoint? = (row["latitude"] as Double?).flatMap { latitude in (row["longitude"] as Double?).map { GeoPoint(latitude: latitude, longitude: $0) } }
        let request = ExpertRouting.Request(region: row["region"], point: point, excluded: excluded)
        let rule = ExpertRouting.Rule(maximumDistanceKm: row["routingDistanceKm"], offerHours: row["offerHours"])
        let ranked = ExpertRouting.rank(try candidates(product: row["productId"], db: db), for: request, rule: rule)
        guard let best = ranked.first else {
            try DossierOpening.event(dossier, .waiting, "Aucun expert disponible pour l’instant selon les règles du dispositif : le dossier attend qu’un expert se libère ou qu’un administrateur le confie.", actor: nil, date: DatabaseDate.string(from: now), db: db)
            return nil
        }
        try DossierOpening.offer(
            dossier: dossier, expert: best.candidate.expertId, reason: best.reason, scheme: row["scheme"], company: row["companyName"],
            amount: (row["estimatedCents"] as Int64) / 100, hours: row["offerHours"], now: now, db: db
        )
        return best.candidate.expertId
    }

    /// The open offers and assignments of the expert whose user is `userId` end, and each dossier
    /// goes to the next expert by the rules (an expert deactivated, or gone). `why` opens the line
    /// of each dossier's history. Returns how many moved on.
    @discardableResult
    static func moveOn(fromExpertUser userId: Int64, why: String, now: Date, db: Database) throws -> Int {
        let date = DatabaseDate.string(from: now)
        let open = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT a.id, a.dossierId FROM expertAssignment a JOIN expert e ON e.id = a.expertId
            WHERE e.userId = ? AND a.status IN ('pending', 'assigned', 'in_progress') ORDER BY a.id
            """), arguments: [userId])
        for assignment in open {
            let dossier: Int64 = assignment["dossierId"]
            try db.cachedStatement(sql: "UPDATE expertAssignment SET status = 'cancelled', cancelledAt = ? WHERE id = ?").execute(arguments: [date, assignment["id"] as Int64])
            try DossierOpening.event(dossier, .reassigned, "\(why) : le dossier passe à l’expert suivant selon les règles du dispositif.", actor: nil, date: date, db: db)
            try offerNext(dossier: dossier, now: now, db: db)
        }
        return open.count
    }

    /// The experts who take `product`'s dossiers and may get one: approved, active, their account
    /// active; with their open assignments, capacity, rating and last offer.
    static func candidates(product: Int64, db: Database) throws -> [ExpertRouting.Candidate] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT e.id, e.firstName || ' ' || e.lastName AS name, e.region, e.latitude, e.longitude, e.capacity,
                (SELECT count(*) FROM expertAssignment a WHERE a.expertId = e.id AND a.status IN ('pending', 'assigned', 'in_progress')) AS open,
                (SELECT avg(score) FROM rating r WHERE r.expertId = e.id) AS rating,
                (SELECT max(requestedAt) FROM expertAssignment a WHERE a.expertId = e.id) AS lastOffer
            FROM expertSpecialty s JOIN expert e ON e.id = s.expertId JOIN user u ON u.id = e.userId
            WHERE s.productId = ? AND e.approval = 'approved' AND e.active = 1 AND u.active = 1 AND u.deletedAt IS NULL
            """), arguments: [product]).map { row in
            ExpertRouting.Candidate(
                expertId: row["id"], name: row["name"], region: row["region"],
                point: GeoPoint(latitude: row["latitude"], longitude: row["longitude"]),
                openAssignments: row["open"], capacity: row["capacity"], rating: row["rating"], lastOfferAt: row["lastOffer"]
            )
        }
    }
}

extension AppDatabase {
    /// Offers made by the product that waited past their `offerExpiresAt` (their scheme's
    /// `offerHours` after they were made) lapse: the assignment is
    /// cancelled, the expert told, the history says so, and the dossier is offered to the next
    /// expert by the rules. Returns how many lapsed. `now` is injected (the alert rounds' clock).
    @discardableResult
    public func expireOffers(now: Date) throws -> Int {
        try writer.write { db in
            let date = DatabaseDate.string(from: now)
            let lapsed = try Row.fetchAll(db, sql: """
                SELECT a.id, a.dossierId, e.userId, e.firstName || ' ' || e.lastName AS name,
                    CAST(round((julianday(a.offerExpiresAt) - julianday(a.requestedAt)) * 24) AS INTEGER) AS offerHours
                FROM expertAssignment a JOIN expert e ON e.id = a.expertId
                WHERE a.status = 'pending' AND a.offerExpiresAt IS NOT NULL AND a.offerExpiresAt <= ?
                ORDER BY a.offerExpiresAt, a.id
                """, arguments: [date])
            for offer in lapsed {
                let dossier: Int64 = offer["dossierId"]
                let hours: Int = offer["offerHours"]
                try db.execute(sql: "UPDATE expertAssignment SET status = 'cancelled', cancelledAt = ? WHERE id = ?", arguments: [date, offer["id"] as Int64])
                try DossierOpening.event(dossier, .expired, "Sans réponse de \(offer["name"] as String) en \(hours) h : l’offre est retirée.", actor: nil, date: date, db: db)
                try db.execute(sql: "INSERT INTO notification (userId, kind, title, body, target, createdAt) VALUES (?, 'assignment', ?, ?, NULL, ?)", arguments: [
                    offer["userId"] as Int64, "Offre retirée : dossier n° \(dossier)",
                    "Sans réponse de votre part en \(hours) h, l’offre du dossier n° \(dossier) vous est retirée.", date,
                ])
                try OfferRouting.offerNext(dossier: dossier, now: now, db: db)
            }
            return lapsed.count
        }
    }
}
