internal import Foundation
internal import GRDB
internal import FTModel
internal import FTSync

/// An expert's answer to an offer (an `offer` update the validator accepted: theirs, still
/// pending), projected in the push's transaction: accepted, the assignment starts and the dossier
/// is in progress; declined, the assignment is cancelled with the reason and the dossier is
/// offered to the next expert by the rules. Either way the dossier's history says so and its
/// client is told.
enum OfferAnswer {
    /// `date`: when the expert answered (the answer's stamp); `now`: the server's time, for the next offer.
    static func apply(_ answer: OfferState.Answer, offer: Int64, dossier: Int64, date: String, now: Date, db: Database) throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT a.status, e.firstName || ' ' || e.lastName AS name, c.userId AS client, p.name AS scheme
            FROM expertAssignment a JOIN expert e ON e.id = a.expertId JOIN dossier d ON d.id = a.dossierId
            JOIN client c ON c.id = d.clientId JOIN eligibleProduct p ON p.id = d.productId WHERE a.id = ?
            """), arguments: [offer]), row["status"] == "pending"
        else { return }
        let name: String = row["name"]
        let scheme: String = row["scheme"]
        let reason = answer.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        let title: String
        let body: String
        if answer.answer == "accepted" {
            try db.cachedStatement(sql: "UPDATE expertAssignment SET status = 'assigned', acceptedAt = ? WHERE id = ?").execute(arguments: [date, offer])
            try db.cachedStatement(sql: "UPDATE dossier SET status = 'in_progress', updatedAt = ? WHERE id = ? AND status = 'eligible'").execute(arguments: [date, dossier])
            try DossierOpening.event(dossier, .accepted, "Accepté par \(name).", actor: answer.by, date: date, db: db)
            title = "\(name) prend votre dossier"
            body = "\(name) a accepté votre dossier n° \(dossier) (\(scheme)). Vous pouvez lui écrire dans l’application."
        } else {
            try db.cachedStatement(sql: "UPDATE expertAssignment SET status = 'cancelled', cancelledAt = ? WHERE id = ?").execute(arguments: [date, offer])
            try DossierOpening.event(dossier, .declined, reason.isEmpty ? "Décliné par \(name)." : "Décliné par \(name) : \(reason)", actor: answer.by, date: date, db: db)
            // The next expert by the rules gets it (the one who declined is not offered it again).
            try OfferRouting.offerNext(dossier: dossier, now: now, db: db)
            title = "\(name) ne peut pas prendre votre dossier"
            body = reason.isEmpty ? "Votre dossier n° \(dossier) (\(scheme)) n’a pas encore d’expert." : "Votre dossier n° \(dossier) (\(scheme)) n’a pas encore d’expert. Sa raison : \(reason)"
        }
        try db.cachedStatement(sql: "INSERT INTO notification (userId, kind, title, body, target, createdAt) VALUES (?, 'assignment', ?, ?, ?, ?)")
            .execute(arguments: [row["client"] as Int64, title, String(body.prefix(1_000)), "dossier:\(dossier)", date])
    }
}
