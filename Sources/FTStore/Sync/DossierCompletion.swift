internal import Foundation
internal import GRDB
internal import FTModel

/// A dossier whose last step is completed is done: its assignment is completed (which opens the
/// client's rating of the expert, `SyncLocator`'s `ratingAllowed`), its history says so, and its
/// client is told, with the way to rate.
enum DossierCompletion {
    static func afterStepCompleted(dossier: Int64, date: String, db: Database) throws {
        let open = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM dossierStep WHERE dossierId = ? AND status <> 'completed'"), arguments: [dossier]) ?? 0
        guard open == 0,
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT d.status, c.userId AS client, p.name AS scheme,
                    (SELECT e.firstName || ' ' || e.lastName FROM expertAssignment a JOIN expert e ON e.id = a.expertId
                     WHERE a.dossierId = d.id AND a.status IN ('assigned', 'in_progress') ORDER BY a.id LIMIT 1) AS expert
                FROM dossier d JOIN client c ON c.id = d.clientId JOIN eligibleProduct p ON p.id = d.productId WHERE d.id = ?
                """), arguments: [dossier]),
            row["status"] == DossierStatus.inProgress.rawValue || row["status"] == DossierStatus.eligible.rawValue
        else { return }
        try db.cachedStatement(sql: "UPDATE dossier SET status = 'done', closedAt = ?, updatedAt = ? WHERE id = ?").execute(arguments: [date, date, dossier])
        try db.cachedStatement(sql: """
            UPDATE expertAssignment SET status = 'completed', completedAt = ?, startedAt = coalesce(startedAt, acceptedAt, requestedAt)
            WHERE dossierId = ? AND status IN ('assigned', 'in_progress')
            """).execute(arguments: [date, dossier])
        let expert: String? = row["expert"]
        try DossierOpening.event(dossier, .completed, "Toutes les étapes sont terminées : dossier clos.", actor: nil, date: date, db: db)
        let scheme: String = row["scheme"]
        try db.cachedStatement(sql: "INSERT INTO notification (userId, kind, title, body, target, createdAt) VALUES (?, 'assignment', ?, ?, ?, ?)").execute(arguments: [
            row["client"] as Int64, "Dossier n° \(dossier) terminé",
            expert.map { "Toutes les étapes de votre dossier (\(scheme)) sont terminées. Vous pouvez maintenant noter \($0) dans la conversation du dossier." }
                ?? "Toutes les étapes de votre dossier (\(scheme)) sont terminées.",
            "dossier:\(dossier)", date,
        ])
    }
}
