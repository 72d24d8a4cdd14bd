internal import Foundation
internal import GRDB
internal import FTModel

/// "Étape terminée : Analyse de l'expert": a step a person moved is told to the dossier's other
/// participants (its client and the experts of its open assignments), kind `step_changed` — in
/// the app, and by push unless they turned it off (`NotificationPolicy.defaultEnabled`).
enum StepNotice {
    static let statusWords: [String: String] = [
        StepStatus.pending.rawValue: "à faire", StepStatus.inProgress.rawValue: "en cours",
        StepStatus.completed.rawValue: "terminée", StepStatus.overdue.rawValue: "en retard",
    ]

    static func write(step: Int64, status: String, dossier: Int64, actor: Int64, date: String, db: Database) throws {
        guard let word = statusWords[status],
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT s.position, s.title, s.type, p.name AS scheme, (SELECT displayName FROM user WHERE id = ?) AS who
                FROM dossierStep s JOIN dossier d ON d.id = s.dossierId JOIN eligibleProduct p ON p.id = d.productId WHERE s.id = ?
                """), arguments: [actor, step])
        else { return }
        let title: String = (row["title"] as String?) ?? Self.typeTitles[row["type"] as String] ?? "Étape"
        let position: Int = row["position"]
        let scheme: String = row["scheme"]
        let who: String = row["who"] ?? "Un participant"
        try db.cachedStatement(sql: """
            INSERT INTO notification (userId, kind, title, body, target, createdAt)
            SELECT p.userId, 'step_changed', ?, ?, ?, ? FROM (
                SELECT c.userId AS userId FROM dossier d JOIN client c ON c.id = d.clientId WHERE d.id = ?5
                UNION SELECT e.userId FROM expertAssignment a JOIN expert e ON e.id = a.expertId
                WHERE a.dossierId = ?5 AND a.status IN ('assigned', 'in_progress', 'completed')
            ) p WHERE p.userId <> ?6
            """).execute(arguments: [
                "Étape \(word) : \(title)",
                "Dossier n° \(dossier) (\(scheme)) : \(who) a passé l’étape \(position) « \(title) » à « \(word) ».",
                "dossier:\(dossier)", date, dossier, actor,
            ])
    }

    static let typeTitles = [
        "validation": "Validation", "documentation": "Pièces justificatives", "expertise": "Expertise", "approval": "Accord", "payment": "Paiement",
    ]
}
