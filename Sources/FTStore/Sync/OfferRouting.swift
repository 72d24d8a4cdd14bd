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
        let ranked = ExpertRouting.rank(try candidates(product: row["productId"], near: request, rule: rule, db: db), for: request, rule: rule)
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

    /// The experts who take `product`'s dossiers and may get this one: approved, active, their
    /// account active, in the client's region or inside the box around the client that holds the
    /// scheme's distance (`ExpertRouting.rank` keeps those truly within it); with their open
    /// assignments, capacity, rating and last offer. The box keeps the per-expert look-ups to the
    /// experts nearby (over all 1,240 experts of a scheme among 10,000, they took 23 ms), and
    /// `CROSS JOIN` keeps SQLite's order: the scheme's experts first (`expertSpecialty_productId`),
    /// not every approved expert (`expert_published`, which it chose otherwise: 11 ms, not 1.2),
    /// each looked up in the narrow `expert_routing` index rather than in the wide rows.
    static func candidates(product: Int64, near request: ExpertRouting.Request, rule: ExpertRouting.Rule, db: Database) throws -> [ExpertRouting.Candidate] {
        // One degree of latitude is 111 km; of longitude, 111 km × cos(latitude). Slightly larger: a box that holds the circle.
        let box: (Double, Double, Double, Double) = request.point.map { point in
            let dLat = rule.maximumDistanceKm / 110
            let dLon = rule.maximumDistanceKm / max(1, 110 * cos(min(89, abs(point.latitude)) * .pi / 180))
            return (point.latitude - dLat, point.latitude + dLat, point.longitude - dLon, point.longitude + dLon)
        } ?? (1, 0, 1, 0)  // no point: an empty box, the region alone
        return try Row.fetchAll(db.cachedStatement(sql: """
            SELECT e.id, e.firstName || ' ' || e.lastName AS name, e.region, e.latitude, e.longitude, e.capacity,
                (SELECT count(*) FROM expertAssignment a WHERE a.expertId = e.id AND a.status IN ('pending', 'assigned', 'in_progress')) AS open,
                (SELECT avg(score) FROM rating r WHERE r.expertId = e.id) AS rating,
                (SELECT max(requestedAt) FROM expertAssignment a WHERE a.expertId = e.id) AS lastOffer
            FROM expertSpecialty s CROSS JOIN expert e INDEXED BY expert_routing CROSS JOIN user u
            WHERE s.productId = ? AND e.id = s.expertId AND u.id = e.userId
              AND e.approval = 'approved' AND e.active = 1 AND u.active = 1 AND u.deletedAt IS NULL
              AND (e.region = ? OR (e.latitude BETWEEN ? AND ? AND e.longitude BETWEEN ? AND ?))
            """), arguments: [product, request.region, box.0, box.1, box.2, box.3]).map { row in
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
