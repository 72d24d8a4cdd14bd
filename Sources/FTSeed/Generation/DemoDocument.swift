internal import Foundation
internal import FTModel
internal import FTStore

/// The content of a demo document version: a short French text file that says what it is, made
/// only from the row's own values, so the same arguments always give the same bytes.
enum DemoDocument {
    static func text(category: DocumentCategory, title: String, version: Int, dossier: Int64, uploaded: Date) -> String {
        let day = Self.day(uploaded)
        let reference = "FT-\(dossier)-\(version)"
        var lines = [title, String(repeating: "=", count: title.count), "", "Dossier n° \(dossier) — version \(version), déposée le \(day)", "Référence : \(reference)", ""]
        switch category {
        case .invoice:
            let amount = 1_200 + Int(dossier % 37) * 315 + version * 40
            lines += [
                "Relevé des factures fournisseurs retenues pour le calcul du remboursement.",
                "",
                "Fournisseur                      Montant HT",
                "Carburants du Centre             \(amount) €",
                "Transports Martin et fils        \(amount / 2 + 85) €",
                "Total HT                         \(amount + amount / 2 + 85) €",
            ]
        case .contract:
            lines += [
                "Lettre de mission",
                "",
                "Le client confie à l'expert l'analyse de son éligibilité et la constitution du dossier.",
                "Honoraires : au succès, sur les sommes effectivement obtenues.",
                "Durée : jusqu'à la clôture du dossier.",
            ]
        case .report:
            lines += [
                "Rapport d'analyse",
                "",
                "1. Périmètre : exercices clos et en cours.",
                "2. Constats : les justificatifs reçus couvrent la période demandée.",
                "3. Recommandation : déposer la demande avec les pièces listées ci-dessus.",
            ]
        case .certificate:
            lines += [
                "Attestation de dépôt",
                "",
                "L'administration accuse réception de la demande déposée le \(day).",
                "Numéro d'enregistrement : \(reference)-A.",
            ]
        case .other:
            lines += [
                "Extrait d'immatriculation",
                "",
                "Document fourni à l'appui du dossier, à jour à la date de dépôt.",
            ]
        }
        lines += ["", "Document de démonstration généré par FinancialTracker."]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `2026-11-20`, in UTC.
    private static func day(_ date: Date) -> String {
        let (year, month, day) = CivilDate.from(daysSince1970: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}
