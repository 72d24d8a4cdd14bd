internal import Foundation
internal import FTModel
internal import FTStore

extension SeedContext {
    /// A few notifications, most of them read, and for some users a changed preference.
    func insertNotifications(userId: Int64, role: Role, since: Date, rng: inout DemoRandom, into batch: inout StoreBatch) throws {
        let kinds: [(NotificationKind, String, String)] = role == .client
            ? [
                (.message, "Nouveau message", "Votre expert vous a écrit au sujet de votre dossier."),
                (.stepDue, "Étape à compléter", "Merci de déposer les pièces demandées avant l'échéance."),
                (.document, "Document validé", "Votre expert a validé un document."),
                (.newExpert, "Nouvel expert près de chez vous", "Un expert vient de rejoindre la place de marché."),
            ]
            : [
                (.assignment, "Nouvelle mission", "Un client vous a confié un dossier."),
                (.message, "Nouveau message", "Un client vous a écrit."),
                (.stepOverdue, "Étape en retard", "Une étape d'un de vos dossiers a dépassé son échéance."),
                (.rating, "Nouvel avis", "Un client a noté votre intervention."),
            ]
        for _ in 0..<rng.int(0...4) {
            let (kind, title, body) = rng.pick(kinds)
            let created = after(since, days: rng.double(0...max(1, today.timeIntervalSince(since) / 86_400)))
            try batch.insert(UserNotification(
                userId: userId, kind: kind, title: title, body: body, target: "/app/",
                createdAt: created, readAt: rng.chance(0.6) ? after(created, days: rng.double(0...3)) : nil
            ))
        }
        if rng.chance(0.1) {
            try batch.insert(NotificationPreference(userId: userId, kind: .message, channel: .push, enabled: true))
            try batch.insert(NotificationPreference(userId: userId, kind: .newExpert, channel: .email, enabled: false))
        }
    }
}
