public import Foundation
internal import GRDB
public import FTModel

/// A dossier as the admins see it to reassign it: who has it, who the rules would offer it to,
/// and its history.
public struct DossierOverview: Sendable {
    public struct Assignment: Sendable {
        public var id: Int64
        public var expertId: Int64
        public var expert: String
        public var status: String
        public var requestedAt: Date
        public var offerExpiresAt: Date?
    }

    public struct Event: Sendable {
        public var kind: String
        public var text: String
        public var actor: String?
        public var at: Date
    }

    public struct Step: Sendable {
        public var position: Int
        public var title: String
        public var status: String
        public var assigneeRole: String
        public var dueAt: Date?
    }

    public var id: Int64
    public var status: String
    public var scheme: String
    public var productId: Int64
    public var company: String
    public var clientRegion: String
    public var estimatedCents: Int64
    public var createdAt: Date
    public var description: String
    public var assignments: [Assignment]
    public var steps: [Step]
    public var events: [Event]
    /// The experts the scheme's rules would offer it to now, best first, with why (those who
    /// have it now excluded).
    public var candidates: [ExpertRouting.Ranked]

    /// Whether it can change hands: open (eligible or in progress).
    public var isOpen: Bool { status == "eligible" || status == "in_progress" }
    /// The assignment under way (offered, accepted or started), if any.
    public var current: Assignment? { assignments.first { ["pending", "assigned", "in_progress"].contains($0.status) } }
}

/// Why an admin's reassignment was refused, in French, naming the field.
public struct ReassignmentRefused: Error, Sendable {
    public let problem: String
}

extension AppDatabase {
    /// "Anaïs Roux": an expert's name, or nil if there is no such expert.
    public func expertName(id: Int64) throws -> String? {
        try writer.read { db in try String.fetchOne(db, sql: "SELECT firstName || ' ' || lastName FROM expert WHERE id = ?", arguments: [id]) }
    }

    /// The expert whose account has the e-mail address `email` (case ignored), if any.
    public func expertId(email: String) throws -> Int64? {
        try writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT e.id FROM expert e JOIN user u ON u.id = e.userId WHERE u.email = ? COLLATE NOCASE", arguments: [email])
        }
    }

    /// The dossier for the admins' page, or nil if there is none.
    public func dossierOverview(_ id: Int64, candidateLimit: Int = 10) throws -> DossierOverview? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT d.id, d.status, d.productId, d.estimatedCents, d.createdAt, d.description, p.name AS scheme, p.offerHours, p.routingDistanceKm,
                    c.companyName, c.region, c.latitude, c.longitude
                FROM dossier d JOIN eligibleProduct p ON p.id = d.productId JOIN client c ON c.id = d.clientId WHERE d.id = ?
                """, arguments: [id])
            else { return nil }
            let assignments = try Row.fetchAll(db, sql: """
                SELECT a.id, a.expertId, e.firstName || ' ' || e.lastName AS name, a.status, a.requestedAt, a.offerExpiresAt
                FROM expertAssignment a JOIN expert e ON e.id = a.expertId WHERE a.dossierId = ? ORDER BY a.requestedAt DESC, a.id DESC
                """, arguments: [id]).map { row in
                DossierOverview.Assignment(id: row["id"], expertId: row["expertId"], expert: row["name"], status: row["status"], requestedAt: row["requestedAt"], offerExpiresAt: row["offerExpiresAt"])
            }
            let steps = try Row.fetchAll(db, sql: "SELECT position, coalesce(title, type) AS title, status, assigneeRole, dueAt FROM dossierStep WHERE dossierId = ? ORDER BY position", arguments: [id]).map { row in
                DossierOverview.Step(position: row["position"], title: row["title"], status: row["status"], assigneeRole: row["assigneeRole"], dueAt: row["dueAt"])
            }
            let events = try Row.fetchAll(db, sql: """
                SELECT v.kind, v.text, v.createdAt, u.displayName FROM dossierEvent v LEFT JOIN user u ON u.id = v.actorId
                WHERE v.dossierId = ? ORDER BY v.createdAt DESC, v.id DESC
                """, arguments: [id]).map { row in
                DossierOverview.Event(kind: row["kind"], text: row["text"], actor: row["displayName"], at: row["createdAt"])
            }
            let busy = Set(assignments.filter { ["pending", "assigned", "in_progress"].contains($0.status) }.map(\.expertId))
            let point: GeoPoint? = (row["latitude"] as Double?).flatMap { latitude in (row["longitude"] as Double?).map { GeoPoint(latitude: latitude, longitude: $0) } }
            let request = ExpertRouting.Request(region: row["region"], point: point, excluded: busy)
            let rule = ExpertRouting.Rule(maximumDistanceKm: row["routingDistanceKm"], offerHours: row["offerHours"])
            let candidates = ExpertRouting.rank(try OfferRouting.candidates(product: row["productId"], near: request, rule: rule, db: db), for: request, rule: rule)
            return DossierOverview(
                id: id, status: row["status"], scheme: row["scheme"], productId: row["productId"], company: row["companyName"], clientRegion: row["region"],
                estimatedCents: row["estimatedCents"], createdAt: row["createdAt"], description: row["description"],
                assignments: assignments, steps: steps, events: events, candidates: Array(candidates.prefix(candidateLimit))
            )
        }
    }

    /// An admin takes an open dossier from whoever has it (the offer withdrawn or the assignment
    /// ended, that expert told why) and offers it to `expert` — any approved, active expert who
    /// holds the scheme, wherever they work — or, with nil, to the next expert by the scheme's
    /// rules. The reason is required and goes into the dossier's history and the audit log.
    /// Returns the expert offered it (nil: nobody eligible, the history says so). Refused
    /// (`ReassignmentRefused`, nothing changed): a closed dossier, no reason, an expert who cannot
    /// take it, the expert who already has it.
    @discardableResult
    public func reassignDossier(_ id: Int64, to expert: Int64?, reason: String, by admin: Int64, now: Date) throws -> Int64? {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw ReassignmentRefused(problem: "Motif manquant (champ « motif ») : il est écrit dans l’historique du dossier et à l’expert qui le perd.") }
        guard reason.count <= 500 else { throw ReassignmentRefused(problem: "Motif trop long (champ « motif ») : 500 caractères au plus, il en a \(reason.count).") }
        return try writer.write { db in
            guard let dossier = try Row.fetchOne(db, sql: """
                SELECT d.status, d.productId, d.estimatedCents, p.name AS scheme, p.offerHours, c.companyName
                FROM dossier d JOIN eligibleProduct p ON p.id = d.productId JOIN client c ON c.id = d.clientId WHERE d.id = ?
                """, arguments: [id])
            else { throw ReassignmentRefused(problem: "Aucun dossier n° \(id).") }
            let status: String = dossier["status"]
            guard status == "eligible" || status == "in_progress" else {
                throw ReassignmentRefused(problem: "Le dossier n° \(id) est clos (\(status)) : il ne change plus de mains.")
            }
            let open = try Row.fetchAll(db, sql: """
                SELECT a.id, a.expertId, e.userId, e.firstName || ' ' || e.lastName AS name FROM expertAssignment a JOIN expert e ON e.id = a.expertId
                WHERE a.dossierId = ? AND a.status IN ('pending', 'assigned', 'in_progress')
                """, arguments: [id])
            var chosen: String?
            if let expert {
                guard let row = try Row.fetchOne(db, sql: """
                    SELECT e.firstName || ' ' || e.lastName AS name, e.approval, e.active AND u.active AND u.deletedAt IS NULL AS usable,
                        EXISTS (SELECT 1 FROM expertSpecialty s WHERE s.expertId = e.id AND s.productId = ?) AS holds
                    FROM expert e JOIN user u ON u.id = e.userId WHERE e.id = ?
                    """, arguments: [dossier["productId"] as Int64, expert])
                else { throw ReassignmentRefused(problem: "Aucun expert n° \(expert) (champ « expert »).") }
                let name: String = row["name"]
                guard row["approval"] == "approved", row["usable"] as Bool else {
                    throw ReassignmentRefused(problem: "\(name) (expert n° \(expert)) n’est pas un expert approuvé et actif : il ne peut pas recevoir de dossier.")
                }
                guard row["holds"] as Bool else {
                    throw ReassignmentRefused(problem: "\(name) (expert n° \(expert)) ne traite pas « \(dossier["scheme"] as String) » : choisissez un expert de ce dispositif.")
                }
                guard !open.contains(where: { $0["expertId"] as Int64 == expert }) else {
                    throw ReassignmentRefused(problem: "\(name) a déjà ce dossier.")
                }
                chosen = name
            }
            let date = DatabaseDate.string(from: now)
            for assignment in open {
                try db.execute(sql: "UPDATE expertAssignment SET status = 'cancelled', cancelledAt = ? WHERE id = ?", arguments: [date, assignment["id"] as Int64])
                try db.execute(sql: "INSERT INTO notification (userId, kind, title, body, target, createdAt) VALUES (?, 'assignment', ?, ?, NULL, ?)", arguments: [
                    assignment["userId"] as Int64, "Dossier n° \(id) confié à un autre expert",
                    "Un administrateur a confié le dossier n° \(id) à un autre expert. Motif : \(reason)", date,
                ])
            }
            let previous = open.map { $0["name"] as String }.joined(separator: ", ")
            let taken = previous.isEmpty ? "" : " (il était à \(previous))"
            let next = chosen.map { "confié à \($0)" } ?? "confié à l’expert suivant selon les règles du dispositif"
            try DossierOpening.event(id, .reassigned, "Réattribué par un administrateur\(taken), \(next). Motif : \(reason)", actor: admin, date: date, db: db)
            let offered: Int64?
            if let expert {
                try DossierOpening.offer(
                    dossier: id, expert: expert, reason: "choisi par un administrateur", scheme: dossier["scheme"], company: dossier["companyName"],
                    amount: (dossier["estimatedCents"] as Int64) / 100, hours: dossier["offerHours"], now: now, db: db
                )
                offered = expert
            } else {
                offered = try OfferRouting.offerNext(dossier: id, now: now, db: db)
            }
            try Self.audit(db, actor: admin, action: "dossier.reassign", userId: admin, entityType: "dossier", entityId: id,
                           detail: ["from": open.map { String($0["expertId"] as Int64) }.joined(separator: ","), "to": offered.map(String.init) ?? "", "reason": reason], now: now)
            return offered
        }
    }
}
