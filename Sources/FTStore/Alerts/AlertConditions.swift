internal import FTModel
internal import Foundation
internal import GRDB

/// Each rule's condition as a query: what holds at `now`. Only dossiers still open count
/// (eligible or in progress); an inactive expert is one with missions under way.
enum AlertConditions {
    static let openDossier = "d.status IN ('eligible', 'in_progress')"

    static func matches(of rule: AlertRule, now: Date, workingHours: WorkingHours, health: ServiceHealth?, db: Database) throws -> [AlertMatch] {
        let threshold = rule.threshold
        switch rule.kind {
        case .apiSlow:
            // Twenty requests at least: one slow request of five is not a trend.
            guard let health, health.requests >= 20, let p95 = health.p95Milliseconds, p95 > Double(threshold) else { return [] }
            let minutes = health.windowSeconds / 60
            return [AlertMatch(
                subject: "api:p95", dossierId: nil, title: "L’API répond lentement : \(Int(p95.rounded())) ms au 95e centile",
                body: "Sur les \(minutes) dernières minutes, 95 % des \(health.requests) requêtes de l’API ont répondu en \(Int(p95.rounded())) ms ou moins : c’est au-dessus du seuil de \(threshold) ms.",
                target: "/admin/alertes.html"
            )]
        case .serverErrors:
            guard let health, health.serverErrors >= max(1, threshold) else { return [] }
            let minutes = health.windowSeconds / 60
            return [AlertMatch(
                subject: "server:5xx", dossierId: nil, title: health.serverErrors == 1 ? "Le serveur a répondu une erreur 5xx" : "Le serveur a répondu \(health.serverErrors) erreurs 5xx",
                body: "\(health.serverErrors == 1 ? "Une requête a reçu" : "\(health.serverErrors) requêtes ont reçu") une erreur du serveur (5xx) dans les \(minutes) dernières minutes. Le journal de ft serve en dit la cause.",
                target: "/admin/alertes.html"
            )]
        case .slaAtRisk, .slaBreached:
            return try Row.fetchAll(db, sql: """
                SELECT a.id, a.dossierId, p.name, p.slaDays, julianday(?) - julianday(a.requestedAt) AS elapsed, e.userId
                FROM expertAssignment a JOIN dossier d ON d.id = a.dossierId JOIN eligibleProduct p ON p.id = d.productId
                JOIN expert e ON e.id = a.expertId
                WHERE a.status IN ('pending', 'assigned', 'in_progress') AND \(openDossier)
                """, arguments: [now]).compactMap { row in
                let sla = Double(row["slaDays"] as Int)
                let elapsed: Double = row["elapsed"]
                let dossier: Int64 = row["dossierId"]
                let product: String = row["name"]
                let days = Int(elapsed.rounded(.down))
                if rule.kind == .slaAtRisk {
                    guard elapsed > sla * Double(threshold) / 100, elapsed <= sla else { return nil }
                    return AlertMatch(
                        subject: "assignment:\(row["id"] as Int64)", dossierId: dossier, title: "Délai menacé — dossier n° \(dossier)",
                        body: "La mission \(product) en est à \(days) jours sur les \(Int(sla)) de son délai.", target: "dossier:\(dossier)", experts: [row["userId"]]
                    )
                }
                guard elapsed > sla + Double(threshold) else { return nil }
                return AlertMatch(
                    subject: "assignment:\(row["id"] as Int64)", dossierId: dossier, title: "Délai dépassé — dossier n° \(dossier)",
                    body: "La mission \(product) a dépassé son délai de \(Int(sla)) jours (\(days) jours écoulés).", target: "dossier:\(dossier)", experts: [row["userId"]]
                )
            }
        case .stepDue, .stepOverdue:
            let window: (String, StatementArguments) = rule.kind == .stepDue
                ? ("s.dueAt > ? AND s.dueAt <= ?", [now, now.addingTimeInterval(Double(threshold) * 86_400)])
                : ("s.dueAt <= ?", [now.addingTimeInterval(-Double(threshold) * 86_400)])
            return try Row.fetchAll(db, sql: """
                SELECT s.id, s.dossierId, s.position, s.dueAt FROM dossierStep s JOIN dossier d ON d.id = s.dossierId
                WHERE s.status <> 'completed' AND s.dueAt IS NOT NULL AND \(window.0) AND \(openDossier)
                """, arguments: window.1).map { row in
                let dossier: Int64 = row["dossierId"]
                let due = FrenchDates.day(row["dueAt"] as Date)
                let position: Int = row["position"]
                return rule.kind == .stepDue
                    ? AlertMatch(subject: "step:\(row["id"] as Int64)", dossierId: dossier, title: "Étape \(position) à terminer le \(due) — dossier n° \(dossier)",
                                 body: "L’étape \(position) du dossier n° \(dossier) est à terminer d’ici le \(due).", target: "dossier:\(dossier)")
                    : AlertMatch(subject: "step:\(row["id"] as Int64)", dossierId: dossier, title: "Étape \(position) en retard — dossier n° \(dossier)",
                                 body: "L’étape \(position) du dossier n° \(dossier) devait être terminée le \(due).", target: "dossier:\(dossier)")
            }
        case .messageUnanswered:
            // A working hour is never shorter than an hour: older than `threshold` hours first.
            return try Row.fetchAll(db, sql: """
                SELECT m.conversationId, c.dossierId, min(m.createdAt) AS since
                FROM message m JOIN conversation c ON c.id = m.conversationId JOIN dossier d ON d.id = c.dossierId
                WHERE m.authorRole = 'client' AND m.deletedAt IS NULL AND m.createdAt <= ? AND \(openDossier)
                  AND NOT EXISTS (SELECT 1 FROM message x WHERE x.conversationId = m.conversationId AND x.authorRole IN ('expert', 'admin')
                                  AND x.createdAt >= m.createdAt AND x.deletedAt IS NULL)
                GROUP BY m.conversationId
                """, arguments: [now.addingTimeInterval(-Double(threshold) * 3_600)]).compactMap { row in
                let since: Date = row["since"]
                let waited = workingHours.hours(from: since, to: now)
                guard waited >= Double(threshold) else { return nil }
                let conversation: Int64 = row["conversationId"]
                let dossier: Int64 = row["dossierId"]
                return AlertMatch(
                    subject: "conversation:\(conversation)", dossierId: dossier, title: "Un client attend votre réponse — dossier n° \(dossier)",
                    body: "Un message du client attend une réponse depuis \(Int(waited)) heures ouvrées.", target: "conversation:\(conversation)"
                )
            }
        case .documentWaiting:
            return try Row.fetchAll(db, sql: """
                SELECT v.id, doc.dossierId, doc.title, v.fileName FROM documentVersion v JOIN document doc ON doc.id = v.documentId
                JOIN dossier d ON d.id = doc.dossierId
                WHERE v.validation = 'pending' AND v.uploadedAt <= ? AND \(openDossier)
                  AND NOT EXISTS (SELECT 1 FROM documentVersion w WHERE w.documentId = v.documentId AND w.uploadedAt > v.uploadedAt)
                """, arguments: [now.addingTimeInterval(-Double(threshold) * 86_400)]).map { row in
                let dossier: Int64 = row["dossierId"]
                return AlertMatch(
                    subject: "version:\(row["id"] as String)", dossierId: dossier, title: "Document à valider — dossier n° \(dossier)",
                    body: "« \(row["title"] as String) » (\(row["fileName"] as String)) attend sa validation depuis plus de \(threshold) jours.",
                    target: "dossier:\(dossier)"
                )
            }
        case .expertInactive:
            return try Row.fetchAll(db, sql: """
                SELECT e.id, e.userId, e.firstName || ' ' || e.lastName AS name, count(*) AS missions FROM expert e
                JOIN expertAssignment a ON a.expertId = e.id AND a.status IN ('assigned', 'in_progress')
                WHERE e.active = 1 AND e.approval = 'approved'
                GROUP BY e.id
                HAVING max(
                    coalesce(max(a.startedAt), ''), coalesce(max(a.acceptedAt), ''), coalesce(max(a.requestedAt), ''),
                    coalesce((SELECT max(m.createdAt) FROM message m WHERE m.authorId = e.userId), ''),
                    coalesce((SELECT max(v.uploadedAt) FROM documentVersion v WHERE v.uploadedBy = e.userId), ''),
                    coalesce((SELECT max(v.validatedAt) FROM documentVersion v WHERE v.validatedBy = e.userId), '')
                ) <= ?
                """, arguments: [now.addingTimeInterval(-Double(threshold) * 86_400)]).map { row in
                let name: String = row["name"]
                let missions: Int = row["missions"]
                return AlertMatch(
                    subject: "expert:\(row["id"] as Int64)", dossierId: nil, title: "Aucune activité depuis \(threshold) jours : \(name)",
                    body: "\(name) n’a rien fait depuis \(threshold) jours sur \(missions == 1 ? "sa mission en cours" : "ses \(missions) missions en cours").",
                    target: "/app/index.html", experts: [row["userId"]]
                )
            }
        }
    }
}

/// Dates as the alerts say them: "12 décembre 2026", Paris time.
enum FrenchDates {
    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Paris") ?? .gmt
        let parts = calendar.dateComponents([.day, .month, .year], from: date)
        let months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]
        return "\(parts.day ?? 1) \(months[max(0, min(11, (parts.month ?? 1) - 1))]) \(parts.year ?? 1970)"
    }
}
